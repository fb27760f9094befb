"""Her own data: /mydata reads it out in her language and attaches all of it as JSON;
/delete_me says what goes and what stays, asks once, and erases it.

The deletion question is answered once and only while it is the open question (a state with
the token its buttons carry, for an hour): /cancel, another command or her answer closes it,
and the first press claims the token, so a later or second press deletes nothing.

The readable document is built from the same export as the JSON (the JSON stays complete for
portability); it names things through ReferenceData and her language, never by internal key,
and shows staff by role, never by id. It is split into messages Telegram accepts.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.callbacks import PrivacyAction, PrivacyCb
from bot.chat_removals import RemovalRunner
from bot.clock import Clock, from_db, to_db
from bot.db.fsm_storage import SQLiteStorage
from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES
from bot.i18n import LANGUAGE_NAMES, format_date
from bot.keyboards import button, rows
from bot.paging import MESSAGE_LIMIT, rendered_length, shorten
from bot.services.onboarding import OnboardingService
from bot.services.once import OnceOnly
from bot.services.privacy import PrivacyService, StaffLabels
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import (
    audit_action_text, availability_text, country_preference_text, field_label, language_names,
    status_text,
)
from handlers.onboarding.entry import resume_draft
from handlers.ui import drop_keyboard, edit_text, query_message

Rows = dict[str, list[dict[str, Any]]]


# ---- /mydata --------------------------------------------------------------------------------

def _date(value: str | None, locale: str, timezone: str) -> str:
    return format_date(from_db(value), locale, timezone) if value else "—"


def _yes_no(value: Any) -> str:
    return _("yes") if value else _("no")


def _item(label: str, value: str) -> str:
    return f"• {label}: {value}"


def _audit_action(row: dict[str, Any], ref: ReferenceData, locale: str) -> str:
    code = row.get("country_code")
    country = escape(ref.country(code, locale)) if code else "—"
    return audit_action_text(row["action"], row.get("details"), country)


def _pair_status(status: str) -> str:
    return {"proposed": _("proposed"), "active": _("under way"), "paused": _("on a break"),
            "ended": _("ended"), "declined": _("not taken up"), "expired": _("not answered"),
            "asked": _("waiting for an answer"), "accepted": _("agreed"),
            "choosing": _("choosing whom to ask")}.get(status, _("other"))


def _answer_text(answer: str) -> str:
    return {"going": _("going"), "maybe": _("maybe"), "no": _("not going")}.get(answer, answer)


def readable_sections(data: Rows, user_id: int, ref: ReferenceData, locale: str
                      ) -> list[str]:
    """Her data as headed sections in her language: account, profile, memberships, events,
    mentorship, introductions, settings and consents, the log."""
    profile = (data.get("profiles") or [None])[0]
    country = profile["country_code"] if profile else None
    timezone = ref.country_timezones.get(country or "", "UTC")
    dash = "—"
    sections: list[str] = []

    user = (data.get("users") or [None])[0]
    lines = ["<b>" + _("Account") + "</b>"]
    if user:
        lines += [_item(_("Language"), LANGUAGE_NAMES.get(user["locale"], dash)),
                  _item(_("With the bot since"), _date(user["created_at"], locale, timezone)),
                  _item(_("Last seen"), _date(user["last_seen_at"], locale, timezone)),
                  _item(_("Weekly digest"), _yes_no(user.get("digest_enabled")))]
    else:
        lines.append(_("Nothing yet."))
    sections.append("\n".join(lines))

    lines = ["<b>" + _("Profile") + "</b>"]
    if profile:
        agency = dash
        if profile["agency_code"]:
            agency = (escape(profile["agency_other"]) if profile["agency_other"]
                      and profile["agency_code"] in ref.other_agency_codes
                      else escape(ref.agency(profile["agency_code"], locale)))
        expertise = ", ".join(escape(ref.expertise(r["code"], locale))
                              for r in data.get("profile_expertise", [])) or dash
        languages = ", ".join(escape(name) for name in language_names(
            [r["code"] for r in data.get("profile_languages", [])], ref, locale)) or dash
        visible = set((profile["visible_fields"] or "").split(","))
        lines += [
            _item(_("Status"), status_text(profile["status"])),
            _item(_("Full name"), escape(profile["full_name"] or dash)),
            _item(_("Country"), escape(ref.country(country, locale)) if country else dash),
            _item(_("Agency"), agency),
            _item(_("Position or rank"), escape(profile["position"] or dash)),
            # as her profile card reads them ("10 years", languages lower-case mid-line)
            "• " + _("Years of service: {years}").format(years=profile["years_of_service"])
            if profile["years_of_service"] is not None else _item(_("Years of service"), dash),
            _item(_("Expertise"), expertise),
            "• " + _("Languages: {languages}").format(languages=languages),
            _item(_("About me"), escape(profile["bio"] or dash)),
            _item(_("Other members see"), ", ".join(
                field_label(f) for f in VISIBLE_FIELD_NAMES if f in visible) or dash),
            _item(_("Sent for review"), _date(profile["submitted_at"], locale, timezone)),
        ]
        if profile["decided_at"] and profile["status"] != "draft":
            decided = _date(profile["decided_at"], locale, timezone)
            if profile["decided_by"]:
                decided += " · " + escape(str(profile["decided_by"]))
            lines.append(_item(_("Decided"), decided))
        if profile["decision_note"] and profile["decision_note"] != "invitation":
            lines.append(_item(_("Note from the reviewer"), escape(profile["decision_note"])))
        if profile["invite_code_id"]:
            lines.append(_item(_("Joined with an invitation"), _("yes")))
    else:
        lines.append(_("You have no profile."))
    sections.append("\n".join(lines))

    lines = ["<b>" + _("Memberships and roles") + "</b>"]
    for row in data.get("coordinators", []):
        lines.append(_item(_("Coordinator of"), escape(ref.country(row["country_code"], locale))
                           + " · " + _("since {date}").format(
                               date=_date(row["appointed_at"], locale, timezone))))
    lines.append(_item(_("The association's chats you are in"),
                       str(len(data.get("chat_members", [])))))
    sections.append("\n".join(lines))

    answers = data.get("event_answers", [])
    lines = ["<b>" + _("Events") + "</b>", _item(_("Events you answered"), str(len(answers)))]
    counts: dict[str, int] = {}
    for row in answers:
        counts[row["answer"]] = counts.get(row["answer"], 0) + 1
    lines += [_item(_answer_text(answer), str(n)) for answer, n in sorted(counts.items())]
    rated = sum(1 for row in answers if row.get("rating") is not None)
    if rated:
        lines.append(_item(_("Events you rated"), str(rated)))
    sections.append("\n".join(lines))

    lines = ["<b>" + _("Mentorship") + "</b>"]
    for offer in data.get("mentor_offers", []):
        areas = ", ".join(escape(ref.expertise(r["code"], locale))
                          for r in data.get("mentor_areas", [])) or dash
        lines.append(_item(_("Your offer to mentor"), _(
            "up to {count} mentees, {availability}, areas: {areas}").format(
                count=offer["capacity"], availability=availability_text(offer["availability"]),
                areas=areas) + (" · " + _("paused") if offer["paused"] else "")))
    for request in data.get("mentee_requests", []):
        goals = ", ".join(escape(ref.expertise(r["code"], locale))
                          for r in data.get("mentee_goals", [])) or dash
        lines.append(_item(_("You look for a mentor"), _(
            "goals: {goals}; a mentor {preference}").format(
                goals=goals, preference=country_preference_text(request["country_preference"]))
            + (" · " + _("paused") if request["paused"] else "")))
        if request.get("goal_text"):
            lines.append(_item(_("In your words"), escape(request["goal_text"])))
    for pair in data.get("mentor_pairs", []):
        role = _("as mentee") if pair["mentee_id"] == user_id else _("as mentor")
        lines.append(_item(_("Mentorship {role}").format(role=role),
                           _pair_status(pair["status"]) + " · "
                           + _date(pair["proposed_at"], locale, timezone)))
    if len(lines) == 1:
        lines.append(_("Nothing yet."))
    sections.append("\n".join(lines))

    lines = ["<b>" + _("Introductions") + "</b>"]
    for intro in data.get("intro_requests", []):
        if intro["requester_id"] == user_id:
            lines.append(_item(_("You asked to meet a member"),
                               _pair_status(intro["status"]) + " · "
                               + _date(intro["created_at"], locale, timezone)))
        else:
            lines.append(_item(_("A member asked to meet you"),
                               _pair_status(intro["status"]) + " · "
                               + _date(intro["created_at"], locale, timezone)))
    if data.get("member_blocks"):
        lines.append(_item(_("People you blocked"), str(len(data["member_blocks"]))))
    if len(lines) == 1:
        lines.append(_("Nothing yet."))
    sections.append("\n".join(lines))

    settings = (data.get("member_settings") or [None])[0]
    lines = ["<b>" + _("Settings and consents") + "</b>"]
    if profile and profile["privacy_accepted_at"]:
        lines.append(_item(_("Privacy notice accepted"),
                           _date(profile["privacy_accepted_at"], locale, timezone)))
    lines.append(_item(_("Others can ask to meet you"),
                       _yes_no(settings["intros_enabled"] if settings else True)))
    lines.append(_item(_("Coffee rounds"),
                       _yes_no(settings and settings.get("coffee_opt_in"))))
    lines.append(_item(_("Coffee rounds you took part in"),
                       str(len(data.get("coffee_members", [])))))
    sections.append("\n".join(lines))

    log = data.get("audit_log", [])
    lines = ["<b>" + _("Recorded actions") + "</b>"]
    for row in log[-20:]:
        who = _("you") if row["actor_id"] == user_id else escape(str(row["actor_id"] or dash))
        lines.append(f"• {_date(row['at'], locale, timezone)} · {_audit_action(row, ref, locale)}"
                     f" · {who}")
    if not log:
        lines.append(_("Nothing yet."))
    elif len(log) > 20:
        lines.append(_("…and {count} earlier, in the file.").format(count=len(log) - 20))
    sections.append("\n".join(lines))
    return sections


def messages_of(title: str, sections: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Sections packed into as few messages as fit Telegram (a section too long is cut)."""
    messages: list[str] = []
    current = title
    for section in sections:
        section = shorten(section, limit - 2)
        joined = current + "\n\n" + section if current else section
        if rendered_length(joined) <= limit:
            current = joined
            continue
        messages.append(current)
        current = section
    if current:
        messages.append(current)
    return messages


async def cmd_mydata(message: Message, actor: Actor, privacy: PrivacyService,
                     ref: ReferenceData, admin_ids: frozenset[int]) -> None:
    labels = StaffLabels(coordinator=_("a coordinator"), administrator=_("an administrator"))
    data = await privacy.export(actor.user_id, admin_ids, labels)
    title = "<b>" + _("What this bot stores about you") + "</b>" + "\n" + _(
        "Other people appear only by their role. The attached file holds all of it, for "
        "your records or to take elsewhere.")
    for text in messages_of(title, readable_sections(data, actor.user_id, ref, actor.locale)):
        await message.answer(text, protect_content=True)
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    await message.answer_document(
        BufferedInputFile(payload, filename="my-data.json"),
        caption=_("Everything this bot stores about you."),
        protect_content=True,
    )


# ---- /delete_me -----------------------------------------------------------------------------

def deletion_text(actor: Actor) -> str:
    deleted = [
        _("your profile and your answers to it"),
        _("your language and settings"),
        _("your answers to events and your ratings"),
        _("your mentorship offer or request, and the pairs you are in (they end)"),
        _("your introduction requests, blocks and coffee rounds"),
        _("messages still waiting to be sent to you"),
    ]
    if actor.is_coordinator:
        deleted.append(_("your coordinator role; the invitations you made stop working"))
    kept = [
        _("the log of coordinators' decisions keeps each entry, without your name or id"),
        _("events and announcements you published stay, without your name"),
        _("messages you wrote in the association's chats stay there: the bot cannot delete "
          "them"),
        _("a count of members who left (a number only)"),
    ]
    return "\n".join([
        "<b>" + _("Delete your data?") + "</b>",
        _("You will be removed from the association's chats. This cannot be undone."),
        "", _("Deleted for good:"), *[f"• {item}" for item in deleted],
        "", _("Kept:"), *[f"• {item}" for item in kept],
        "", _("Are you sure?")])


# The deletion question is open while she is in this state, for this long; its buttons carry
# a token that the first press claims. So an old "Yes" — after /cancel, another command, her
# answer, or an hour — only says it is from an earlier message, and a double tap deletes once.
DELETE_QUESTION_TTL = timedelta(hours=1)


class PrivacyForm(StatesGroup):
    confirm_delete = State()


def deletion_keyboard(token: str) -> InlineKeyboardMarkup:
    return rows([
        button(_("Yes, delete everything"), PrivacyCb(action=PrivacyAction.DELETE, value=token)),
        button(_("No, keep my data"), PrivacyCb(action=PrivacyAction.KEEP, value=token)),
    ])


async def ask_deletion(message: Message, state: FSMContext, clock: Clock, text: str) -> None:
    """Send the question (a fresh token) and make it the open one."""
    token = secrets.token_urlsafe(6)
    sent = await message.answer(text, reply_markup=deletion_keyboard(token))
    await state.set_state(PrivacyForm.confirm_delete)
    await state.update_data(delete_token=token, delete_message=sent.message_id,
                            delete_asked=to_db(clock.now()))


async def open_deletion(state: FSMContext, clock: Clock) -> dict[str, Any] | None:
    """The open deletion question's data, or None (none open, or it has expired)."""
    if await state.get_state() != PrivacyForm.confirm_delete.state:
        return None
    data = await state.get_data()
    asked = data.get("delete_asked")
    if not asked or clock.now() - from_db(asked) > DELETE_QUESTION_TTL:
        return None
    return data


async def _forget(state: FSMContext) -> None:
    """The question is closed: no state, and its token is no longer kept."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if not k.startswith("delete_")})


async def close_deletion_question(state: FSMContext, bot: Bot, chat_id: int) -> bool:
    """/cancel: if the deletion question is open, it closes and its buttons go; True if it
    was open."""
    if await state.get_state() != PrivacyForm.confirm_delete.state:
        return False
    data = await state.get_data()
    await _forget(state)
    await drop_keyboard(bot, chat_id, data.get("delete_message"))
    return True


async def cmd_delete_me(message: Message, actor: Actor, state: FSMContext,
                        clock: Clock) -> None:
    if not actor.is_registered:
        await message.answer(_("We store nothing about you."))
        return
    await ask_deletion(message, state, clock, deletion_text(actor))


async def on_typed_while_asking(message: Message, state: FSMContext, bot: Bot,
                                clock: Clock) -> None:
    """Whatever she types while the question is open is not an answer to anything else."""
    data = await open_deletion(state, clock)
    if data is None:  # expired: the question is closed, her text was not an answer to it
        await drop_keyboard(bot, message.chat.id, (await state.get_data()).get("delete_message"))
        await _forget(state)
        await message.answer(_("The question about deleting your data has expired; nothing "
                               "was deleted. /delete_me asks again."))
        return
    await drop_keyboard(bot, message.chat.id, data.get("delete_message"))
    await ask_deletion(message, state, clock, _("Please use the buttons below."))


async def claim_answer(query: CallbackQuery, callback_data: PrivacyCb, state: FSMContext,
                       once: OnceOnly, bot: Bot, clock: Clock) -> bool:
    """True if this press answers the open question, and first; otherwise a popup says why,
    nothing is deleted and the old message loses its buttons."""
    message = query_message(query)
    data = await open_deletion(state, clock)
    if data is None or not callback_data.value or data.get("delete_token") != callback_data.value:
        if data is None and await state.get_state() == PrivacyForm.confirm_delete.state:
            await _forget(state)  # it expired
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        if message is not None:
            await drop_keyboard(bot, message.chat.id, message.message_id)
        return False
    if not await once.first(f"delete_me:{callback_data.value}", clock.now()):
        await query.answer(_("This has already been handled."), show_alert=True)
        return False
    await _forget(state)
    return True


async def cb_keep(query: CallbackQuery, callback_data: PrivacyCb, actor: Actor,
                  state: FSMContext, once: OnceOnly, bot: Bot, clock: Clock,
                  onboarding: OnboardingService, ref: ReferenceData,
                  dialog_manager: DialogManager | None = None) -> None:
    if not await claim_answer(query, callback_data, state, once, bot, clock):
        return
    message = query_message(query)
    await query.answer()
    if message is not None:
        await edit_text(message, _("Nothing was deleted."), None)
    await resume_draft(dialog_manager, onboarding, ref, actor.user_id)  # asked mid-wizard


async def cb_delete(query: CallbackQuery, callback_data: PrivacyCb, actor: Actor,
                    state: FSMContext, once: OnceOnly, privacy: PrivacyService,
                    removals: RemovalRunner, bot: Bot, clock: Clock) -> None:
    message = query_message(query)
    if not actor.is_registered:
        await query.answer(_("We store nothing about you."), show_alert=True)
        return
    if not await claim_answer(query, callback_data, state, once, bot, clock):
        return
    await state.clear()
    storage = state.storage if isinstance(state.storage, SQLiteStorage) else None
    queued = await privacy.delete_member(actor.user_id, clock.now(), storage)
    await query.answer()
    if message is not None:
        text = _("Your data has been deleted. Thank you for having been part of the "
                 "association. If you ever want to come back, press /start.")
        if queued:
            text += "\n" + _("You are being removed from the association's chats.")
        await edit_text(message, text, None)
    await removals.flush(bot)


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_delete_me, Command("delete_me"))
    router.callback_query.register(cb_delete, PrivacyCb.filter(F.action == PrivacyAction.DELETE))
    router.callback_query.register(cb_keep, PrivacyCb.filter(F.action == PrivacyAction.KEEP))
    router.message.register(on_typed_while_asking, StateFilter(PrivacyForm.confirm_delete),
                            ~F.text.startswith("/"))
    return router

