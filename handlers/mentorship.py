"""/mentorship: offer to mentor, look for a mentor, answer proposals, look after a pair.

Every button is checked again on the server: the pressing member must be a side of the pair
(or the mentee the suggestion was made for) and the pair must still be in a state that
allows the action. Before both sides agree, neither sees more of the other than the fields
she made visible; contacts are sent only after consent, protected from forwarding.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MentorCb
from bot.clock import Clock
from bot.db.repositories.introductions import IntroRepo
from bot.db.repositories.mentorship import MentorshipRepo, Pair
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.keyboards import button, rows
from bot.services.delivery import Protected, Recipient
from bot.services.matching import Match
from bot.services.mentorship import MentorshipService, Outcome
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import (
    availability_text, contact_text, country_preference_text, problem_text, profile_card,
)
from handlers.directory import member_message, members_only_text
from handlers.ui import append_note, ask_for_text, edit_text

GOAL_MAX = 300
COMMENT_MAX = 500
AVAILABILITY = ("monthly", "twice_monthly", "weekly")
PREFERENCES = ("same", "other", "any")
MIN_GROUP = 5  # reports show nothing about fewer people than this


class MentorForm(StatesGroup):
    goal_text = State()
    comment = State()


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
        from bot.texts import agency_text

        place = agency_text(mentor, ref, locale) + ", " + place
    parts.append(place)
    return " · ".join(parts)


async def suggestions_message(matches: list[Match], profiles: ProfileRepo, ref: ReferenceData,
                              repo: MentorshipRepo, locale: str, *, follow_up: bool
                              ) -> tuple[str, InlineKeyboardMarkup | None]:
    if not matches:
        if follow_up:
            return _("There is no other suggestion for you right now. You stay on the list: "
                     "the weekly matching round will look for a mentor for you."), None
        return _("No mentor fits your goals and languages right now. You stay on the list: "
                 "the weekly matching round will look for a mentor for you."), None
    head = (_("Here are more mentors who could suit you:") if follow_up
            else _("Mentors who could suit you:"))
    cards = [head]
    buttons: list[list[InlineKeyboardButton]] = []
    for number, match in enumerate(matches, start=1):
        mentor = await profiles.get(match.mentor_id)
        offer = await repo.offer(match.mentor_id)
        if mentor is None or offer is None:
            continue
        cards.append(f"{number}. " + profile_card(mentor, ref, locale, visible_only=True)
                     + "\n" + _("Why: {reasons}").format(
                         reasons=reasons_text(match, mentor, ref, locale))
                     + "\n" + _("Available: {when}").format(
                         when=availability_text(offer.availability)))
        buttons.append([button(_("Ask mentor {number}").format(number=number),
                               MentorCb(action="ask", value=str(match.mentor_id)))])
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


# ---- the menu and the two wizards --------------------------------------------------------

async def cmd_mentorship(message: Message, actor: Actor, state: FSMContext,
                         mentorship: MentorshipRepo) -> None:
    if not actor.is_member:
        await message.answer(members_only_text())
        return
    await state.set_state(None)
    text, keyboard = menu_text_and_keyboard(
        actor, await mentorship.offer(actor.user_id), await mentorship.request(actor.user_id),
        await mentorship.pairs_of(actor.user_id, ("active", "paused")))
    await message.answer(text, reply_markup=keyboard)


async def cb_menu(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                  state: FSMContext, ref: ReferenceData, mentorship: MentorshipRepo,
                  mentorship_service: MentorshipService, profiles: ProfileRepo,
                  intros: IntroRepo, clock: Clock) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    action, value = callback_data.action, callback_data.value
    data = (await state.get_data()).get("mentor", {})
    await query.answer()
    if action == "offer":
        await state.update_data(mentor={"areas": []})
        await message.answer(_("How many mentees can you take at once?"), reply_markup=rows(
            [button(str(n), MentorCb(action="cap", value=str(n))) for n in range(1, 6)]))
    elif action == "cap" and value in {"1", "2", "3", "4", "5"}:
        await state.update_data(mentor={**data, "capacity": int(value), "areas": []})
        await message.answer(_("In which areas can you mentor? Tap all that apply, then Done."),
                             reply_markup=toggle_keyboard("area", set(), ref, actor.locale,
                                                          "areas_ok"))
    elif action in ("area", "goal") and value in ref.expertise_codes:
        key = "areas" if action == "area" else "goals"
        chosen = set(data.get(key, [])) ^ {value}
        await state.update_data(mentor={**data, key: sorted(chosen)})
        keyboard = toggle_keyboard(action, chosen, ref, actor.locale,
                                   "areas_ok" if action == "area" else "goals_ok")
        await message.edit_reply_markup(reply_markup=keyboard)
    elif action == "areas_ok" and data.get("areas") and data.get("capacity"):
        await message.answer(_("How much time can you give?"), reply_markup=rows(
            *[[button(availability_text(code), MentorCb(action="avail", value=code))]
              for code in AVAILABILITY]))
    elif action == "avail" and value in AVAILABILITY and data.get("areas") \
            and data.get("capacity"):
        await mentorship.save_offer(actor.user_id, data["capacity"], value, data["areas"],
                                    clock.now())
        await intros.remember_username(actor.user_id, query.from_user.username, clock.now())
        await state.update_data(mentor={})
        await message.answer(_("Thank you! You are on the list of mentors. When a member asks "
                               "you, I will show you her profile and goal, and you decide."))
    elif action == "seek":
        await state.update_data(mentor={"goals": []})
        await message.answer(_("What would you like to grow in? Tap all that apply, then Done."),
                             reply_markup=toggle_keyboard("goal", set(), ref, actor.locale,
                                                          "goals_ok"))
    elif action == "goals_ok" and data.get("goals"):
        await state.set_state(MentorForm.goal_text)
        await message.answer(_("In a sentence or two, what do you hope a mentor helps you "
                               "with? (up to {limit} characters)").format(limit=GOAL_MAX))
    elif action == "pref" and value in PREFERENCES and data.get("goals") \
            and data.get("goal_text"):
        await mentorship.save_request(actor.user_id, data["goals"], data["goal_text"], value,
                                      clock.now())
        await intros.remember_username(actor.user_id, query.from_user.username, clock.now())
        await state.update_data(mentor={})
        await show_suggestions(message, actor, mentorship_service, profiles, ref, mentorship)
    elif action == "suggest":
        await show_suggestions(message, actor, mentorship_service, profiles, ref, mentorship)
    elif action in ("offer_pause", "offer_resume", "seek_pause", "seek_resume"):
        table = "mentor_offers" if action.startswith("offer") else "mentee_requests"
        await mentorship.set_paused(table, actor.user_id, action.endswith("pause"), clock.now())
        await refresh_menu(message, actor, mentorship)
    elif action in ("offer_withdraw", "seek_withdraw"):
        table = "mentor_offers" if action.startswith("offer") else "mentee_requests"
        await mentorship.withdraw(table, actor.user_id)
        await refresh_menu(message, actor, mentorship)
    elif action == "pairs":
        await show_pairs(message, actor, mentorship, profiles)
    elif action == "overview":
        if not actor.is_staff:  # checked now, whatever the button says
            await message.answer(_("This command is for coordinators."))
            return
        await message.answer(await overview_text(actor, mentorship, ref))
    else:
        await message.answer(_("This button is no longer valid."))


async def refresh_menu(message: Message, actor: Actor, mentorship: MentorshipRepo) -> None:
    text, keyboard = menu_text_and_keyboard(
        actor, await mentorship.offer(actor.user_id), await mentorship.request(actor.user_id),
        await mentorship.pairs_of(actor.user_id, ("active", "paused")))
    await edit_text(message, text, keyboard)


async def show_suggestions(message: Message, actor: Actor, service: MentorshipService,
                           profiles: ProfileRepo, ref: ReferenceData, repo: MentorshipRepo
                           ) -> None:
    open_pairs = await repo.pairs_of(actor.user_id, ("proposed", "active", "paused"))
    if any(p.mentee_id == actor.user_id for p in open_pairs):
        await message.answer(_("You already have a mentor, or a mentor is considering your "
                               "request. /mentorship shows your mentorships."))
        return
    request = await repo.request(actor.user_id)
    if request is not None and request.paused:
        await message.answer(_("Your request is paused. Resume it in /mentorship to get "
                               "suggestions."))
        return
    text, keyboard = await suggestions_message(await service.suggestions(actor.user_id),
                                               profiles, ref, repo, actor.locale,
                                               follow_up=False)
    await message.answer(text, reply_markup=keyboard)


async def show_pairs(message: Message, actor: Actor, repo: MentorshipRepo,
                     profiles: ProfileRepo) -> None:
    pairs = await repo.pairs_of(actor.user_id, ("active", "paused"))
    if not pairs:
        await message.answer(_("You have no mentorship running."))
        return
    for pair in pairs:
        role = (_("Your mentor: {name}") if pair.mentee_id == actor.user_id
                else _("Your mentee: {name}")).format(
            name=await other_name(pair, actor.user_id, profiles))
        status = _("paused") if pair.status == "paused" else _("active")
        await message.answer(f"{role} ({status})", reply_markup=pair_keyboard(pair))


async def on_goal_text(message: Message, actor: Actor, state: FSMContext) -> None:
    value, problem = check_short_text(message.text, GOAL_MAX, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, GOAL_MAX))
        return
    data = (await state.get_data()).get("mentor", {})
    await state.update_data(mentor={**data, "goal_text": value})
    await state.set_state(None)
    await message.answer(_("Mentors from where?"), reply_markup=rows(
        *[[button(country_preference_text(code), MentorCb(action="pref", value=code))]
          for code in PREFERENCES]))


# ---- proposals and pairs -----------------------------------------------------------------

async def cb_ask(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                 mentorship_service: MentorshipService, intros: IntroRepo,
                 clock: Clock) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    if not callback_data.value.isdecimal():
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await intros.remember_username(actor.user_id, query.from_user.username, clock.now())
    pair_id = await mentorship_service.ask(actor.user_id, int(callback_data.value))
    if pair_id is None:
        await query.answer(_("This suggestion is no longer available. /mentorship shows "
                             "fresh ones."), show_alert=True)
        return
    await query.answer()
    await append_note(message, _(
        "✓ I have asked her. You will hear from me when she answers."))


async def cb_pair(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                  state: FSMContext, mentorship_service: MentorshipService,
                  mentorship: MentorshipRepo, profiles: ProfileRepo, ref: ReferenceData,
                  intros: IntroRepo, clock: Clock) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    action = callback_data.action
    if action in ("accept", "decline"):
        if action == "accept":
            await intros.remember_username(actor.user_id, query.from_user.username, clock.now())
        outcome = await mentorship_service.answer(callback_data.pair_id, actor.user_id,
                                                  action == "accept")
        if outcome is Outcome.NOT_YOURS:
            await query.answer(_("This button is not meant for you."), show_alert=True)
            return
        if outcome is Outcome.GONE:
            await query.answer(_("This request is no longer open."), show_alert=True)
            return
        await query.answer()
        note = (_("✓ You accepted. I am sending you both each other's contacts.")
                if action == "accept" else _("Thank you for answering. She will be offered "
                                             "another mentor."))
        await append_note(message, note)
        return
    pair = await mentorship_service.side_of(callback_data.pair_id, actor.user_id)
    if pair is None:
        await query.answer(_("This button is not meant for you."), show_alert=True)
        return
    if action in ("met", "notyet"):
        await mentorship_service.checkin_answer(pair, actor.user_id)
        await query.answer()
        reply = (_("Wonderful! Thank you for telling me.") if action == "met"
                 else _("Thank you. Maybe write to her today to agree on a time?"))
        await append_note(message, reply)
    elif action in ("pause", "resume"):
        await mentorship_service.checkin_answer(pair, actor.user_id)
        done = await mentorship_service.pause(pair, actor.user_id, action == "pause")
        await query.answer(_("Done.") if done else _("This mentorship is not running."),
                           show_alert=not done)
        fresh = await mentorship_service.side_of(pair.id, actor.user_id)
        if done and fresh is not None:
            await message.edit_reply_markup(reply_markup=pair_keyboard(fresh))
    elif action in ("done", "end"):
        done = await mentorship_service.end(pair, actor.user_id, action == "done")
        await query.answer()
        await append_note(message, (
            _("This mentorship has ended. Thank you!") if done
            else _("This mentorship is not running.")))
    elif action == "rematch":
        if pair.mentee_id != actor.user_id:
            await query.answer(_("This button is not meant for you."), show_alert=True)
            return
        await mentorship_service.end(pair, actor.user_id, False)
        await query.answer()
        await append_note(message, _(
            "I have ended that mentorship. Suggestions for a new mentor follow."))
        await show_suggestions(message, actor, mentorship_service, profiles, ref, mentorship)
    elif action == "rate" and callback_data.value in {"1", "2", "3", "4", "5"}:
        if not await mentorship_service.rate(pair, actor.user_id, actor.country_code,
                                             int(callback_data.value)):
            await query.answer(_("You have already rated this mentorship."), show_alert=True)
            return
        await query.answer()
        await state.set_state(MentorForm.comment)
        await state.update_data(mentor={"pair_id": pair.id})
        await append_note(message, _(
            "Thank you! Anything to add for the coordinators? Send a short comment, or press "
            "Skip. They see comments and marks only together with others, never by name."),
            rows([button(_("Skip »"), MentorCb(action="nocomment", pair_id=pair.id))]))
    elif action == "nocomment":
        await state.set_state(None)
        await query.answer()
        await edit_text(message, message.html_text or "", None)
    else:
        await query.answer(_("This button is no longer valid."), show_alert=True)


async def on_comment(message: Message, actor: Actor, state: FSMContext,
                     mentorship: MentorshipRepo) -> None:
    value, problem = check_short_text(message.text, COMMENT_MAX, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, COMMENT_MAX))
        return
    pair_id = (await state.get_data()).get("mentor", {}).get("pair_id", 0)
    await state.set_state(None)
    await mentorship.comment(int(pair_id), actor.user_id, value or "")
    await message.answer(_("Thank you, your comment is saved."))


# ---- messages the delivery engine sends --------------------------------------------------

def renderers(app: Any) -> dict[str, Any]:
    """Rendered at send time from the current rows, in the recipient's language."""
    repo: MentorshipRepo = app.mentorship
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference
    intros: IntroRepo = app.intros

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

    async def contacts(payload: dict[str, Any], to: Recipient) -> Any:
        pair = await repo.get(payload["pair_id"])
        if pair is None or pair.status not in ("active", "paused") or pair.role_of(
                to.user_id) is None:
            return None
        other_id = pair.other(to.user_id)
        other = await profiles.get(other_id)
        username = (await intros.usernames([other_id]))[other_id]
        reach = contact_text(other_id, other.full_name if other else None, username)
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
        matches = await app.mentorship_service.suggestions(to.user_id)
        return await suggestions_message(matches, profiles, ref, repo, to.locale,
                                         follow_up=True)

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

    return {"mentor_proposal": proposal, "mentor_contacts": contacts,
            "mentor_next": next_suggestions, "mentor_checkin": checkin,
            "mentor_silent": silent, "mentor_ended": ended, "mentor_rate": rate}


def create_router() -> Router:
    router = Router(name="mentorship")
    private = F.chat.type == "private"
    router.message.register(cmd_mentorship, Command("mentorship"), private)
    router.message.register(on_goal_text, StateFilter(MentorForm.goal_text), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(on_comment, StateFilter(MentorForm.comment), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(ask_for_text, StateFilter(MentorForm.goal_text,
                                                          MentorForm.comment), private,
                            ~F.text.startswith("/"))
    router.callback_query.register(cb_ask, MentorCb.filter(F.action == "ask"))
    router.callback_query.register(cb_pair, MentorCb.filter(F.action.in_({
        "accept", "decline", "met", "notyet", "pause", "resume", "done", "end", "rematch",
        "rate", "nocomment"})))
    router.callback_query.register(cb_menu, MentorCb.filter())
    return router
