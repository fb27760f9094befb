"""The profile dialog's windows: texts and widgets only (what they do is in ``actions.py``,
what they show in ``getters.py``; the flow is drawn in ``states.py``)."""

from __future__ import annotations

from operator import itemgetter

from aiogram_dialog import Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Row, Select
from aiogram_dialog.widgets.text import Format, Multi

from bot.dialogs import N_, ButtonsDialog, T
from bot.services.onboarding import CHOICE_STEPS, MULTI_STEPS, OPTIONAL_STEPS
from handlers.onboarding import actions
from handlers.onboarding.getters import (
    country_confirm_getter,
    profile_getter,
    question_getter,
    summary_getter,
)
from handlers.onboarding.states import STEP_STATES, ProfileDialog

QUESTIONS = ("name", "country", "agency", "agency_other", "position", "years", "expertise",
             "languages", "bio", "visibility")


def _reason_and_note() -> list[Format]:
    return [Format("⚠️ {error}", when="error"), Format("{note}", when="note")]


def question_window(step: str) -> Window:
    widgets: list[object] = []
    if step in CHOICE_STEPS or step in MULTI_STEPS:
        select = Select(Format("{item[1]}"), id="pick", item_id_getter=itemgetter(0),
                        items="choices", on_click=actions.on_choice)
        widgets.append(Group(select, width=1 if step in ("agency", "expertise") else 2))
    if step in MULTI_STEPS:
        widgets.append(Button(T(N_("Done")), id="done", on_click=actions.on_done))
    nav: list[object] = [
        Button(T(N_("« Back")), id="back", on_click=actions.on_back, when="can_back"),
        Button(T(N_("Keep")), id="keep", on_click=actions.on_keep, when="can_keep"),
    ]
    if step in OPTIONAL_STEPS:
        nav.append(Button(T(N_("Leave empty")), id="clear", on_click=actions.on_leave_empty))
    return Window(
        Multi(
            Format("{note}", when="note"),
            T(N_("Step {step_no} of {total} · {field}"), when="signup"),
            T(N_("Changing your answer · {field}"), when="editing"),
            Format("⚠️ {error}", when="error"),
            Format("{question}"),
            T(N_("Your answer: {answer}"), when="has_answer"),
            T(N_("“Leave empty” removes this answer."), when="optional_filled"),
            T(N_("Nothing to add? Press “Leave empty”."), when="optional_empty"),
            sep="\n\n",
        ),
        *widgets,  # type: ignore[arg-type]
        Row(*nav),  # type: ignore[arg-type]
        MessageInput(actions.on_message),
        state=STEP_STATES[step],
        getter=question_getter,
    )


def edit_buttons() -> Group:
    return Group(Select(Format("{item[1]}"), id="edit", item_id_getter=itemgetter(0),
                        items="edits", on_click=actions.on_edit), width=2)


def create_dialog() -> ButtonsDialog:
    return ButtonsDialog(
        *(question_window(step) for step in QUESTIONS),
        Window(
            Multi(
                *_reason_and_note(),
                T(N_("Please check your profile before you send it:")),
                Format("{card}"),
                sep="\n\n",
            ),
            edit_buttons(),
            Button(T(N_("Send application")), id="submit", on_click=actions.on_submit),
            MessageInput(actions.on_message),
            state=ProfileDialog.summary,
            getter=summary_getter,
        ),
        Window(
            Multi(
                *_reason_and_note(),
                T(N_("Your profile")),
                Format("{card}"),
                sep="\n\n",
            ),
            edit_buttons(),
            Button(T(N_("Send application again")), id="submit", on_click=actions.on_submit,
                   when="may_resubmit"),
            MessageInput(actions.on_message),
            state=ProfileDialog.profile,
            getter=profile_getter,
        ),
        Window(
            T(N_("Change your country to {new_country}? Your profile goes back to review by "
                 "the coordinator of {new_country}, and until then member features are paused "
                 "(you leave the chats of {old_country})."), when="member"),
            T(N_("Change your country to {new_country}? Your application goes to the "
                 "coordinator of {new_country} instead."), when="waiting"),
            T(N_("Change your country to {new_country}?"), when="other"),
            Row(
                Button(T(N_("Confirm")), id="confirm", on_click=actions.on_confirm_country),
                Button(T(N_("Keep")), id="keep", on_click=actions.on_keep_country),
            ),
            MessageInput(actions.on_message),
            state=ProfileDialog.country_confirm,
            getter=country_confirm_getter,
        ),
        on_start=actions.on_start,
    )
