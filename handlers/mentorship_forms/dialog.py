"""The mentorship wizards' windows: texts and widgets only (``actions.py`` does,
``getters.py`` shows; the flow is drawn in ``states.py``)."""

from __future__ import annotations

from aiogram_dialog import Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row
from aiogram_dialog.widgets.text import Format, Multi

from bot.dialogs import N_, ButtonsDialog, T, choices
from handlers.mentorship_forms import actions
from handlers.mentorship_forms.getters import step_getter
from handlers.mentorship_forms.states import MentorshipForm, OFFER_STEPS, SEEK_STEPS


def step_window(window: str) -> Window:
    width = 5 if window == "places" else 1
    return Window(
        Multi(
            T(N_("Step {step_no} of {total} · {field}")),
            Format("⚠️ {error}", when="error"),
            Format("{question}"),
            T(N_("Your answer: {answer}"), when="has_answer"),
            sep="\n\n",
        ),
        choices("pick", "choices", actions.on_pick, width),
        Button(T(N_("Done")), id="done", on_click=actions.on_done, when="multi"),
        Row(Button(T(N_("« Back")), id="back", on_click=actions.on_back),
            Button(T(N_("Keep")), id="keep", on_click=actions.on_keep, when="can_keep")),
        MessageInput(actions.on_message),
        state=getattr(MentorshipForm, window),
        getter=step_getter,
    )


def create_dialog() -> ButtonsDialog:
    return ButtonsDialog(*(step_window(window) for window in (*OFFER_STEPS, *SEEK_STEPS)),
                         on_start=actions.on_start)
