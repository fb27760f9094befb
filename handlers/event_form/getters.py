"""What the event windows show: her answers so far, in her language, and the one-line reason
an answer was not taken. Everything she typed is HTML-escaped here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from babel.dates import get_month_names

from bot.i18n import LANGUAGE_NAMES, babel_locale, format_date, format_range, zone_name
from bot.services.event_input import MomentProblem, local_moment
from bot.services.events import ALL, Audience, Draft
from bot.services.profile_input import InputProblem
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import problem_text
from handlers.event_form.states import STATE_NAMES, STEPS

TITLE_MAX, DESCRIPTION_MAX, PLACE_MAX = 120, 1500, 200
TIMES = ("09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "18:00")
DURATIONS = (60, 120, 180, 240, 480, 1440, 2880, 4320)
EXAMPLES = {"day": "25.12.2026", "time": "14:30", "duration": "27.12.2026 18:00",
            "start": "25.12.2026 14:00"}


def field_name(step: str) -> str:
    return {"title": _("Title"), "description": _("Description"), "zone": _("Time zone"),
            "day": _("Day"), "time": _("Time"), "duration": _("Duration"),
            "place": _("Place"), "audience": _("Audience"), "start": _("Start"),
            "translation": _("Translation")}[step]


def duration_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return _("{days} day", "{days} days", days).format(days=days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return _("{hours} hour", "{hours} hours", hours).format(hours=hours)
    return _("{minutes} min").format(minutes=minutes)


def moment_error(error: dict[str, Any] | None, locale: str, zone: str) -> str:
    """Why a date, time or end was not taken, precisely, in her language."""
    if not error:
        return ""
    code = error.get("code")
    example = EXAMPLES.get(error.get("example") or "", EXAMPLES["start"])
    if code in {p.value for p in InputProblem}:
        return problem_text(InputProblem(code), int(error.get("limit") or 0))
    if code == "use_buttons":
        return _("Please use the buttons below.")
    if code == "not_text":
        return _("Please answer with a text message.")
    if code == "not_allowed":
        return _("You are not allowed to do this.")
    if code == MomentProblem.NO_SUCH_DAY:
        day, month = error.get("bad_day") or (0, 1)
        month_name = get_month_names("wide", "format", babel_locale(locale))[month]
        return _("{day} {month} does not exist.").format(day=day, month=month_name)
    if code == MomentProblem.HOUR_24:
        return _("24:00 — did you mean 00:00 of the next day?")
    if code == MomentProblem.NO_SUCH_TIME:
        return _("There is no such time: hours go from 0 to 23, minutes from 00 to 59.")
    if code == MomentProblem.PAST:
        return _("That moment has already passed in {zone}. Please choose a later one.").format(
            zone=zone_name(zone, locale))
    if code == MomentProblem.END_NOT_AFTER_START:
        return _("The end must come after the start.")
    if code == MomentProblem.TOO_SHORT:
        return _("An event lasts at least 15 minutes.")
    if code == MomentProblem.TOO_LONG:
        return _("An event can last at most 7 days.")
    return _("I could not read that. Please write it like {example}.").format(example=example)


def audience_text(raw: str | None, ref: ReferenceData, locale: str) -> str:
    if not raw:
        return ""
    audience = Audience.parse(raw)
    if audience.expertise:
        return _("Members with expertise in {area}").format(
            area=escape(ref.expertise(audience.expertise, locale)))
    if audience.countries is None:
        return _("All members")
    return ", ".join(escape(ref.country(c, locale)) for c in audience.countries)


async def audience_choices(actor: Actor, data: dict[str, Any], ref: ReferenceData,
                           may_reach: Any) -> list[tuple[str, str]]:
    """(value, label): everyone if her role reaches it, then the countries she may choose."""
    chosen = Audience.parse(data["audience"]) if data.get("audience") else None
    toggled = set(data.get("aud_countries") or [])
    choices = []
    if actor.is_admin or await may_reach(actor.user_id, Audience()):
        mark = "✓ " if chosen is not None and chosen.countries is None \
            and not chosen.expertise else ""
        choices.append((ALL, mark + _("All members")))
    if actor.is_admin:
        choices += [(c, ("✓ " if c in toggled else "") + ref.country(c, actor.locale))
                    for c in ref.country_codes]
    elif actor.coordinator_country:
        code = actor.coordinator_country
        mark = "✓ " if chosen is not None and chosen.countries == (code,) else ""
        choices.append((code, mark + ref.country(code, actor.locale)))
    return choices


def zones(ref: ReferenceData, own: str, locale: str) -> list[tuple[str, str]]:
    ordered = [own] + [z for z in dict.fromkeys(ref.country_timezones.values()) if z != own]
    return [(z, zone_name(z, locale)) for z in ordered]


def start_of(data: dict[str, Any]) -> datetime | None:
    if not (data.get("day") and data.get("at") and data.get("zone")):
        return None
    return local_moment(date.fromisoformat(data["day"]), time.fromisoformat(data["at"]),
                        data["zone"])


def draft_of(data: dict[str, Any]) -> Draft:
    start = start_of(data)
    assert start is not None
    return Draft(title=data["title"], description=data["description"], starts_at=start,
                 timezone=data["zone"], duration=int(data["duration"]), place=data["place"],
                 audience=Audience.parse(data["audience"]), texts=data.get("texts") or {})


def preview_payload(data: dict[str, Any]) -> dict[str, Any]:
    from bot.clock import to_db

    start = start_of(data)
    assert start is not None
    return {"event_id": 0, "title": data["title"], "description": data["description"],
            "starts_at": to_db(start), "duration": int(data["duration"]),
            "place": data["place"], "texts": data.get("texts") or {}}


def answer_text(step: str, data: dict[str, Any], ref: ReferenceData, locale: str) -> str:
    """Her answer to that question as she reads it, or "" when there is none yet."""
    zone = data.get("zone") or "UTC"
    if step in ("title", "description", "place"):
        return escape(data.get(step) or "")
    if step == "zone":
        return zone_name(zone, locale) if data.get("zone") else ""
    if step == "day":
        if not data.get("day"):
            return ""
        noon = local_moment(date.fromisoformat(data["day"]), time(12), zone)
        return format_date(noon, locale, zone, weekday=True)
    if step == "time":
        return data.get("at") or ""
    if step == "duration":
        start = start_of(data)
        if start is None or not data.get("duration"):
            return ""
        end = start + timedelta(minutes=int(data["duration"]))
        span = format_range(start, end, locale, zone)
        return f"{duration_label(int(data['duration']))} · {span}"
    if step == "audience":
        return audience_text(data.get("audience"), ref, locale)
    return ""


def question(step: str, data: dict[str, Any], locale: str) -> str:
    zone = zone_name(data.get("zone") or "UTC", locale)
    return {
        "title": _("What is the event called?"),
        "description": _("Describe the event in a few lines."),
        "zone": _("In which time zone?"),
        "day": _("On which day does it start ({zone})? Pick it in the calendar or write it "
                 "like 25.12.2026, with the time if you like: 25.12.2026 14:00.").format(
            zone=zone),
        "time": _("At what time does it start ({zone})? Press a time or write it like "
                  "14:30.").format(zone=zone),
        "duration": _("How long will it last? Press a duration or write when it ends, like "
                      "27.12.2026 18:00 (up to 7 days)."),
        "place": _("Where does it take place? An address, or a link for an online event."),
        "audience": _("Who is the event for?"),
    }[step]


def _frame(manager: DialogManager) -> tuple[dict[str, Any], Actor, ReferenceData]:
    return manager.dialog_data, manager.middleware_data["actor"], manager.middleware_data["ref"]


async def step_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref = _frame(dialog_manager)
    step = STATE_NAMES[dialog_manager.current_context().state.state]
    editing = data.get("mode") == "edit"
    shown = "audience" if step == "expertise" else step
    answer = answer_text(shown, data, ref, actor.locale) if shown in STEPS else ""
    result: dict[str, Any] = {
        "signup": not editing, "editing": editing,
        "step_no": STEPS.index(shown) + 1 if shown in STEPS else len(STEPS),
        "total": len(STEPS),
        "field": field_name(shown) if shown in STEPS else "",
        "question": question(shown, data, actor.locale) if shown in STEPS else "",
        "error": moment_error(data.get("error"), actor.locale, data.get("zone") or "UTC"),
        "answer": answer, "has_answer": bool(answer),
        "can_keep": bool(answer) and step != "audience",
        "can_back": editing or step != "title",
        "choices": [],
    }
    if step == "zone":
        own = data.get("own_zone") or data.get("zone") or "UTC"
        result["choices"] = [(z, ("✓ " if z == data.get("zone") else "") + label)
                             for z, label in zones(ref, own, actor.locale)]
    elif step == "time":
        result["choices"] = [(t, ("✓ " if t == data.get("at") else "") + t) for t in TIMES]
    elif step == "duration":
        result["choices"] = [(str(m), ("✓ " if m == data.get("duration") else "")
                              + duration_label(m)) for m in DURATIONS]
    elif step == "audience":
        organiser = dialog_manager.middleware_data["event_organiser"]
        result["choices"] = await audience_choices(actor, data, ref, organiser.may_reach)
        result["is_admin"] = actor.is_admin
        result["countries_chosen"] = bool(data.get("aud_countries"))
    elif step == "expertise":
        result["choices"] = [(c, ref.expertise(c, actor.locale)) for c in ref.expertise_codes]
    return result


def preview_text(data: dict[str, Any], actor: Actor, ref: ReferenceData) -> str:
    from handlers.event_cards import card_text

    text = card_text(preview_payload(data), actor.locale, data["zone"])
    texts = data.get("texts") or {}
    lines = [text, "", _("For: {audience}").format(
        audience=audience_text(data.get("audience"), ref, actor.locale))]
    if texts:
        lines.append(_("Also in: {languages}").format(languages=", ".join(
            LANGUAGE_NAMES[code] for code in sorted(texts))))
    return "\n".join(lines)


async def preview_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref = _frame(dialog_manager)
    return {"card": preview_text(data, actor, ref),
            "error": moment_error(data.get("error"), actor.locale, data.get("zone") or "UTC"),
            "changes": [(s, field_name(s)) for s in STEPS]}


async def confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, _ref = _frame(dialog_manager)
    organiser = dialog_manager.middleware_data["event_organiser"]
    count = len(await organiser.recipients(Audience.parse(data["audience"]), actor.user_id))
    if not count:  # never "send it to 0 members"
        return {"confirm": _(
            "Publish «{title}»? Nobody is in its audience yet, so nobody is told now; members "
            "approved later find it in /events.").format(title=escape(data.get("title") or ""))}
    return {"confirm": _(
        "Publish «{title}» and send it to {count} member?",
        "Publish «{title}» and send it to {count} members?", count).format(
        title=escape(data.get("title") or ""), count=count)}


def language_choices(texts: dict[str, Any], original: str | None = None
                     ) -> list[tuple[str, str]]:
    def written(value: Any) -> bool:  # an event's {"title", ...}, an announcement's html
        return bool(value.get("title") if isinstance(value, dict) else value)

    return [(code, ("✓ " if written(texts.get(code)) else "") + name)
            for code, name in LANGUAGE_NAMES.items() if code != original]


async def tr_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, _ref = _frame(dialog_manager)
    texts = data.get("texts") or {}
    code = data.get("tr") or ""
    current = texts.get(code) or {}
    state = dialog_manager.current_context().state.state
    answer = escape(current.get("title" if state.endswith("tr_title") else "description") or "")
    return {
        "languages": language_choices(texts),
        "language": LANGUAGE_NAMES.get(code, ""),
        "answer": answer, "has_answer": bool(answer),
        "error": moment_error(data.get("error"), actor.locale, "UTC"),
    }
