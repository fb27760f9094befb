"""The periodic jobs: what each does and how often. The scheduler decides when (see services).

Jobs receive the services they use (:class:`JobServices`), never the whole application, so
this module does not depend on ``bot.app`` (which registers them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.services.message_kinds import MessageKind

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.chat_removals import RemovalRunner
    from bot.db.fsm_storage import SQLiteStorage
    from bot.services.announcements import AnnouncementService
    from bot.services.chat_access import ChatAccessService
    from bot.services.coffee import CoffeeService
    from bot.services.delivery import DeliveryService
    from bot.services.digest import DigestService
    from bot.services.events import EventService
    from bot.services.introductions import IntroductionService
    from bot.services.mentorship import MentorshipService
    from bot.services.onboarding import OnboardingService
    from bot.services.scheduler import JobScheduler
    from bot.services.verification import VerificationService


@dataclass(frozen=True)
class JobServices:
    """What the jobs use. ``bot`` answers the bot once the dispatcher has started (None
    before: the jobs that message people then wait for the next run)."""

    onboarding: OnboardingService
    verification: VerificationService
    delivery: DeliveryService
    removals: RemovalRunner
    chat_access: ChatAccessService
    fsm_storage: SQLiteStorage
    event_service: EventService
    digest_service: DigestService
    mentorship_service: MentorshipService
    intro_service: IntroductionService
    coffee_service: CoffeeService
    announcements: AnnouncementService
    bot: Callable[[], Bot | None]


ABANDONED_SIGNUP_AFTER = timedelta(days=30)
REVIEW_REMINDER_AFTER = timedelta(days=7)


async def cleanup_abandoned_signups(services: JobServices, now: datetime) -> None:
    gone = await services.onboarding.drop_abandoned_drafts(now - ABANDONED_SIGNUP_AFTER)
    services.fsm_storage.forget(gone)


async def remind_overdue_reviews(services: JobServices, now: datetime) -> None:
    """Applications nobody handled for 7 days: remind that country's coordinators (or admins)."""
    bot = services.bot()
    if bot is None:
        return
    cutoff = now - REVIEW_REMINDER_AFTER
    overdue = await services.verification.overdue_reviews(cutoff)
    for country, count in overdue.items():
        recipients = await services.verification.reminded_reviewers(country)
        await services.delivery.notify(MessageKind.REVIEW_REMINDER,
                                       {"count": count, "country": country}, recipients)
        await services.verification.mark_reminded(country, cutoff, now)


async def flush_chat_removals(services: JobServices, now: datetime) -> None:
    """Finish removals queued earlier, including those a crash or restart interrupted."""
    bot = services.bot()
    if bot is not None:
        await services.removals.flush(bot)


async def reconcile_chats(services: JobServices, now: datetime) -> None:
    """Daily: who the bot knows to be in each chat against who is entitled; tell admins."""
    bot = services.bot()
    if bot is None:
        return
    from bot.telegram_chats import TelegramChats

    intruders = await services.chat_access.reconcile(TelegramChats(bot), now)
    if not intruders:
        return
    await services.removals.flush(bot)
    recipients = await services.chat_access.coordinators_for(
        {None} | {item.chat.country_code for item in intruders})
    await services.delivery.notify(MessageKind.CHAT_CHECK, {"found": [
        {"chat_id": item.chat.chat_id, "title": item.chat.title, "user_id": item.user_id,
         "removed": item.removed} for item in intruders]}, recipients)


async def event_reminders(services: JobServices, now: datetime) -> None:
    await services.event_service.send_due_reminders(now)


async def scheduled_announcements(services: JobServices, now: datetime) -> None:
    await services.announcements.send_due(now)


async def weekly_digest(services: JobServices, now: datetime) -> None:
    await services.digest_service.send_due(now)


async def mentorship_round(services: JobServices, now: datetime) -> None:
    """Weekly: everyone still waiting for a mentor, assigned at once (see services)."""
    await services.mentorship_service.run_round(seed=int(now.timestamp()) // 86400)


async def matching_upkeep(services: JobServices, now: datetime) -> None:
    """Proposals and introduction requests unanswered for 3 days lapse; check-ins go out."""
    await services.mentorship_service.send_follow_ups(now)
    await services.intro_service.send_follow_ups(now)
    await services.mentorship_service.send_checkins(now)


async def coffee_rounds(services: JobServices, now: datetime) -> None:
    await services.coffee_service.run_due(now)


def register_jobs(scheduler: JobScheduler, services: JobServices, *, mentor_round_days: int
                  ) -> None:
    scheduler.add("cleanup_abandoned_signups", timedelta(hours=6),
                  lambda now: cleanup_abandoned_signups(services, now))
    scheduler.add("remind_overdue_reviews", timedelta(hours=1),
                  lambda now: remind_overdue_reviews(services, now))
    scheduler.add("flush_chat_removals", timedelta(minutes=1),
                  lambda now: flush_chat_removals(services, now))
    scheduler.add("reconcile_chats", timedelta(days=1), lambda now: reconcile_chats(services, now))
    scheduler.add("event_reminders", timedelta(minutes=1),
                  lambda now: event_reminders(services, now))
    scheduler.add("scheduled_announcements", timedelta(minutes=1),
                  lambda now: scheduled_announcements(services, now))
    scheduler.add("weekly_digest", timedelta(minutes=10), lambda now: weekly_digest(services, now))
    scheduler.add("mentorship_round", timedelta(days=mentor_round_days),
                  lambda now: mentorship_round(services, now))
    scheduler.add("matching_upkeep", timedelta(minutes=10),
                  lambda now: matching_upkeep(services, now))
    scheduler.add("coffee_rounds", timedelta(minutes=10), lambda now: coffee_rounds(services, now))
