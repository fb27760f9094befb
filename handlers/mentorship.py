"""/mentorship: offer to mentor, look for a mentor, answer proposals, look after a pair.

One live message: the menu edits in place; one small handler per button action
(``MentorAction``), each taking the mentorship service. Offering and looking are the
aiogram-dialog wizards of ``handlers.mentorship_forms``, which take over the menu's message.

```mermaid
stateDiagram-v2
    menu --> wizard: Offer to mentor / Find a mentor (handlers.mentorship_forms)
    wizard --> suggestions: Find a mentor, last step
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

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
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
from bot.services.mentorship import MentorshipService, Outcome
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import reach_text, typed_refusal_text
from handlers.directory import picked_place
from handlers.members_only import refusal
from handlers.mentorship_messages import (
    FROM_CHECKIN, comment_view, confirm_keyboard, confirm_text, mentor_message, menu_view,
    other_name, overview_text, pair_keyboard, pair_text, show_suggestions, zone_of,
)
from handlers.ui import (
    answer_with_note, append_note, edit_by_id, edit_text, not_for_you, query_message,
    refused, stale_button,
)

COMMENT_MAX = 500
RUNNING = ("active", "paused")


class MentorForm(StatesGroup):
    comment = State()  # after a rating (the wizards are handlers.mentorship_forms)


async def refresh_menu(message: Message, actor: Actor, service: MentorshipService,
                       ref: ReferenceData) -> None:
    await edit_text(message, *(await menu_view(actor, service, ref)))


# ---- the menu ----------------------------------------------------------------------------

async def cmd_mentorship(message: Message, actor: Actor, state: FSMContext,
                         mentorship_service: MentorshipService, ref: ReferenceData) -> None:
    problem = refusal(actor)
    if problem is not None:  # staff still reach the overview: it is theirs, not a member's
        await message.answer(problem, reply_markup=rows(
            [button(_("Programme overview"), MentorCb(action=A.OVERVIEW))])
            if actor.is_staff else None)
        return
    await state.set_state(None)
    text, keyboard = await menu_view(actor, mentorship_service, ref)
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


async def cb_suggest(query: CallbackQuery, actor: Actor, mentorship_service: MentorshipService,
                     members: MemberService, ref: ReferenceData) -> None:
    message = await mentor_message(query, actor)
    if message is None:
        return
    await query.answer()
    await show_suggestions(message, actor, mentorship_service, members, ref, edit=False)


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
    # asked already (a retry after a failure hid the note, or a double tap): say so again
    if pending is None or (pair_id is None and pending.mentor_id != mentor_id):
        await query.answer(_("This suggestion is no longer available. /mentorship shows "
                             "fresh ones."), show_alert=True)
        return
    note = _("✓ I have asked her. She has until {deadline} to answer, and you will hear from "
             "me either way. /mentorship shows your request; you can cancel it there.").format(
        deadline=format_datetime(pending.expires_at, actor.locale,
                                 zone_of(actor.country_code, ref)))
    await answer_with_note(query, message, note, again=pair_id is None)


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
    note = _("✓ You accepted. I am sending you both each other's contacts.") if accept \
        else _("Thank you for answering. I will tell her it did not work out this time and "
               "suggest other mentors.")
    await answer_with_note(query, message, note, again=outcome is Outcome.ALREADY)


# ---- a running pair ----------------------------------------------------------------------

async def running_pair(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                       service: MentorshipService, *, on_hold_too: bool = False
                       ) -> tuple[Message, Pair] | None:
    """The pair a button is about, if she is a side of it and it still runs (the buttons
    of an ended pair answer with the stale popup, those of a pair on hold say so, except
    ``on_hold_too``: ending it, so a suspension that lasts never ties her to it)."""
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
    if pair.held and not on_hold_too:
        await query.answer(_("This mentorship is on hold for now. I will tell you when it "
                             "can go on."), show_alert=True)
        return None
    return message, pair


async def card_text(pair: Pair, actor: Actor, members: MemberService, bot: Bot, *,
                    protected: bool = True) -> str:
    """Her card of the pair; the contact only on a message sent protected (the check-in is
    not: a card edited into it says who, not how to reach her)."""
    contact = await reach_text(pair.other(actor.user_id), members, TelegramChats(bot)) \
        if protected and not pair.held else None
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
    found = await running_pair(query, callback_data, actor, mentorship_service,
                               on_hold_too=callback_data.action == A.END_YES)
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
    if done:
        await query.answer(_("Done."))
    else:  # a second tap, or the other side was first: the card below shows where it is
        await stale_button(query)
    fresh = await mentorship_service.side_of(pair.id, actor.user_id)
    if fresh is not None and fresh.status in RUNNING:  # the card says what it is now
        await edit_text(message, await card_text(fresh, actor, members, bot,
                                                 protected=on_protected(callback_data)),
                        pair_keyboard(fresh, callback_data.value))


async def cb_confirm_end(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                         mentorship_service: MentorshipService, members: MemberService) -> None:
    """End mentorship / Goals reached: asked first, in place."""
    found = await running_pair(query, callback_data, actor, mentorship_service,
                               on_hold_too=callback_data.action == A.END)
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
    found = await running_pair(query, callback_data, actor, mentorship_service,
                               on_hold_too=True)
    if found is None:
        return
    message, pair = found
    await query.answer()
    await edit_text(message, await card_text(pair, actor, members, bot,
                                             protected=on_protected(callback_data)),
                    pair_keyboard(pair, callback_data.value))


async def cb_end(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                 mentorship_service: MentorshipService) -> None:
    found = await running_pair(query, callback_data, actor, mentorship_service,
                               on_hold_too=callback_data.action == A.END_YES)
    if found is None:
        return
    message, pair = found
    await mentorship_service.end(pair, actor.user_id, callback_data.action == A.DONE_YES)
    await query.answer()
    await edit_text(message, _("This mentorship has ended. Thank you!"), None)


REMATCH_CONFIRMED = "yes"


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
    await query.answer()
    if callback_data.value != REMATCH_CONFIRMED:  # it ends the pair: asked first
        name = await other_name(pair, actor.user_id, members)
        await edit_text(message, confirm_text(pair, name, False), rows(
            [button(_("Yes, end it"), MentorCb(action=A.REMATCH, pair_id=pair.id,
                                               value=REMATCH_CONFIRMED))],
            [button(_("No, keep it"), MentorCb(action=A.KEEP, pair_id=pair.id,
                                               value=FROM_CHECKIN))]))  # unprotected here
        return
    await mentorship_service.end(pair, actor.user_id, False)
    await append_note(message, _(
        "I have ended that mentorship. Suggestions for a new mentor follow."))
    await show_suggestions(message, actor, mentorship_service, members, ref, edit=False)


# ---- after the end: a rating and a comment ------------------------------------------------

async def cb_rate(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                  state: FSMContext, mentorship_service: MentorshipService,
                  members: MemberService, bot: Bot) -> None:
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
    if await state.get_state() == MentorForm.comment.state:  # one question asks at a time:
        data = await state.get_data()  # the earlier one waits until this one is answered
        earlier = data.get("mentor", {})
        if earlier.get("prompt") != message.message_id:
            await show_comment_prompt(actor, bot, mentorship_service, members,
                                      earlier, asking=False)
            await state.update_data(mentor_waiting=[*data.get("mentor_waiting", []), earlier])
    await state.set_state(MentorForm.comment)
    # the message that asks: a refused answer is explained on it, not in a new one
    await state.update_data(mentor={"pair_id": pair.id, "prompt": message.message_id})
    await edit_text(message, *comment_view(pair, await other_name(pair, actor.user_id,
                                                                  members)))


async def cb_no_comment(query: CallbackQuery, callback_data: MentorCb, actor: Actor,
                        state: FSMContext, bot: Bot, mentorship_service: MentorshipService,
                        members: MemberService) -> None:
    """Skip: if this is the question her comment step waits on, the next waiting one asks;
    the Skip of an older one only takes that one out of the queue."""
    message = query_message(query)
    data = await state.get_data()
    waiting = [asked for asked in data.get("mentor_waiting", [])
               if asked.get("pair_id") != callback_data.pair_id]
    await state.update_data(mentor_waiting=waiting)
    await query.answer()
    if message is not None:
        await edit_text(message, message.html_text or "", None)
    if await state.get_state() == MentorForm.comment.state \
            and data.get("mentor", {}).get("pair_id") == callback_data.pair_id:
        await next_comment_question(actor, state, bot, mentorship_service, members)


async def next_comment_question(actor: Actor, state: FSMContext, bot: Bot,
                                service: MentorshipService, members: MemberService) -> None:
    """Her comment step goes to the question that waited (the latest first), which asks
    again; with none, it ends."""
    waiting = list((await state.get_data()).get("mentor_waiting", []))
    while waiting:
        asked = waiting.pop()
        await state.update_data(mentor_waiting=waiting, mentor=asked)
        if await show_comment_prompt(actor, bot, service, members, asked):
            return
    await state.set_state(None)


async def on_comment(message: Message, actor: Actor, state: FSMContext, bot: Bot,
                     mentorship_service: MentorshipService, members: MemberService) -> None:
    value, problem = check_short_text(message.text, COMMENT_MAX, keep_lines=True)
    if problem is not None:
        await ask_comment_again(message, actor, state, bot, mentorship_service, members,
                                {"code": "problem", "problem": problem.value})
        return
    asked = (await state.get_data()).get("mentor", {})
    await mentorship_service.comment(int(asked.get("pair_id", 0)), actor.user_id, value or "")
    await show_comment_prompt(actor, bot, mentorship_service, members, asked,
                              asking=False)  # answered: its Skip (and any reason) go
    await next_comment_question(actor, state, bot, mentorship_service, members)
    saved = _("Thank you, your comment is saved.")
    try:
        await message.answer(saved)
    except TelegramAPIError:  # saved all the same: the question she answered says so
        if not await show_comment_prompt(actor, bot, mentorship_service, members,
                                         asked, asking=False, note=saved):
            raise


async def on_comment_not_text(message: Message, actor: Actor, state: FSMContext, bot: Bot,
                              mentorship_service: MentorshipService,
                              members: MemberService) -> None:
    """A sticker, photo or file where her comment is expected."""
    await ask_comment_again(message, actor, state, bot, mentorship_service, members,
                            {"code": "not_text"})


async def ask_comment_again(message: Message, actor: Actor, state: FSMContext, bot: Bot,
                            service: MentorshipService, members: MemberService,
                            error: dict[str, str]) -> None:
    """The conversation standard: the question's own message says why in one line and asks
    again, with Skip (a new one only if that message can no longer be edited)."""
    asked = (await state.get_data()).get("mentor", {})
    reason = typed_refusal_text(error, COMMENT_MAX)
    if await show_comment_prompt(actor, bot, service, members, asked, reason):
        return
    pair = await service.side_of(int(asked.get("pair_id", 0)), actor.user_id)
    if pair is None:
        await message.answer(reason)
        return
    text, keyboard = comment_view(pair, await other_name(pair, actor.user_id, members), reason)
    sent = await message.answer(text, reply_markup=keyboard)
    await state.update_data(mentor={**asked, "prompt": sent.message_id})


async def show_comment_prompt(actor: Actor, bot: Bot,
                              service: MentorshipService, members: MemberService,
                              asked: dict[str, int], reason: str = "", *,
                              asking: bool = True, note: str = "") -> bool:
    """Edit the message that asks for her comment (``note`` below it; in her private chat,
    where the rating is asked); False if there is none to edit."""
    pair = await service.side_of(int(asked.get("pair_id", 0)), actor.user_id)
    if pair is None or not asked.get("prompt"):
        return False
    text, keyboard = comment_view(pair, await other_name(pair, actor.user_id, members),
                                  reason, asking=asking)
    if note:
        text += "\n\n✓ " + note
    return await edit_by_id(bot, actor.user_id, int(asked["prompt"]), text, keyboard)


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
    router.message.register(on_comment, StateFilter(MentorForm.comment), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(on_comment_not_text, StateFilter(MentorForm.comment), private,
                            ~F.text.startswith("/"))
    on = router.callback_query.register
    on(cb_back_to_menu, MentorCb.filter(F.action == A.MENU))
    on(cb_menu_switch, MentorCb.filter(F.action.in_({
        A.SEEK_PAUSE, A.SEEK_RESUME, A.SEEK_WITHDRAW, A.OFFER_PAUSE, A.OFFER_RESUME,
        A.OFFER_WITHDRAW, A.CANCEL_ASK})))
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
