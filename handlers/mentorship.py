"""/mentorship: offer to mentor, look for a mentor, answer proposals, look after a pair.

One live message: the menu, and the steps of offering or looking, edit it in place; one small
handler per button action (``MentorAction``), each taking the mentorship service.

```mermaid
stateDiagram-v2
    menu --> places: Offer to mentor
    places --> areas --> time --> menu
    menu --> goals: Find a mentor
    goals --> her_words: Done (she types)
    her_words --> where_from --> suggestions
    menu --> menu: pause / resume / withdraw / cancel her pending request
    pair --> confirm: End / Goals reached
    confirm --> pair: No, keep it
    confirm --> ended: Yes
```

Every button is checked again on the server: the pressing member must be a side of the pair
(or the mentee the suggestion was made for) and the pair must still be in a state that
allows the action. Before both sides agree, neither sees more of the other than the fields
she made visible; contacts are sent only after consent, protected from forwarding.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MentorAction as A
from bot.callbacks import MentorCb
from bot.db.repositories.mentorship import Pair
from bot.i18n import format_datetime
from bot.keyboards import button, rows
from bot.services.members import MemberService
from bot.services.mentorship import MentorshipService, Outcome, Waiting
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import availability_text, country_preference_text, problem_text, reach_text
from handlers.directory import picked_place
from handlers.members_only import refusal
from handlers.mentorship_messages import (
    FROM_CHECKIN, confirm_keyboard, confirm_text, menu_text_and_keyboard, other_name, overview_text,
    pair_keyboard, pair_text, suggestions_message, toggle_keyboard, zone_of,
)
from handlers.ui import (
    append_note, ask_for_text, edit_text, not_for_you, query_message, refused, stale_button,
)

GOAL_MAX = 300
COMMENT_MAX = 500
AVAILABILITY = ("monthly", "twice_monthly", "weekly")
PREFERENCES = ("same", "other", "any")
RUNNING = ("active", "paused")


class MentorForm(StatesGroup):
    goal_text = State()
    comment = State()


async def mentor_message(query: CallbackQuery, actor: Actor) -> Message | None:
    """The message of a mentorship button, if she may use mentorship (else she is told)."""
    message = query_message(query)
    problem = refusal(actor)
    if problem is not None or message is None:
        await query.answer(problem or _("This button is no longer valid."), show_alert=True)
        return None
    return message


async def menu(actor: Actor, service: MentorshipService, ref: ReferenceData):  # type: ignore[no-untyped-def]
    return menu_text_and_keyboard(
        actor, await service.offer(actor.user_id), await service.request(actor.user_id),
        await service.running_pairs(actor.user_id), await service.pending(actor.user_id), ref)


async def refresh_menu(message: Message, actor: Actor, service: MentorshipService,
                       ref: ReferenceData) -> None:
    await edit_text(message, *(await menu(actor, service, ref)))


# ---- the menu ----------------------------------------------------------------------------

async def cmd_mentorship(message: Message, actor: Actor, state: FSMContext,
                         mentorship_service: MentorshipService, ref: ReferenceData) -> None:
    problem = refusal(actor)
    if problem is not None:
        await message.answer(problem)
        return
    await state.set_state(None)
    text, keyboard = await menu(actor, mentorship_service, ref)
    await message.answer(text, reply_markup=keyboard)


async def cb_back_to_menu(query: CallbackQuery, actor: Actor,
                          mentorship_service: MentorshipService, ref: ReferenceData) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    await query.answer()
    await refresh_menu(message, actor, mentorship_service, ref)


async def cb_menu_switch(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                         mentorship_service: MentorshipService, ref: ReferenceData) -> None:
    """Pause or resume her offer or request, withdraw them, cancel her pending proposal;
    the menu is edited in place to show it."""
    message = await mentor_message(query, actor)
    if message is None:
        return
    action, me = callback_data.action, actor.user_id
    if action in (A.SEEK_PAUSE, A.SEEK_WITHDRAW):  # her open proposals end with it
        await mentorship_service.stop_looking(me, withdraw=action == A.SEEK_WITHDRAW)
    elif action == A.SEEK_RESUME:
        await mentorship_service.set_paused(me, offer=False, paused=False)
    elif action in (A.OFFER_PAUSE, A.OFFER_RESUME):
        await mentorship_service.set_paused(me, offer=True, paused=action == A.OFFER_PAUSE)
    elif action == A.OFFER_WITHDRAW:
        await mentorship_service.withdraw_offer(me)
    elif action == A.CANCEL_ASK and not await mentorship_service.cancel_proposal(me):
        await query.answer(_("This request is no longer open."), show_alert=True)
        await refresh_menu(message, actor, mentorship_service, ref)
        return
    await query.answer(_("Done."))
    await refresh_menu(message, actor, mentorship_service, ref)


# ---- offering to mentor: places, areas, time (the menu's message, edited) ------------------

async def cb_offer(query: CallbackQuery, actor: Actor, state: FSMContext) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    await query.answer()
    await state.update_data(mentor={"areas": []})
    await edit_text(message, _("How many mentees can you take at once?"), rows(
        [button(str(n), MentorCb(action=A.CAPACITY, value=str(n))) for n in range(1, 6)]))


async def cb_capacity(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                      state: FSMContext, ref: ReferenceData) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    if callback_data.value not in {"1", "2", "3", "4", "5"}:
        await stale_button(query)
        return
    await query.answer()
    await state.update_data(mentor={"capacity": int(callback_data.value), "areas": []})
    await edit_text(message, _("In which areas can you mentor? Tap all that apply, then Done."),
                    toggle_keyboard(A.AREA, set(), ref, actor.locale, A.AREAS_DONE))


async def cb_toggle(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                    state: FSMContext, ref: ReferenceData) -> None:
    """An area she can mentor in, or a goal: tapped on or off."""
    message = await mentor_message(query, actor)
    if message is None:
        return
    if callback_data.value not in ref.expertise_codes:
        await stale_button(query)
        return
    await query.answer()
    area = callback_data.action == A.AREA
    key = "areas" if area else "goals"
    data = (await state.get_data()).get("mentor", {})
    chosen = set(data.get(key, [])) ^ {callback_data.value}
    await state.update_data(mentor={**data, key: sorted(chosen)})
    await message.edit_reply_markup(reply_markup=toggle_keyboard(
        callback_data.action, chosen, ref, actor.locale,
        A.AREAS_DONE if area else A.GOALS_DONE))


async def cb_areas_done(query: CallbackQuery, actor: Actor, state: FSMContext) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    data = (await state.get_data()).get("mentor", {})
    if not data.get("areas") or not data.get("capacity"):
        await stale_button(query)
        return
    await query.answer()
    await edit_text(message, _("How much time can you give?"), rows(
        *[[button(availability_text(code), MentorCb(action=A.AVAILABILITY, value=code))]
          for code in AVAILABILITY]))


async def last_step(query: CallbackQuery, actor: Actor, state: FSMContext, value: str,
                    choices: tuple[str, ...], *needed: str
                    ) -> tuple[Message, dict[str, Any]] | None:
    """The last step of offering or looking: her message and the answers so far, if the
    choice is one of the buttons and every earlier answer is there (else the stale popup)."""
    message = await mentor_message(query, actor)
    if message is None:
        return None
    data = (await state.get_data()).get("mentor", {})
    if value not in choices or not all(data.get(key) for key in needed):
        await stale_button(query)
        return None
    await query.answer()
    return message, data


async def cb_availability(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                          state: FSMContext, mentorship_service: MentorshipService) -> None:
    step = await last_step(query, actor, state, callback_data.value, AVAILABILITY,
                           "areas", "capacity")
    if step is None:
        return
    message, data = step
    await mentorship_service.save_offer(actor.user_id, data["capacity"], callback_data.value,
                                        data["areas"])
    await state.update_data(mentor={})
    await edit_text(message, _("Thank you! You are on the list of mentors. When a member asks "
                               "you, I will show you her profile and goal, and you decide."),
                    rows([button(_("« Mentorship"), MentorCb(action=A.MENU))]))


# ---- looking for a mentor: goals, her words, where from ----------------------------------

async def cb_seek(query: CallbackQuery, actor: Actor, state: FSMContext,
                  ref: ReferenceData) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    await query.answer()
    await state.update_data(mentor={"goals": []})
    await edit_text(message, _("What would you like to grow in? Tap all that apply, then Done."),
                    toggle_keyboard(A.GOAL, set(), ref, actor.locale, A.GOALS_DONE))


async def cb_goals_done(query: CallbackQuery, actor: Actor, state: FSMContext) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    if not (await state.get_data()).get("mentor", {}).get("goals"):
        await stale_button(query)
        return
    await query.answer()
    await state.set_state(MentorForm.goal_text)
    await edit_text(message, _("In a sentence or two, what do you hope a mentor helps you "
                               "with? (up to {limit} characters)").format(limit=GOAL_MAX)
                    + " " + _("(/cancel to stop)"), None)


async def on_goal_text(message: Message, state: FSMContext) -> None:
    value, problem = check_short_text(message.text, GOAL_MAX, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, GOAL_MAX) + " " + _("(/cancel to stop)"))
        return
    data = (await state.get_data()).get("mentor", {})
    await state.update_data(mentor={**data, "goal_text": value})
    await state.set_state(None)
    await message.answer(_("Mentors from where?"), reply_markup=rows(
        *[[button(country_preference_text(code), MentorCb(action=A.PREFERENCE, value=code))]
          for code in PREFERENCES]))


async def cb_preference(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                        state: FSMContext, mentorship_service: MentorshipService,
                        members: MemberService, ref: ReferenceData) -> None:
    step = await last_step(query, actor, state, callback_data.value, PREFERENCES,
                           "goals", "goal_text")
    if step is None:
        return
    message, data = step
    await mentorship_service.save_request(actor.user_id, data["goals"], data["goal_text"],
                                          callback_data.value)
    await state.update_data(mentor={})
    await show_suggestions(message, actor, mentorship_service, members, ref, edit=True)


async def cb_suggest(query: CallbackQuery, actor: Actor, mentorship_service: MentorshipService,
                     members: MemberService, ref: ReferenceData) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    await query.answer()
    await show_suggestions(message, actor, mentorship_service, members, ref, edit=False)


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


async def cb_ask(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                 mentorship_service: MentorshipService, ref: ReferenceData) -> None:
    if refusal(actor) is not None:
        await mentor_message(query, actor)
        return
    picked = await picked_place(query, actor, callback_data.value)
    if picked is None:
        return
    message, place = picked
    mentor_id = await mentorship_service.suggested_mentor(callback_data.list_id, place,
                                                          actor.user_id)
    pair_id = None if mentor_id is None else await mentorship_service.ask(actor.user_id,
                                                                            mentor_id)
    pending = await mentorship_service.pending(actor.user_id)
    if pair_id is None or pending is None:
        await query.answer(_("This suggestion is no longer available. /mentorship shows "
                             "fresh ones."), show_alert=True)
        return
    await query.answer()
    await append_note(message, _(
        "✓ I have asked her. She has until {deadline} to answer, and you will hear from me "
        "either way. /mentorship shows your request; you can cancel it there.").format(
            deadline=format_datetime(pending.expires_at, actor.locale,
                                     zone_of(actor.country_code, ref))))


# ---- the proposed mentor's answer --------------------------------------------------------

async def cb_answer(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                    mentorship_service: MentorshipService) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    accept = callback_data.action == A.ACCEPT
    outcome = await mentorship_service.answer(callback_data.pair_id, actor.user_id, accept)
    if await refused(query, outcome):
        return
    if outcome is Outcome.FULL:
        await query.answer(_("All your places are taken. To take her too, give yourself "
                             "more places in /mentorship."), show_alert=True)
        return
    await query.answer()
    await append_note(message, _("✓ You accepted. I am sending you both each other's contacts.")
                      if accept else _("Thank you for answering. I will tell her it did not "
                                       "work out this time and suggest other mentors."))


# ---- a running pair ----------------------------------------------------------------------

async def running_pair(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                       service: MentorshipService) -> tuple[Message, Pair] | None:
    """The pair a button is about, if she is a side of it and it still runs (the buttons
    of an ended pair answer with the stale popup)."""
    message = await mentor_message(query, actor)
    if message is None:
        return None
    pair = await service.side_of(callback_data.pair_id, actor.user_id)
    if pair is None:
        await not_for_you(query)
        return None
    if pair.status not in RUNNING:
        await stale_button(query)
        return None
    return message, pair


async def card_text(pair: Pair, actor: Actor, members: MemberService, bot: Bot, *,
                    protected: bool = True) -> str:
    """Her card of the pair; the contact only on a message sent protected (the check-in is
    not: a card edited into it says who, not how to reach her)."""
    contact = await reach_text(pair.other(actor.user_id), members, TelegramChats(bot)) \
        if protected else None
    return pair_text(pair, actor.user_id, await other_name(pair, actor.user_id, members),
                     contact)


def on_protected(callback_data: MentorCb) -> bool:
    """Whether the button sits on a protected message (a pair card, not a check-in)."""
    return callback_data.value != FROM_CHECKIN


async def cb_pairs(query: CallbackQuery, actor: Actor, mentorship_service: MentorshipService,
                   members: MemberService, bot: Bot) -> None:
    """Her running pairs, each with the other's contact as it is now (protected)."""
    message = await mentor_message(query, actor)
    if message is None:
        return
    await query.answer()
    pairs = await mentorship_service.running_pairs(actor.user_id)
    if not pairs:
        await message.answer(_("You have no mentorship running."))
        return
    for pair in pairs:
        await message.answer(await card_text(pair, actor, members, bot),
                             reply_markup=pair_keyboard(pair), protect_content=True)


async def cb_checkin(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                     mentorship_service: MentorshipService) -> None:
    found = await running_pair(query, callback_data, actor, mentorship_service)
    if found is None:
        return
    message, pair = found
    await mentorship_service.checkin_answer(pair, actor.user_id)
    await query.answer()
    await append_note(message, _("Wonderful! Thank you for telling me.")
                      if callback_data.action == A.MET
                      else _("Thank you. Maybe write to her today to agree on a time?"))


async def cb_pause(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                   mentorship_service: MentorshipService, members: MemberService,
                   bot: Bot) -> None:
    found = await running_pair(query, callback_data, actor, mentorship_service)
    if found is None:
        return
    message, pair = found
    await mentorship_service.checkin_answer(pair, actor.user_id)
    done = await mentorship_service.pause(pair, actor.user_id,
                                          callback_data.action == A.PAUSE)
    await query.answer(_("Done.") if done else _("This mentorship is not running."),
                       show_alert=not done)
    fresh = await mentorship_service.side_of(pair.id, actor.user_id)
    if fresh is not None and fresh.status in RUNNING:  # the card says what it is now
        await edit_text(message, await card_text(fresh, actor, members, bot,
                                                 protected=on_protected(callback_data)),
                        pair_keyboard(fresh, callback_data.value))


async def cb_confirm_end(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                         mentorship_service: MentorshipService, members: MemberService) -> None:
    """End mentorship / Goals reached: asked first, in place."""
    found = await running_pair(query, callback_data, actor, mentorship_service)
    if found is None:
        return
    message, pair = found
    await query.answer()
    completed = callback_data.action == A.DONE
    name = await other_name(pair, actor.user_id, members)
    await edit_text(message, confirm_text(pair, name, completed),
                    confirm_keyboard(pair, completed, callback_data.value))


async def cb_keep(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                  mentorship_service: MentorshipService, members: MemberService,
                  bot: Bot) -> None:
    found = await running_pair(query, callback_data, actor, mentorship_service)
    if found is None:
        return
    message, pair = found
    await query.answer()
    await edit_text(message, await card_text(pair, actor, members, bot,
                                             protected=on_protected(callback_data)),
                    pair_keyboard(pair, callback_data.value))


async def cb_end(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                 mentorship_service: MentorshipService) -> None:
    found = await running_pair(query, callback_data, actor, mentorship_service)
    if found is None:
        return
    message, pair = found
    await mentorship_service.end(pair, actor.user_id, callback_data.action == A.DONE_YES)
    await query.answer()
    await edit_text(message, _("This mentorship has ended. Thank you!"), None)


async def cb_rematch(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                     mentorship_service: MentorshipService, members: MemberService,
                     ref: ReferenceData) -> None:
    found = await running_pair(query, callback_data, actor, mentorship_service)
    if found is None:
        return
    message, pair = found
    if pair.mentee_id != actor.user_id:
        await not_for_you(query)
        return
    await mentorship_service.end(pair, actor.user_id, False)
    await query.answer()
    await append_note(message, _(
        "I have ended that mentorship. Suggestions for a new mentor follow."))
    await show_suggestions(message, actor, mentorship_service, members, ref, edit=False)


# ---- after the end: a rating and a comment ------------------------------------------------

async def cb_rate(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                  state: FSMContext, mentorship_service: MentorshipService) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    pair = await mentorship_service.side_of(callback_data.pair_id, actor.user_id)
    if pair is None:
        await not_for_you(query)
        return
    if callback_data.value not in {"1", "2", "3", "4", "5"}:
        await stale_button(query)
        return
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
        rows([button(_("Skip »"), MentorCb(action=A.NO_COMMENT, pair_id=pair.id))]))


async def cb_no_comment(query: CallbackQuery, state: FSMContext) -> None:
    message = query_message(query)
    await state.set_state(None)
    await query.answer()
    if message is not None:
        await edit_text(message, message.html_text or "", None)


async def on_comment(message: Message, actor: Actor, state: FSMContext,
                     mentorship_service: MentorshipService) -> None:
    value, problem = check_short_text(message.text, COMMENT_MAX, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, COMMENT_MAX))
        return
    pair_id = (await state.get_data()).get("mentor", {}).get("pair_id", 0)
    await state.set_state(None)
    await mentorship_service.comment(int(pair_id), actor.user_id, value or "")
    await message.answer(_("Thank you, your comment is saved."))


async def cb_overview(query: CallbackQuery, actor: Actor, mentorship_service: MentorshipService,
                      ref: ReferenceData) -> None:
    message = query_message(query)
    if message is None:
        await stale_button(query)
        return
    await query.answer()
    if not actor.is_staff:  # checked now, whatever the button says
        await message.answer(_("This command is for coordinators."))
        return
    await message.answer(await overview_text(actor, mentorship_service, ref))


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
    on = router.callback_query.register
    on(cb_back_to_menu, MentorCb.filter(F.action == A.MENU))
    on(cb_menu_switch, MentorCb.filter(F.action.in_({
        A.SEEK_PAUSE, A.SEEK_RESUME, A.SEEK_WITHDRAW, A.OFFER_PAUSE, A.OFFER_RESUME,
        A.OFFER_WITHDRAW, A.CANCEL_ASK})))
    on(cb_offer, MentorCb.filter(F.action == A.OFFER))
    on(cb_capacity, MentorCb.filter(F.action == A.CAPACITY))
    on(cb_toggle, MentorCb.filter(F.action.in_({A.AREA, A.GOAL})))
    on(cb_areas_done, MentorCb.filter(F.action == A.AREAS_DONE))
    on(cb_availability, MentorCb.filter(F.action == A.AVAILABILITY))
    on(cb_seek, MentorCb.filter(F.action == A.SEEK))
    on(cb_goals_done, MentorCb.filter(F.action == A.GOALS_DONE))
    on(cb_preference, MentorCb.filter(F.action == A.PREFERENCE))
    on(cb_suggest, MentorCb.filter(F.action == A.SUGGEST))
    on(cb_ask, MentorCb.filter(F.action == A.ASK))
    on(cb_answer, MentorCb.filter(F.action.in_({A.ACCEPT, A.DECLINE})))
    on(cb_pairs, MentorCb.filter(F.action == A.PAIRS))
    on(cb_checkin, MentorCb.filter(F.action.in_({A.MET, A.NOT_YET})))
    on(cb_pause, MentorCb.filter(F.action.in_({A.PAUSE, A.RESUME})))
    on(cb_confirm_end, MentorCb.filter(F.action.in_({A.DONE, A.END})))
    on(cb_keep, MentorCb.filter(F.action == A.KEEP))
    on(cb_end, MentorCb.filter(F.action.in_({A.DONE_YES, A.END_YES})))
    on(cb_rematch, MentorCb.filter(F.action == A.REMATCH))
    on(cb_rate, MentorCb.filter(F.action == A.RATE))
    on(cb_no_comment, MentorCb.filter(F.action == A.NO_COMMENT))
    on(cb_overview, MentorCb.filter(F.action == A.OVERVIEW))
    return router
