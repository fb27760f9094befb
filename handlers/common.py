"""Commands that work from anywhere: /cancel leaves any flow; /help lists what she may do,
by her role (member, coordinator, administrator) and where her application stands.

A suspended member's /help names her coordinator itself: her menu has no /chats (its
features are paused), so /help does not send her there."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.dialogs import N_
from bot.middlewares import end_flow
from bot.services.chat_access import ChatAccessService
from bot.services.members import MemberService
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import coordinator_contacts_text
from handlers.privacy import close_deletion_question


# Flows whose work is not saved as she goes: /cancel says what became of it.
DISCARDED_ON_CANCEL = {
    "EventForm": N_("Cancelled. The event draft is discarded; nothing was sent. /newevent "
                    "starts a new one."),
    "EventEdit": N_("Cancelled. The event stays as it was."),
    "AnnounceForm": N_("Cancelled. Nothing was sent."),
    "EventFeedback": N_("Cancelled. No comment was added; your mark counts."),
    # a mentorship's rating comment (handlers.mentorship): the mark is saved before it
    "MentorForm": N_("Cancelled. No comment was added; your mark counts."),
    "MentorshipForm": N_("Cancelled. Your mentorship offer and request stay as they were. "
                         "/mentorship opens the menu."),
}


async def cmd_cancel(message: Message, state: FSMContext, bot: Bot,
                     dialog_closed: str | None = None) -> None:
    if await close_deletion_question(state, bot, message.chat.id):
        await end_flow(state)
        await message.answer(_("The question about deleting your data is closed: nothing was "
                               "deleted."))
        return
    # dialog_closed: see bot.middlewares; else the question she was asked (a comment)
    group = (dialog_closed or await state.get_state() or "").partition(":")[0]
    if group in DISCARDED_ON_CANCEL:
        await end_flow(state)
        await message.answer(_(DISCARDED_ON_CANCEL[group]))
        return
    if await end_flow(state) or dialog_closed:
        await message.answer(
            _("Cancelled. Nothing you already saved is lost: /start takes you back to it.")
        )
    else:
        await message.answer(_("There is nothing to cancel. /help lists what you can do."))


async def coordinator_reach(actor: Actor, chat_access: ChatAccessService,
                            members: MemberService, bot: Bot) -> str:
    """Whom a suspended member writes to, by name and @username (as /chats tells her)."""
    return await coordinator_contacts_text(
        await chat_access.coordinators_to_reach(actor.user_id), members, TelegramChats(bot))


def status_lines(actor: Actor, reach: str | None = None) -> list[str]:
    """Where she stands, and what that means for what she can do (``reach``: whom a
    suspended member writes to, see :func:`coordinator_reach`)."""
    if actor.is_staff:
        return []
    if not actor.is_registered or actor.status in (None, "draft"):
        return [_("You have not finished your registration yet: /start takes you back to it. "
                  "The member features open once your application is approved.")]
    if actor.status in ("pending", "needs_info"):
        lead = _("Your application is under review by your country's coordinator.") \
            if actor.status == "pending" else _("Your coordinator asked for more information: "
                                                "/profile shows her question.")
        return [lead + " " + _("The member features open once it is approved.")]
    if actor.status == "rejected":
        return [_("Your application was declined. /profile shows the reason; you can correct "
                  "your profile and send it again.")]
    if actor.status == "suspended" and not actor.is_staff:
        paused = _("Your membership is suspended for now: the directory, the chats, events "
                   "and mentorship are paused.")
        return [paused + (" " + reach if reach else "")]
    return []


def help_text(actor: Actor, reach: str | None = None) -> str:
    lines = [_("<b>What I can do for you</b>"), ""]
    status = status_lines(actor, reach)
    if status:
        lines += status + [""]
    if not actor.is_member:
        lines.append(_("/start — begin or continue your registration"))
    lines += [
        _("/profile — see and edit your profile"),
        _("/language — change the language"),
        _("/mydata — get everything stored about you as a file"),
        _("/delete_me — delete your data and leave the association's chats"),
        _("/cancel — stop what you are doing"),
    ]
    if actor.is_member:
        lines += ["", _("<b>For members</b>"), _("/members — find colleagues in the directory"),
                  _("/chats — join the association's chats"),
                  _("/events — upcoming events and your answers"),
                  _("/mentorship — find a mentor or offer to mentor"),
                  _("/introduce — ask to meet a member, with her consent"),
                  _("/coffee — coffee rounds with members across borders"),
                  _("/digest — the weekly digest on or off")]
    if actor.is_staff:
        lines += [
            "",
            _("<b>For coordinators</b>"),
            _("/pending — applications waiting for your decision"),
            _("/invite — create an invitation code"),
            _("/invites — list and revoke invitation codes"),
            _("/post — post a message to your country's chat"),
            _("/announce — send an announcement to members"),
            _("/newevent — announce an event"),
            _("/mentorship — the mentorship programme's figures"),
        ]
    if actor.is_admin:
        lines += [
            "",
            _("<b>For administrators</b>"),
            _("/coordinators — appoint and remove country coordinators"),
            _("/audit — the log of privileged actions"),
            _("/channels — bind the association's chats and check the bot's rights"),
        ]
    return "\n".join(lines)


async def cmd_help(message: Message, actor: Actor, chat_access: ChatAccessService,
                   members: MemberService, bot: Bot) -> None:
    reach = None
    if actor.status == "suspended" and not actor.is_staff:
        reach = await coordinator_reach(actor, chat_access, members, bot)
    await message.answer(help_text(actor, reach))


def create_router() -> Router:
    router = Router(name="common")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(cmd_help, Command("help"))
    return router
