"""What mentorship messages say: suggestions with their reasons, the menu, the coordinators'
figures, and the messages the delivery engine renders at send time in the recipient's
language (proposals, contacts after consent, check-ins, endings, ratings).
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MentorAction as A
from bot.callbacks import MentorCb
from bot.config import SUPPORTED_LOCALES
from bot.db.repositories.mentorship import MentorshipRepo, Offer, Pair, Request
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.i18n import format_datetime, pgettext, use_locale
from bot.keyboards import button, rows
from bot.services.delivery import Protected, Recipient
from bot.services.matching import Match
from bot.services.members import MemberService
from bot.services.mentorship import MentorshipService, Waiting, shared_locale
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import (
    ProfileLookup,
    agency_text, availability_text, language_names, profile_card, reach_text,
)
from handlers.members_only import refusal
from handlers.ui import edit_text

MIN_GROUP = 5  # reports show nothing about fewer people than this
FROM_CHECKIN = "c"  # the value of a pair button on a check-in (a message sent unprotected)


# ---- texts -------------------------------------------------------------------------------

def reasons_text(match: Match, mentor: Profile, ref: ReferenceData, locale: str) -> str:
    """Why this mentor, from what she made visible: "speaks Russian and Kyrgyz · cybercrime ·
    14 years of service · Border guard service, Kazakhstan"."""
    why = match.reasons
    parts = []
    if mentor.shows("languages") and why.shared_languages:
        parts.append(_("speaks {languages}").format(languages=_(" and ").join(
            escape(name) for name in language_names(why.shared_languages, ref, locale))))
    parts.append(", ".join(escape(ref.expertise(code, locale)) for code in why.shared_areas))
    if mentor.shows("years") and mentor.years_of_service is not None:
        parts.append(_("{years} years of service").format(years=mentor.years_of_service))
    place = escape(ref.country(mentor.country_code or "", locale))
    if mentor.shows("agency") and mentor.agency_code:
        place = agency_text(mentor, ref, locale) + ", " + place
    parts.append(place)
    return " · ".join(parts)


async def suggestions_message(mentee_id: int, matches: list[Match], profiles: ProfileLookup,
                              ref: ReferenceData, repo: MentorshipService, locale: str,
                              *, follow_up: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    """Up to three mentors with their reasons; the buttons name places in a list kept on
    the server (never a mentor's id)."""
    shown = []
    for match in matches:
        mentor = await profiles.get(match.mentor_id)
        offer = await repo.offer(match.mentor_id)
        if mentor is not None and offer is not None:
            shown.append((match, mentor, offer))
    told = _("The mentor you asked could not take you on this time.") + "\n\n"
    if not shown:
        if follow_up:
            return told + _("There is no other suggestion for you right now. You stay on the "
                            "list: the weekly matching round will look for a mentor for you."
                            ), None
        return _("No mentor fits your goals and languages right now. You stay on the list: "
                 "the weekly matching round will look for a mentor for you."), None
    list_id = await repo.save_suggestions(mentee_id, [m.mentor_id for m, _p, _o in shown])
    head = (told + _("Here are more mentors who could suit you:") if follow_up
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
                               MentorCb(action=A.ASK, value=str(number), list_id=list_id))])
    cards.append(_("She will see your profile as other members see it, and your goal. "
                   "Contacts are shared only if she agrees."))
    return "\n\n".join(cards), rows(*buttons)


def zone_of(country: str | None, ref: ReferenceData) -> str:
    return ref.country_timezones.get(country or "", "UTC")


def menu_text_and_keyboard(actor: Actor, offer: Offer | None, request: Request | None,
                           pairs: list[Pair], pending: Pair | None, ref: ReferenceData
                           ) -> tuple[str, InlineKeyboardMarkup]:
    """The one live message of /mentorship: what she offers, what she looks for (and the
    proposal she is waiting on, with its deadline and a Cancel), her running pairs."""
    lines = [_("<b>Mentorship</b>"),
             _("Experienced members mentor others, often across borders and outside their "
               "own agency. Contacts are shared only when both sides agree.")]
    buttons: list[list[InlineKeyboardButton]] = []
    if offer is None:
        buttons.append([button(_("Offer to mentor"), MentorCb(action=A.OFFER))])
    else:
        state = pgettext("mentoring offer", "paused") if offer.paused \
            else pgettext("mentoring offer", "full") if offer.taken >= offer.capacity \
            else pgettext("mentoring offer", "open")
        lines.append(_("You mentor: {taken} of {capacity} places taken, {state}.").format(
            taken=offer.taken, capacity=offer.capacity, state=state))
        buttons += [[button(_("Change my offer"), MentorCb(action=A.OFFER))],
                    [button(_("Resume offer") if offer.paused else _("Pause offer"),
                            MentorCb(action=A.OFFER_RESUME if offer.paused
                                     else A.OFFER_PAUSE))],
                    [button(_("Withdraw offer"), MentorCb(action=A.OFFER_WITHDRAW))]]
    has_mentor = any(pair.mentee_id == actor.user_id for pair in pairs)
    if request is None:
        buttons.append([button(_("Find a mentor"), MentorCb(action=A.SEEK))])
    else:
        if has_mentor:
            state = pgettext("mentoring request", "matched")
        elif pending is not None:
            state = pgettext("mentoring request", "waiting for an answer")
        elif request.paused:
            state = pgettext("mentoring request", "paused")
        else:
            state = pgettext("mentoring request", "open")
        lines.append(_("You look for a mentor ({state}).").format(state=state))
        if pending is not None:
            lines.append(_("A mentor is considering your request until {deadline}. If she "
                           "does not take you on, I will tell you then and suggest others."
                           ).format(deadline=format_datetime(
                               pending.expires_at, actor.locale,
                               zone_of(actor.country_code, ref))))
            buttons.append([button(_("Cancel my request"), MentorCb(action=A.CANCEL_ASK))])
        elif not has_mentor:
            buttons.append([button(_("Show suggestions"), MentorCb(action=A.SUGGEST))])
        buttons += [[button(_("Change my request"), MentorCb(action=A.SEEK))],
                    [button(_("Resume request") if request.paused else _("Pause request"),
                            MentorCb(action=A.SEEK_RESUME if request.paused
                                     else A.SEEK_PAUSE))],
                    [button(_("Withdraw request"), MentorCb(action=A.SEEK_WITHDRAW))]]
    if pairs:
        buttons.append([button(_("My mentorships ({count})").format(count=len(pairs)),
                               MentorCb(action=A.PAIRS))])
    if actor.is_staff:
        buttons.append([button(_("Programme overview"), MentorCb(action=A.OVERVIEW))])
    return "\n\n".join(lines), rows(*buttons)


def small(value: float, exact: bool) -> str:
    """Reports beyond one country hide cells of 1 to 4, so that nobody can be singled out
    (a zero singles out nobody)."""
    if not exact and 0 < value < MIN_GROUP:
        return escape("<5")
    return str(int(value))


def _figures_line(name: str, row: dict[str, float], exact: bool,
                  cells: dict[str, str] | None = None, average: bool = True) -> str:
    """One line of figures; ``cells`` gives some already written (the region's); no average
    unless ``average``."""
    ratings = row.get("ratings", 0)
    figures = dict(active=small(row.get("active", 0), exact),
                   waiting=small(row.get("waiting", 0), exact),
                   free=small(row.get("mentors_free", 0), exact),
                   ratings=small(ratings, exact))
    figures.update(cells or {})
    if ratings >= MIN_GROUP and average:
        return _("<b>{name}</b>: running pairs {active} · waiting mentees {waiting} · "
                 "mentors with free places {free} · ratings {ratings}, average {average}"
                 ).format(name=name, average=f"{row.get('rating_sum', 0) / ratings:.1f}",
                          **figures)
    return _("<b>{name}</b>: running pairs {active} · waiting mentees {waiting} · "
             "mentors with free places {free} · ratings {ratings}").format(name=name, **figures)


def region_cell(total: float, unseen: float) -> str:
    """The region's figure, never a way to a hidden one by subtraction: while the cells the
    reader can't see (countries' cells hidden as "<5", or for a coordinator the other
    countries) add up to 1–4, she is given only what she can see, as "N+"."""
    if 0 < total < MIN_GROUP:
        return escape("<5")
    if 0 < unseen < MIN_GROUP:
        return f"{int(total - unseen)}+"
    return str(int(total))


async def overview_text(actor: Actor, service: MentorshipService, ref: ReferenceData) -> str:
    """Figures by country — a pair counts for the country of each side — and the region's
    totals, with cells of 1 to 4 hidden, and never such that a hidden cell follows by
    subtraction (:func:`region_cell`); a coordinator sees her own country exactly. Comments
    only where at least 5 ratings hide who wrote them."""
    figures = await service.overview()
    countries = [actor.coordinator_country] if not actor.is_admin else list(ref.country_codes)
    exact = not actor.is_admin  # a coordinator's own country
    lines = [_("<b>Mentorship programme</b>")]
    total: dict[str, float] = {"active": figures.get("*", {}).get("active", 0)}
    for code in ref.country_codes:
        for key in ("waiting", "mentors_free", "ratings", "rating_sum"):
            total[key] = total.get(key, 0) + figures.get(code, {}).get(key, 0)
    # Some line hides cells of 1 to 4: the administrators' countries, a coordinator's region.
    hidden_shown = actor.is_admin or actor.coordinator_country is not None
    if hidden_shown:
        # What the region holds beyond the cells she reads exactly: for a coordinator the
        # other countries; for the administrators at most the countries' hidden cells
        # together (a pair counts for each side's country, so that is a bound).
        cells: dict[str, str] = {}
        unseen: dict[str, float] = {}
        for key, cell in (("active", "active"), ("waiting", "waiting"),
                          ("mentors_free", "free"), ("ratings", "ratings")):
            shown = [figures.get(code, {}).get(key, 0) for code in countries if code]
            unseen[key] = min(total[key], sum(v for v in shown if 0 < v < MIN_GROUP)) \
                if actor.is_admin else total[key] - sum(shown)
            cells[cell] = region_cell(total[key], unseen[key])
        lines.append(_figures_line(  # an average over hidden marks would give them away
            _("The whole region"), total, exact=False, cells=cells,
            average=not 0 < unseen["ratings"] < MIN_GROUP))
    for code in countries:
        if code is None:
            continue
        row = figures.get(code, {})
        lines.append(_figures_line(escape(ref.country(code, actor.locale)), row, exact))
        if row.get("ratings", 0) >= MIN_GROUP:
            comments = await service.recent_comments(code, 5)
            lines += [f"  — <i>{escape(comment)}</i>" for comment in comments]
    if hidden_shown:
        lines.append(_("Numbers from 1 to 4 are shown as {mark}; averages need at least 5 "
                       "ratings.").format(mark=escape("<5")))
    else:
        lines.append(_("Averages need at least 5 ratings."))
    lines.append(_("Comments are shown without names, and only once a country has 5 ratings."))
    return "\n".join(lines)


def pair_keyboard(pair: Pair, origin: str = "") -> InlineKeyboardMarkup | None:
    """The card's buttons; ``origin`` (:data:`FROM_CHECKIN`) travels with them, so a card
    edited into an unprotected check-in never gains the contact. While it is on hold only
    End: nothing else can be done to it until she is a member again."""
    def cb(action: A) -> MentorCb:
        return MentorCb(action=action, pair_id=pair.id, value=origin)

    if pair.held:
        return rows([button(_("End mentorship"), cb(A.END))])

    first = button(_("Resume"), cb(A.RESUME)) if pair.status == "paused" \
        else button(_("Pause"), cb(A.PAUSE))
    return rows([first, button(_("Goals reached"), cb(A.DONE))],
                [button(_("End mentorship"), cb(A.END))])


def pair_status(pair: Pair) -> str:
    if pair.held:
        return pgettext("mentoring pair", "on hold")
    return pgettext("mentoring pair", "paused") if pair.status == "paused" \
        else pgettext("mentoring pair", "active")


def pair_text(pair: Pair, user_id: int, name: str, contact: str | None) -> str:
    """A pair's card in "My mentorships": who, its state, and how to reach her (while the
    pair lasts; not while it is on hold)."""
    role = (_("Your mentor: {name}") if pair.mentee_id == user_id
            else _("Your mentee: {name}")).format(name=name)
    text = f"{role} ({pair_status(pair)})"
    if pair.held:
        return text + "\n" + _("This mentorship is on hold for now. I will tell you when it "
                               "can go on.")
    if contact is not None:
        text += "\n" + _("Contact: {contact}").format(contact=contact)
    return text


def confirm_keyboard(pair: Pair, completed: bool, origin: str = "") -> InlineKeyboardMarkup:
    yes = (button(_("Yes, goals reached"), MentorCb(action=A.DONE_YES, pair_id=pair.id))
           if completed else button(_("Yes, end it"), MentorCb(action=A.END_YES,
                                                               pair_id=pair.id)))
    return rows([yes], [button(_("No, keep it"), MentorCb(action=A.KEEP, pair_id=pair.id,
                                                          value=origin))])


def confirm_text(pair: Pair, name: str, completed: bool) -> str:
    if completed:
        return _("Mark your mentorship with {name} as goals reached? It ends, {name} is "
                 "told, and you are both asked for a short rating.").format(name=name)
    return _("End your mentorship with {name}? It cannot be undone; {name} is told.").format(
        name=name)


def rate_question(name: str) -> str:
    return _("How was your mentorship with {name}? Tap a mark from 1 to 5.").format(name=name)


def comment_view(pair: Pair, name: str, error: str = "", *, asking: bool = True
                 ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The rating message once she gave her mark: it asks for a comment, with Skip; a
    refused answer puts its one-line reason above (as the dialogs' ``flow_window``), and
    once answered (``asking`` False) it keeps the question without buttons."""
    text = rate_question(name) + "\n\n" + _(
        "Thank you! Anything to add for the coordinators? Send a short comment, or press "
        "Skip. They see comments and marks only together with others, never by name.")
    if error:
        text = "⚠️ " + error + "\n\n" + text
    keyboard = rows([button(_("Skip »"), MentorCb(action=A.NO_COMMENT, pair_id=pair.id))]) \
        if asking else None
    return text, keyboard


def answer_keyboard(pair: Pair) -> InlineKeyboardMarkup:
    return rows([button(_("Accept"), MentorCb(action=A.ACCEPT, pair_id=pair.id)),
                 button(_("Decline"), MentorCb(action=A.DECLINE, pair_id=pair.id))])


async def other_name(pair: Pair, user_id: int, profiles: ProfileLookup) -> str:
    other = await profiles.get(pair.other(user_id))
    return escape(other.full_name or _("Member")) if other else _("Member")


# ---- messages the delivery engine sends --------------------------------------------------

def renderers(app: Any) -> dict[str, Any]:
    """Rendered at send time from the current rows, in the recipient's language."""
    repo: MentorshipRepo = app.mentorship
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference

    async def deadline_for(pair: Pair, to: Recipient) -> str:
        """When the proposal lapses, in her language and her country's zone."""
        person = await profiles.get(to.user_id)
        return format_datetime(pair.expires_at, to.locale,
                               zone_of(person.country_code if person else None, ref))

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
              "simply offered another mentor. Without an answer by {deadline}, the request "
              "lapses.").format(deadline=await deadline_for(pair, to))])
        return text, answer_keyboard(pair)

    async def reminder(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "proposed" or pair.mentor_id != to.user_id:
            return None
        return (_("A reminder: a member asked you to be her mentor (her request is above). "
                  "Please answer by {deadline}; after that it lapses.").format(
                      deadline=await deadline_for(pair, to)), answer_keyboard(pair))

    def withdrawn(payload: dict[str, Any], _to: Recipient) -> Any:
        """The proposal (or its reminder) once it ended without her answer: nothing of the
        mentee is left on it, and no buttons."""
        if payload.get("offer_withdrawn"):
            return _("This request is closed: you have withdrawn your offer to mentor. Other "
                     "mentors will be suggested to her."), None
        if payload.get("lapsed"):
            return _("⌛ This request to be her mentor lapsed without an answer. Nothing more "
                     "is needed from you."), None
        return _("🤝 This request to be her mentor was withdrawn. Nothing more is needed "
                 "from you."), None

    async def round_asked(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "proposed" or pair.mentee_id != to.user_id:
            return None
        return _("The weekly matching round found a mentor who could suit you, and I have "
                 "asked her. She has until {deadline} to answer. If she agrees, you both get "
                 "each other's contacts; if not, I will suggest others then. /mentorship shows "
                 "your request; you can cancel it there.").format(
                     deadline=await deadline_for(pair, to)), None

    async def running_pair_of(payload: dict[str, Any], to: Recipient) -> Pair | None:
        """The pair a message is about, if it still runs and she is a side of it."""
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status not in ("active", "paused") or pair.role_of(
                to.user_id) is None:
            return None
        return pair

    async def first_message(payload: dict[str, Any], to: Recipient) -> Any:
        """Not protected, so she can copy it; in a language both speak."""
        pair = await running_pair_of(payload, to)
        if pair is None or pair.held:  # no contact while she is suspended
            return None
        other = pair.other(to.user_id)
        language = shared_locale(await repo.languages_of(to.user_id),
                                 await repo.languages_of(other), to.locale, SUPPORTED_LOCALES)
        with use_locale(app.i18n, language):
            if to.user_id == pair.mentee_id:
                first = _("Hello! Thank you for agreeing to mentor me. Could we talk for half "
                          "an hour this week? When would suit you?")
            else:
                first = _("Hello! I am glad to be your mentor. Tell me a little about what "
                          "you would like to work on, and let us find a time to talk.")
        return _("A first message you could send (tap it to copy):") + \
            f"\n\n<code>{escape(first)}</code>", None

    async def contacts(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await running_pair_of(payload, to)
        if pair is None or pair.held:  # no contact while she is suspended
            return None
        other_id = pair.other(to.user_id)
        reach = await reach_text(other_id, profiles, TelegramChats(app.bot))
        if to.user_id == pair.mentee_id:
            intro = _("🤝 Your mentor has agreed! Write to her: {contact}").format(contact=reach)
        else:
            intro = _("🤝 You are now mentoring {contact}. She will write to you; you can "
                      "also write first.").format(contact=reach)
        return Protected("\n\n".join([
            intro, _("/mentorship → My mentorships shows this contact again while your "
                     "mentorship lasts. I will check in with you both in two weeks.")]))

    async def member(user_id: int) -> bool:
        """Whether she is an approved member now (a suspended one hears nothing of it)."""
        person = await profiles.get(user_id)
        return person is not None and person.status == "approved"

    async def next_suggestions(payload: dict[str, Any], to: Recipient) -> Any:
        if not await member(to.user_id):
            return None
        if await app.mentorship_service.waiting(to.user_id) is not Waiting.YES:
            return None  # she withdrew or paused meanwhile, or the round found her a mentor
        matches = await app.mentorship_service.suggestions(to.user_id)
        return await suggestions_message(to.user_id, matches, profiles, ref,
                                         app.mentorship_service, to.locale, follow_up=True)

    async def checkin(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "active" or pair.held \
                or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        return (_("How is your mentorship with {name} going? Have you met?").format(name=name),
                rows([button(_("We have met"), MentorCb(action=A.MET, pair_id=pair.id)),
                      button(_("Not yet"), MentorCb(action=A.NOT_YET, pair_id=pair.id))],
                     [button(_("Pause"), MentorCb(action=A.PAUSE, pair_id=pair.id,
                                                  value=FROM_CHECKIN)),
                      button(_("End mentorship"), MentorCb(action=A.END, pair_id=pair.id,
                                                           value=FROM_CHECKIN))]))

    async def silent(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status != "active" or pair.held \
                or pair.mentee_id != to.user_id:
            return None
        return (_("Your mentor has not answered the last two check-ins. Would you like a new "
                  "mentor?"),
                rows([button(_("Find me a new mentor"),
                             MentorCb(action=A.REMATCH, pair_id=pair.id))]))

    async def ended(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        if pair.status == "completed":
            return _("{name} has marked your mentorship as goals reached. Thank you for the "
                     "time you gave it.").format(name=name), None
        text = _("{name} has closed your mentorship. Thank you for the time you gave it."
                 ).format(name=name)
        if to.user_id == pair.mentee_id and await repo.request(to.user_id) is not None:
            text += "\n\n" + _("Your request for a mentor stays open: the weekly matching "
                                "round may ask another mentor for you. /mentorship shows "
                                "suggestions, or pauses or withdraws your request.")
        return text, None

    async def rate(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        return rate_question(name), rows([button(str(n), MentorCb(
            action=A.RATE, value=str(n), pair_id=pair.id)) for n in range(1, 6)])

    async def paused(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.role_of(to.user_id) is None:
            return None
        name = await other_name(pair, to.user_id, profiles)
        if payload.get("paused"):
            return _("{name} has paused your mentorship. Either of you can resume it in "
                     "/mentorship → My mentorships.").format(name=name), None
        return _("{name} has resumed your mentorship.").format(name=name), None

    async def held(payload: dict[str, Any], to: Recipient) -> Any:
        """Her partner was suspended, or reinstated: named (she knows her), but neither the
        suspension nor its reason (nobody else learns of a suspension: the staff's note is
        between them and that member). Nothing if it changed again since."""
        pair = await running_pair_of(payload, to)
        if pair is None or pair.held != bool(payload.get("held")) \
                or not await member(to.user_id):
            return None
        name = await other_name(pair, to.user_id, profiles)
        if pair.held:
            return _("Your mentorship with {name} is on hold for now. You don't need to do "
                     "anything; I will tell you when it can go on.").format(name=name), None
        if pair.status == "paused":
            return _("Your mentorship with {name} is no longer on hold. It stays paused; "
                     "either of you can resume it in /mentorship → My mentorships.").format(name=name), None
        return _("Your mentorship with {name} can go on again. I will check in with you "
                 "both in a week.").format(name=name), None

    async def partner_left(payload: dict[str, Any], to: Recipient) -> Any:
        if payload.get("role") == "mentee":  # she was the mentee: her mentor left
            if payload.get("status") == "proposed":
                return _("The mentor you asked has left the association. /mentorship shows "
                         "other mentors."), None
            return _("Your mentor has left the association and her data was deleted, so your "
                     "mentorship has ended. /mentorship can find you a new mentor."), None
        return _("Your mentee has left the association and her data was deleted, so your "
                 "mentorship has ended. Her place is free again."), None

    return {MessageKind.MENTOR_PROPOSAL: proposal, MessageKind.MENTOR_REMINDER: reminder,
            MessageKind.MENTOR_WITHDRAWN: withdrawn,
            MessageKind.MENTOR_FIRST: first_message, MessageKind.MENTOR_PAUSED: paused,
            MessageKind.MENTOR_PARTNER_LEFT: partner_left, MessageKind.MENTOR_ROUND_ASKED: round_asked,
            MessageKind.MENTOR_CONTACTS: contacts, MessageKind.MENTOR_NEXT: next_suggestions,
            MessageKind.MENTOR_CHECKIN: checkin, MessageKind.MENTOR_SILENT: silent,
            MessageKind.MENTOR_ENDED: ended, MessageKind.MENTOR_RATE: rate,
            MessageKind.MENTOR_HELD: held}


# ---- shared by the menu's handlers and the wizards (handlers.mentorship_forms) ------------

async def mentor_message(query: CallbackQuery, actor: Actor) -> Message | None:
    """The message of a mentorship button, if she may use mentorship (else she is told)."""
    message = query.message if isinstance(query.message, Message) else None
    problem = refusal(actor)
    if problem is not None or message is None:
        await query.answer(problem or _("This button is no longer valid."), show_alert=True)
        return None
    return message


async def menu_view(actor: Actor, service: MentorshipService, ref: ReferenceData
                    ) -> tuple[str, InlineKeyboardMarkup]:
    return menu_text_and_keyboard(
        actor, await service.offer(actor.user_id), await service.request(actor.user_id),
        await service.running_pairs(actor.user_id), await service.pending(actor.user_id), ref)


async def show_suggestions(message: Message, actor: Actor, service: MentorshipService,
                           members: MemberService, ref: ReferenceData, *, edit: bool) -> None:
    waiting = await service.waiting(actor.user_id)
    if waiting is Waiting.HAS_MENTOR:
        text, keyboard = _("You already have a mentor, or a mentor is considering your "
                           "request. /mentorship shows your mentorships."), None
    elif waiting is Waiting.PAUSED:
        text, keyboard = _("Your request is paused. Resume it in /mentorship to get "
                           "suggestions."), None
    else:
        text, keyboard = await suggestions_message(
            actor.user_id, await service.suggestions(actor.user_id), members, ref, service,
            actor.locale, follow_up=False)
    if edit:
        await edit_text(message, text, keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)
