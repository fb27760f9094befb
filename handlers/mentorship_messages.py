"""What mentorship messages say: suggestions with their reasons, the menu, the coordinators'
figures, and the messages the delivery engine renders at send time in the recipient's
language (proposals, contacts after consent, check-ins, endings, ratings).
"""

from __future__ import annotations

from html import escape
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MentorCb
from bot.db.repositories.mentorship import MentorshipRepo, Pair
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.keyboards import button, rows
from bot.services.delivery import Protected, Recipient
from bot.services.matching import Match
from bot.services.mentorship import Waiting
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import agency_text, availability_text, profile_card, reach_text

MIN_GROUP = 5  # reports show nothing about fewer people than this


# ---- texts -------------------------------------------------------------------------------

def reasons_text(match: Match, mentor: Profile, ref: ReferenceData, locale: str) -> str:
    """Why this mentor, from what she made visible: "speaks Russian and Kyrgyz · cybercrime ·
    14 years of service · Border guard service, Kazakhstan"."""
    why = match.reasons
    parts = []
    if mentor.shows("languages") and why.shared_languages:
        parts.append(_("speaks {languages}").format(languages=_(" and ").join(
            escape(ref.language(code, locale)) for code in why.shared_languages)))
    parts.append(", ".join(escape(ref.expertise(code, locale)) for code in why.shared_areas))
    if mentor.shows("years") and mentor.years_of_service is not None:
        parts.append(_("{years} years of service").format(years=mentor.years_of_service))
    place = escape(ref.country(mentor.country_code or "", locale))
    if mentor.shows("agency") and mentor.agency_code:
        place = agency_text(mentor, ref, locale) + ", " + place
    parts.append(place)
    return " · ".join(parts)


async def suggestions_message(mentee_id: int, matches: list[Match], profiles: ProfileRepo,
                              ref: ReferenceData, repo: MentorshipRepo, locale: str,
                              now: datetime, *, follow_up: bool
                              ) -> tuple[str, InlineKeyboardMarkup | None]:
    """Up to three mentors with their reasons; the buttons name places in a list kept on
    the server (never a mentor's id)."""
    shown = []
    for match in matches:
        mentor = await profiles.get(match.mentor_id)
        offer = await repo.offer(match.mentor_id)
        if mentor is not None and offer is not None:
            shown.append((match, mentor, offer))
    if not shown:
        if follow_up:
            return _("There is no other suggestion for you right now. You stay on the list: "
                     "the weekly matching round will look for a mentor for you."), None
        return _("No mentor fits your goals and languages right now. You stay on the list: "
                 "the weekly matching round will look for a mentor for you."), None
    list_id = await repo.save_suggestions(mentee_id, [m.mentor_id for m, _p, _o in shown], now)
    head = (_("Here are more mentors who could suit you:") if follow_up
            else _("Mentors who could suit you:"))
    cards = [head]
    buttons: list[list[InlineKeyboardButton]] = []
    for number, (match, mentor, offer) in enumerate(shown, start=1):
        cards.append(f"{number}. " + profile_card(mentor, ref, locale, visible_only=True)
                     + "\n" + _("Why: {reasons}").format(
                         reasons=reasons_text(match, mentor, ref, locale))
                     + "\n" + _("Available: {when}").format(
                         when=availability_text(offer.availability)))
        buttons.append([button(_("Ask mentor {number}").format(number=number),
                               MentorCb(action="ask", value=str(number), list_id=list_id))])
    cards.append(_("She will see your profile as other members see it, and your goal. "
                   "Contacts are shared only if she agrees."))
    return "\n\n".join(cards), rows(*buttons)


def menu_text_and_keyboard(actor: Actor, offer: Any, request: Any, pairs: list[Pair]
                           ) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("<b>Mentorship</b>"),
             _("Experienced members mentor others, often across borders and outside their "
               "own agency. Contacts are shared only when both sides agree.")]
    buttons: list[list[InlineKeyboardButton]] = []
    if offer is None:
        buttons.append([button(_("Offer to mentor"), MentorCb(action="offer"))])
    else:
        state = _("paused") if offer.paused else _("open")
        lines.append(_("You mentor: {taken} of {capacity} places taken, {state}.").format(
            taken=offer.taken, capacity=offer.capacity, state=state))
        buttons.append([
            button(_("Change my offer"), MentorCb(action="offer")),
            button(_("Resume offer") if offer.paused else _("Pause offer"),
                   MentorCb(action="offer_resume" if offer.paused else "offer_pause")),
            button(_("Withdraw offer"), MentorCb(action="offer_withdraw"))])
    if request is None:
        buttons.append([button(_("Find a mentor"), MentorCb(action="seek"))])
    else:
        state = _("paused") if request.paused else _("open")
        lines.append(_("You look for a mentor ({state}).").format(state=state))
        buttons.append([button(_("Show suggestions"), MentorCb(action="suggest"))])
        buttons.append([
            button(_("Change my request"), MentorCb(action="seek")),
            button(_("Resume request") if request.paused else _("Pause request"),
                   MentorCb(action="seek_resume" if request.paused else "seek_pause")),
            button(_("Withdraw request"), MentorCb(action="seek_withdraw"))])
    if pairs:
        buttons.append([button(_("My mentorships ({count})").format(count=len(pairs)),
                               MentorCb(action="pairs"))])
    if actor.is_staff:
        buttons.append([button(_("Programme overview"), MentorCb(action="overview"))])
    return "\n\n".join(lines), rows(*buttons)


def small(value: float, exact: bool) -> str:
    """Reports beyond one country hide cells below 5, so that nobody can be singled out."""
    if not exact and value < MIN_GROUP:
        return escape("<5")
    return str(int(value))


async def overview_text(actor: Actor, repo: MentorshipRepo, ref: ReferenceData) -> str:
    """Figures by country; comments only where at least 5 ratings hide who wrote them."""
    figures = await repo.overview()
    countries = [actor.coordinator_country] if not actor.is_admin else list(ref.country_codes)
    exact = not actor.is_admin
    lines = [_("<b>Mentorship programme</b>")]
    for code in countries:
        if code is None:
            continue
        row = figures.get(code, {})
        ratings = row.get("ratings", 0)
        average = (f"{row.get('rating_sum', 0) / ratings:.1f}" if ratings >= MIN_GROUP
                   else "—")
        lines.append(_("<b>{country}</b>: active pairs {active} · waiting mentees {waiting} · "
                       "mentors with free places {free} · ratings {ratings}, average {average}"
                       ).format(country=escape(ref.country(code, actor.locale)),
                                active=small(row.get("active", 0), exact),
                                waiting=small(row.get("waiting", 0), exact),
                                free=small(row.get("mentors_free", 0), exact),
                                ratings=small(ratings, exact), average=average))
        if ratings >= MIN_GROUP:
            comments = await repo.recent_comments(code, 5)
            lines += [f"  — <i>{escape(comment)}</i>" for comment in comments]
    if not exact:
        lines.append(_("Numbers below 5 are shown as {mark}; averages need at least 5 "
                       "ratings.").format(mark=escape("<5")))
    else:
        lines.append(_("Averages need at least 5 ratings."))
    lines.append(_("Comments are shown without names, and only once a country has 5 ratings."))
    return "\n".join(lines)


def toggle_keyboard(action: str, chosen: set[str], ref: ReferenceData, locale: str,
                    done: str) -> InlineKeyboardMarkup:
    lines = [[button(("✓ " if code in chosen else "") + ref.expertise(code, locale),
                     MentorCb(action=action, value=code))] for code in ref.expertise_codes]
    if chosen:
        lines.append([button(_("Done"), MentorCb(action=done))])
    return rows(*lines)


def pair_keyboard(pair: Pair) -> InlineKeyboardMarkup:
    if pair.status == "paused":
        first = button(_("Resume"), MentorCb(action="resume", pair_id=pair.id))
    else:
        first = button(_("Pause"), MentorCb(action="pause", pair_id=pair.id))
    return rows([first, button(_("Goals reached"), MentorCb(action="done", pair_id=pair.id))],
                [button(_("End mentorship"), MentorCb(action="end", pair_id=pair.id))])


async def other_name(pair: Pair, user_id: int, profiles: ProfileRepo) -> str:
    other = await profiles.get(pair.other(user_id))
    return escape(other.full_name or _("Member")) if other else _("Member")


# ---- messages the delivery engine sends --------------------------------------------------

def renderers(app: Any) -> dict[str, Any]:
    """Rendered at send time from the current rows, in the recipient's language."""
    repo: MentorshipRepo = app.mentorship
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference

    async def proposal(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "proposed" or pair.mentor_id != to.user_id:
            return None
        mentee = await profiles.get(pair.mentee_id)
        request = await repo.request(pair.mentee_id)
        if mentee is None or request is None:
            return None
        goals = ", ".join(escape(ref.expertise(code, to.locale)) for code in request.goals)
        text = "\n\n".join([
            _("A member would like you as her mentor:"),
            profile_card(mentee, ref, to.locale, visible_only=True),
            _("She wants to grow in: {goals}").format(goals=goals),
            _("In her words: «{goal}»").format(goal=escape(request.goal_text)),
            _("If you accept, you both get each other's contacts. If you decline, she is "
              "simply offered another mentor. Without an answer in 3 days, the request "
              "lapses.")])
        return text, rows([button(_("Accept"), MentorCb(action="accept", pair_id=pair.id)),
                           button(_("Decline"), MentorCb(action="decline", pair_id=pair.id))])

    async def round_asked(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "proposed" or pair.mentee_id != to.user_id:
            return None
        return _("The weekly matching round found a mentor who could suit you, and I have "
                 "asked her. If she agrees, you both get each other's contacts; if not, I will "
                 "suggest others within 3 days."), None

    async def contacts(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status not in ("active", "paused") or pair.role_of(
                to.user_id) is None:
            return None
        other_id = pair.other(to.user_id)
        reach = await reach_text(other_id, profiles, TelegramChats(app.bot))
        if to.user_id == pair.mentee_id:
            intro = _("🤝 Your mentor has agreed! Write to her: {contact}").format(contact=reach)
            first = _("Hello! Thank you for agreeing to mentor me. Could we talk for half an "
                      "hour this week? When would suit you?")
        else:
            intro = _("🤝 You are now mentoring {contact}. She will write to you; you can "
                      "also write first.").format(contact=reach)
            first = _("Hello! I am glad to be your mentor. Tell me a little about what you "
                      "would like to work on, and let us find a time to talk.")
        return Protected("\n\n".join([intro, _("A first message you could send:"),
                                      f"<i>{escape(first)}</i>",
                                      _("I will check in with you both in two weeks.")]))

    async def next_suggestions(payload: dict[str, Any], to: Recipient) -> Any:
        if await app.mentorship_service.waiting(to.user_id) is not Waiting.YES:
            return None  # she withdrew or paused meanwhile, or the round found her a mentor
        matches = await app.mentorship_service.suggestions(to.user_id)
        return await suggestions_message(to.user_id, matches, profiles, ref, repo, to.locale,
                                         app.clock.now(), follow_up=True)

    async def checkin(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "active" or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        return (_("How is your mentorship with {name} going? Have you met?").format(name=name),
                rows([button(_("We have met"), MentorCb(action="met", pair_id=pair.id)),
                      button(_("Not yet"), MentorCb(action="notyet", pair_id=pair.id))],
                     [button(_("Pause"), MentorCb(action="pause", pair_id=pair.id)),
                      button(_("End mentorship"), MentorCb(action="end", pair_id=pair.id))]))

    async def silent(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "active" or pair.mentee_id != to.user_id:
            return None
        return (_("Your mentor has not answered the last two check-ins. Would you like a new "
                  "mentor?"),
                rows([button(_("Find me a new mentor"),
                             MentorCb(action="rematch", pair_id=pair.id))]))

    async def ended(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        return _("{name} has closed your mentorship. Thank you for the time you gave it.").format(
            name=name), None

    async def rate(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        return (_("How was your mentorship with {name}? Tap a mark from 1 to 5.").format(
            name=name), rows([button(str(n), MentorCb(action="rate", value=str(n),
                                                      pair_id=pair.id)) for n in range(1, 6)]))

    return {MessageKind.MENTOR_PROPOSAL: proposal, MessageKind.MENTOR_ROUND_ASKED: round_asked,
            MessageKind.MENTOR_CONTACTS: contacts, MessageKind.MENTOR_NEXT: next_suggestions,
            MessageKind.MENTOR_CHECKIN: checkin, MessageKind.MENTOR_SILENT: silent,
            MessageKind.MENTOR_ENDED: ended, MessageKind.MENTOR_RATE: rate}
