"""/invite creates an invitation code for a coordinator's country; /invites lists and withdraws.

```mermaid
stateDiagram-v2
    [*] --> Country: /invite (administrators pick a country)
    [*] --> Uses: /invite (coordinators: their own country)
    Country --> Uses
    Uses --> Validity
    Validity --> [*]: code + deep link shown once, with a Share button
    state "/invites" as List
    List --> Confirm: Withdraw
    Confirm --> List: Yes, withdraw / Keep it
```
The whole /invite flow is one message edited in place. The country and the role are checked
again when the code is made, not taken from the button; a withdrawal asks first. A new link
is kept in her conversation's data until Telegram has shown it (the edit, else a new
message, else her next tap or /invites), so a failed edit never loses it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.exceptions import (
    ClientDecodeError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError,
)
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import InviteAction, InviteCb
from bot.clock import Clock
from bot.db.repositories.invites import InviteCode
from bot.dialogs import no_open_dialog
from bot.i18n import format_datetime, zone_name
from bot.keyboards import button, rows, url_button
from bot.services.delivery import Recipient
from bot.services.invites import InviteService, NewCode
from bot.services.members import MemberService
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor, Authority
from handlers.ui import drop_keyboard, edit_text, query_message, stale_button

USES = ("1", "5", "20", "50")
DAYS = ("7", "30", "90")
LISTED = 20  # /invites shows the newest invitations, active ones first
UNSEEN_KEY = "invite_unseen"  # a link made but not yet shown to her (Telegram failed)
logger = logging.getLogger(__name__)


def staff_only_text() -> str:
    return _("This command is for coordinators.")


def not_allowed_text() -> str:
    return _("You are not allowed to do this.")


def until_text(moment: datetime, locale: str, timezone: str) -> str:
    """"8 Dec 2026, 23:04 (Almaty)": a medium date, a short time and the zone's city."""
    return f"{format_datetime(moment, locale, timezone)} ({zone_name(timezone, locale)})"


def state_label(state: str) -> str:
    return {
        # Whole words about the invitation, not adjectives that could read as about a woman
        # (the brief allows no pgettext contexts here).
        "active": _("still valid"),
        "used_up": _("used up"),
        "expired": _("expired"),
        "withdrawn": _("withdrawn"),
    }[state]


def share_url(link: str) -> str:
    """Telegram's share page: she picks the colleague's chat and the link goes there."""
    text = _("An invitation to the association's bot: open the link and complete your "
             "profile to become a member.")
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}"


def uses_keyboard() -> InlineKeyboardMarkup:
    return rows([button(n, InviteCb(action=InviteAction.USES, value=n)) for n in USES])


async def cmd_invite(message: Message, actor: Actor, state: FSMContext,
                     ref: ReferenceData) -> None:
    if not actor.is_staff:
        await message.answer(staff_only_text())
        return
    if actor.is_admin and not actor.coordinator_country:
        keyboard = rows(*[[button(ref.country(c, actor.locale),
                                  InviteCb(action=InviteAction.COUNTRY, value=c))]
                          for c in ref.country_codes])
        await message.answer(_("For which country is the invitation?"), reply_markup=keyboard)
        return
    await state.update_data(invite_country=actor.coordinator_country)
    await message.answer(_("How many people may use this invitation?"),
                         reply_markup=uses_keyboard())


async def staff_message(query: CallbackQuery, actor: Actor) -> Message | None:
    message = query_message(query)
    if message is None or not actor.is_staff:
        await query.answer(not_allowed_text(), show_alert=True)
        return None
    return message


async def cb_country(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                     state: FSMContext, authority: Authority, ref: ReferenceData) -> None:
    message = await staff_message(query, actor)
    if message is None:
        return
    if callback_data.value not in ref.country_codes:
        await stale_button(query)
        return
    if not await authority.may_manage(actor.user_id, callback_data.value):
        await query.answer(not_allowed_text(), show_alert=True)
        return
    await state.update_data(invite_country=callback_data.value)
    await query.answer()
    await edit_text(message, _("How many people may use this invitation?"), uses_keyboard())


async def cb_uses(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                  state: FSMContext) -> None:
    message = await staff_message(query, actor)
    if message is None:
        return
    if callback_data.value not in USES or not (await state.get_data()).get("invite_country"):
        await stale_button(query)  # forged, or from an invitation already made
        return
    await state.update_data(invite_uses=int(callback_data.value))
    await query.answer()
    keyboard = rows([button(_("{days} day", "{days} days", int(d)).format(days=d),
                            InviteCb(action=InviteAction.DAYS, value=d)) for d in DAYS])
    await edit_text(message, _("How long should it be valid?"), keyboard)


async def cb_days(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                  state: FSMContext, bot: Bot, invites: InviteService, authority: Authority,
                  ref: ReferenceData, clock: Clock) -> None:
    message = await staff_message(query, actor)
    if message is None:
        return
    data = await state.get_data()
    country, uses = data.get("invite_country"), data.get("invite_uses")
    if data.get(UNSEEN_KEY):  # she taps again after Telegram failed to show her link
        await query.answer()
        await show_unseen(message, state, edit=True)
        return
    if callback_data.value not in DAYS or not country or not uses:
        await stale_button(query)
        return
    if not await authority.may_manage(actor.user_id, country):
        await query.answer(not_allowed_text(), show_alert=True)
        return
    await state.update_data(invite_country=None, invite_uses=None)
    created = await invites.create(actor.user_id, country, int(uses),
                                   timedelta(days=int(callback_data.value)), clock.now())
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={created.code}"
    await query.answer()
    text = created_text(link, created, country, int(uses), actor, ref)
    # Until she has seen it, the link is kept in her conversation's data (the database
    # holds only its hash): a failed edit must not lose it.
    await state.update_data(**{UNSEEN_KEY: {"text": text, "link": link}})
    await show_created(message, state, text, link)


def created_text(link: str, created: NewCode, country: str, uses: int, actor: Actor,
                 ref: ReferenceData) -> str:
    return (_("Invitation for {country}, for one person.",
              "Invitation for {country}, for up to {uses} people.", int(uses)).format(
                country=escape(ref.country(country, actor.locale)), uses=uses)
            + "\n" + _("Valid until {until}").format(
                until=until_text(created.record.expires_at, actor.locale,
                                 ref.country_timezones[country]))
            + "\n\n" + _("Send this link to the colleague you invite, or press Share:")
            + f"\n<code>{escape(link)}</code>\n\n"
            + _("Whoever opens it and completes her profile becomes a member without review. "
                "The link is shown only once; /invites lists your invitations."))


def created_keyboard(link: str) -> InlineKeyboardMarkup:
    return rows([url_button(_("Share"), share_url(link))])


SHOW_ERRORS = (TelegramServerError, TelegramNetworkError, ClientDecodeError, TelegramRetryAfter)


async def show_created(message: Message, state: FSMContext, text: str, link: str) -> bool:
    """Show the new link in place; if Telegram fails on the edit, as a new message; if that
    fails too, it stays kept for her next tap on the question or /invites. True once shown."""
    for attempt in ("edit", "send"):
        try:
            if attempt == "edit":
                await edit_text(message, text, created_keyboard(link))
            else:
                await message.answer(text, reply_markup=created_keyboard(link))
        except SHOW_ERRORS:
            logger.warning("showing a new invitation failed (%s); trying again", attempt)
            continue
        await state.update_data(**{UNSEEN_KEY: None})
        if attempt == "send" and message.bot is not None:
            # the question above keeps no buttons that would do nothing now
            await drop_keyboard(message.bot, message.chat.id, message.message_id)
        return True
    return False


async def show_unseen(message: Message, state: FSMContext, *, edit: bool) -> bool:
    """A link made but not yet shown (Telegram failed on it): show it now."""
    unseen = (await state.get_data()).get(UNSEEN_KEY)
    if not unseen:
        return False
    if edit:
        await show_created(message, state, unseen["text"], unseen["link"])
    else:
        await message.answer(unseen["text"], reply_markup=created_keyboard(unseen["link"]))
        await state.update_data(**{UNSEEN_KEY: None})
    return True


# ---- /invites ------------------------------------------------------------------------------

def invite_line(code: InviteCode, ref: ReferenceData, locale: str, now: datetime) -> str:
    return _("<b>{hint}…</b> · {country} · {state}\n"
             "used {used} of {max} · until {until}").format(
        hint=escape(code.hint), country=escape(ref.country(code.country_code, locale)),
        state=state_label(code.state(now)), used=code.used_count, max=code.max_uses,
        until=until_text(code.expires_at, locale, ref.country_timezones[code.country_code]))


def invites_view(codes: list[InviteCode], ref: ReferenceData, locale: str, now: datetime
                 ) -> tuple[str, InlineKeyboardMarkup | None]:
    if not codes:
        return _("You have no invitations yet. /invite creates one."), None
    ordered = sorted(codes, key=lambda c: (c.state(now) != "active", -c.id))
    lines = [_("<b>Invitations</b>"),
             _("Each starts with the characters shown; the full link was shown only once.")]
    buttons = []
    for code in ordered:
        lines.append(invite_line(code, ref, locale, now))
        if code.state(now) == "active":
            buttons.append([button(_("Withdraw {hint}…").format(hint=code.hint),
                                   InviteCb(action=InviteAction.REVOKE, code_id=code.id))])
    return "\n\n".join(lines), rows(*buttons) if buttons else None


async def listed_codes(actor: Actor, invites: InviteService) -> list[InviteCode]:
    return await invites.recent(None if actor.is_admin else actor.coordinator_country, LISTED)


async def cmd_invites(message: Message, actor: Actor, invites: InviteService,
                      ref: ReferenceData, clock: Clock, state: FSMContext) -> None:
    if not actor.is_staff:
        await message.answer(staff_only_text())
        return
    await show_unseen(message, state, edit=False)
    text, keyboard = invites_view(await listed_codes(actor, invites), ref, actor.locale,
                                  clock.now())
    await message.answer(text, reply_markup=keyboard)


async def managed_code(query: CallbackQuery, actor: Actor, code_id: int,
                       invites: InviteService, authority: Authority
                       ) -> tuple[Message, InviteCode] | None:
    message = await staff_message(query, actor)
    if message is None:
        return None
    record = await invites.get(code_id)
    if record is None or not await authority.may_manage(actor.user_id, record.country_code):
        await query.answer(not_allowed_text(), show_alert=True)
        return None
    return message, record


async def active_managed_code(query: CallbackQuery, actor: Actor, code_id: int,
                              invites: InviteService, authority: Authority, clock: Clock
                              ) -> tuple[Message, InviteCode] | None:
    """:func:`managed_code`, and only while the invitation still works (else a popup)."""
    found = await managed_code(query, actor, code_id, invites, authority)
    if found is not None and found[1].state(clock.now()) != "active":
        await query.answer(_("This has already been handled."), show_alert=True)
        return None
    return found


async def cb_revoke(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                    invites: InviteService, authority: Authority, ref: ReferenceData,
                    clock: Clock) -> None:
    found = await active_managed_code(query, actor, callback_data.code_id, invites, authority,
                                      clock)
    if found is None:
        return
    message, record = found
    await query.answer()
    left = record.uses_left
    await edit_text(message, _(
        "Withdraw the invitation starting with {hint}…? Nobody will be able to join with it "
        "any more ({left} use left).",
        "Withdraw the invitation starting with {hint}…? Nobody will be able to join with it "
        "any more ({left} uses left).", left).format(hint=escape(record.hint), left=left),
        rows([button(_("Yes, withdraw"), InviteCb(action=InviteAction.CONFIRM_REVOKE,
                                                   code_id=record.id)),
              button(_("Keep it"), InviteCb(action=InviteAction.KEEP, code_id=record.id))]))


async def cb_confirm_revoke(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                            invites: InviteService, authority: Authority, ref: ReferenceData,
                            clock: Clock) -> None:
    found = await active_managed_code(query, actor, callback_data.code_id, invites, authority,
                                      clock)
    if found is None:
        return
    message, record = found
    if not await invites.revoke(actor.user_id, record.id, clock.now()):
        # a double tap: the first press withdrew it and shows the list; this one only says so
        await query.answer(_("This has already been handled."), show_alert=True)
        return
    await query.answer(_("Invitation withdrawn."))
    text, keyboard = invites_view(await listed_codes(actor, invites), ref, actor.locale,
                                  clock.now())
    note = _("✓ The invitation starting with {hint}… is withdrawn.").format(
        hint=escape(record.hint))
    await edit_text(message, note + "\n\n" + text, keyboard)


async def cb_keep(query: CallbackQuery, callback_data: InviteCb, actor: Actor,
                  invites: InviteService, authority: Authority, ref: ReferenceData,
                  clock: Clock) -> None:
    found = await active_managed_code(query, actor, callback_data.code_id, invites, authority,
                                      clock)  # withdrawn meanwhile: that question is over
    if found is None:
        return
    message, _record = found
    await query.answer()
    text, keyboard = invites_view(await listed_codes(actor, invites), ref, actor.locale,
                                  clock.now())
    await edit_text(message, text, keyboard)


# ---- the creator is told when her invitation is used -------------------------------------

def renderers(invites: InviteService, members: MemberService, ref: ReferenceData,
              clock: Clock) -> dict[MessageKind, Any]:
    async def used(payload: dict[str, Any], to: Recipient) -> Any:
        invite = await invites.get(payload["invite_id"])
        member = await members.get(payload["member_id"])
        if invite is None or member is None or invite.created_by != to.user_id:
            return None  # she left meanwhile, or the invitation is gone
        left = invite.uses_left
        text = _("✓ {name} ({country}) joined the association with your invitation "
                 "starting with {hint}…").format(
            name=escape(member.full_name or _("Member")),
            country=escape(ref.country(invite.country_code, to.locale)),
            hint=escape(invite.hint))
        if invite.state(clock.now()) == "withdrawn":
            tail = _("The invitation is withdrawn.")
        elif left == 0:
            tail = _("That was its last use.")
        else:
            tail = _("It can be used {left} more time.", "It can be used {left} more times.",
                     left).format(left=left)
        return text + "\n" + tail, None

    return {MessageKind.INVITATION_USED: used}


async def choosing_invitation(message: Message, state: FSMContext) -> bool:
    """Her /invite question is open (its answers are buttons)."""
    return bool((await state.get_data()).get("invite_country"))


async def on_text_during_invite(message: Message) -> None:
    await message.answer(_("Please use the buttons below."))


def create_router() -> Router:
    router = Router(name="invites")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_invite, Command("invite"))
    router.message.register(cmd_invites, Command("invites"))
    router.message.register(on_text_during_invite, no_open_dialog, ~F.text.startswith("/"),
                            choosing_invitation)
    for action, handler in ((InviteAction.COUNTRY, cb_country), (InviteAction.USES, cb_uses),
                            (InviteAction.DAYS, cb_days), (InviteAction.REVOKE, cb_revoke),
                            (InviteAction.CONFIRM_REVOKE, cb_confirm_revoke),
                            (InviteAction.KEEP, cb_keep)):
        router.callback_query.register(handler, InviteCb.filter(F.action == action))
    return router
