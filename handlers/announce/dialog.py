"""The /announce windows: texts and widgets only (``actions.py`` does, ``getters.py`` shows;
the flow is drawn in ``states.py``)."""

from __future__ import annotations

from aiogram_dialog import Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row
from aiogram_dialog.widgets.text import Format, Multi

from bot.dialogs import N_, ButtonsDialog, T, choices, flow_window
from handlers.announce import actions
from handlers.announce.getters import announce_getter, confirm_getter, preview_getter
from handlers.announce.states import AnnounceForm
from handlers.event_form.calendar import LocalCalendar
from handlers.event_form.context import on_start


def _window(state: object, *widgets: object, text: object, getter: object = announce_getter,
            back: bool = True) -> Window:
    return flow_window(state, *widgets, text=text, getter=getter, on_back=actions.on_back,
                       on_message=actions.on_message, back=back)


def create_dialog() -> ButtonsDialog:
    return ButtonsDialog(
        _window(AnnounceForm.audience, choices("aud", "choices", actions.on_audience, 2),
                text=T(N_("Who should receive the announcement?")), back=False),
        _window(AnnounceForm.text,
                text=Multi(T(N_("Send the text of the announcement (formatting is kept).")),
                           T(N_("(/cancel to stop)")), sep=" ")),
        _window(AnnounceForm.preview,
                Row(Button(T(N_("Send now")), id="now", on_click=actions.on_send_now),
                    Button(T(N_("Schedule")), id="later", on_click=actions.on_schedule)),
                Button(T(N_("Add a translation")), id="translate",
                       on_click=actions.on_translate),
                Button(T(N_("Discard")), id="discard", on_click=actions.on_discard),
                text=Multi(T(N_("This is how it will look:")), Format("{card}"), sep="\n\n"),
                getter=preview_getter, back=False),
        _window(AnnounceForm.tr_language, choices("tr", "languages", actions.on_language, 2),
                text=T(N_("In which language?"))),
        _window(AnnounceForm.tr_text,
                Button(T(N_("Keep")), id="keep", on_click=actions.on_keep, when="has_answer"),
                text=Multi(T(N_("The announcement in {language}?")),
                           T(N_("Your answer: {answer}"), when="has_answer"), sep="\n\n")),
        _window(AnnounceForm.zone, choices("zone", "choices", actions.on_zone, 2),
                text=T(N_("In which time zone?"))),
        _window(AnnounceForm.day, LocalCalendar(id="calendar", on_click=actions.on_day),
                text=Format("{question}")),
        _window(AnnounceForm.time, choices("time", "choices", actions.on_time, 4),
                text=Format("{question}")),
        Window(
            Multi(Format("⚠️ {error}", when="error"), Format("{confirm}"), sep="\n\n"),
            Row(Button(T(N_("« Back")), id="back", on_click=actions.on_back),
                Button(T(N_("Yes, send")), id="send", on_click=actions.on_confirm)),
            MessageInput(actions.on_message),
            state=AnnounceForm.confirm, getter=confirm_getter,
        ),
        on_start=on_start,
    )
