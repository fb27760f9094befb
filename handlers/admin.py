"""Staff over members: suspend, reinstate, appoint and dismiss coordinators; /coordinators
and /audit for administrators.

```mermaid
stateDiagram-v2
    card --> ask_suspend: Suspend
    ask_suspend --> suspended: she types the reason (the confirmation)
    card --> ask_reinstate: Reinstate
    ask_reinstate --> reinstated: Confirm
    card --> ask_appoint: Make coordinator
    ask_appoint --> appointed: Confirm
    card --> ask_dismiss: Remove as coordinator
    ask_dismiss --> dismissed: Confirm
    ask_suspend --> card: Keep
    ask_reinstate --> card: Keep
    ask_appoint --> card: Keep
    ask_dismiss --> card: Keep
```
Nothing that tells other people happens in one tap: each button first turns the member's
card into the question ("Make Aigerim Nurlanovna the coordinator for Kazakhstan? She will be
told."), and the answer says what happened. The Confirm buttons re-check the role when they
run (``VerificationService`` and the one ``Authority``); a second or concurrent press finds
the change made and says so, without telling her twice.
"""

from __future__ import annotations

import secrets

from html import escape
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PageCb, ReviewAction, ReviewCb
from bot.chat_removals import RemovalRunner
from bot.clock import Clock
from bot.db.repositories.audit import AuditEntry, AuditRepo
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.i18n import format_datetime, format_time
from bot.keyboards import button, rows
from bot.middlewares import CARD_RESTORERS, RESTORE_CARD, end_flow
from bot.services.delivery import DeliveryService, Outgoing, Recipient
from bot.services.message_kinds import MessageKind
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.review_cards import ReviewCardService
from bot.services.roles import Actor
from bot.services.verification import Decision, Outcome, VerificationService
from bot.telegram_chats import TelegramChats
from bot.texts import audit_action_text, problem_text, profile_card
from handlers.ui import edit_by_id, edit_text, query_message, show
from handlers.verification import outcome_text, zone_of

AUDIT_PAGE = 10
REASON_MAX = 300


class RoleForm(StatesGroup):
    suspend_reason = State()


def admins_only_text() -> str:
    return _("This command is for administrators.")


class Roles:
    """What every staff handler needs, received by name from the dispatcher."""

    def __init__(self, data: dict) -> None:  # type: ignore[type-arg]
        self.bot: Bot = data["bot"]
        self.actor: Actor = data["actor"]
        self.verification: VerificationService = data["verification"]
        self.delivery: DeliveryService = data["delivery"]
        self.profiles: ProfileRepo = data["profiles"]
        self.coordinators: CoordinatorRepo = data["coordinators"]
        self.ref: ReferenceData = data["ref"]
        self.clock: Clock = data["clock"]
        self.cards: ReviewCardService = data["review_card_service"]
        self.removals: RemovalRunner = data["removals"]
        self.fsm_storage: BaseStorage | None = data.get("fsm_storage")
        self.card_moved_on = False  # set when a press edited the card on (see OnePressCards)

    def country(self, code: str | None) -> str:
        return escape(self.ref.country(code, self.actor.locale)) if code else "—"

    async def card(self, member_id: int) -> tuple[str, InlineKeyboardMarkup | None]:
        return await member_card(self.profiles, self.ref, self.actor, member_id,
                                 await self.coordinators.country_of(member_id),
                                 await self.coordinators.may_publish_region(member_id),
                                 self.verification.admin_ids)


class RolesDeps(BaseMiddleware):
    async def __call__(self, handler, event, data):  # type: ignore[no-untyped-def]
        if "actor" in data:
            data["roles"] = Roles(data)
        return await handler(event, data)


def card_token() -> str:
    """A fresh token for the buttons of one rendering of a card (see :class:`OnePressCards`)."""
    return secrets.token_urlsafe(6)


# The buttons of a member's card, its questions and the /coordinators listing.
ONE_PRESS_ACTIONS = frozenset({
    ReviewAction.KEEP, ReviewAction.SUSPEND, ReviewAction.REINSTATE_ASK, ReviewAction.REINSTATE,
    ReviewAction.APPOINT_ASK, ReviewAction.APPOINT, ReviewAction.DISMISS_ASK,
    ReviewAction.DISMISS, ReviewAction.REGION_ON, ReviewAction.REGION_OFF,
})


class OnePressCards(BaseMiddleware):
    """Each rendering of a member's card works once: its buttons carry a token, and the press
    that moves the card on (a question, a result, back to the card) claims it atomically.

    So a Confirm pressed again later — after she was dismissed, say — does not appoint her
    again, and a button of a card that has since moved on only says so. A press that is
    refused leaves the card as it was and gives the token back.
    """

    async def __call__(self, handler, event, data):  # type: ignore[no-untyped-def]
        callback_data = data.get("callback_data")
        roles: Roles | None = data.get("roles")
        if not isinstance(callback_data, ReviewCb) or roles is None \
                or callback_data.action not in ONE_PRESS_ACTIONS:
            return await handler(event, data)
        if not callback_data.value:
            await event.answer(_("This button is from an earlier message."), show_alert=True)
            return None
        claims: ClaimRepo = data["claims"]
        key = f"card:{callback_data.value}"
        if not await claims.claim(key, roles.clock.now()):
            await event.answer(_("This has already been handled."), show_alert=True)
            return None
        try:
            return await handler(event, data)
        finally:
            if not roles.card_moved_on:
                await claims.release(key)


def name_of(profile: Profile | None) -> str:
    return escape(profile.full_name) if profile and profile.full_name else _("this member")


# ---- a member's card for staff ----------------------------------------------------------

async def member_card(profiles: ProfileRepo, ref: ReferenceData, actor: Actor, member_id: int,
                      coordinator_country: str | None, may_publish_region: bool = False,
                      admin_ids: frozenset[int] = frozenset()
                      ) -> tuple[str, InlineKeyboardMarkup | None]:
    profile = await profiles.get(member_id)
    if profile is None:
        return outcome_text(Outcome.NOT_FOUND), None
    text = profile_card(profile, ref, actor.locale, with_status=True)
    if coordinator_country:
        text += "\n" + _("Coordinator for {country}").format(
            country=ref.country(coordinator_country, actor.locale))
    buttons = []
    staff = coordinator_country is not None or member_id in admin_ids
    if staff and not actor.is_admin:
        return text, None  # staff are managed by administrators only

    token = card_token()

    def act(action: ReviewAction) -> ReviewCb:
        return ReviewCb(action=action, member_id=member_id, value=token)

    if profile.status == "approved":
        buttons.append([button(_("Suspend"), act(ReviewAction.SUSPEND))])
    if profile.status == "suspended":
        buttons.append([button(_("Reinstate"), act(ReviewAction.REINSTATE_ASK))])
    if actor.is_admin and profile.status == "approved":
        if coordinator_country:
            buttons.append([button(_("Remove as coordinator"), act(ReviewAction.DISMISS_ASK))])
            region = ReviewAction.REGION_OFF if may_publish_region else ReviewAction.REGION_ON
            buttons.append([button(
                _("Stop region events") if may_publish_region else _("Allow region events"),
                act(region))])
        else:
            buttons.append([button(_("Make coordinator"), act(ReviewAction.APPOINT_ASK))])
    return text, rows(*buttons) if buttons else None


def confirm_keyboard(member_id: int, confirm: ReviewAction) -> InlineKeyboardMarkup:
    token = card_token()
    return rows([button(_("Confirm"), ReviewCb(action=confirm, member_id=member_id,
                                               value=token)),
                 button(_("Keep"), ReviewCb(action=ReviewAction.KEEP, member_id=member_id,
                                            value=token))])


async def ask_first(query: CallbackQuery, roles: Roles, member_id: int, question: str,
                    keyboard: InlineKeyboardMarkup | None) -> None:
    """The member's card becomes the question: what will happen and to whom."""
    await query.answer()
    message = query_message(query)
    if message is None:
        return
    text, _keyboard = await roles.card(member_id)
    roles.card_moved_on = True
    await edit_text(message, text + "\n\n<b>" + question + "</b>", keyboard)


async def say_done(query: CallbackQuery, roles: Roles, member_id: int, done: str) -> None:
    """After the change: the card as it is now, what happened below it, no buttons."""
    await query.answer(done)
    message = query_message(query)
    if message is None:
        return
    text, _keyboard = await roles.card(member_id)
    roles.card_moved_on = True
    await edit_text(message, text + "\n\n" + done, None)


async def managed_profile(query: CallbackQuery, roles: Roles, member_id: int
                          ) -> Profile | None:
    """Her profile, if the one pressing may manage her now (else a popup and None)."""
    profile = await roles.profiles.get(member_id)
    if profile is None or not await roles.verification.may_manage(roles.actor.user_id,
                                                                  profile.country_code):
        await query.answer(outcome_text(Outcome.FORBIDDEN), show_alert=True)
        return None
    return profile


async def cb_manage(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    profile = await managed_profile(query, roles, callback_data.member_id)
    message = query_message(query)
    if profile is None:
        return
    await query.answer()
    if message is not None:
        text, keyboard = await roles.card(profile.user_id)
        await message.answer(text, reply_markup=keyboard)


async def cb_keep(query: CallbackQuery, callback_data: ReviewCb, roles: Roles,
                  state: FSMContext) -> None:
    """Not confirmed: nothing changes, the member's card comes back."""
    profile = await managed_profile(query, roles, callback_data.member_id)
    message = query_message(query)
    if profile is None:
        return
    if await state.get_state() == RoleForm.suspend_reason.state:
        await state.clear()
    await query.answer(_("Nothing was changed."))
    roles.card_moved_on = True
    if message is not None:
        text, keyboard = await roles.card(profile.user_id)
        await edit_text(message, text, keyboard)


# ---- suspend and reinstate (coordinators of her country, administrators) ------------------

async def may_decide(query: CallbackQuery, roles: Roles, member_id: int, decision: Decision,
                     status: str) -> Profile | None:
    profile = await roles.profiles.get(member_id)
    country = profile.country_code if profile else None
    if not await roles.verification.authority.may_decide_on(roles.actor.user_id, member_id,
                                                            country):
        # refused before anything is asked; the service writes the refusal to the log
        await roles.verification.decide(roles.actor.user_id, member_id, decision,
                                        roles.clock.now())
        await query.answer(outcome_text(Outcome.FORBIDDEN), show_alert=True)
        return None
    if profile is None:
        await query.answer(outcome_text(Outcome.NOT_FOUND), show_alert=True)
        return None
    if profile.status != status:
        await query.answer(outcome_text(Outcome.ALREADY_DECIDED), show_alert=True)
        return None
    return profile


async def cb_suspend(query: CallbackQuery, callback_data: ReviewCb, roles: Roles,
                     state: FSMContext) -> None:
    """Asks first; the reason she types (and will read) is the confirmation."""
    profile = await may_decide(query, roles, callback_data.member_id, Decision.SUSPEND,
                               "approved")
    if profile is None:
        return
    message = query_message(query)
    token = card_token()  # Keep and the typed reason: whichever comes first
    await state.set_state(RoleForm.suspend_reason)
    await state.update_data(member_id=profile.user_id,
                            card=message.message_id if message else 0, card_token=token,
                            **({RESTORE_CARD: {"kind": "member", "message": message.message_id,
                                               "member": profile.user_id}} if message else {}))
    await ask_first(query, roles, profile.user_id, _(
        "Suspend {name}? She will be told and removed from the association's chats. To "
        "confirm, type the reason (she will read it).").format(name=name_of(profile)),
        rows([button(_("Keep"), ReviewCb(action=ReviewAction.KEEP,
                                         member_id=profile.user_id, value=token))]))


async def on_suspend_reason(message: Message, state: FSMContext, roles: Roles,
                            claims: ClaimRepo) -> None:
    value, problem = check_short_text(message.text, REASON_MAX)
    if problem is not None:
        await message.answer(problem_text(problem, REASON_MAX) + " " + _("(/cancel to stop)"))
        return
    data = await state.get_data()
    await state.clear()
    if not data.get("card_token") \
            or not await claims.claim(f"card:{data['card_token']}", roles.clock.now()):
        return  # a reason sent at the same moment (or Keep) came first: one effect, one result
    member_id = int(data.get("member_id", 0))
    now = roles.clock.now()
    result = await roles.verification.decide(roles.actor.user_id, member_id, Decision.SUSPEND,
                                             now, value)
    if result.outcome is not Outcome.DONE:
        await message.answer(outcome_text(result.outcome))
        return
    profile = await roles.profiles.get(member_id)
    done = _("Membership of {name} suspended, {time}. She has been told.").format(
        name=name_of(profile), time=format_time(
            now, roles.actor.locale, await zone_of(roles.profiles, roles.ref,
                                                   roles.actor.user_id)))
    text, _keyboard = await roles.card(member_id)
    # the card says it; a new message only when the card can't be edited
    if not data.get("card") or not await edit_text_by_id(
            roles, message.chat.id, int(data["card"]), text + "\n\n" + done):
        await message.answer(done)
    await tell_suspended(roles, member_id, value, result.country_code)
    await roles.cards.withdraw_reviewer_cards(member_id)
    await close_staff_prompt(roles, member_id)
    await roles.removals.flush(roles.bot)


async def edit_text_by_id(roles: Roles, chat_id: int, message_id: int, text: str,
                          keyboard: InlineKeyboardMarkup | None = None) -> bool:
    """Her own card, in reply to what she typed or the command that ended the prompt."""
    return await edit_by_id(roles.bot, chat_id, message_id, text, keyboard)


async def restore_suspend_card(data: dict, card: dict) -> None:  # type: ignore[type-arg]
    """A command ended the suspend prompt: the member's card comes back with its buttons."""
    if data.get("actor") is None:
        return
    roles = Roles(data)
    text, keyboard = await roles.card(int(card["member"]))
    actor_id = roles.actor.user_id
    await edit_text_by_id(roles, actor_id, int(card["message"]), text, keyboard)


CARD_RESTORERS["member"] = restore_suspend_card


async def close_staff_prompt(roles: Roles, user_id: int) -> None:
    """She lost her role (dismissed, suspended) while a reason or question prompt was open:
    the flow ends, and a suspend prompt's card keeps the member without buttons, saying why
    (her review cards were withdrawn already)."""
    from handlers.verification import ReviewForm

    if roles.fsm_storage is None:
        return
    state = FSMContext(roles.fsm_storage, StorageKey(bot_id=roles.bot.id, chat_id=user_id,
                                                     user_id=user_id))
    current = await state.get_state()
    if current not in (RoleForm.suspend_reason.state, ReviewForm.reason.state,
                       ReviewForm.question.state):
        return
    card = (await state.get_data()).get(RESTORE_CARD)
    await end_flow(state)
    if current != RoleForm.suspend_reason.state or not isinstance(card, dict):
        return
    await roles.delivery.send_now(MessageKind.STAFF_CARD_CLOSED, [
        Outgoing(user_id, {"member_id": int(card["member"])}, int(card["message"]),
                 about=int(card["member"]))])


async def refuse_on_card(query: CallbackQuery, roles: Roles, member_id: int, popup: str) -> None:
    """A Confirm that can no longer run: one popup, and the card as it is now (its buttons)."""
    await query.answer(popup, show_alert=True)
    message = query_message(query)
    if message is None:
        return
    text, keyboard = await roles.card(member_id)
    roles.card_moved_on = True
    await edit_text(message, text, keyboard)


async def changed_meanwhile(roles: Roles, member_id: int, outcome: Outcome) -> str:
    """Why a Confirm was refused, as it is now."""
    profile = await roles.profiles.get(member_id)
    if outcome is not Outcome.FORBIDDEN and profile is not None \
            and profile.status == "suspended":
        return _("She is suspended now: nothing was changed.")
    return outcome_text(outcome)


async def on_non_text_reason(message: Message) -> None:
    await message.answer(_("Please answer with a text message.") + " " + _("(/cancel to stop)"))


async def tell_suspended(roles: Roles, member_id: int, reason: str,
                         country: str | None) -> None:
    """The notice says how to reach her coordinator: the name, and the @username only if
    the coordinator has a public one (never her id or any other contact)."""
    coordinators = [c for c in (await roles.coordinators.of_country(country) if country else [])
                    if c != member_id][:2]
    chats = TelegramChats(roles.bot)
    contacts = []
    for coordinator in coordinators:
        profile = await roles.profiles.get(coordinator)
        if profile is None or not profile.full_name:
            continue
        username = await chats.username_of(coordinator)
        contacts.append(escape(profile.full_name) + (f" (@{escape(username)})" if username
                                                     else ""))

    await roles.delivery.notify(MessageKind.ROLE_SUSPENDED,
                                {"reason": reason, "contacts": contacts}, [member_id],
                                about=member_id)


async def cb_reinstate_ask(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    profile = await may_decide(query, roles, callback_data.member_id, Decision.REINSTATE,
                               "suspended")
    if profile is None:
        return
    await ask_first(query, roles, profile.user_id, _(
        "Reinstate {name}? She will be told and may join the association's chats again."
    ).format(name=name_of(profile)), confirm_keyboard(profile.user_id, ReviewAction.REINSTATE))


async def cb_reinstate(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    result = await roles.verification.decide(roles.actor.user_id, callback_data.member_id,
                                             Decision.REINSTATE, roles.clock.now())
    if result.outcome is not Outcome.DONE:
        await refuse_on_card(query, roles, callback_data.member_id,
                             outcome_text(result.outcome))
        return
    profile = await roles.profiles.get(callback_data.member_id)
    await say_done(query, roles, callback_data.member_id, _(
        "Membership of {name} reinstated. She has been told.").format(name=name_of(profile)))
    await roles.delivery.notify(MessageKind.ROLE_REINSTATED, {}, [callback_data.member_id])


# ---- coordinators (administrators only) -------------------------------------------------

async def cb_appoint_ask(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    profile = await roles.profiles.get(callback_data.member_id)
    if not roles.actor.is_admin:
        await query.answer(outcome_text(Outcome.FORBIDDEN), show_alert=True)
        return
    if profile is None or profile.status != "approved" or not profile.country_code:
        await query.answer(outcome_text(Outcome.NOT_FOUND), show_alert=True)
        return
    if await roles.coordinators.country_of(profile.user_id) == profile.country_code:
        await query.answer(already_coordinator(roles, profile.country_code), show_alert=True)
        return
    await ask_first(query, roles, profile.user_id, _(
        "Make {name} the coordinator for {country}? She will be told.").format(
        name=name_of(profile), country=roles.country(profile.country_code)),
        confirm_keyboard(profile.user_id, ReviewAction.APPOINT))


def already_coordinator(roles: Roles, country: str | None) -> str:
    return _("She already is the coordinator for {country}.").format(
        country=roles.ref.country(country, roles.actor.locale) if country else "—")


async def cb_appoint(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    profile = await roles.profiles.get(callback_data.member_id)
    country = profile.country_code if profile else None
    outcome = await roles.verification.appoint_coordinator(
        roles.actor.user_id, callback_data.member_id, country or "", roles.clock.now())
    if outcome is Outcome.ALREADY_DECIDED:
        await query.answer(already_coordinator(roles, country), show_alert=True)
        return
    if outcome is not Outcome.DONE:
        await refuse_on_card(query, roles, callback_data.member_id,
                             await changed_meanwhile(roles, callback_data.member_id, outcome))
        return
    await say_done(query, roles, callback_data.member_id, _(
        "{name} is now the coordinator for {country}. She has been told.").format(
        name=name_of(profile), country=roles.country(country)))
    await roles.delivery.notify(MessageKind.ROLE_APPOINTED, {"country": country or ""},
                                [callback_data.member_id])


async def cb_dismiss_ask(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    if not roles.actor.is_admin:
        await query.answer(outcome_text(Outcome.FORBIDDEN), show_alert=True)
        return
    country = await roles.coordinators.country_of(callback_data.member_id)
    if country is None:
        await query.answer(_("She is not a coordinator."), show_alert=True)
        return
    profile = await roles.profiles.get(callback_data.member_id)
    await ask_first(query, roles, callback_data.member_id, _(
        "Remove {name} as the coordinator for {country}? She will be told, and the "
        "invitation links she created will stop working.").format(
        name=name_of(profile), country=roles.country(country)),
        confirm_keyboard(callback_data.member_id, ReviewAction.DISMISS))


async def cb_dismiss(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    member_id = callback_data.member_id
    country = await roles.coordinators.country_of(member_id)
    outcome = await roles.verification.remove_coordinator(roles.actor.user_id, member_id,
                                                          roles.clock.now())
    if outcome is Outcome.ALREADY_DECIDED:
        await query.answer(_("She is not a coordinator."), show_alert=True)
        return
    if outcome is not Outcome.DONE:
        await query.answer(outcome_text(outcome), show_alert=True)
        return
    profile = await roles.profiles.get(member_id)
    await say_done(query, roles, member_id, _(
        "{name} is no longer the coordinator for {country}. She has been told.").format(
        name=name_of(profile), country=roles.country(country)))
    await roles.delivery.notify(MessageKind.ROLE_DISMISSED, {}, [member_id])
    await roles.cards.withdraw_reviewer_cards(member_id)
    await close_staff_prompt(roles, member_id)


async def cb_region(query: CallbackQuery, callback_data: ReviewCb, roles: Roles) -> None:
    allowed = callback_data.action is ReviewAction.REGION_ON
    outcome = await roles.verification.allow_region_events(
        roles.actor.user_id, callback_data.member_id, allowed, roles.clock.now())
    if outcome is not Outcome.DONE:
        await query.answer(outcome_text(outcome), show_alert=True)
        return
    await say_done(query, roles, callback_data.member_id,
                   _("She may now publish events for the whole region.") if allowed
                   else _("She publishes events for her country only."))
    await roles.delivery.notify(MessageKind.ROLE_REGION_EVENTS, {"allowed": allowed},
                                [callback_data.member_id])


def renderers(profiles: ProfileRepo, ref: ReferenceData) -> dict[str, Any]:
    """The notices roles send through the delivery engine, in each recipient's language."""

    def suspended(payload: dict[str, Any], to: Recipient) -> Any:
        """How to reach her coordinator: names (escaped) and public @usernames only."""
        text = _("Your membership has been suspended. Reason: {reason}").format(
            reason=escape(payload["reason"]))
        if payload["contacts"]:
            text += "\n" + _("To talk about it, write to your country's coordinator: "
                             "{contacts}.").format(contacts=", ".join(payload["contacts"]))
        else:
            text += "\n" + _("To talk about it, write to the association's administrators.")
        return text, None

    def reinstated(payload: dict[str, Any], to: Recipient) -> Any:
        return _("Your membership has been reinstated. Welcome back! You can join the "
                 "association's chats again with /chats."), None

    def appointed(payload: dict[str, Any], to: Recipient) -> Any:
        return _("You are now a coordinator for {country}. /help shows your new commands."
                 ).format(country=ref.country(payload["country"], to.locale)), None

    def dismissed(payload: dict[str, Any], to: Recipient) -> Any:
        return _("You are no longer a coordinator. Your membership stays as it is; the "
                 "invitation links you created no longer work."), None

    def region_events(payload: dict[str, Any], to: Recipient) -> Any:
        if payload["allowed"]:
            return _("You may now publish events for the whole region: /newevent offers "
                     "all countries as the audience."), None
        return _("You now publish events for your own country only."), None

    async def card_closed(payload: dict[str, Any], to: Recipient) -> Any:
        """A suspend prompt's card once she lost her role: the member, no buttons."""
        profile = await profiles.get(payload["member_id"])
        body = profile_card(profile, ref, to.locale, with_status=True) + "\n\n" \
            if profile else ""
        return body + _("You can no longer manage this member."), None

    return {
        MessageKind.ROLE_SUSPENDED: suspended,
        MessageKind.ROLE_REINSTATED: reinstated,
        MessageKind.ROLE_APPOINTED: appointed,
        MessageKind.ROLE_DISMISSED: dismissed,
        MessageKind.ROLE_REGION_EVENTS: region_events,
        MessageKind.STAFF_CARD_CLOSED: card_closed,
    }


# ---- /coordinators and /audit -------------------------------------------------------------

async def cmd_coordinators(message: Message, actor: Actor, coordinators: CoordinatorRepo,
                           profiles: ProfileRepo, ref: ReferenceData) -> None:
    if not actor.is_admin:
        await message.answer(admins_only_text())
        return
    current = await coordinators.all()
    lines = [_("<b>Country coordinators</b>")]
    buttons = []
    token = card_token()  # one press of the listing: it moves on to the question
    for user_id, country in current:
        profile = await profiles.get(user_id)
        full = profile.full_name if profile and profile.full_name else _("this member")
        lines.append(f"{escape(ref.country(country, actor.locale))}: {escape(full)}")
        short = full if len(full) <= 16 else full[:15] + "…"
        buttons.append([button(_("Remove {name}").format(name=short),
                               ReviewCb(action=ReviewAction.DISMISS_ASK, member_id=user_id,
                                        value=token))])
    if not current:
        lines.append(_("No coordinators yet."))
    lines += ["", _("To appoint one, find the member with /members and press ⚙ next to her.")]
    await message.answer("\n".join(lines), reply_markup=rows(*buttons) if buttons else None)


def audit_outcome_text(outcome: str) -> str:
    return {
        "forbidden": _("refused: not allowed"),
        "already_decided": _("nothing done: already handled"),
        "stale": _("refused: the card was out of date"),
        "not_found": _("nothing done: no such member"),
        "refused": _("refused"),
    }.get(outcome, _("not done"))


async def audit_line(entry: AuditEntry, profiles: ProfileRepo, ref: ReferenceData,
                     admin_ids: frozenset[int], locale: str, zone: str) -> str:
    async def person(user_id: int | None) -> str:
        if user_id is None:
            return _("a deleted member")
        profile = await profiles.get(user_id)
        if profile is not None and profile.full_name:
            return escape(profile.full_name)
        return _("an administrator") if user_id in admin_ids else _("a former member")

    country = escape(ref.country(entry.country_code, locale)) if entry.country_code else "—"
    line = (format_datetime(entry.at, locale, zone) + " · " + await person(entry.actor_id)
            + ": " + audit_action_text(entry.action, entry.details, country))
    if entry.target_id is not None and entry.target_id != entry.actor_id:
        line += " → " + await person(entry.target_id)
    if entry.country_code and "{country}" not in _audit_template(entry):
        line += f" ({country})"
    if entry.outcome != "done":
        line += " — " + audit_outcome_text(entry.outcome)
    return line


def _audit_template(entry: AuditEntry) -> str:
    return "{country}" if entry.action in ("appoint_coordinator", "remove_coordinator",
                                           "change_country") else ""


async def audit_page_text(entries: list[AuditEntry], total: int, page: int, actor: Actor,
                          profiles: ProfileRepo, ref: ReferenceData,
                          admin_ids: frozenset[int]) -> str:
    pages = max(1, (total + AUDIT_PAGE - 1) // AUDIT_PAGE)
    zone = await zone_of(profiles, ref, actor.user_id)
    lines = [_("<b>Audit log</b> · page {page} of {pages}").format(page=page + 1, pages=pages)]
    for entry in entries:
        lines.append(await audit_line(entry, profiles, ref, admin_ids, actor.locale, zone))
    if not entries:
        lines.append(_("The log is empty."))
    return "\n".join(lines)


async def show_audit(message: Message, actor: Actor, audit: AuditRepo, profiles: ProfileRepo,
                     ref: ReferenceData, admin_ids: frozenset[int], page: int, *,
                     edit: bool) -> None:
    entries, total = await audit.page(page * AUDIT_PAGE, AUDIT_PAGE)
    nav = []
    if page > 0:
        nav.append(button(_("« Previous"), PageCb(view="audit", page=page - 1)))
    if (page + 1) * AUDIT_PAGE < total:
        nav.append(button(_("Next »"), PageCb(view="audit", page=page + 1)))
    text = await audit_page_text(entries, total, page, actor, profiles, ref, admin_ids)
    await show(message, text, rows(nav) if nav else None, edit=edit)


async def cmd_audit(message: Message, actor: Actor, audit: AuditRepo, profiles: ProfileRepo,
                    ref: ReferenceData, admin_ids: frozenset[int]) -> None:
    if not actor.is_admin:
        await message.answer(admins_only_text())
        return
    await show_audit(message, actor, audit, profiles, ref, admin_ids, 0, edit=False)


async def cb_audit_page(query: CallbackQuery, callback_data: PageCb, actor: Actor,
                        audit: AuditRepo, profiles: ProfileRepo, ref: ReferenceData,
                        admin_ids: frozenset[int]) -> None:
    message = query_message(query)
    if not actor.is_admin or message is None:
        await query.answer(admins_only_text(), show_alert=True)
        return
    await query.answer()
    await show_audit(message, actor, audit, profiles, ref, admin_ids,
                     max(0, callback_data.page), edit=True)


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(F.chat.type == "private")
    router.message.middleware(RolesDeps())
    router.callback_query.middleware(RolesDeps())
    router.callback_query.middleware(OnePressCards())
    router.message.register(cmd_coordinators, Command("coordinators"))
    router.message.register(cmd_audit, Command("audit"))
    router.callback_query.register(cb_audit_page, PageCb.filter(F.view == "audit"))
    staff = {
        ReviewAction.MANAGE: cb_manage, ReviewAction.KEEP: cb_keep,
        ReviewAction.SUSPEND: cb_suspend,
        ReviewAction.REINSTATE_ASK: cb_reinstate_ask, ReviewAction.REINSTATE: cb_reinstate,
        ReviewAction.APPOINT_ASK: cb_appoint_ask, ReviewAction.APPOINT: cb_appoint,
        ReviewAction.DISMISS_ASK: cb_dismiss_ask, ReviewAction.DISMISS: cb_dismiss,
    }
    for action, handler in staff.items():
        router.callback_query.register(handler, ReviewCb.filter(F.action == action))
    router.callback_query.register(cb_region, ReviewCb.filter(
        F.action.in_((ReviewAction.REGION_ON, ReviewAction.REGION_OFF))))
    reason = StateFilter(RoleForm.suspend_reason)
    router.message.register(on_suspend_reason, reason, F.text, ~F.text.startswith("/"))
    router.message.register(on_non_text_reason, reason, ~F.text.startswith("/"))
    return router
