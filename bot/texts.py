"""Texts shared by several handlers and jobs: profile cards and input problems.

Everything she typed is HTML-escaped here, once, at the point where it meets markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from html import escape
from typing import Any, Protocol

from aiogram.utils.i18n import gettext as _
from babel import Locale, UnknownLocaleError

from bot.i18n import format_date

from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES, Profile
from bot.services.introductions import WEEKLY_LIMIT, Allowance
from bot.services.invites import CodeProblem
from bot.services.profile_input import BIO_MAX, NAME_MAX, YEARS_MAX, InputProblem
from bot.services.reference import ReferenceData


class UsernameLookup(Protocol):
    async def username_of(self, user_id: int) -> str | None: ...


class ProfileLookup(Protocol):
    """Where a member's profile is read (``MemberService``; a repository in older code)."""

    async def get(self, user_id: int) -> Profile | None: ...


def problem_text(problem: InputProblem, limit: int = NAME_MAX) -> str:
    if problem is InputProblem.EMPTY:
        return _("The answer is empty. Please type it in a message.")
    if problem is InputProblem.TOO_LONG:
        return _("That is too long: please keep it under {limit} characters.").format(limit=limit)
    if problem is InputProblem.TOO_SHORT:
        return _("That is too short. Please write it out in full.")
    if problem is InputProblem.NO_LETTERS:
        return _("Please use words: numbers or emoji alone are not accepted here.")
    if problem is InputProblem.NOT_A_NUMBER:
        return _("Please send a whole number of years, for example 12.")
    if problem is InputProblem.INVISIBLE:
        return _("The text contains invisible characters (direction marks, zero-width spaces, "
                 "control characters), often copied along with text. Please type it again "
                 "by hand.")
    if problem is InputProblem.LINK_IN_NAME:
        return _("Please type only the name: links, t.me addresses and @usernames are not "
                 "allowed here.")
    return _("Please send a number from 0 to {max}.").format(max=YEARS_MAX)


def typed_refusal_text(error: dict[str, Any] | None, limit: int) -> str:
    """Why a dialog did not take what she typed (``FlowCtx.typed_text``), or ""."""
    code = (error or {}).get("code")
    if code == "use_buttons":
        return _("Please use the buttons below.")
    if code == "not_text":
        return _("Please answer with a text message.")
    if code == "problem":
        return problem_text(InputProblem(error["problem"]), limit)  # type: ignore[index]
    return ""


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a quote."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def code_problem_text(problem: CodeProblem) -> str:
    return {
        CodeProblem.UNKNOWN: _("This invitation link is not valid. Check the link, or apply "
                               "without it: your coordinator will verify you."),
        CodeProblem.EXPIRED: _("This invitation link has expired. Ask your coordinator for a "
                               "new one, or apply without it."),
        CodeProblem.REVOKED: _("This invitation link has been withdrawn. Ask your coordinator "
                               "for a new one, or apply without it."),
        CodeProblem.USED_UP: _("This invitation link has already been used. Ask your "
                               "coordinator for a new one, or apply without it."),
    }[problem]


def status_text(status: str) -> str:
    return {
        "draft": _("registration not finished"),
        "pending": _("under review"),
        "needs_info": _("more information requested"),
        "approved": _("member"),
        "rejected": _("application declined"),
        "suspended": _("membership suspended"),
    }.get(status, status)


def agency_text(profile: Profile, ref: ReferenceData, locale: str) -> str:
    if profile.agency_code is None:
        return "—"
    if profile.agency_code in ref.other_agency_codes and profile.agency_other:
        return escape(profile.agency_other)
    return escape(ref.agency(profile.agency_code, locale))


def preset_reason(code: str) -> str:
    """The full text of a rejection reason a reviewer picked (her copy, /profile)."""
    return {
        "1": _("We could not confirm that you serve in one of the association's agencies."),
        "2": _("The profile is incomplete or unclear."),
        "3": _("This looks like a second application from the same person."),
    }.get(code, "")


def note_text(note: str | None) -> str:
    """A stored note as people read it: a preset reason in full, a typed one escaped."""
    return preset_reason(note or "") or escape(note or "")


def profile_card(profile: Profile, ref: ReferenceData, locale: str, *,
                 visible_only: bool = False, with_status: bool = False) -> str:
    """Her profile as others (``visible_only``) or she herself and reviewers see it."""
    def show(name: str) -> bool:
        return not visible_only or profile.shows(name)

    dash = "—"
    lines: list[str] = []
    if show("name"):
        lines.append("<b>" + escape(profile.full_name or dash) + "</b>")
    if profile.country_code:
        lines.append(_("Country: {country}").format(
            country=escape(ref.country(profile.country_code, locale))))
    if show("agency"):
        lines.append(_("Agency: {agency}").format(agency=agency_text(profile, ref, locale)))
    if show("position") and (profile.position or not visible_only):
        lines.append(_("Position or rank: {position}").format(
            position=escape(profile.position or dash)))
    if show("years") and profile.years_of_service is not None:
        lines.append(_("Years of service: {years}").format(years=profile.years_of_service))
    if show("expertise"):
        areas = ", ".join(escape(ref.expertise(c, locale)) for c in profile.expertise) or dash
        lines.append(_("Expertise: {areas}").format(areas=areas))
    if show("languages"):
        spoken = ", ".join(escape(n) for n in language_names(profile.languages, ref, locale)
                           ) or dash
        lines.append(_("Languages: {languages}").format(languages=spoken))
    if show("bio") and (profile.bio or not visible_only):
        lines.append(_("About: {bio}").format(bio=escape(profile.bio or dash)))
    if not visible_only:
        shown = ", ".join(field_label(name) for name in VISIBLE_FIELD_NAMES  # as on the card
                          if name in profile.visible_fields) or dash
        lines.append(_("Other members see: {fields}").format(fields=shown))
    if with_status:
        lines.append(_("Status: {status}").format(status=status_text(profile.status)))
        if profile.open_question:
            lines.append(_("Question from the coordinator: {question}").format(
                question=escape(profile.open_question)))
            lines.append(_("Type your answer in a message here, or edit your profile and "
                           "send it again."))
        if profile.status == "rejected" and profile.decision_note:
            lines.append(_("Reason: {reason}").format(reason=note_text(profile.decision_note)))
    return "\n".join(lines)


def language_name_in_text(name: str, locale: str) -> str:
    """A language's name as it is written inside a sentence or after a colon: lower-case in
    the languages that write it so («владеет языками: казахский и русский», «қазақ тілі»,
    «кыргыз тили», «русӣ», «rus dili», «rus tili»), as it is in English ("Kazakh").

    Which languages: those whose own name in CLDR (Babel ``Locale.languages``) is
    lower-case — ru, kk, ky, tg, tk, uz of ours; en capitalises. The stored labels start with a
    capital because they are also button labels, where a capital is right."""
    if not name or not lower_case_language_names(locale):
        return name
    return name[0].lower() + name[1:]


@lru_cache(maxsize=None)
def lower_case_language_names(locale: str) -> bool:
    try:
        own = Locale.parse(locale).languages.get(locale, "")
    except (UnknownLocaleError, ValueError):
        return False
    return bool(own) and own[0].islower()


def language_names(codes: Iterable[str], ref: ReferenceData, locale: str) -> list[str]:
    """The names of those languages for use inside a sentence (not escaped)."""
    return [language_name_in_text(ref.language(code, locale), locale) for code in codes]


def field_label(name: str) -> str:
    return {
        "name": _("full name"),
        "agency": _("agency"),
        "position": _("position or rank"),
        "years": _("years of service"),
        "expertise": _("expertise"),
        "languages": _("languages"),
        "bio": _("about me"),
    }[name]


BIO_LIMIT = BIO_MAX


def contact_text(user_id: int, name: str | None, username: str | None) -> str:
    """How to reach her, shared only after both sides agreed: her @username, or a link that
    opens a chat with her."""
    shown = escape(name or _("Member"))
    if username:
        return f"{shown} — @{escape(username)}"
    return f'<a href="tg://user?id={int(user_id)}">{shown}</a>'


async def reach_text(user_id: int, profiles: ProfileLookup, usernames: UsernameLookup) -> str:
    """:func:`contact_text` for a member: her name and her @username as it is now."""
    person = await profiles.get(user_id)
    return contact_text(user_id, person.full_name if person else None,
                        await usernames.username_of(user_id))


def availability_text(code: str) -> str:
    return {
        "monthly": _("about an hour a month"),
        "twice_monthly": _("twice a month"),
        "weekly": _("every week"),
    }.get(code, code)


def country_preference_text(code: str) -> str:
    return {
        "same": _("from my country"),
        "other": _("from another country"),
        "any": _("any country"),
    }.get(code, code)


def audit_action_text(action: str, details: str | None, country: str) -> str:
    """What an audit entry records as done, in her language: no codes (/audit and /mydata)."""
    texts = {
        "approve": _("Approved the application"),
        "reject": _("Rejected the application"),
        "ask_info": _("Asked for more information"),
        "answer_question": _("Answered the coordinator's question"),
        "suspend": _("Suspended the membership"),
        "reinstate": _("Reinstated the membership"),
        "approve_by_invitation": _("Approved by invitation"),
        "appoint_coordinator": _("Appointed coordinator for {country}"),
        "remove_coordinator": _("Removed as coordinator for {country}"),
        "allow_region_events": _("Allowed events for the whole region")
        if details == "allowed" else _("Withdrew events for the whole region"),
        "change_country": _("Moved to {country}"),
        "create_invitation": _("Created an invitation"),
        "revoke_invitation": _("Withdrew an invitation"),
        "bind_chat": _("Bound a chat"),
        "unbind_chat": _("Unbound a chat"),
        "chat_language": _("Set a chat's language"),
        "post_to_chat": _("Posted in a chat"),
        "remove_from_chat": _("Removed from a chat"),
        "announce": _("Sent an announcement"),
        "publish_event": _("Published an event"),
        "edit_event": _("Edited an event"),
        "cancel_event": _("Cancelled an event"),
        "mentor_answer": _("Answered a mentorship request"),
    }
    return texts.get(action, _("Other action")).format(country=country)


async def coordinator_contacts_text(coordinators: list[int], profiles: ProfileLookup,
                                    usernames: UsernameLookup) -> str:
    """Whom a suspended member writes to: her country's coordinators (at most two) by name
    and @username, or the administrators when her country has none (/help and /chats)."""
    if not coordinators:
        return _("Your country has no coordinator at the moment; please write to the "
                 "association's administrators.")
    contacts = [await reach_text(c, profiles, usernames) for c in coordinators[:2]]
    return _("To settle it, write to your country's coordinator: {contacts}").format(
        contacts=", ".join(contacts))


def intro_limit_text(allowance: Allowance, locale: str, timezone: str) -> str:
    """She sent as many introduction requests as she may: from when she may send the next."""
    when = format_date(allowance.resets_at, locale, timezone, weekday=True) \
        if allowance.resets_at else ""
    return _("You have sent {limit} introduction requests in the last 7 days. You can send "
             "the next one on {date}.").format(limit=WEEKLY_LIMIT, date=when)
