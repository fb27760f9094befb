"""What the /introduce windows show, in her language, read through the services."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.db.repositories.introductions import Introduction
from bot.db.repositories.profiles import Profile
from bot.dialogs import N_
from bot.i18n import format_date, format_datetime
from bot.services.introductions import WEEKLY_LIMIT, Allowance, IntroductionService
from bot.services.members import MemberService
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import intro_limit_text, profile_card, typed_refusal_text
from handlers.introductions.messages import request_view
from handlers.introductions.states import IntroForm

REASON_MAX = 300
STEPS = ("country", "expertise", "language")


def zone_of(actor: Actor, ref: ReferenceData) -> str:
    return ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")


def shown_name(person: Profile | None, ref: ReferenceData, locale: str) -> str:
    """How she was shown to the other: her name if she shows it, else her country."""
    if person is None:
        return _("a member who has since deleted her data")
    if person.shows("name") and person.full_name:
        return escape(person.full_name)
    return _("a member from {country}").format(
        country=escape(ref.country(person.country_code or "", locale)))


def digest(items: Sequence[object], salt: str) -> str:
    """Which list a window showed, without anyone's id in the dialog's data (it goes into
    her /mydata export): a press on a list that changed since is refused."""
    return hashlib.sha256((salt + ",".join(map(str, items))).encode()).hexdigest()[:24]


def _frame(manager: DialogManager) -> tuple[dict[str, Any], Actor, ReferenceData,
                                            IntroductionService, MemberService]:
    middleware = manager.middleware_data
    return (manager.dialog_data, middleware["actor"], middleware["ref"],
            middleware["intro_service"], middleware["members"])


def _error(data: dict[str, Any], allowance: Allowance, locale: str, zone: str) -> str:
    error = data.get("error") or {}
    code = error.get("code")
    if code == "limit":
        return intro_limit_text(allowance, locale, zone)
    if code == "nobody":
        return _("Nobody who fits this request can be asked right now. Try fewer conditions.")
    if code == "gone":
        return _("She can no longer be asked. Please choose another.")
    if code == "refused":  # said in her language when it happened (handlers.members_only)
        return str(error.get("text") or "")
    return typed_refusal_text(error, REASON_MAX)


async def menu_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, _members = _frame(dialog_manager)
    zone = zone_of(actor, ref)
    settings = await service.settings(actor.user_id)
    allowance = await service.allowance(actor.user_id)
    blocked = await service.blocked(actor.user_id)
    lines = [_("<b>Introductions</b>"),
             _("Ask to meet a member who fits what you need and speaks a language you speak. "
               "She sees your profile as other members see it and your reason; contacts are "
               "shared only if she agrees."),
             _("Requests sent in the last 7 days: {sent} of {limit}.").format(
                 sent=allowance.sent, limit=WEEKLY_LIMIT),
             _("Others can ask to meet you: on.") if settings.intros_enabled
             else _("Others can ask to meet you: off.")]
    if allowance.exhausted and (data.get("error") or {}).get("code") != "limit":
        lines.append(intro_limit_text(allowance, actor.locale, zone))  # (else said above)
    to_her = (await numbered(service, actor.user_id)).to_her
    if to_her:
        lines.append(_("Requests waiting for your answer: {count}. My introductions shows "
                       "them.").format(count=len(to_her)))
    if blocked:
        lines.append(_("People you blocked: {count}.").format(count=len(blocked)))
    return {"text": "\n\n".join(lines), "error": _error(data, allowance, actor.locale, zone),
            "enabled": settings.intros_enabled, "has_blocked": bool(blocked)}


async def step_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, _members = _frame(dialog_manager)
    step = dialog_manager.current_context().state.state.split(":", 1)[1]
    codes = {"country": ref.country_codes, "expertise": ref.expertise_codes,
             "language": ref.language_codes}[step]
    question = {"country": _("From which country?"),
                "expertise": _("Which area of expertise?"),
                "language": _("Which language should she speak?")}[step]
    chosen = data.get(step)
    choices = [(code, ("✓ " if code == chosen else "") + ref.label(step, code, actor.locale))
               for code in codes]
    choices.append(("*", ("✓ " if step in data and chosen is None else "") + _("any")))
    allowance = await service.allowance(actor.user_id)
    return {"question": _("Step {number} of 4 · {question}").format(
        number=STEPS.index(step) + 1, question=question), "choices": choices,
        "error": _error(data, allowance, actor.locale, zone_of(actor, ref))}


async def reason_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, _members = _frame(dialog_manager)
    allowance = await service.allowance(actor.user_id)
    answer = data.get("reason") or ""
    return {"question": _("Step 4 of 4 · Why would you like to meet her? One or two "
                          "sentences; she will read them. (up to {limit} characters)").format(
        limit=REASON_MAX), "answer": escape(answer), "has_answer": bool(answer),
        "error": _error(data, allowance, actor.locale, zone_of(actor, ref))}


async def people_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, members = _frame(dialog_manager)
    intro = await service.get(data.get("intro_id") or 0, actor.user_id)
    cards, places = [], []
    for number, person_id in (intro.places if intro else ()):
        person = await members.get(person_id)
        if person is None:
            continue
        cards.append(f"{number}. " + profile_card(person, ref, actor.locale, visible_only=True))
        places.append((str(number), _("Ask member {number}").format(number=number)))
    allowance = await service.allowance(actor.user_id)
    return {"cards": "\n\n".join([_("Members who fit your request:"), *cards]),
            "places": places,
            "error": _error(data, allowance, actor.locale, zone_of(actor, ref))}


async def sent_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, _members = _frame(dialog_manager)
    intro = await service.get(data.get("intro_id") or 0, actor.user_id)
    until = moment_of(intro.expires_at if intro else None, actor, ref)
    return {"text": _("✓ I have asked her. She has until {until} to answer. If she agrees, "
                      "you both get each other's contacts at once; otherwise I will write to "
                      "you when the time is over.").format(until=until) + "\n\n"
            + _("Changed your mind? My introductions lets you withdraw it.")}


def moment_of(moment: datetime | None, actor: Actor, ref: ReferenceData) -> str:
    """A deadline as she reads it: the weekday, the date and the hour in her zone."""
    return format_datetime(moment, actor.locale, zone_of(actor, ref), weekday=True) \
        if moment else ""


def day_of(moment: datetime | None, actor: Actor, ref: ReferenceData) -> str:
    return format_date(moment, actor.locale, zone_of(actor, ref)) if moment else ""


@dataclass(frozen=True)
class Numbered:
    """What "My introductions" numbers, in its order: the agreed ones (for their contact),
    her own requests still waiting (to withdraw), then the requests waiting for her answer
    (to open and answer)."""

    agreed: list[Introduction]
    waiting: list[Introduction]
    to_her: list[Introduction]

    def check(self, salt: str) -> str:
        return digest([i.id for i in self.agreed] + ["w"] + [i.id for i in self.waiting]
                      + ["t"] + [i.id for i in self.to_her], salt)

    def first_number(self, kind: str) -> int:
        return 1 + {"agreed": 0, "waiting": len(self.agreed),
                    "to_her": len(self.agreed) + len(self.waiting)}[kind]

    def at(self, kind: str, place: str) -> Introduction | None:
        """The introduction of that kind at that number (None if there is none)."""
        items: list[Introduction] = getattr(self, kind)
        index = int(place) - self.first_number(kind) if place.isdecimal() else -1
        return items[index] if 0 <= index < len(items) else None


async def numbered(service: IntroductionService, user_id: int) -> Numbered:
    agreed, waiting, to_her = [], [], []
    for intro in await service.connections(user_id):
        if intro.status == "accepted":
            agreed.append(intro)
        elif intro.requester_id == user_id:
            waiting.append(intro)
        elif intro.status == "asked" and intro.target_id == user_id:
            to_her.append(intro)
    return Numbered(agreed, waiting, to_her)


def _buttons(listed: Numbered, kind: str, label: str) -> list[tuple[str, str]]:
    first = listed.first_number(kind)
    return [(str(n), _(label).format(number=n))
            for n in range(first, first + len(getattr(listed, kind)))]


async def mine_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    """Agreed introductions, numbered for their contact buttons; her requests waiting for an
    answer, numbered on to withdraw them; requests to her, with their deadline, numbered on
    to open and answer them here (the message that brought one may have scrolled away)."""
    data, actor, ref, service, members = _frame(dialog_manager)
    listed = await numbered(service, actor.user_id)
    agreed_lines, waiting_lines, to_her = [], [], []
    for number, intro in enumerate(listed.agreed, start=listed.first_number("agreed")):
        mine = intro.requester_id == actor.user_id
        other = await members.get((intro.target_id if mine else intro.requester_id) or 0)
        name = escape(other.full_name or "") if other else shown_name(None, ref, actor.locale)
        agreed_lines.append(_("{number}. 🤝 {name}, since {date}").format(
            number=number, name=name, date=day_of(intro.decided_at, actor, ref)))
    for number, intro in enumerate(listed.waiting, start=listed.first_number("waiting")):
        other = await members.get(intro.target_id or 0)
        waiting_lines.append(_("{number}. ⏳ You asked to meet {name}: she has until {until} "
                               "to answer.").format(
            number=number, name=shown_name(other, ref, actor.locale),
            until=moment_of(intro.expires_at, actor, ref)))
    for number, intro in enumerate(listed.to_her, start=listed.first_number("to_her")):
        other = await members.get(intro.requester_id)
        to_her.append(_("{number}. ✉️ {name} asks to meet you: please answer by "
                        "{until}.").format(
            number=number, name=shown_name(other, ref, actor.locale),
            until=moment_of(intro.expires_at, actor, ref)))
    sections = [_("<b>My introductions</b>")]
    if agreed_lines:
        sections += ["\n".join(agreed_lines), _("Press a number to get the contact again.")]
    if waiting_lines:
        sections.append("\n".join(waiting_lines))
    if to_her:
        sections += ["\n".join(to_her), _("Press Answer and a number to see her request and "
                                          "answer it.")]
    if len(sections) == 1:
        sections.append(_("No introductions yet."))
    data["mine_check"] = listed.check(data.setdefault("salt", _salt()))
    return {"text": "\n\n".join(sections),
            "contacts": _buttons(listed, "agreed", N_("Contact {number}")),
            "withdraw": _buttons(listed, "waiting", N_("Withdraw {number}")),
            "answer": _buttons(listed, "to_her", N_("Answer {number}"))}


async def answer_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    """A request to her, opened from "My introductions": the card she got, to answer here
    (Block asks first, in the next window)."""
    data, actor, ref, service, members = _frame(dialog_manager)
    intro = await service.request_to(data.get("answer_id") or 0, actor.user_id)
    requester = await members.get(intro.requester_id) if intro else None
    if intro is None or intro.status != "asked" or requester is None \
            or requester.status != "approved":
        return {"text": _("This request is no longer open."), "open": False}
    confirm = dialog_manager.current_context().state == IntroForm.answer_block
    return {"text": request_view(intro, requester, ref, actor.locale, zone_of(actor, ref),
                                 confirm_block=confirm)[0], "open": True}


async def withdraw_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, members = _frame(dialog_manager)
    intro = await service.get(data.get("withdraw_id") or 0, actor.user_id)
    other = await members.get(intro.target_id or 0) if intro else None
    return {"text": _("Withdraw your request to meet {name}? The message she got will say "
                      "that you withdrew it; it still counts among your requests of the last "
                      "7 days.").format(
        name=shown_name(other, ref, actor.locale))}


async def blocked_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data, actor, ref, service, members = _frame(dialog_manager)
    blocked = await service.blocked(actor.user_id)
    lines = [_("<b>People you blocked</b>"),
             _("They are never proposed to you, in introductions, mentorship or coffee "
               "rounds. Unblocking is not told to them.")]
    for number, block in enumerate(blocked, start=1):
        person = await members.get(block.person_id) if block.person_id else None
        lines.append(_("{number}. {name}, since {date}").format(
            number=number, name=shown_name(person, ref, actor.locale),
            date=day_of(block.created_at, actor, ref)))
    if not blocked:
        lines.append(_("You have blocked nobody."))
    data["blocked_check"] = digest([b.key for b in blocked], data.setdefault("salt", _salt()))
    return {"text": "\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]),
            "unblock": [(str(n), _("Unblock {number}").format(number=n))
                        for n in range(1, len(blocked) + 1)]}


def _salt() -> str:
    return secrets.token_hex(8)
