"""/introduce: ask to meet a member who fits ("border management, Tajikistan, speaks Russian").

One live dialog: she says whom she wants to meet and why, is shown up to three members who
fit on the fields they made visible and speak a language she speaks, and picks one; that
member decides with the requester's visible profile and reason in front of her. Contacts go
to both only if she agrees, and stay in *My introductions*; a refusal looks to the requester
like no answer. ``states.py`` draws the flow, ``dialog.py`` the windows, ``getters.py`` what
they show, ``actions.py`` what they do, ``messages.py`` what the outbox sends.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command


def renderers(app: Any) -> dict[str, Any]:
    from handlers.introductions.messages import renderers as message_renderers

    return message_renderers(app)


def create_router() -> Router:
    from bot.callbacks import IntroAction, IntroCb
    from handlers.introductions import actions
    from handlers.introductions.dialog import create_dialog

    router = Router(name="introductions")
    router.message.register(actions.cmd_introduce, Command("introduce"),
                            F.chat.type == "private")
    for action, handler in ((IntroAction.ASK, actions.cb_ask),
                            (IntroAction.AGREE, actions.cb_agree),
                            (IntroAction.DECLINE, actions.cb_decline),
                            (IntroAction.BLOCK, actions.cb_block),
                            (IntroAction.BLOCK_YES, actions.cb_block_yes),
                            (IntroAction.BLOCK_NO, actions.cb_block_no)):
        router.callback_query.register(handler, IntroCb.filter(F.action == action))
    router.include_router(create_dialog())
    return router
