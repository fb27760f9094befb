"""What the /announce windows show, in her language."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.i18n import LANGUAGE_NAMES, format_datetime, zone_name
from bot.services.announcements import ALL, AnnouncementService
from bot.services.event_input import local_moment
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from handlers.event_form.getters import TIMES, language_choices, moment_error, zones

ANNOUNCEMENT_MAX = 3500  # leaves room for the header in every language


def announcement_text(html: str) -> str:
    return _("📢 <b>Announcement from the association</b>") + "\n\n" + html


def audience_label(audience: str, ref: ReferenceData, locale: str) -> str:
    return _("All members") if audience == ALL else ref.country(audience, locale)


def send_at(data: dict[str, Any]) -> Any:
    if not (data.get("day") and data.get("at") and data.get("zone")):
        return None
    return local_moment(date.fromisoformat(data["day"]), time.fromisoformat(data["at"]),
                        data["zone"])


def _frame(manager: DialogManager) -> tuple[dict[str, Any], Actor, ReferenceData]:
    return manager.dialog_data, manager.middleware_data["actor"], manager.middleware_data["ref"]


def _error(data: dict[str, Any], locale: str) -> str:
    error = data.get("error") or {}
    if error.get("code") == "nobody":
        return _("Nobody in {audience} can receive it yet: there are no approved members "
                 "there.").format(audience=error.get("audience") or "")
    if error.get("code") == "too_long":
        return _("Please send a text message of up to {limit} characters.").format(
            limit=ANNOUNCEMENT_MAX)
    return moment_error(error or None, locale, data.get("zone") or "UTC")


async def announce_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref = _frame(dialog_manager)
    state = dialog_manager.current_context().state.state.split(":", 1)[1]
    result: dict[str, Any] = {"error": _error(data, actor.locale), "choices": [],
                              "answer": "", "has_answer": False}
    zone = data.get("zone") or "UTC"
    if state == "audience":
        choices = [ALL, *ref.country_codes] if actor.is_admin else [actor.coordinator_country]
        result["choices"] = [(c, audience_label(c, ref, actor.locale)) for c in choices if c]
    elif state == "zone":
        own = data.get("own_zone") or zone
        result["choices"] = [(z, ("✓ " if z == data.get("zone") else "") + label)
                             for z, label in zones(ref, own, actor.locale)]
    elif state == "day":
        result["question"] = _("On which day should it be sent ({zone})? Pick it in the "
                               "calendar or write it like 25.12.2026, with the time if you "
                               "like: 25.12.2026 09:00.").format(
            zone=zone_name(zone, actor.locale))
    elif state == "time":
        result["question"] = _("At what time should it be sent ({zone})? Press a time or "
                               "write it like 09:30.").format(zone=zone_name(zone, actor.locale))
        result["choices"] = [(t, ("✓ " if t == data.get("at") else "") + t) for t in TIMES]
    elif state in ("tr_language", "tr_text"):
        texts = data.get("texts") or {}
        result["languages"] = language_choices(texts)
        result["language"] = LANGUAGE_NAMES.get(data.get("tr") or "", "")
        result["answer"] = texts.get(data.get("tr") or "", "")
        result["has_answer"] = bool(result["answer"])
    return result


async def preview_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref = _frame(dialog_manager)
    texts = data.get("texts") or {}
    lines = [announcement_text(texts.get(actor.locale) or data.get("html") or ""), "",
             _("For: {audience}").format(audience=audience_label(data["audience"], ref,
                                                                 actor.locale))]
    if texts:
        lines.append(_("Also in: {languages}").format(languages=", ".join(
            LANGUAGE_NAMES[code] for code in sorted(texts))))
    return {"card": "\n".join(lines), "error": _error(data, actor.locale)}


async def confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref = _frame(dialog_manager)
    service: AnnouncementService = dialog_manager.middleware_data["announcements"]
    count = len(await service.recipients(data["audience"], actor.user_id))
    moment = send_at(data) if data.get("later") else None
    if moment is None:
        text = _("Send the announcement now to {count} member?",
                        "Send the announcement now to {count} members?", count)
    else:
        text = _("Send the announcement on {when} ({zone}) to {count} member?",
                        "Send the announcement on {when} ({zone}) to {count} members?", count)
    return {"confirm": text.format(count=count, when=format_datetime(
        moment, actor.locale, data["zone"], weekday=True) if moment else "",
        zone=zone_name(data.get("zone") or "UTC", actor.locale)),
        "error": _error(data, actor.locale)}
