"""The /newevent and edit windows: texts and widgets only (what they do is in ``actions.py``
and ``editing.py``, what they show in ``getters.py``; the flows are drawn in ``states.py``)."""

from __future__ import annotations

from operator import itemgetter

from aiogram.fsm.state import State
from aiogram_dialog import Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Row, Select
from aiogram_dialog.widgets.text import Format, Multi

from bot.dialogs import N_, ButtonsDialog, T
from handlers.event_form import actions, editing
from handlers.event_form.calendar import LocalCalendar
from handlers.event_form.context import on_start
from handlers.event_form.getters import (
    confirm_getter,
    preview_getter,
    step_getter,
    tr_getter,
)
from handlers.event_form.states import EventEdit, EventForm

WIDTHS = {"zone": 2, "time": 4, "duration": 3, "audience": 2, "expertise": 1}


def _choices(step: str, on_click: object) -> Group:
    return Group(Select(Format("{item[1]}"), id=f"pick_{step}", item_id_getter=itemgetter(0),
                        items="choices", on_click=on_click),  # type: ignore[arg-type]
                 width=WIDTHS.get(step, 2))


def step_window(step: str, state: State) -> Window:
    widgets: list[object] = []
    if step == "day":
        widgets.append(LocalCalendar(id="calendar", on_click=actions.on_day))
    picks = {"zone": actions.on_zone, "time": actions.on_time,
             "duration": actions.on_duration, "audience": actions.on_audience,
             "expertise": actions.on_expertise}
    if step in picks:
        widgets.append(_choices(step, picks[step]))
    if step == "audience":
        widgets.append(Button(T(N_("Done")), id="aud_done", on_click=actions.on_countries_done,
                              when="countries_chosen"))
        widgets.append(Button(T(N_("Members with an area of expertise")), id="aud_x",
                              on_click=actions.on_expertise_menu, when="is_admin"))
    return Window(
        Multi(
            T(N_("Step {step_no} of {total} · {field}"), when="signup"),
            T(N_("Changing your answer · {field}"), when="editing"),
            Format("⚠️ {error}", when="error"),
            Format("{question}"),
            T(N_("Your answer: {answer}"), when="has_answer"),
            sep="\n\n",
        ),
        *widgets,  # type: ignore[arg-type]
        Row(
            Button(T(N_("« Back")), id="back", on_click=actions.on_back, when="can_back"),
            Button(T(N_("Keep")), id="keep", on_click=actions.on_keep, when="can_keep"),
        ),
        MessageInput(actions.on_message),
        state=state,
        getter=step_getter,
    )


def translation_windows(module: object, group: type[EventForm] | type[EventEdit]
                        ) -> list[Window]:
    back = Button(T(N_("« Back")), id="back",
                  on_click=module.on_back)  # type: ignore[attr-defined]
    keep = Button(T(N_("Keep")), id="keep", on_click=module.on_keep,  # type: ignore[attr-defined]
                  when="has_answer")
    error = Format("⚠️ {error}", when="error")
    answer = T(N_("Your answer: {answer}"), when="has_answer")
    return [
        Window(
            Multi(error, T(N_("In which language?")), sep="\n\n"),
            Group(Select(Format("{item[1]}"), id="tr_pick", item_id_getter=itemgetter(0),
                         items="languages",
                         on_click=module.on_language),  # type: ignore[attr-defined]
                  width=2),
            back,
            MessageInput(module.on_message),  # type: ignore[attr-defined]
            state=group.tr_language, getter=tr_getter,
        ),
        Window(
            Multi(error, T(N_("The title in {language}?")), answer, sep="\n\n"),
            Row(back, keep),
            MessageInput(module.on_message),  # type: ignore[attr-defined]
            state=group.tr_title, getter=tr_getter,
        ),
        Window(
            Multi(error, T(N_("Now the description in {language}.")), answer, sep="\n\n"),
            Row(back, keep),
            MessageInput(module.on_message),  # type: ignore[attr-defined]
            state=group.tr_description, getter=tr_getter,
        ),
    ]


def create_form() -> ButtonsDialog:
    steps = ("title", "description", "zone", "day", "time", "duration", "place", "audience",
             "expertise")
    return ButtonsDialog(
        *(step_window(step, getattr(EventForm, step)) for step in steps),
        Window(
            Multi(Format("⚠️ {error}", when="error"), T(N_("This is how it will look:")),
                  Format("{card}"), sep="\n\n"),
            Button(T(N_("Publish")), id="publish", on_click=actions.on_publish),
            Row(Button(T(N_("Edit")), id="edit", on_click=actions.on_edit),
                Button(T(N_("Add a translation")), id="translate",
                       on_click=actions.on_translate)),
            Button(T(N_("Discard")), id="discard", on_click=actions.on_discard),
            MessageInput(actions.on_message),
            state=EventForm.preview, getter=preview_getter,
        ),
        Window(
            T(N_("What should change?")),
            Group(Select(Format("{item[1]}"), id="change", item_id_getter=itemgetter(0),
                         items="changes", on_click=actions.on_change), width=2),
            Button(T(N_("« Back")), id="back", on_click=actions.on_back),
            MessageInput(actions.on_message),
            state=EventForm.change, getter=preview_getter,
        ),
        *translation_windows(actions, EventForm),
        Window(
            Format("{confirm}"),
            Row(Button(T(N_("« Back")), id="back", on_click=actions.on_back),
                Button(T(N_("Yes, publish")), id="confirm", on_click=actions.on_confirm)),
            MessageInput(actions.on_message),
            state=EventForm.confirm, getter=confirm_getter,
        ),
        on_start=on_start,
    )


def edit_prompt(state: State, *widgets: object, now: bool = True) -> Window:
    """A window of the edit dialog: the reason, the question, what the event has now."""
    texts: list[object] = [Format("⚠️ {error}", when="error"), Format("{prompt}")]
    if now:
        texts.append(T(N_("Now: {answer}"), when="has_answer"))
    return Window(
        Multi(*texts, sep="\n\n"),  # type: ignore[arg-type]
        *widgets,  # type: ignore[arg-type]
        Button(T(N_("« Back")), id="back", on_click=editing.on_back),
        MessageInput(editing.on_message),
        state=state, getter=editing.prompt_getter,
    )


def edit_select(items_id: str, on_click: object, width: int) -> Group:
    return Group(Select(Format("{item[1]}"), id=items_id, item_id_getter=itemgetter(0),
                        items="choices", on_click=on_click),  # type: ignore[arg-type]
                 width=width)


def create_edit() -> ButtonsDialog:
    back = Button(T(N_("« Back")), id="back", on_click=editing.on_back)
    error = Format("⚠️ {error}", when="error")
    return ButtonsDialog(
        Window(
            Multi(error, Format("{note}", when="note"), Format("{card}"),
                  T(N_("What should change?")), sep="\n\n"),
            Group(Select(Format("{item[1]}"), id="field", item_id_getter=itemgetter(0),
                         items="fields", on_click=editing.on_field), width=2),
            Button(T(N_("Close")), id="close", on_click=editing.on_close),
            MessageInput(editing.on_message),
            state=EventEdit.menu, getter=editing.menu_getter,
        ),
        edit_prompt(EventEdit.text),
        edit_prompt(EventEdit.start),
        edit_prompt(EventEdit.duration, edit_select("dur", editing.on_duration, 3)),
        edit_prompt(EventEdit.audience, edit_select("aud", editing.on_audience, 2),
                    Button(T(N_("Done")), id="aud_done", on_click=editing.on_countries_done,
                           when="countries_chosen"),
                    Button(T(N_("Members with an area of expertise")), id="aud_x",
                           on_click=editing.on_expertise_menu, when="is_admin")),
        edit_prompt(EventEdit.expertise, edit_select("x", editing.on_expertise, 1), now=False),
        *translation_windows(editing, EventEdit),
        Window(
            Multi(error, Format("{confirm}"), sep="\n\n"),
            Row(back, Button(Format("{yes}"), id="save", on_click=editing.on_save)),
            MessageInput(editing.on_message),
            state=EventEdit.confirm, getter=editing.confirm_getter,
        ),
        Window(
            Multi(error, Format("{confirm}"), sep="\n\n"),
            Row(Button(T(N_("Keep the event")), id="keep", on_click=editing.on_close),
                Button(T(N_("Cancel the event")), id="cancel",
                       on_click=editing.on_cancel_event)),
            MessageInput(editing.on_message),
            state=EventEdit.cancel, getter=editing.cancel_getter,
        ),
        on_start=on_start,
    )
