"""Events and members' answers to them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.database import Database

ANSWERS = ("going", "maybe", "no")


@dataclass(frozen=True)
class Event:
    id: int
    created_by: int | None
    audience: str
    title: str
    description: str
    starts_at: datetime
    timezone: str
    duration_minutes: int
    place: str
    status: str
    texts: dict[str, dict[str, str]]  # locale -> {"title", "description"} in that language

    def payload(self) -> dict[str, object]:
        """What the delivery engine needs to render it for anyone, at any later time."""
        return {"event_id": self.id, "title": self.title, "description": self.description,
                "starts_at": to_db(self.starts_at), "duration": self.duration_minutes,
                "place": self.place, "texts": self.texts}


def _event(row) -> Event:  # type: ignore[no-untyped-def]
    return Event(row["id"], row["created_by"], row["audience"], row["title"], row["description"],
                 from_db(row["starts_at"]), row["timezone"], row["duration_minutes"], row["place"],
                 row["status"], json.loads(row["texts"] or "{}"))


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, created_by: int, audience: str, title: str, description: str,
                     starts_at: datetime, timezone: str, duration_minutes: int, place: str,
                     now: datetime, texts: dict[str, dict[str, str]] | None = None) -> int:
        return await self._db.insert(
            "INSERT INTO events (created_by, audience, title, description, starts_at, timezone, "
            "duration_minutes, place, created_at, texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (created_by, audience, title, description, to_db(starts_at), timezone,
             duration_minutes, place, to_db(now), json.dumps(texts or {}, ensure_ascii=False)))

    async def get(self, event_id: int) -> Event | None:
        row = await self._db.fetch_one("SELECT * FROM events WHERE id = ?", (event_id,))
        return None if row is None else _event(row)

    async def upcoming(self, now: datetime, limit: int = 50) -> list[Event]:
        """Published events still ahead; callers keep those whose audience includes them."""
        rows = await self._db.fetch_all(
            "SELECT * FROM events WHERE status = 'published' AND starts_at > ? "
            "ORDER BY starts_at LIMIT ?", (to_db(now), limit))
        return [_event(r) for r in rows]

    async def update_field(self, event_id: int, field: str, value: object,
                           now: datetime | None = None) -> bool:
        """Change one detail of a published event; a new start time re-arms its reminders.
        (``now``: when, for the change's bookkeeping.)"""
        if field not in ("title", "description", "place", "starts_at", "duration_minutes",
                         "texts", "audience"):
            raise ValueError(field)
        extra = ", reminded_24h_at = NULL, reminded_1h_at = NULL" if field == "starts_at" else ""
        stored = to_db(value) if isinstance(value, datetime) else \
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
        return await self._db.execute(
            f"UPDATE events SET {field} = ?{extra} WHERE id = ? AND status = 'published'",
            (stored, event_id)) == 1

    async def cancel(self, event_id: int) -> bool:
        return await self._db.execute("UPDATE events SET status = 'cancelled' WHERE id = ? "
                                      "AND status = 'published'", (event_id,)) == 1

    async def answer(self, event_id: int, user_id: int, answer: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO event_answers (event_id, user_id, answer, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (event_id, user_id) DO UPDATE SET answer = excluded.answer, "
            "updated_at = excluded.updated_at", (event_id, user_id, answer, to_db(now)))

    async def rate(self, event_id: int, user_id: int, rating: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE event_answers SET rating = ?, updated_at = ? WHERE event_id = ? "
            "AND user_id = ? AND answer IN ('going', 'maybe')",
            (rating, to_db(now), event_id, user_id)) == 1

    async def answer_of(self, event_id: int, user_id: int) -> str | None:
        return await self._db.fetch_value(
            "SELECT answer FROM event_answers WHERE event_id = ? AND user_id = ?",
            (event_id, user_id))

    async def attendees(self, event_id: int, answers: tuple[str, ...] = ("going", "maybe")
                        ) -> list[int]:
        marks = ",".join("?" * len(answers))
        rows = await self._db.fetch_all(
            f"SELECT user_id FROM event_answers WHERE event_id = ? AND answer IN ({marks}) "
            "ORDER BY user_id", (event_id, *answers))
        return [r["user_id"] for r in rows]

    async def counts(self, event_id: int) -> list[tuple[str | None, str, int]]:
        """(country, answer, count) for the organiser's view."""
        rows = await self._db.fetch_all(
            "SELECT p.country_code, a.answer, COUNT(*) AS n FROM event_answers a "
            "LEFT JOIN profiles p ON p.user_id = a.user_id WHERE a.event_id = ? "
            "GROUP BY p.country_code, a.answer ORDER BY p.country_code, a.answer", (event_id,))
        return [(r["country_code"], r["answer"], r["n"]) for r in rows]

    async def attendee_rows(self, event_id: int) -> list[dict[str, object]]:
        rows = await self._db.fetch_all(
            "SELECT p.full_name, p.country_code, a.answer, a.updated_at, "
            "(',' || p.visible_fields || ',') LIKE '%,name,%' AS shows_name FROM event_answers a "
            "JOIN profiles p ON p.user_id = a.user_id WHERE a.event_id = ? "
            "ORDER BY a.answer, p.country_code, p.full_name", (event_id,))
        return [dict(r) for r in rows]

    async def due_for(self, column: str, window_start: datetime, now: datetime,
                      not_before: datetime | None = None) -> list[Event]:
        """Published events whose reminder (or feedback) moment has come and not been done:
        starting after ``not_before`` (default: now) and no later than ``window_start``."""
        if column not in ("reminded_24h_at", "reminded_1h_at", "feedback_sent_at"):
            raise ValueError(column)
        if column == "feedback_sent_at":
            sql = ("SELECT * FROM events WHERE status = 'published' AND feedback_sent_at IS NULL "
                   "AND datetime(starts_at, '+' || duration_minutes || ' minutes') <= ?")
            params: tuple[object, ...] = (to_db(now),)
        else:
            sql = (f"SELECT * FROM events WHERE status = 'published' AND {column} IS NULL "
                   "AND starts_at <= ? AND starts_at > ?")
            params = (to_db(window_start), to_db(not_before or now))
        return [_event(r) for r in await self._db.fetch_all(sql, params)]

    async def mark(self, event_id: int, column: str, now: datetime) -> None:
        if column not in ("reminded_24h_at", "reminded_1h_at", "feedback_sent_at"):
            raise ValueError(column)
        await self._db.execute(f"UPDATE events SET {column} = ? WHERE id = ?",
                               (to_db(now), event_id))
