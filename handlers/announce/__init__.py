"""/announce: a coordinator's message to members as one live dialog — the audience first (a
country with nobody to receive it is said before she writes), her text with its formatting,
translations, a preview, then Send now or Schedule for a moment in a chosen zone, each
confirmed with the number of recipients. Sending goes through
:class:`bot.services.announcements.AnnouncementService` and the delivery engine.

``states.py`` draws the flow, ``dialog.py`` the windows, ``getters.py`` what they show,
``actions.py`` what they do.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.utils.i18n import gettext as _

from aiogram.types import InlineKeyboardMarkup

from bot.callbacks import ScheduledAction, ScheduledCb
from bot.db.repositories.announcements import ScheduledAnnouncement
from bot.i18n import format_datetime, zone_name
from bot.keyboards import button, rows
from bot.services.delivery import Recipient
from bot.services.message_kinds import MessageKind


def renderers(app: Any) -> dict[MessageKind, Any]:
    announcements = app.announcements

    async def render_scheduled_confirmed(payload: dict[str, Any], to: Recipient) -> Any:
        """Her "Scheduled: …", as the announcement stands when it is sent or edited."""
        item = await announcements.scheduled(int(payload["scheduled_id"]))
        return None if item is None else scheduled_view(item, int(payload.get("count") or 0),
                                                        to.locale)

    return {MessageKind.ANNOUNCEMENT: render_announcement,
            MessageKind.SCHEDULED_GOING: render_scheduled_going,
            MessageKind.SCHEDULED_NOT_SENT: render_scheduled_not_sent,
            MessageKind.SCHEDULED_CONFIRMED: render_scheduled_confirmed}


def scheduled_view(item: ScheduledAnnouncement, count: int, locale: str
                   ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The author's message about a scheduled announcement: while it waits, when it goes
    and to how many, with *Withdraw it*; then what became of it, without the button (times
    in the zone she scheduled it in)."""
    zone = zone_name(item.timezone, locale)
    if item.outcome is None:
        return _("Scheduled: it goes to {count} member on {when} ({zone}).",
                 "Scheduled: it goes to {count} members on {when} ({zone}).", count).format(
            count=count, zone=zone,
            when=format_datetime(item.send_at, locale, item.timezone, weekday=True)), rows(
            [button(_("Withdraw it"), ScheduledCb(action=ScheduledAction.WITHDRAW,
                                                  item_id=item.id))])
    if item.outcome == "withdrawn":
        return _("Withdrawn: the announcement will not be sent."), None
    when = format_datetime(item.handled_at or item.send_at, locale, item.timezone,
                           weekday=True)
    if item.outcome == "sent":
        return _("Sent on {when} ({zone}) to {count} member.",
                 "Sent on {when} ({zone}) to {count} members.", count).format(
            count=count, when=when, zone=zone), None
    return _("Not sent on {when} ({zone}): the message below says why.").format(
        when=when, zone=zone), None


def render_scheduled_going(payload: dict[str, Any], _to: Recipient | None
                           ) -> tuple[str, None]:
    """To its author when a scheduled announcement goes out; edited into the delivery's
    progress and final report."""
    return _("⏰ Your scheduled announcement is going out to {count} member now.",
                    "⏰ Your scheduled announcement is going out to {count} members now.",
                    int(payload["count"])).format(count=int(payload["count"])), None


def render_scheduled_not_sent(payload: dict[str, Any], _to: Recipient | None
                              ) -> tuple[str, None]:
    """To its author when a scheduled announcement could not go at its time."""
    if payload.get("why") == "nobody":
        return _("⏰ Your scheduled announcement was not sent: nobody is in its audience "
                 "now."), None
    return _("⏰ Your scheduled announcement was not sent: you may no longer send to this "
             "audience."), None


def render_announcement(payload: dict[str, Any], recipient: Recipient | None
                        ) -> tuple[str, None]:
    """What a member receives, rendered at send time in her language (her translation when
    the sender wrote one)."""
    from handlers.announce.getters import announcement_text

    texts = payload.get("texts") or {}
    html = texts.get(recipient.locale) if recipient is not None else None
    return announcement_text(html or payload["html"]), None


def create_router() -> Router:
    from handlers.announce.actions import cb_withdraw, cmd_announce
    from handlers.announce.dialog import create_dialog

    router = Router(name="announce")
    router.message.register(cmd_announce, Command("announce"), F.chat.type == "private")
    router.callback_query.register(
        cb_withdraw, ScheduledCb.filter(F.action == ScheduledAction.WITHDRAW))
    router.include_router(create_dialog())
    return router
