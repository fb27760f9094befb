"""What the /introduce buttons and her typed reason do (the windows are in ``dialog.py``),
and the buttons of the messages the outbox brings: a request to answer, the others who fit."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.callbacks import IntroCb
from bot.dialogs import popup
from bot.services.introductions import IntroductionService, IntroOutcome
from bot.services.members import MemberService
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import intro_limit_text
from handlers.directory import member_message, picked_place
from handlers.event_form.context import FlowCtx
from handlers.introductions.getters import (
    REASON_MAX, STEPS, digest, moment_of, numbered, zone_of,
)
from handlers.introductions.messages import answer_note, request_view
from handlers.introductions.states import IntroForm
from handlers.members_only import refusal
from handlers.ui import answer_with_note, append_note, edit_text, not_for_you, refused


class Ctx(FlowCtx):
    def __init__(self, manager: DialogManager) -> None:
        super().__init__(manager)
        self.service: IntroductionService = manager.middleware_data["intro_service"]


async def cmd_introduce(message: Message, actor: Actor,
                        dialog_manager: DialogManager | None = None) -> None:
    reason = refusal(actor)
    if reason is not None:
        await message.answer(reason)
        return
    if dialog_manager is not None:
        await dialog_manager.start(IntroForm.menu, mode=StartMode.RESET_STACK)


async def on_new(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    if refusal(ctx.actor) is not None:
        await popup(callback, refusal(ctx.actor) or "")
        return
    if await ctx.service.at_limit(ctx.actor.user_id):  # said before the questions
        ctx.refuse("limit")
        return
    for key in (*STEPS, "reason", "intro_id"):
        ctx.data.pop(key, None)
    await manager.switch_to(IntroForm.country)


async def on_toggle(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    await ctx.service.switch_requests(ctx.actor.user_id)


async def on_mine(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    Ctx(manager)
    await manager.switch_to(IntroForm.mine)


async def on_blocked(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    Ctx(manager)
    await manager.switch_to(IntroForm.blocked)


async def on_menu(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    Ctx(manager)
    await manager.switch_to(IntroForm.menu)


BACK = {"country": IntroForm.menu, "expertise": IntroForm.country,
        "language": IntroForm.expertise, "reason": IntroForm.language,
        "people": IntroForm.reason, "sent": IntroForm.menu, "mine": IntroForm.menu,
        "blocked": IntroForm.menu, "withdraw": IntroForm.mine, "answer": IntroForm.mine,
        "answer_block": IntroForm.answer}


async def on_back(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """One step back; nothing she chose or typed is lost."""
    ctx = Ctx(manager)
    await manager.switch_to(BACK.get(ctx.window, IntroForm.menu))


async def on_step(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  value: str) -> None:
    ctx = Ctx(manager)
    step = ctx.window
    codes = {"country": ctx.ref.country_codes, "expertise": ctx.ref.expertise_codes,
             "language": ctx.ref.language_codes}.get(step, ())
    if value != "*" and value not in codes:
        await popup(callback, _("This button is no longer valid."))
        return
    ctx.data[step] = None if value == "*" else value
    following = STEPS.index(step) + 1
    await manager.switch_to(getattr(IntroForm, STEPS[following]) if following < len(STEPS)
                            else IntroForm.reason)


async def on_message(message: Message, _widget: Any, manager: DialogManager) -> None:
    """Typed text counts only as the reason; elsewhere the same message asks for a button."""
    ctx = Ctx(manager)
    value = ctx.typed_text(message, "reason", REASON_MAX)
    if value is None:
        return
    ctx.data["reason"] = value
    await search(ctx)


async def on_keep(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    if ctx.data.get("reason"):
        await search(ctx)


async def search(ctx: Ctx) -> None:
    reason = refusal(ctx.actor)
    if reason is not None:  # suspended (or erased) since the dialog opened: nobody is shown
        ctx.refuse("refused", text=reason)
        return
    outcome, intro_id = await ctx.service.start(
        ctx.actor.user_id, ctx.data.get("country"), ctx.data.get("expertise"),
        ctx.data.get("language"), ctx.data.get("reason") or "")
    if outcome is IntroOutcome.LIMIT:
        ctx.refuse("limit")
        return
    if outcome is IntroOutcome.NOBODY:
        ctx.refuse("nobody")
        return
    ctx.data["intro_id"] = intro_id
    await ctx.manager.switch_to(IntroForm.people)


async def on_ask(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                 place: str) -> None:
    ctx = Ctx(manager)
    if refusal(ctx.actor) is not None:
        await popup(callback, refusal(ctx.actor) or "")
        return
    if not place.isdecimal():
        await popup(callback, _("This button is no longer valid."))
        return
    outcome = await ctx.service.ask(ctx.data.get("intro_id") or 0, ctx.actor.user_id,
                                    int(place))
    if outcome is IntroOutcome.DONE:
        await manager.switch_to(IntroForm.sent)
    elif outcome is IntroOutcome.LIMIT:
        ctx.refuse("limit")
    elif outcome is IntroOutcome.GONE:
        ctx.refuse("gone")
    else:
        await popup(callback, _("This button is no longer valid."))


async def _numbered_pick(ctx: Ctx, callback: CallbackQuery, place: str, kind: str
                         ) -> int | None:
    """The introduction at that number of "My introductions", if the list is still the one
    shown (else the stale popup)."""
    listed = await numbered(ctx.service, ctx.actor.user_id)
    intro = listed.at(kind, place)
    if intro is None or listed.check(ctx.data.get("salt", "")) != ctx.data.get("mine_check"):
        await popup(callback, _("This button is from an earlier message."))
        return None
    return intro.id


async def on_contact(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                     place: str) -> None:
    """The contact of an agreed introduction, sent again (protected, below)."""
    ctx = Ctx(manager)
    intro_id = await _numbered_pick(ctx, callback, place, "agreed")
    if intro_id is None:
        return
    if await ctx.service.resend_contacts(ctx.actor.user_id, intro_id) \
            is not IntroOutcome.DONE:
        await popup(callback, _("This request is no longer open."))
        return
    await popup(callback, _("I have sent you the contact again, below."))
    manager.show_mode = ShowMode.SEND  # the contact came below: the menu follows it


async def on_withdraw(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      place: str) -> None:
    """"Withdraw N" asks first (the member's copy will say so)."""
    ctx = Ctx(manager)
    intro_id = await _numbered_pick(ctx, callback, place, "waiting")
    if intro_id is not None:
        ctx.data["withdraw_id"] = intro_id
        await manager.switch_to(IntroForm.withdraw)


async def on_open_request(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                          place: str) -> None:
    """"Answer N": the request to her, shown again in this message to answer here."""
    ctx = Ctx(manager)
    intro_id = await _numbered_pick(ctx, callback, place, "to_her")
    if intro_id is not None:
        ctx.data["answer_id"] = intro_id
        await manager.switch_to(IntroForm.answer)


async def _answer_here(callback: CallbackQuery, manager: DialogManager, *, agree: bool,
                       block: bool = False) -> None:
    """Her answer from "My introductions": the same service call, and the same rules, as
    the buttons of the request's own message (an approved member, her request, still
    open; a second tap finds it answered)."""
    ctx = Ctx(manager)
    reason = refusal(ctx.actor)
    if reason is not None:
        await popup(callback, reason)
        return
    outcome = await ctx.service.answer(ctx.data.get("answer_id") or 0, ctx.actor.user_id,
                                       agree, block=block, from_list=True)
    if outcome is IntroOutcome.NOT_YOURS:
        await popup(callback, _("This button is not meant for you."))
        return
    if outcome not in (IntroOutcome.DONE, IntroOutcome.ALREADY):
        await popup(callback, _("This request is no longer open."))
        await manager.switch_to(IntroForm.mine)
        return
    ctx.data.pop("answer_id", None)
    await popup(callback, answer_note("block" if block else "agree" if agree else "decline"))
    await manager.switch_to(IntroForm.mine)


async def on_agree(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await _answer_here(callback, manager, agree=True)


async def on_decline(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await _answer_here(callback, manager, agree=False)


async def on_block_ask(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """"Block this person" asks first, as on the request's own message."""
    Ctx(manager)
    await manager.switch_to(IntroForm.answer_block)


async def on_block_yes(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await _answer_here(callback, manager, agree=False, block=True)


async def on_withdraw_yes(callback: CallbackQuery, _button: Any, manager: DialogManager
                          ) -> None:
    ctx = Ctx(manager)
    outcome = await ctx.service.withdraw(ctx.actor.user_id, ctx.data.pop("withdraw_id", 0))
    await popup(callback, _("Withdrawn. The message she got now says so.") if outcome is IntroOutcome.DONE
                else _("This request is no longer open."))
    await manager.switch_to(IntroForm.mine)


async def on_unblock(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                     place: str) -> None:
    ctx = Ctx(manager)
    keys = [block.key for block in await ctx.service.blocked(ctx.actor.user_id)]
    if not place.isdecimal() or not 1 <= int(place) <= len(keys) \
            or digest(keys, ctx.data.get("salt", "")) != ctx.data.get("blocked_check"):
        await popup(callback, _("This button is from an earlier message."))
        return
    await ctx.service.unblock(ctx.actor.user_id, keys[int(place) - 1])
    await popup(callback, _("Unblocked. She may be proposed to you again."))


# ---- the buttons of messages from the outbox -------------------------------------------------

async def cb_ask(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                 intro_service: IntroductionService, ref: ReferenceData) -> None:
    """"Ask member N" under the others who fit, after a request did not work out."""
    if not actor.is_member:  # her list's buttons are a member's: not a stranger's
        await not_for_you(query)
        return
    picked = await picked_place(query, actor, callback_data.value)
    if picked is None:
        return
    message, place = picked
    outcome = await intro_service.ask(callback_data.intro_id, actor.user_id, place)
    if outcome is IntroOutcome.LIMIT:
        allowance = await intro_service.allowance(actor.user_id)
        await query.answer(intro_limit_text(allowance, actor.locale, zone_of(actor, ref)),
                           show_alert=True)
        return
    if await refused(query, outcome):
        return
    await query.answer()
    intro = await intro_service.get(callback_data.intro_id, actor.user_id)
    until = moment_of(intro.expires_at if intro else None, actor, ref)
    await append_note(message, _("✓ I have asked her. She has until {until} to answer; if she "
                                 "agrees, you both get each other's contacts.").format(
        until=until))


async def _request_message(query: CallbackQuery, actor: Actor) -> Message | None:
    if not actor.is_member:  # a stranger with someone's button: it is not hers
        await not_for_you(query)
        return None
    return await member_message(query, actor)


async def _answer(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                  intro_service: IntroductionService, agree: bool, note: str) -> None:
    message = await _request_message(query, actor)
    if message is None:
        return
    outcome = await intro_service.answer(callback_data.intro_id, actor.user_id, agree)
    if await refused(query, outcome):
        return
    await answer_with_note(query, message, note, again=outcome is IntroOutcome.ALREADY)


async def cb_agree(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                   intro_service: IntroductionService) -> None:
    await _answer(query, callback_data, actor, intro_service, True, answer_note("agree"))


async def cb_decline(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                     intro_service: IntroductionService) -> None:
    await _answer(query, callback_data, actor, intro_service, False, answer_note("decline"))


async def _redraw_request(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                          intro_service: IntroductionService, members: MemberService,
                          ref: ReferenceData, *, confirm: bool) -> None:
    message = await _request_message(query, actor)
    if message is None:
        return
    intro = await intro_service.request_to(callback_data.intro_id, actor.user_id)
    if intro is None:
        await refused(query, IntroOutcome.NOT_YOURS)
        return
    requester = await members.get(intro.requester_id)
    if intro.status != "asked" or requester is None:
        await refused(query, IntroOutcome.GONE)
        return
    await query.answer()
    text, keyboard = request_view(intro, requester, ref, actor.locale,
                                  zone_of(actor, ref), confirm_block=confirm)
    await edit_text(message, text, keyboard)


async def cb_block(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                   intro_service: IntroductionService, members: MemberService,
                   ref: ReferenceData) -> None:
    """"Block this person" asks first, on the request itself."""
    await _redraw_request(query, callback_data, actor, intro_service, members, ref,
                          confirm=True)


async def cb_block_no(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                      intro_service: IntroductionService, members: MemberService,
                      ref: ReferenceData) -> None:
    await _redraw_request(query, callback_data, actor, intro_service, members, ref,
                          confirm=False)


async def cb_block_yes(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                       intro_service: IntroductionService, members: MemberService,
                       ref: ReferenceData) -> None:
    message = await _request_message(query, actor)
    if message is None:
        return
    intro = await intro_service.request_to(callback_data.intro_id, actor.user_id)
    outcome = await intro_service.answer(callback_data.intro_id, actor.user_id, False,
                                         block=True)
    if await refused(query, outcome):
        return
    await query.answer()
    requester = await members.get(intro.requester_id) if intro else None
    text = request_view(intro, requester, ref, actor.locale, zone_of(actor, ref))[0] \
        if intro is not None and requester is not None else (message.html_text or "")
    await edit_text(message, text + "\n\n" + answer_note("block"), None)
