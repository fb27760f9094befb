"""Announcements scheduled for later (sent by the minute job)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.db.database import Database


@dataclass(frozen=True)
class ScheduledAnnouncement:
    id: int
    created_by: int
    audience: str
    payload: dict[str, Any]
    send_at: datetime
    timezone: str
    outcome: str | None = None  # sent, not_allowed, nobody, withdrawn; None while it waits
    handled_at: datetime | None = None


def _scheduled(r) -> ScheduledAnnouncement:  # type: ignore[no-untyped-def]
    return ScheduledAnnouncement(r["id"], r["created_by"], r["audience"],
                                 json.loads(r["payload"]), from_db(r["send_at"]), r["timezone"],
                                 r["outcome"],
                                 from_db(r["handled_at"]) if r["handled_at"] else None)


class AnnouncementRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def schedule(self, created_by: int, audience: str, payload: dict[str, Any],
                       send_at: datetime, timezone: str, now: datetime) -> int:
        return await self._db.insert(
            "INSERT INTO scheduled_announcements (created_by, audience, payload, send_at, "
            "timezone, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (created_by, audience, json.dumps(payload, ensure_ascii=False), to_db(send_at),
             timezone, to_db(now)))

    async def due(self, now: datetime) -> list[ScheduledAnnouncement]:
        rows = await self._db.fetch_all(
            "SELECT * FROM scheduled_announcements WHERE handled_at IS NULL AND send_at <= ? "
            "ORDER BY send_at, id", (to_db(now),))
        return [_scheduled(r) for r in rows]

    async def get(self, item_id: int) -> ScheduledAnnouncement | None:
        row = await self._db.fetch_one("SELECT * FROM scheduled_announcements WHERE id = ?",
                                       (item_id,))
        return None if row is None else _scheduled(row)

    async def mark(self, item_id: int, now: datetime, outcome: str,
                   broadcast_id: int | None = None) -> bool:
        """Handled once: False if it already was."""
        return await self._db.execute(
            "UPDATE scheduled_announcements SET handled_at = ?, outcome = ?, broadcast_id = ? "
            "WHERE id = ? AND handled_at IS NULL",
            (to_db(now), outcome, broadcast_id, item_id)) == 1

    async def withdraw(self, item_id: int, created_by: int, now: datetime) -> bool:
        """Its author takes it back before it is sent; False if it is not hers or not
        waiting any more."""
        return await self._db.execute(
            "UPDATE scheduled_announcements SET handled_at = ?, outcome = 'withdrawn' "
            "WHERE id = ? AND created_by = ? AND handled_at IS NULL",
            (to_db(now), item_id, created_by)) == 1
