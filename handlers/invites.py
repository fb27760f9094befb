"""/invite creates an invitation code for a coordinator's country; /invites lists and revokes.

```mermaid
stateDiagram-v2
    [*] --> Country: /invite (administrators pick a country)
    [*] --> Uses: /invite (coordinators: their own country)
    Country --> Uses
    Uses --> Validity
    Validity --> [*]: code + deep link shown once
```
The country and the role are checked again when the code is made, not taken from the button.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import InviteCb
from bot.clock import Clock
from bot.db.repositories.invites import InviteRepo
from bot.i18n import format_date
from bot.keyboards import button, rows
from bot.services.invites import InviteService
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import VerificationService
from handlers.ui import query_message, stale_button

USES = ("1", "5", "20", "50")
DAYS = ("7", "30", "90")


def staff_only_text() -> str:
    return _("This command is for coordinators.")


async def cmd_invite(message: Message, actor: Actor, state: FSMContext,
                     ref: ReferenceData) -> None:
    if not actor.is_staff:
        await message.answer(staff_only_text())
        return
    if actor.is_admin and not actor.coordinator_country:
        keyboard = rows(*[[button(ref.country(c, actor.locale),
                                  InviteCb(action="country", value=c))]
                          for c in ref.country_codes])
        await message.answer(_("For which country is the invitation?"), reply_markup=keyboard)
        return
    await state.update_data(invite_country=actor.coordinator_country)
    await ask_uses(message)


async def ask_uses(message: Message) -> None:
    keyboard = rows([button(n, InviteCb(action="uses", value=n)) for n in USES])
    await message.answer(_("How many people may use this invitation?"), reply_markup=keyboard)


async def cb_invite(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                    state: FSMContext, bot: Bot, invites: InviteService,
                    verification: VerificationService, ref: ReferenceData,
                    clock: Clock) -> None:
    message = query_message(query)
    if message is None or not actor.is_staff:
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    action, value = callback_data.action, callback_data.value
    data = await state.get_data()
    if action == "country" and value in ref.country_codes:
        if not await verification.may_manage(actor.user_id, value):
            await query.answer(_("You are not allowed to do this."), show_alert=True)
            return
        await state.update_data(invite_country=value)
        await query.answer()
        await ask_uses(message)
        return
    if action == "uses" and value in USES:
        await state.update_data(invite_uses=int(value))
        await query.answer()
        keyboard = rows([button(_("{days} day", "{days} days", int(d)).format(days=d),
                                InviteCb(action="days", value=d)) for d in DAYS])
        await message.answer(_("How long should it be valid?"), reply_markup=keyboard)
        return
    if action == "days" and value in DAYS:
        country = data.get("invite_country")
        uses = data.get("invite_uses")
        if not country or not uses:
            await query.answer(_("This button is from an earlier message."), show_alert=True)
            return
        if not await verification.may_manage(actor.user_id, country):
            await query.answer(_("You are not allowed to do this."), show_alert=True)
            return
        await state.update_data(invite_country=None, invite_uses=None)
        created = await invites.create(actor.user_id, country, int(uses),
                                       timedelta(days=int(value)), clock.now())
        me = await bot.me()
        link = f"https://t.me/{me.username}?start={created.code}"
        await query.answer()
        await message.answer(_(
            "Invitation for {country}, for one person, valid until {date}.",
            "Invitation for {country}, for up to {uses} people, valid until {date}.",
            int(uses)).format(
                country=escape(ref.country(country, actor.locale)), uses=uses,
                date=format_date(created.record.expires_at, actor.locale,
                                 ref.country_timezones[country]))
            + "\n" + _("Send this link to the colleague you invite:")
            + f"\n<code>{escape(link)}</code>\n"
            + _("Whoever opens it and completes her profile becomes a member without review. "
                "The link is shown only once."))
        return
    if action == "revoke":
        await revoke(query, message, actor, callback_data.code_id, invites, verification,
                     clock)
        return
    await stale_button(query)


async def revoke(query: CallbackQuery, message: Message, actor: Actor, code_id: int,
                 invites: InviteService, verification: VerificationService,
                 clock: Clock) -> None:
    record = await invites.get(code_id)
    if record is None or not await verification.may_manage(actor.user_id, record.country_code):
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    done = await invites.revoke(actor.user_id, code_id, clock.now())
    await query.answer(_("Invitation withdrawn.") if done else _("This has already been handled."))
    if done:
        await message.answer(_("Invitation withdrawn."))


async def cmd_invites(message: Message, actor: Actor, invite_codes: InviteRepo,
                      ref: ReferenceData, clock: Clock) -> None:
    if not actor.is_staff:
        await message.answer(staff_only_text())
        return
    country = None if actor.is_admin else actor.coordinator_country
    active = await invite_codes.active(country, clock.now())
    if not active:
        await message.answer(_("There are no active invitations. /invite creates one."))
        return
    lines = [_("Active invitations:")]
    buttons = []
    for code in active:
        lines.append(_("#{id} · {country} · starts with {hint}… · used {used} of {max} · "
                       "until {date}").format(
            id=code.id, country=escape(ref.country(code.country_code, actor.locale)),
            hint=escape(code.hint), used=code.used_count, max=code.max_uses,
            date=format_date(code.expires_at, actor.locale,
                             ref.country_timezones[code.country_code])))
        buttons.append([button(_("Withdraw #{id}").format(id=code.id),
                               InviteCb(action="revoke", code_id=code.id))])
    await message.answer("\n".join(lines), reply_markup=rows(*buttons))


def create_router() -> Router:
    router = Router(name="invites")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_invite, Command("invite"))
    router.message.register(cmd_invites, Command("invites"))
    router.callback_query.register(cb_invite, InviteCb.filter())
    return router
