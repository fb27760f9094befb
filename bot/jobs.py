"""The periodic jobs: what each does and how often. The scheduler decides when (see services)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _

from bot.i18n import pgettext

if TYPE_CHECKING:
    from bot.app import App

ABANDONED_SIGNUP_AFTER = timedelta(days=30)
REVIEW_REMINDER_AFTER = timedelta(days=7)


async def cleanup_abandoned_signups(app: App, now: datetime) -> None:
    gone = await app.profiles.delete_abandoned_drafts(now - ABANDONED_SIGNUP_AFTER)
    if app.fsm_storage is not None:
        app.fsm_storage.forget(gone)


async def remind_overdue_reviews(app: App, now: datetime) -> None:
    """Applications nobody handled for 7 days: remind that country's coordinators (or admins)."""
    if app.bot is None:
        return
    cutoff = now - REVIEW_REMINDER_AFTER
    overdue = await app.profiles.overdue_reviews(submitted_before=cutoff, reminded_before=cutoff)
    for country, count in overdue.items():
        recipients = await app.coordinators.of_country(country) or sorted(app.settings.admin_ids)

        async def render(locale: str, n: int, code: str):  # type: ignore[no-untyped-def]
            return _("{count} application from {country} has waited more than 7 days. "
                     "/pending shows it.",
                     "{count} applications from {country} have waited more than 7 days. "
                     "/pending shows them.", n).format(
                count=n, country=app.reference.country(code, locale)), None

        await app.notifier.send(app.bot, recipients, render, count, country)
        await app.profiles.mark_reminded(country, cutoff, now)


async def flush_chat_removals(app: App, now: datetime) -> None:
    """Finish removals queued earlier, including those a crash or restart interrupted."""
    if app.bot is not None:
        await app.removals.flush(app.bot)


async def reconcile_chats(app: App, now: datetime) -> None:
    """Daily: who the bot knows to be in each chat against who is entitled; tell admins."""
    if app.bot is None:
        return
    from bot.telegram_chats import TelegramChats

    intruders = await app.chat_access.reconcile(TelegramChats(app.bot), now)
    if not intruders:
        return
    await app.removals.flush(app.bot)
    from bot.callbacks import ChatCb
    from bot.keyboards import button, rows

    async def render(locale: str, found):  # type: ignore[no-untyped-def]
        from html import escape

        lines = [_("Chat check: people in the association's chats who are not entitled to be "
                   "there:")]
        buttons = []
        for item in found:
            state = pgettext("a person in a chat", "removed") if item.removed \
                else _("waiting for your decision")
            lines.append(f"• {escape(item.chat.title)}: #{item.user_id} — {state}")
            if not item.removed:
                buttons.append([button(_("Remove #{id} from «{title}»").format(
                    id=item.user_id, title=item.chat.title[:24]),
                    ChatCb(action="remove", chat_id=item.chat.chat_id, user_id=item.user_id))])
        return "\n".join(lines), rows(*buttons) if buttons else None

    recipients = await app.chat_access.coordinators_for(
        {None} | {item.chat.country_code for item in intruders})
    await app.notifier.send(app.bot, recipients, render, intruders)


async def event_reminders(app: App, now: datetime) -> None:
    await app.event_service.send_due_reminders(now)


async def scheduled_announcements(app: App, now: datetime) -> None:
    await app.announcements.send_due(now)


async def weekly_digest(app: App, now: datetime) -> None:
    await app.digest_service.send_due(now)


async def mentorship_round(app: App, now: datetime) -> None:
    """Weekly: everyone still waiting for a mentor, assigned at once (see services)."""
    await app.mentorship_service.run_round(seed=int(now.timestamp()) // 86400)


async def matching_upkeep(app: App, now: datetime) -> None:
    """Proposals and introduction requests unanswered for 3 days lapse; check-ins go out."""
    await app.mentorship_service.send_follow_ups(now)
    await app.intro_service.send_follow_ups(now)
    await app.mentorship_service.send_checkins(now)


async def coffee_rounds(app: App, now: datetime) -> None:
    await app.coffee_service.run_due(now)


def register_jobs(app: App) -> None:
    app.jobs.add("cleanup_abandoned_signups", timedelta(hours=6),
                 lambda now: cleanup_abandoned_signups(app, now))
    app.jobs.add("remind_overdue_reviews", timedelta(hours=1),
                 lambda now: remind_overdue_reviews(app, now))
    app.jobs.add("flush_chat_removals", timedelta(minutes=1),
                 lambda now: flush_chat_removals(app, now))
    app.jobs.add("reconcile_chats", timedelta(days=1), lambda now: reconcile_chats(app, now))
    app.jobs.add("event_reminders", timedelta(minutes=1), lambda now: event_reminders(app, now))
    app.jobs.add("scheduled_announcements", timedelta(minutes=1),
                 lambda now: scheduled_announcements(app, now))
    app.jobs.add("weekly_digest", timedelta(minutes=10), lambda now: weekly_digest(app, now))
    app.jobs.add("mentorship_round", timedelta(days=app.settings.mentor_round_days),
                 lambda now: mentorship_round(app, now))
    app.jobs.add("matching_upkeep", timedelta(minutes=10),
                 lambda now: matching_upkeep(app, now))
    app.jobs.add("coffee_rounds", timedelta(minutes=10), lambda now: coffee_rounds(app, now))
