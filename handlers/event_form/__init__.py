"""The organiser's event dialogs (aiogram-dialog): /newevent as one live message, and
changing or cancelling a published event from /events.

``states.py`` names the windows (the flows' diagrams are there), ``dialog.py`` draws them,
``getters.py`` reads what they show, ``actions.py`` (/newevent) and ``editing.py`` (after
publishing) do what the buttons and typed answers mean, through
:class:`bot.services.events.EventOrganiser` and :class:`bot.services.events.EventService`;
``calendar.py`` is the date picker in her language. The dialogs' stacks are kept in the bot's
SQLite FSM storage; /cancel or another command closes them and discards the draft.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command


def create_router() -> Router:
    from handlers.event_form.actions import cmd_newevent
    from handlers.event_form.dialog import create_edit, create_form

    router = Router(name="event_form")
    router.message.register(cmd_newevent, Command("newevent"), F.chat.type == "private")
    router.include_router(create_form())
    router.include_router(create_edit())
    return router
