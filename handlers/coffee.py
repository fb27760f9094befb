"""/coffee: opt in to fortnightly coffee rounds, skip one (and undo it), and say whether you met.

Opting in is her consent to share her name and contact with the partners of each round;
she can leave at any time, and a round she skipped pairs her with nobody. /coffee is one
live message, edited in place by its buttons; only approved members with a profile take part.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from babel.lists import format_list

from bot.callbacks import CoffeeAction, CoffeeCb
from bot.clock import Clock
from bot.config import SUPPORTED_LOCALES
from bot.db.repositories.coffee import CoffeeRepo
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.dialogs import N_
from bot.i18n import format_datetime, use_locale
from bot.keyboards import button, rows
from bot.services.coffee import CoffeeOutcome, CoffeeService, CoffeeStatus
from bot.services.delivery import Protected, Recipient
from bot.services.introductions import common_language
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import contact_text, language_names, profile_card
from handlers.members_only import refusal, refused_button
from handlers.ui import edit_text, not_for_you, query_message, stale_button

NOTICE = "n"  # CoffeeCb.value of the day-before notice's buttons (the /coffee message: "")

# Something to start the conversation with, one per group, in a language the group shares.
PROMPTS = (
    N_("What does a usual working day look like for you?"),
    N_("Which training or exchange helped you most in your work?"),
    N_("What would you like colleagues in other countries to know about your service?"),
    N_("Which problem at work would you most like to hear another view on?"),
    N_("How did you come to serve in your agency?"),
)


def _zone(actor: Actor, ref: ReferenceData) -> str:
    return ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")


def coffee_view(status: CoffeeStatus, when: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("<b>Coffee rounds</b>"),
             _("Every two weeks I pair members who share a language, across borders where "
               "possible, for an informal half-hour talk. Your partner gets your name and "
               "Telegram contact, and you get hers.")]
    round_id = status.upcoming.id
    if not status.opted_in:
        lines.append(_("You do not take part."))
        return "\n\n".join(lines), rows(
            [button(_("Join coffee rounds"), CoffeeCb(action=CoffeeAction.JOIN))])
    if status.skipping:
        lines.append(_("You skip the next round ({when}); you take part again in the one "
                       "after.").format(when=when))
        first = button(_("Take part after all"), CoffeeCb(action=CoffeeAction.UNSKIP,
                                                          round_id=round_id))
    else:
        lines.append(_("You take part. Next round: {when}.").format(when=when))
        first = button(_("Skip the next round"), CoffeeCb(action=CoffeeAction.SKIP,
                                                          round_id=round_id))
    return "\n\n".join(lines), rows(
        [first], [button(_("Leave coffee rounds"), CoffeeCb(action=CoffeeAction.LEAVE))])


async def status_view(actor: Actor, coffee_service: CoffeeService, ref: ReferenceData,
                      clock: Clock) -> tuple[str, InlineKeyboardMarkup]:
    status = await coffee_service.status(actor.user_id, clock.now())
    when = format_datetime(status.upcoming.pair_at, actor.locale, _zone(actor, ref),
                           weekday=True)
    return coffee_view(status, when)


async def cmd_coffee(message: Message, actor: Actor, coffee_service: CoffeeService,
                     ref: ReferenceData, clock: Clock) -> None:
    reason = refusal(actor)
    if reason is not None:
        await message.answer(reason)
        return
    text, keyboard = await status_view(actor, coffee_service, ref, clock)
    await message.answer(text, reply_markup=keyboard)


async def _own_message(query: CallbackQuery, actor: Actor) -> Message | None:
    message = query_message(query)
    if message is None:
        await stale_button(query)
        return None
    if await refused_button(query, actor):
        return None
    return message


async def _redraw(query: CallbackQuery, message: Message, actor: Actor,
                  coffee_service: CoffeeService, ref: ReferenceData, clock: Clock) -> None:
    await query.answer()
    text, keyboard = await status_view(actor, coffee_service, ref, clock)
    await edit_text(message, text, keyboard)


async def _take_part(query: CallbackQuery, actor: Actor, coffee_service: CoffeeService,
                     ref: ReferenceData, clock: Clock, opt_in: bool) -> None:
    message = await _own_message(query, actor)
    if message is None:
        return
    await coffee_service.take_part(actor.user_id, opt_in, clock.now())
    await _redraw(query, message, actor, coffee_service, ref, clock)


async def cb_join(query: CallbackQuery, actor: Actor, coffee_service: CoffeeService,
                  ref: ReferenceData, clock: Clock) -> None:
    await _take_part(query, actor, coffee_service, ref, clock, True)


async def cb_leave(query: CallbackQuery, actor: Actor, coffee_service: CoffeeService,
                   ref: ReferenceData, clock: Clock) -> None:
    await _take_part(query, actor, coffee_service, ref, clock, False)


def notice_view(round_id: int, skipping: bool, when: str) -> tuple[str, InlineKeyboardMarkup]:
    """The day-before notice (when the pairs are made, in her zone), with Skip, or (skipped)
    with its undo."""
    text = _("☕ Tomorrow is a coffee round: I will pair you with a member to talk with. "
             "Busy this time?") + "\n\n" + _("The pairs are made on {when}.").format(when=when)
    if skipping:
        return text + "\n\n" + _("✓ You skip this round. See you in the next one!"), rows(
            [button(_("Take part after all"), CoffeeCb(action=CoffeeAction.UNSKIP,
                                                       value=NOTICE, round_id=round_id))])
    return text, rows([button(_("Skip this round"), CoffeeCb(
        action=CoffeeAction.SKIP, value=NOTICE, round_id=round_id))])


async def _skip(query: CallbackQuery, callback_data: CoffeeCb, actor: Actor,
                coffee_service: CoffeeService, ref: ReferenceData, clock: Clock, *,
                undo: bool) -> None:
    message = await _own_message(query, actor)
    if message is None:
        return
    outcome = await coffee_service.skip(callback_data.round_id, actor.user_id, undo=undo)
    if outcome is CoffeeOutcome.LEFT:  # an old notice, after she left the rounds
        await query.answer(_("You no longer take part in coffee rounds; /coffee lets you "
                             "join again."), show_alert=True)
        if callback_data.value == NOTICE:
            await edit_text(message, message.html_text or "", None)  # its buttons go
        else:
            await edit_text(message, *await status_view(actor, coffee_service, ref, clock))
        return
    if outcome is not CoffeeOutcome.DONE:
        await query.answer(_("This round has already been paired."), show_alert=True)
        return
    if callback_data.value == NOTICE:
        await query.answer()
        round_ = await coffee_service.round(callback_data.round_id)
        when = format_datetime(round_.pair_at, actor.locale, _zone(actor, ref), weekday=True) \
            if round_ else ""
        text, keyboard = notice_view(callback_data.round_id, not undo, when)
        await edit_text(message, text, keyboard)
        return
    await _redraw(query, message, actor, coffee_service, ref, clock)


async def cb_skip(query: CallbackQuery, callback_data: CoffeeCb, actor: Actor,
                  coffee_service: CoffeeService, ref: ReferenceData, clock: Clock) -> None:
    await _skip(query, callback_data, actor, coffee_service, ref, clock, undo=False)


async def cb_unskip(query: CallbackQuery, callback_data: CoffeeCb, actor: Actor,
                    coffee_service: CoffeeService, ref: ReferenceData, clock: Clock) -> None:
    await _skip(query, callback_data, actor, coffee_service, ref, clock, undo=True)


async def cb_met(query: CallbackQuery, callback_data: CoffeeCb, actor: Actor,
                 coffee_service: CoffeeService) -> None:
    message = query_message(query)
    if message is None or callback_data.value not in ("yes", "no"):
        await stale_button(query)
        return
    outcome = await coffee_service.answer_met(callback_data.group_id, actor.user_id,
                                              callback_data.value == "yes")
    if outcome is CoffeeOutcome.NOT_YOURS:
        await not_for_you(query)
        return
    if outcome is CoffeeOutcome.GONE:
        await stale_button(query)
        return
    await query.answer()
    note = _("Wonderful, thank you!") if callback_data.value == "yes" \
        else _("Thank you for telling me. Perhaps next time!")
    await edit_text(message, (message.html_text or "") + "\n\n" + note, None)


def partner_names(partners: list[Profile], locale: str) -> str:
    """"Aigerim" or "Aigerim and Nigora", as her language joins them."""
    names = [escape(p.full_name or _("Member")) for p in partners]
    return format_list(names, locale=locale) if names else ""


def renderers(app: Any) -> dict[str, Any]:
    repo: CoffeeRepo = app.coffee
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference

    async def group_of(round_id: int, user_id: int) -> tuple[int, list[int]] | None:
        for group_id, members in (await repo.groups_of_round(round_id)).items():
            if user_id in members:
                return group_id, members
        return None

    async def partners_of(members: list[int], user_id: int) -> list[Profile]:
        """Her partners who are still members and in the rounds."""
        found = []
        for partner_id in members:
            if partner_id == user_id or not await repo.opted_in(partner_id):
                continue
            partner = await profiles.get(partner_id)
            if partner is not None and partner.status == "approved":
                found.append(partner)
        return found

    async def notice(payload: dict[str, Any], to: Recipient) -> Any:
        round_ = await repo.get(payload["round_id"])
        if round_ is None or round_.paired or not await repo.opted_in(to.user_id):
            return None
        return notice_view(round_.id, False, format_datetime(round_.pair_at, to.locale,
                                                              to.timezone, weekday=True))

    def nobody() -> tuple[str, None]:
        return _("☕ This coffee round I could not find you a partner who shares a "
                 "language and whom you have not met recently. Next time!"), None

    async def prompt(group_id: int, her: Profile | None, partners: list[Profile],
                     to: Recipient) -> str:
        spoken = set(her.languages) if her else set()
        for partner in partners:
            spoken &= set(partner.languages)
        language = common_language(spoken, spoken, [to.locale], SUPPORTED_LOCALES)
        if language is None:
            return ""
        lead = _("Something to start with, in {language}, which you share:").format(
            language=escape(language_names([language], ref, to.locale)[0]))
        with use_locale(app.i18n, language):
            question = _(PROMPTS[group_id % len(PROMPTS)])
        return lead + "\n" + escape(question)

    async def member(user_id: int) -> bool:
        person = await profiles.get(user_id)
        return person is not None and person.status == "approved"

    async def match(payload: dict[str, Any], to: Recipient) -> Any:
        if not await repo.opted_in(to.user_id) or not await member(to.user_id):
            return None  # she left the rounds (or was suspended) since
        found = await group_of(payload["round_id"], to.user_id)
        if found is None:
            return nobody()
        group_id, members = found
        # Partners who left the rounds (or the association) since the pairing are left out.
        partners = await partners_of(members, to.user_id)
        if not partners:
            return nobody()
        chats = TelegramChats(app.bot)
        cards = []
        for partner in partners:
            # Telegram not answering is not "she has no username": the outbox tries again.
            username = await chats.username_now(partner.user_id)
            cards.append(profile_card(partner, ref, to.locale, visible_only=True) + "\n"
                         + _("Contact: {contact}").format(
                             contact=contact_text(partner.user_id, partner.full_name,
                                                  username)))
        head = (_("☕ Your coffee partner this round:") if len(cards) == 1
                else _("☕ This round you are three:"))
        parts = [head, *cards, _("Write to say hello and agree on half an hour this week or "
                                 "next.")]
        opener = await prompt(group_id, await profiles.get(to.user_id), partners, to)
        return Protected("\n\n".join(parts + ([opener] if opener else [])))

    async def followup(payload: dict[str, Any], to: Recipient) -> Any:
        found = await group_of(payload["round_id"], to.user_id)
        if found is None or not await member(to.user_id):
            return None  # (a member suspended since is not asked)
        group_id, members = found
        partners = [p for p in [await profiles.get(m) for m in members if m != to.user_id]
                    if p is not None and p.status == "approved"]
        if not partners:
            return None
        return (_("☕ Did you meet {names}?").format(names=partner_names(partners, to.locale)),
                rows([button(_("Yes, we met"), CoffeeCb(action=CoffeeAction.MET, value="yes",
                                                        group_id=group_id)),
                      button(_("Not this time"), CoffeeCb(action=CoffeeAction.MET, value="no",
                                                          group_id=group_id))]))

    return {MessageKind.COFFEE_NOTICE: notice, MessageKind.COFFEE_MATCH: match,
            MessageKind.COFFEE_FOLLOWUP: followup}


def create_router() -> Router:
    router = Router(name="coffee")
    router.message.register(cmd_coffee, Command("coffee"), F.chat.type == "private")
    for action, handler in ((CoffeeAction.JOIN, cb_join), (CoffeeAction.LEAVE, cb_leave),
                            (CoffeeAction.SKIP, cb_skip), (CoffeeAction.UNSKIP, cb_unskip),
                            (CoffeeAction.MET, cb_met)):
        router.callback_query.register(handler, CoffeeCb.filter(F.action == action))
    return router
