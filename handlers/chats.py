"""The association's chats: binding them, letting members in, and who may stay.

```mermaid
stateDiagram-v2
    [*] --> Offered: the bot is made admin of a chat (my_chat_member)
    Offered --> Bound: an administrator picks a country or "regional"
    Bound --> Bound: /channels shows rights; a group that becomes a supergroup is followed
    Bound --> Confirm: Unbind
    Confirm --> [*]: Yes, unbind
    Confirm --> Bound: Keep it
    Bound --> [*]: the bot is removed
```
Members press a button (/chats) for a personal link that only creates a join request; the
request is approved only if she is entitled at that moment; strangers are declined and told
nothing. /post lets coordinators post to their country's chat.
"""

from __future__ import annotations

import logging
import secrets
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery, ChatJoinRequest, ChatMemberAdministrator, ChatMemberUpdated,
    InlineKeyboardButton, InlineKeyboardMarkup, Message,
)
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ChatAction, ChatCb
from bot.chat_removals import RemovalRunner
from bot.clock import Clock
from bot.db.repositories.chats import KnownChat, chat_locale
from bot.i18n import LANGUAGE_NAMES, pgettext
from bot.keyboards import button, rows, url_button
from bot.services.chat_access import ChatAccessService, JoinLinkOutcome
from bot.services.chats import ChatRegistry
from bot.services.delivery import DeliveryService, Recipient
from bot.services.message_kinds import MessageKind
from bot.services.members import MemberService
from bot.services.once import OnceOnly
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import VerificationService
from bot.telegram_chats import TelegramChats
from bot.texts import coordinator_contacts_text
from handlers.ui import edit_text, query_message, stale_button

POST_MAX = 4000
logger = logging.getLogger(__name__)


class PostForm(StatesGroup):
    text = State()


def scope_name(chat: KnownChat, ref: ReferenceData, locale: str) -> str:
    if not chat.bound:
        return _("not bound")
    if chat.country_code is None:
        return _("regional chat")
    return _("chat of {country}").format(country=ref.country(chat.country_code, locale))


def missing_rights(chat: KnownChat) -> list[str]:
    missing = []
    if not chat.is_admin:
        return [_("the bot is not an administrator")]
    if not chat.can_invite:
        missing.append(_("invite users via link"))
    if not chat.can_restrict:
        missing.append(_("ban users"))
    if chat.chat_type == "channel" and not chat.can_post:
        missing.append(_("post messages"))
    return missing


def bind_keyboard(chat_id: int, ref: ReferenceData, locale: str) -> InlineKeyboardMarkup:
    lines = [[button(ref.country(code, locale), ChatCb(action=ChatAction.SCOPE, chat_id=chat_id,
                                                        value=code))]
             for code in ref.country_codes]
    lines.append([button(_("Regional chat"), ChatCb(action=ChatAction.SCOPE, chat_id=chat_id, value="R"))])
    return rows(*lines)


# ---- the bot's own membership ----------------------------------------------------------------

async def on_bot_membership(event: ChatMemberUpdated, chat_registry: ChatRegistry,
                            clock: Clock, delivery: DeliveryService,
                            admin_ids: frozenset[int]) -> None:
    member = event.new_chat_member
    rights = member if isinstance(member, ChatMemberAdministrator) else None
    status = str(member.status)
    chat = await chat_registry.record_bot_status(
        event.chat.id, event.chat.title or str(event.chat.id), str(event.chat.type), status,
        can_invite=bool(rights and rights.can_invite_users),
        can_restrict=bool(rights and rights.can_restrict_members),
        can_post=bool(rights and (rights.can_post_messages or event.chat.type != "channel")),
        now=clock.now())
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        if await chat_registry.unbind(chat.chat_id, clock.now()):
            await delivery.notify(MessageKind.CHAT_UNBOUND, {"title": chat.title},
                                  sorted(admin_ids))
        return
    if event.from_user.id not in admin_ids or chat.bound:
        return
    await delivery.notify(MessageKind.CHAT_BIND_OFFER, {"chat_id": chat.chat_id},
                          [event.from_user.id])


def renderers(chat_registry: ChatRegistry, ref: ReferenceData) -> dict[str, Any]:
    """What the chats feature sends through the delivery engine, in each one's language."""

    def unbound(payload: dict[str, Any], to: Recipient) -> Any:
        return _("The bot was removed from «{title}»; the chat is no longer bound."
                 ).format(title=escape(payload["title"])), None

    async def bind_offer(payload: dict[str, Any], to: Recipient) -> Any:
        known = await chat_registry.get(payload["chat_id"])
        if known is None or known.bound:
            return None  # bound (or gone) before the offer could go out
        text = _("I was added to «{title}». Which of the association's chats is it?").format(
            title=escape(known.title))
        problems = missing_rights(known)
        if problems:
            text += "\n\n" + _("⚠️ I still need these rights there: {rights}.").format(
                rights=", ".join(problems))
        return text, bind_keyboard(known.chat_id, ref, to.locale)

    def chat_check(payload: dict[str, Any], to: Recipient) -> Any:
        """The daily check's strangers, each with a button to remove her (until she is)."""
        lines = [_("Chat check: people in the association's chats who are not entitled to be "
                   "there:")]
        buttons = []
        for item in payload["found"]:
            state = pgettext("a person in a chat", "removed") if item["removed"] \
                else _("waiting for your decision")
            lines.append(f"• {escape(item['title'])}: #{item['user_id']} — {state}")
            if not item["removed"]:
                buttons.append([button(_("Remove #{id} from «{title}»").format(
                    id=item["user_id"], title=item["title"][:24]),
                    ChatCb(action=ChatAction.REMOVE, chat_id=item["chat_id"],
                           user_id=item["user_id"]))])
        return "\n".join(lines), rows(*buttons) if buttons else None

    return {
        MessageKind.CHAT_UNBOUND: unbound,
        MessageKind.CHAT_BIND_OFFER: bind_offer,
        MessageKind.CHAT_CHECK: chat_check,
        MessageKind.CHAT_REMOVALS: RemovalRunner.render,
    }


async def on_member_change(event: ChatMemberUpdated, chat_registry: ChatRegistry,
                           clock: Clock) -> None:
    """Someone joined or left a chat: remember it for reconciliation."""
    if event.new_chat_member.user.is_bot:
        return
    await chat_registry.note_member(event.chat.id, event.new_chat_member.user.id,
                                    str(event.new_chat_member.status), clock.now())


async def on_migrate(message: Message, chat_registry: ChatRegistry) -> None:
    """A group became a supergroup: follow it to its new id."""
    assert message.migrate_to_chat_id is not None
    await chat_registry.migrate(message.chat.id, message.migrate_to_chat_id)


# ---- administrators: /channels ---------------------------------------------------------------

def language_button(chat: KnownChat) -> InlineKeyboardButton:
    return button(f"🌐 {chat.title[:24]}: {LANGUAGE_NAMES[chat_locale(chat)]}",
                  ChatCb(action=ChatAction.LANGUAGE, chat_id=chat.chat_id))


def channels_view(all_chats: list[KnownChat], ref: ReferenceData, locale: str
                  ) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [_("<b>The association's chats</b>")]
    buttons = []
    for chat in all_chats:
        if chat.bot_status in ("left", "kicked"):
            continue
        line = f"• {escape(chat.title)} — {scope_name(chat, ref, locale)}"
        problems = missing_rights(chat)
        if problems:
            line += "\n  " + _("⚠️ I still need these rights there: {rights}.").format(
                rights=", ".join(problems))
        lines.append(line)
        if chat.bound:
            buttons.append([button(_("Unbind «{title}»").format(title=chat.title[:30]),
                                   ChatCb(action=ChatAction.UNBIND, chat_id=chat.chat_id))])
            buttons.append([language_button(chat)])
        else:
            buttons.append([button(_("Bind «{title}»").format(title=chat.title[:30]),
                                   ChatCb(action=ChatAction.BIND, chat_id=chat.chat_id))])
    if len(lines) == 1:
        lines.append(_("I am not in any chat yet. Add me to a chat as an administrator."))
    return "\n".join(lines), rows(*buttons) if buttons else None


async def cmd_channels(message: Message, actor: Actor, chat_registry: ChatRegistry,
                       ref: ReferenceData) -> None:
    if not actor.is_admin:
        await message.answer(_("This command is for administrators."))
        return
    text, keyboard = channels_view(await chat_registry.all(), ref, actor.locale)
    await message.answer(text, reply_markup=keyboard)


async def admin_chat(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                     registry: ChatRegistry) -> tuple[Message, KnownChat] | None:
    """The message and the chat of an administrator's button (re-checked as she presses)."""
    message = query_message(query)
    if not actor.is_admin or message is None:
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return None
    chat = await registry.get(callback_data.chat_id)
    if chat is None:
        await stale_button(query)
        return None
    return message, chat


async def cb_bind(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                  chat_registry: ChatRegistry, ref: ReferenceData) -> None:
    found = await admin_chat(query, callback_data, actor, chat_registry)
    if found is None:
        return
    message, chat = found
    await query.answer()
    await message.answer(_("Which of the association's chats is «{title}»?").format(
        title=escape(chat.title)), reply_markup=bind_keyboard(chat.chat_id, ref, actor.locale))


async def cb_scope(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                   chat_registry: ChatRegistry, ref: ReferenceData, clock: Clock) -> None:
    found = await admin_chat(query, callback_data, actor, chat_registry)
    if found is None:
        return
    message, chat = found
    value = callback_data.value
    if value != "R" and value not in ref.country_codes:
        await stale_button(query)
        return
    bound = await chat_registry.bind(chat.chat_id, None if value == "R" else value,
                                     actor.user_id, clock.now())
    await query.answer()
    text = _("«{title}» is now the {scope}.").format(
        title=escape(chat.title), scope=scope_name(bound, ref, actor.locale))
    problems = missing_rights(bound)
    if problems:
        text += "\n" + _("⚠️ I still need these rights there: {rights}.").format(
            rights=", ".join(problems))
    await edit_text(message, text, None)


async def cb_unbind(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                    chat_registry: ChatRegistry) -> None:
    """Unbinding lets nobody in any more: it asks first."""
    found = await admin_chat(query, callback_data, actor, chat_registry)
    if found is None:
        return
    message, chat = found
    if not chat.bound:
        await query.answer(_("This has already been handled."), show_alert=True)
        return
    await query.answer()
    await edit_text(message, _("Unbind «{title}»? Members will no longer be let in through "
                               "the bot.").format(title=escape(chat.title)), rows([
        button(_("Yes, unbind"), ChatCb(action=ChatAction.CONFIRM_UNBIND, chat_id=chat.chat_id)),
        button(_("Keep it"), ChatCb(action=ChatAction.KEEP, chat_id=chat.chat_id))]))


async def cb_confirm_unbind(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                            chat_registry: ChatRegistry, ref: ReferenceData, clock: Clock
                            ) -> None:
    found = await admin_chat(query, callback_data, actor, chat_registry)
    if found is None:
        return
    message, chat = found
    done = await chat_registry.unbind(chat.chat_id, clock.now(), actor.user_id)
    await query.answer(_("Unbound.") if done else _("This has already been handled."),
                       show_alert=not done)
    text, keyboard = channels_view(await chat_registry.all(), ref, actor.locale)
    if done:
        text = _("✓ «{title}» is unbound.").format(title=escape(chat.title)) + "\n\n" + text
    await edit_text(message, text, keyboard)


async def cb_keep_bound(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                        chat_registry: ChatRegistry, ref: ReferenceData) -> None:
    found = await admin_chat(query, callback_data, actor, chat_registry)
    if found is None:
        return
    message, _chat = found
    await query.answer()
    text, keyboard = channels_view(await chat_registry.all(), ref, actor.locale)
    await edit_text(message, text, keyboard)


async def cb_remove_intruder(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                             chat_registry: ChatRegistry, verification: VerificationService,
                             removals: RemovalRunner, clock: Clock, bot: Bot) -> None:
    """After reconciliation: the country's coordinator (or an admin) confirms a removal."""
    chat = await chat_registry.get(callback_data.chat_id)
    if chat is None or not chat.bound or not (
            actor.is_admin or (chat.country_code is not None
                               and await verification.may_manage(actor.user_id,
                                                                 chat.country_code))):
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    queued = await chat_registry.remove_intruder(actor.user_id, callback_data.user_id, chat,
                                                 clock.now())
    await query.answer(_("Removing.") if queued else _("This has already been handled."))
    if queued:
        await removals.flush(bot)


# ---- members: /chats and join requests -------------------------------------------------------

async def cmd_chats(message: Message, actor: Actor, chat_access: ChatAccessService,
                    ref: ReferenceData, members: MemberService, bot: Bot) -> None:
    if actor.status == "suspended":
        await message.answer(await suspended_text(actor, chat_access, members, bot))
        return
    if not actor.is_member:
        await message.answer(_("The association's chats are open to members once their "
                               "application is approved."))
        return
    entitled = await chat_access.entitled_chats(actor.user_id)
    if not entitled:
        await message.answer(_("The association's chats are not set up yet."))
        return
    joined = await chat_access.joined(actor.user_id)
    # The button carries only the chat's (shortened) title; which chat it is, is in the text.
    keyboard = rows(*[[button(("✓ " if chat.chat_id in joined else "") + short_title(chat.title),
                              ChatCb(action=ChatAction.JOIN, chat_id=chat.chat_id))]
                      for chat in entitled])
    text = _("Press a chat to get your personal invitation link.") + "\n" + "\n".join(
        f"• {escape(chat.title)} — {scope_name(chat, ref, actor.locale)}" for chat in entitled)
    if joined & {chat.chat_id for chat in entitled}:
        text += "\n" + _("✓ marks the chats you are already in.")
    await message.answer(text, reply_markup=keyboard)


TITLE_MAX = 26  # a chat's title on its /chats button


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1].rstrip() + "…"


async def suspended_text(actor: Actor, chat_access: ChatAccessService, members: MemberService,
                         bot: Bot) -> str:
    text = _("Your membership is suspended for now, so the association's chats are closed to "
             "you until it is settled.")
    return text + "\n\n" + await coordinator_contacts_text(
        await chat_access.coordinators_to_reach(actor.user_id), members, TelegramChats(bot))


async def cb_join(query: CallbackQuery, callback_data: ChatCb, actor: Actor, bot: Bot,
                  chat_access: ChatAccessService, clock: Clock, once: OnceOnly) -> None:
    message = query_message(query)
    # One link per chat button of a /chats message: a double tap's second press only hears so
    # (a new /chats gives a new link once this one has expired).
    claim = (f"chat_link:{actor.user_id}:{message.message_id if message else 0}:"
             f"{callback_data.chat_id}")
    if not await once.first(claim, clock.now()):
        await query.answer(_("Your personal link for this chat was sent below. For a new one, "
                             "send /chats again."), show_alert=True)
        return
    result = await chat_access.join_link(actor.user_id, callback_data.chat_id, TelegramChats(bot),
                                         clock.now())
    if result.outcome is not JoinLinkOutcome.LINK or message is None or result.url is None:
        await once.give_back(claim)  # no link was sent: she may press again
    if result.outcome is JoinLinkOutcome.NOT_ENTITLED:
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    if result.outcome is JoinLinkOutcome.ALREADY_IN:
        await query.answer(_("You are already in this chat."), show_alert=True)
        return
    if result.outcome is JoinLinkOutcome.FAILED or message is None or result.url is None:
        await query.answer(_("Sorry, something went wrong on our side. Please try again in a "
                             "moment."), show_alert=True)
        return
    await query.answer()
    await message.answer(
        _("Your personal link, valid for 24 hours. It sends a join request, which I approve "
          "at once. Please do not share it."),
        reply_markup=rows([url_button(_("Join the chat"), result.url)]),
        protect_content=True)


async def on_join_request(request: ChatJoinRequest, chat_access: ChatAccessService,
                          clock: Clock) -> None:
    """Approve only members entitled now; decline anyone else without a word."""
    try:
        if await chat_access.admit(request.from_user.id, request.chat.id, clock.now()):
            await request.approve()
        else:
            await request.decline()
    except TelegramBadRequest as exc:
        # Resolved elsewhere first (a human admin, or a repeated update): nothing to do.
        if not any(code in exc.message for code in ("HIDE_REQUESTER_MISSING",
                                                    "USER_ALREADY_PARTICIPANT")):
            raise
        logger.info("join request in chat %s was already resolved", request.chat.id)


# ---- coordinators: /post ---------------------------------------------------------------------

async def postable_chats(actor: Actor, registry: ChatRegistry) -> list[KnownChat]:
    bound = await registry.bound()
    if actor.is_admin:
        return bound
    return [c for c in bound if c.country_code is not None
            and c.country_code == actor.coordinator_country]


async def cmd_post(message: Message, actor: Actor, chat_registry: ChatRegistry,
                   ref: ReferenceData) -> None:
    targets = await postable_chats(actor, chat_registry) if actor.is_staff else []
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    if not targets:
        await message.answer(_("The association's chats are not set up yet."))
        return
    keyboard = rows(*[[button(f"{c.title} — {scope_name(c, ref, actor.locale)}",
                              ChatCb(action=ChatAction.POST, chat_id=c.chat_id))] for c in targets])
    await message.answer(_("Where should the message go?"), reply_markup=keyboard)


async def post_target(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                      registry: ChatRegistry) -> Message | None:
    message = query_message(query)
    allowed = {c.chat_id for c in await postable_chats(actor, registry)} \
        if actor.is_staff else set()
    if callback_data.chat_id not in allowed or message is None:
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return None
    return message


async def cb_post(query: CallbackQuery, callback_data: ChatCb, actor: Actor, state: FSMContext,
                  chat_registry: ChatRegistry) -> None:
    message = await post_target(query, callback_data, actor, chat_registry)
    if message is None:
        return
    await state.set_state(PostForm.text)
    await state.update_data(post_chat=callback_data.chat_id, post_text=None,
                            post_draft=secrets.token_hex(8))
    await query.answer()
    await message.answer(_("Send the text of the message (formatting is kept). "
                           "/cancel to stop."))


async def claimed_draft(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                        state: FSMContext, clock: Clock, once: OnceOnly
                        ) -> tuple[str, dict, str] | None:  # type: ignore[type-arg]
    """Her draft for that chat, claimed once (a double tap: the first press decides)."""
    data = await state.get_data()
    text = data.get("post_text")
    if data.get("post_chat") != callback_data.chat_id or not text \
            or await state.get_state() != PostForm.text.state:
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        return None
    claim = f"post:{actor.user_id}:{data.get('post_draft')}"  # a draft posts once
    if not await once.first(claim, clock.now()):
        await query.answer(_("This has already been handled."))
        return None
    await state.clear()
    await query.answer()
    return text, data, claim


async def cb_drop(query: CallbackQuery, callback_data: ChatCb, actor: Actor, state: FSMContext,
                  chat_registry: ChatRegistry, clock: Clock, once: OnceOnly) -> None:
    message = await post_target(query, callback_data, actor, chat_registry)
    if message is None:
        return
    if await claimed_draft(query, callback_data, actor, state, clock, once) is not None:
        await message.edit_text(_("Nothing was sent."))


async def cb_publish(query: CallbackQuery, callback_data: ChatCb, actor: Actor,
                     state: FSMContext, chat_registry: ChatRegistry, bot: Bot, clock: Clock,
                     once: OnceOnly) -> None:
    message = await post_target(query, callback_data, actor, chat_registry)
    if message is None:
        return
    draft = await claimed_draft(query, callback_data, actor, state, clock, once)
    if draft is None:
        return
    text, data, claim = draft
    try:
        await bot.send_message(callback_data.chat_id, text)
    except TelegramAPIError:
        await once.give_back(claim)
        await state.set_state(PostForm.text)
        await state.set_data(data)  # her draft stays, to publish again
        await message.answer(_("Sorry, something went wrong on our side. Please try again in "
                               "a moment."))
        return
    await chat_registry.posted(actor.user_id, callback_data.chat_id, clock.now())
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(_("Posted."))


async def on_post_text(message: Message, state: FSMContext) -> None:
    text = message.html_text if message.text else None
    if not text or len(text) > POST_MAX:
        await message.answer(_("Please send a text message of up to {limit} characters.").format(
            limit=POST_MAX))
        return
    data = await state.get_data()
    chat_id = int(data.get("post_chat", 0))
    await state.update_data(post_text=text)
    await message.answer(_("This is how it will look:"))
    await message.answer(text, reply_markup=rows([
        button(_("Publish"), ChatCb(action=ChatAction.PUBLISH, chat_id=chat_id)),
        button(_("Cancel"), ChatCb(action=ChatAction.DROP, chat_id=chat_id)),
    ]))


def create_router() -> Router:
    router = Router(name="chats")
    groups = F.chat.type.in_({"group", "supergroup", "channel"})
    router.my_chat_member.register(on_bot_membership, groups)
    router.chat_member.register(on_member_change, groups)
    router.message.register(on_migrate, F.migrate_to_chat_id)
    router.chat_join_request.register(on_join_request)
    private = F.chat.type == "private"
    router.message.register(cmd_channels, Command("channels"), private)
    router.message.register(cmd_chats, Command("chats"), private)
    router.message.register(cmd_post, Command("post"), private)
    router.message.register(on_post_text, StateFilter(PostForm.text), private,
                            ~F.text.startswith("/"))
    for action, handler in ((ChatAction.JOIN, cb_join), (ChatAction.POST, cb_post),
                            (ChatAction.PUBLISH, cb_publish), (ChatAction.DROP, cb_drop),
                            (ChatAction.REMOVE, cb_remove_intruder), (ChatAction.BIND, cb_bind),
                            (ChatAction.SCOPE, cb_scope), (ChatAction.UNBIND, cb_unbind),
                            (ChatAction.CONFIRM_UNBIND, cb_confirm_unbind),
                            (ChatAction.KEEP, cb_keep_bound)):
        router.callback_query.register(handler, ChatCb.filter(F.action == action))
    return router
