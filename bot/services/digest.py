"""The weekly digest: Monday morning in each country's time zone, once per week.

What is due is decided from ``digest_runs`` and the injected clock: the job may run every few
minutes and after any restart; a country's digest is queued once per ISO week, in the same
transaction that records it. The payload names nobody: new members are ids, and their names
are read when each copy is sent, so a member who deleted her data in between is not named.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.database import Database
from bot.db.repositories.digest import DigestRepo
from bot.db.repositories.events import EventRepo
from bot.services.delivery import DeliveryService
from bot.services.events import Audience
from bot.services.message_kinds import MessageKind

SEND_FROM_HOUR = 9  # her morning
SEND_UNTIL_HOUR = 12  # a bot that was down all morning sends next week instead of at night
LOOK_AHEAD = timedelta(days=14)


def for_whole_country(audience: str, country: str) -> bool:
    """Events for everyone in that country (not those for one area of expertise)."""
    parsed = Audience.parse(audience)
    return parsed.expertise is None and parsed.includes(country, [])


class DigestService:
    def __init__(self, db: Database, digest: DigestRepo, events: EventRepo,
                 delivery: DeliveryService, country_timezones: dict[str, str]) -> None:
        self._db = db
        self._digest = digest
        self._events = events
        self._delivery = delivery
        self._zones = country_timezones

    async def send_due(self, now: datetime) -> list[str]:
        """Queue the digest of every country where it is Monday morning now; returns them."""
        sent: list[str] = []
        for country, zone in self._zones.items():
            local = now.astimezone(ZoneInfo(zone))
            if local.isoweekday() != 1 or not SEND_FROM_HOUR <= local.hour < SEND_UNTIL_HOUR:
                continue
            year, week, _ = local.isocalendar()
            key = f"{year}-W{week:02d}"
            async with self._db.transaction():
                if await self._digest.already_sent(country, key):
                    continue
                await self._digest.record(country, key, now)
                readers = await self._digest.readers(country)
                if not readers:
                    continue
                upcoming = [e for e in await self._events.upcoming(now)
                            if e.starts_at <= now + LOOK_AHEAD and for_whole_country(e.audience,
                                                                                    country)]
                joined = await self._digest.new_members(country, now - timedelta(days=7))
                # Ids only: the renderer reads names when it sends (see handlers/digest.py).
                payload = {"country": country, "events": [e.payload() for e in upcoming],
                           "new_member_ids": joined, "new_members": len(joined)}
                await self._delivery.enqueue(MessageKind.DIGEST, payload, readers, None)
            sent.append(country)
        return sent
