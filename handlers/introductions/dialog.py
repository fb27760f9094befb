"""The /introduce windows: texts and widgets only (``actions.py`` does, ``getters.py`` shows;
the flow is drawn in ``states.py``)."""

from __future__ import annotations

from aiogram_dialog import Window
from aiogram_dialog.widgets.kbd import Button, Row
from aiogram_dialog.widgets.text import Format, Multi

from bot.dialogs import N_, ButtonsDialog, T, choices, flow_window
from handlers.introductions import actions
from handlers.introductions.getters import (
    answer_getter, blocked_getter, menu_getter, mine_getter, people_getter, reason_getter,
    sent_getter, step_getter, withdraw_getter,
)
from handlers.introductions.states import IntroForm


def _window(state: object, *widgets: object, text: object, getter: object,
            back: bool = True) -> Window:
    return flow_window(state, *widgets, text=text, getter=getter, on_back=actions.on_back,
                       on_message=actions.on_message, back=back)


def create_dialog() -> ButtonsDialog:
    steps = [_window(getattr(IntroForm, step),
                     choices(step, "choices", actions.on_step, 1 if step == "expertise" else 2),
                     text=Format("{question}"), getter=step_getter)
             for step in ("country", "expertise", "language")]
    return ButtonsDialog(
        _window(IntroForm.menu,
                Button(T(N_("Ask to meet someone")), id="new", on_click=actions.on_new),
                Button(T(N_("My introductions")), id="mine", on_click=actions.on_mine),
                Button(T(N_("Blocked people")), id="blocked", on_click=actions.on_blocked,
                       when="has_blocked"),
                Button(T(N_("Switch off requests to me")), id="off",
                       on_click=actions.on_toggle, when="enabled"),
                Button(T(N_("Switch on requests to me")), id="on", on_click=actions.on_toggle,
                       when=lambda data, _w, _m: not data["enabled"]),
                text=Format("{text}"), getter=menu_getter, back=False),
        *steps,
        _window(IntroForm.reason,
                Button(T(N_("Keep")), id="keep", on_click=actions.on_keep, when="has_answer"),
                text=Multi(Format("{question}"),
                           T(N_("Your answer: {answer}"), when="has_answer"), sep="\n\n"),
                getter=reason_getter),
        _window(IntroForm.people, choices("ask", "places", actions.on_ask, 1),
                text=Format("{cards}"), getter=people_getter),
        _window(IntroForm.sent,
                Row(Button(T(N_("My introductions")), id="mine", on_click=actions.on_mine),
                    Button(T(N_("« Menu")), id="menu", on_click=actions.on_menu)),
                text=Format("{text}"), getter=sent_getter, back=False),
        _window(IntroForm.mine, choices("contact", "contacts", actions.on_contact, 3),
                choices("withdraw", "withdraw", actions.on_withdraw, 2),
                choices("answer", "answer", actions.on_open_request, 2),
                text=Format("{text}"), getter=mine_getter),
        _window(IntroForm.answer,
                Row(Button(T(N_("Agree")), id="agree", on_click=actions.on_agree),
                    Button(T(N_("Not now")), id="decline", on_click=actions.on_decline),
                    when="open"),
                Button(T(N_("Block this person")), id="block", on_click=actions.on_block_ask,
                       when="open"),
                text=Format("{text}"), getter=answer_getter),
        _window(IntroForm.answer_block,
                Button(T(N_("Yes, block her")), id="block_yes", on_click=actions.on_block_yes,
                       when="open"),
                text=Format("{text}"), getter=answer_getter),
        _window(IntroForm.withdraw,
                Button(T(N_("Yes, withdraw")), id="yes", on_click=actions.on_withdraw_yes),
                text=Format("{text}"), getter=withdraw_getter),
        _window(IntroForm.blocked, choices("unblock", "unblock", actions.on_unblock, 2),
                text=Format("{text}"), getter=blocked_getter),
    )
