"""What each window of the mentorship wizards shows: where she is ("Step 2 of 3 · Areas"),
the question, the answer she already gave, the choices with hers marked, and the one-line
reason a typed answer was refused. Her words are HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.dialogs import N_
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import availability_text, country_preference_text, typed_refusal_text
from handlers.mentorship_forms.states import OFFER_STEPS, SEEK_STEPS

GOAL_MAX = 300
PLACES = ("1", "2", "3", "4", "5")
AVAILABILITY = ("monthly", "twice_monthly", "weekly")
PREFERENCES = ("same", "other", "any")
MULTI = {"areas": "areas", "goals": "goals"}  # window: the list it toggles
KEYS = {"places": "capacity", "areas": "areas", "time": "availability", "goals": "goals",
        "words": "goal_text", "where": "preference"}  # window: where its answer is kept

TITLES = {"places": N_("Places"), "areas": N_("Areas"), "time": N_("Time"),
          "goals": N_("Goals"), "words": N_("In your words"), "where": N_("Mentors from")}


def steps_of(window: str) -> tuple[str, ...]:
    return OFFER_STEPS if window in OFFER_STEPS else SEEK_STEPS


def question(window: str) -> str:
    return {
        "places": _("How many mentees can you take at once?"),
        "areas": _("In which areas can you mentor? Tap all that apply, then Done."),
        "time": _("How much time can you give?"),
        "goals": _("What would you like to grow in? Tap all that apply, then Done."),
        "words": _("In a sentence or two, what do you hope a mentor helps you with? (up to "
                   "{limit} characters)").format(limit=GOAL_MAX) + " " + _("(/cancel to stop)"),
        "where": _("Mentors from where?"),
    }[window]


def choices(window: str, data: dict[str, Any], ref: ReferenceData, locale: str
            ) -> list[tuple[str, str]]:
    def mark(chosen: bool) -> str:
        return "✓ " if chosen else ""

    answer = data.get(KEYS[window])
    if window == "places":
        return [(n, mark(str(answer) == n) + n) for n in PLACES]
    if window in MULTI:
        return [(code, mark(code in (answer or [])) + ref.expertise(code, locale))
                for code in ref.expertise_codes]
    if window == "time":
        return [(code, mark(code == answer) + availability_text(code)) for code in AVAILABILITY]
    if window == "where":
        return [(code, mark(code == answer) + country_preference_text(code))
                for code in PREFERENCES]
    return []


def answer_text(window: str, data: dict[str, Any], ref: ReferenceData, locale: str) -> str:
    """Her answer as she reads it (escaped), or "" when there is none yet."""
    answer = data.get(KEYS[window])
    if not answer:
        return ""
    if window in MULTI:
        return ", ".join(escape(ref.expertise(code, locale)) for code in answer)
    if window == "time":
        return availability_text(answer)
    if window == "where":
        return country_preference_text(answer)
    return escape(str(answer))


async def step_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    actor: Actor = dialog_manager.middleware_data["actor"]
    ref: ReferenceData = dialog_manager.middleware_data["ref"]
    window = dialog_manager.current_context().state.state.split(":", 1)[1]
    steps = steps_of(window)
    answer = answer_text(window, data, ref, actor.locale)
    return {
        "step_no": steps.index(window) + 1, "total": len(steps), "field": _(TITLES[window]),
        "question": question(window), "answer": answer, "has_answer": bool(answer),
        "can_keep": bool(answer) and window not in MULTI, "multi": window in MULTI,
        "choices": choices(window, data, ref, actor.locale),
        "error": typed_refusal_text(data.get("error"), GOAL_MAX),
    }
