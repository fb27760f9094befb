"""/mentorship: offer to mentor, look for a mentor, answer proposals, look after a pair.

Every button is checked again on the server: the pressing member must be a side of the pair
(or the mentee the suggestion was made for) and the pair must still be in a state that
allows the action. Before both sides agree, neither sees more of the other than the fields
she made visible; contacts are sent only after consent, protected from forwarding.
"""

from __future__ import annotations


from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MentorCb
from bot.clock import Clock
from bot.db.repositories.mentorship import MentorshipRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.i18n import pgettext
from bot.keyboards import button, rows
from bot.services.mentorship import MentorshipService, Outcome, Waiting
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import (
    availability_text, country_preference_text, problem_text,
)
from handlers.directory import member_message, members_only_text, picked_place
from handlers.mentorship_messages import (
    menu_text_and_keyboard, other_name, overview_text, pair_keyboard, suggestions_message,
    toggle_keyboard,
)
from handlers.ui import append_note, ask_for_text, edit_text, not_for_you, refused, stale_button

GOAL_MAX = 300
COMMENT_MAX = 500
AVAILABILITY = ("monthly", "twice_monthly", "weekly")
PREFERENCES = ("same", "other", "any")


class MentorForm(StatesGroup):
    goal_text = State()
    comment = State()


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
                  clock: Clock) -> None:
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
        await state.update_data(mentor={})
        await show_suggestions(message, actor, mentorship_service, profiles, ref, mentorship,
                               clock)
    elif action == "suggest":
        await show_suggestions(message, actor, mentorship_service, profiles, ref, mentorship,
                               clock)
    elif action in ("seek_pause", "seek_withdraw"):  # her open proposals end with it
        await mentorship_service.stop_looking(actor.user_id,
                                              withdraw=action == "seek_withdraw")
        await refresh_menu(message, actor, mentorship)
    elif action in ("offer_pause", "offer_resume", "seek_resume"):
        table = "mentor_offers" if action.startswith("offer") else "mentee_requests"
        await mentorship.set_paused(table, actor.user_id, action.endswith("pause"), clock.now())
        await refresh_menu(message, actor, mentorship)
    elif action == "offer_withdraw":
        await mentorship_service.withdraw_offer(actor.user_id)
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
                           profiles: ProfileRepo, ref: ReferenceData, repo: MentorshipRepo,
                           clock: Clock) -> None:
    waiting = await service.waiting(actor.user_id)
    if waiting is Waiting.HAS_MENTOR:
        await message.answer(_("You already have a mentor, or a mentor is considering your "
                               "request. /mentorship shows your mentorships."))
        return
    if waiting is Waiting.PAUSED:
        await message.answer(_("Your request is paused. Resume it in /mentorship to get "
                               "suggestions."))
        return
    text, keyboard = await suggestions_message(
        actor.user_id, await service.suggestions(actor.user_id), profiles, ref, repo,
        actor.locale, clock.now(), follow_up=False)
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
        status = pgettext("mentoring pair", "paused") if pair.status == "paused" \
            else pgettext("mentoring pair", "active")
        await message.answer(f"{role} ({status})", reply_markup=pair_keyboard(pair))


async def on_goal_text(message: Message, state: FSMContext) -> None:
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
                 mentorship_service: MentorshipService, mentorship: MentorshipRepo) -> None:
    picked = await picked_place(query, actor, callback_data.value)
    if picked is None:
        return
    message, place = picked
    mentor_id = await mentorship.suggested_mentor(callback_data.list_id, place, actor.user_id)
    pair_id = None if mentor_id is None else await mentorship_service.ask(actor.user_id,
                                                                            mentor_id)
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
                  clock: Clock) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    action = callback_data.action
    if action in ("accept", "decline"):
        outcome = await mentorship_service.answer(callback_data.pair_id, actor.user_id,
                                                  action == "accept")
        if await refused(query, outcome):
            return
        if outcome is Outcome.FULL:
            await query.answer(_("All your places are taken. To take her too, give yourself "
                                 "more places in /mentorship."), show_alert=True)
            return
        await query.answer()
        note = (_("✓ You accepted. I am sending you both each other's contacts.")
                if action == "accept" else _("Thank you for answering. She will be offered "
                                             "another mentor."))
        await append_note(message, note)
        return
    pair = await mentorship_service.side_of(callback_data.pair_id, actor.user_id)
    if pair is None:
        await not_for_you(query)
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
            await not_for_you(query)
            return
        await mentorship_service.end(pair, actor.user_id, False)
        await query.answer()
        await append_note(message, _(
            "I have ended that mentorship. Suggestions for a new mentor follow."))
        await show_suggestions(message, actor, mentorship_service, profiles, ref, mentorship,
                               clock)
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
        await stale_button(query)


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
