"""The profile dialog (aiogram-dialog): the sign-up wizard, and /profile edits of one answer.

``states.py`` names the windows (the flow's diagram is there), ``dialog.py`` draws them,
``getters.py`` reads what they show, ``actions.py`` does what the buttons and typed answers
mean through :class:`bot.services.onboarding.OnboardingService`, ``handoff.py`` tells the
reviewers and coordinators. The dialog's stack is kept in the bot's SQLite FSM storage, so a
restart keeps it; /cancel or another command closes it (``bot.dialogs.close_open_dialog``).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command

from handlers.onboarding.actions import open_profile_dialog
from handlers.onboarding.states import ProfileDialog

__all__ = ["ProfileDialog", "create_router", "open_profile_dialog"]


def create_router() -> Router:
    from handlers.onboarding.dialog import create_dialog
    from aiogram_dialog.utils import CB_SEP

    from bot.callbacks import WizardCb
    from handlers.onboarding.entry import cmd_profile, earlier_wizard_button, outside_the_dialog

    router = Router(name="onboarding")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_profile, Command("profile"))
    router.callback_query.register(earlier_wizard_button, WizardCb.filter())
    router.include_router(create_dialog())
    after = Router(name="onboarding-outside")
    after.message.register(outside_the_dialog, F.chat.type == "private",
                           ~F.text.startswith("/"))
    # a dialog button of a message that is no longer the live one (bot.dialogs.LiveMessageOnly)
    after.callback_query.register(earlier_wizard_button, F.data.contains(CB_SEP))
    router.include_router(after)
    return router
