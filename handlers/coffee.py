"""/coffee: opt in to fortnightly coffee rounds, skip one, and say whether you met.

Opting in is her consent to share her name and contact with the partners of each round;
she can leave at any time, and a round she skipped pairs her with nobody.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CoffeeCb
from bot.clock import Clock
from bot.db.repositories.coffee import CoffeeRepo
from bot.db.repositories.introductions import IntroRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.i18n import format_datetime
from bot.keyboards import button, rows
from bot.services.coffee import CoffeeService
from bot.services.delivery import Protected, Recipient
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import profile_card, reach_text
from handlers.directory import member_message, members_only_text
from handlers.ui import append_note, edit_text, not_for_you, stale_button


def coffee_text(opted_in: bool, next_at: str) -> str:
    lines = [_("<b>Coffee rounds</b>"),
             _("Every two weeks I pair members who share a language, across borders where "
               "possible, for an informal half-hour talk. Your partner gets your name and "
               "Telegram contact, and you get hers.")]
    if opted_in:
        lines.append(_("You take part. Next round: {when}.").format(when=next_at))
    else:
        lines.append(_("You do not take part."))
    return "\n\n".join(lines)


def coffee_keyboard(opted_in: bool, round_id: int) -> InlineKeyboardMarkup:
    if not opted_in:
        return rows([button(_("Join coffee rounds"), CoffeeCb(action="join"))])
    return rows([button(_("Skip the next round"), CoffeeCb(action="skip", round_id=round_id))],
                [button(_("Leave coffee rounds"), CoffeeCb(action="leave"))])


async def status(actor: Actor, intros: IntroRepo, coffee_service: CoffeeService,
                 ref: ReferenceData, clock: Clock) -> tuple[str, InlineKeyboardMarkup]:
    settings = await intros.settings(actor.user_id)
    upcoming = await coffee_service.next_round(clock.now())
    zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
    when = format_datetime(upcoming.pair_at, actor.locale, zone)
    return (coffee_text(settings.coffee_opt_in, when),
            coffee_keyboard(settings.coffee_opt_in, upcoming.id))


async def cmd_coffee(message: Message, actor: Actor, intros: IntroRepo,
                     coffee_service: CoffeeService, ref: ReferenceData, clock: Clock) -> None:
    if not actor.is_member:
        await message.answer(members_only_text())
        return
    text, keyboard = await status(actor, intros, coffee_service, ref, clock)
    await message.answer(text, reply_markup=keyboard)


async def cb_coffee(query: CallbackQuery, callback_data: CoffeeCb, actor: Actor,
                    intros: IntroRepo, coffee: CoffeeRepo, coffee_service: CoffeeService,
                    ref: ReferenceData, clock: Clock) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    action = callback_data.action
    if action in ("join", "leave"):
        await intros.update_settings(actor.user_id, clock.now(), coffee_opt_in=action == "join")
        await query.answer()
        text, keyboard = await status(actor, intros, coffee_service, ref, clock)
        await edit_text(message, text, keyboard)
        return
    if action == "skip":
        round_ = await coffee.get(callback_data.round_id)
        if round_ is None or round_.paired:
            await query.answer(_("This round has already been paired."), show_alert=True)
            return
        await coffee.skip(round_.id, actor.user_id)
        await query.answer()
        await append_note(message, _(
            "✓ You skip this round. See you in the next one!"))
        return
    if action == "met" and callback_data.value in ("yes", "no"):
        if not await coffee.answer_met(callback_data.group_id, actor.user_id,
                                       callback_data.value):
            await not_for_you(query)
            return
        await query.answer()
        await append_note(message, (
            _("Wonderful, thank you!") if callback_data.value == "yes"
            else _("Thank you for telling me. Perhaps next time!")))
        return
    await stale_button(query)


def renderers(app: Any) -> dict[str, Any]:
    repo: CoffeeRepo = app.coffee
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference
    intros: IntroRepo = app.intros

    async def group_of(round_id: int, user_id: int) -> tuple[int, list[int]] | None:
        for group_id, members in (await repo.groups_of_round(round_id)).items():
            if user_id in members:
                return group_id, members
        return None

    async def notice(payload: dict[str, Any], to: Recipient) -> Any:
        round_ = await repo.get(payload["round_id"])
        if round_ is None or round_.paired or not (await intros.settings(to.user_id)).coffee_opt_in:
            return None
        return (_("☕ Tomorrow is a coffee round: I will pair you with a member to talk with. "
                  "Busy this time?"),
                rows([button(_("Skip this round"), CoffeeCb(action="skip",
                                                            round_id=round_.id))]))

    def nobody() -> tuple[str, None]:
        return _("☕ This coffee round I could not find you a partner who shares a "
                 "language and whom you have not met recently. Next time!"), None

    async def match(payload: dict[str, Any], to: Recipient) -> Any:
        if not (await intros.settings(to.user_id)).coffee_opt_in:
            return None  # she left the rounds since
        found = await group_of(payload["round_id"], to.user_id)
        if found is None:
            return nobody()
        _group_id, members = found
        # Partners who left the rounds (or the association) since the pairing are left out.
        partners = [m for m in members if m != to.user_id
                    and (await intros.settings(m)).coffee_opt_in]
        chats = TelegramChats(app.bot)
        cards = []
        for partner_id in partners:
            partner = await profiles.get(partner_id)
            if partner is None or partner.status != "approved":
                continue
            cards.append(profile_card(partner, ref, to.locale, visible_only=True) + "\n"
                         + _("Contact: {contact}").format(
                             contact=await reach_text(partner_id, profiles, chats)))
        if not cards:
            return nobody()
        head = (_("☕ Your coffee partner this round:") if len(cards) == 1
                else _("☕ This round you are three:"))
        return Protected("\n\n".join([head, *cards, _(
            "Write to say hello and agree on half an hour this week or next.")]))

    async def followup(payload: dict[str, Any], to: Recipient) -> Any:
        found = await group_of(payload["round_id"], to.user_id)
        if found is None:
            return None
        group_id, _members = found
        return (_("☕ Did you meet your coffee partner?"),
                rows([button(_("Yes, we met"), CoffeeCb(action="met", value="yes",
                                                        group_id=group_id)),
                      button(_("Not this time"), CoffeeCb(action="met", value="no",
                                                          group_id=group_id))]))

    return {MessageKind.COFFEE_NOTICE: notice, MessageKind.COFFEE_MATCH: match,
            MessageKind.COFFEE_FOLLOWUP: followup}


def create_router() -> Router:
    router = Router(name="coffee")
    router.message.register(cmd_coffee, Command("coffee"), F.chat.type == "private")
    router.callback_query.register(cb_coffee, CoffeeCb.filter())
    return router
