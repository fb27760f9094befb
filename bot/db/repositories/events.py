"""Events and members' answers to them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.database import Database

ANSWERS = ("going", "maybe", "no")
# What an organiser may change after publishing (``texts``: the translations, as a whole).
CHANGEABLE = ("title", "description", "place", "starts_at", "timezone", "duration_minutes",
              "audience", "texts")
_REMINDER_OFFSETS = {"reminded_24h_at": "-24 hours", "reminded_1h_at": "-1 hours"}


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
    uid: str = ""  # the calendar UID, unique across installations
    sequence: int = 0  # the calendar SEQUENCE: one more with every change and the cancel
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def localized(self, locale: str) -> tuple[str, str]:
        """(title, description) in that language when the organiser gave it, else the
        original."""
        translated = self.texts.get(locale) or {}
        return (translated.get("title") or self.title,
                translated.get("description") or self.description)

    def payload(self) -> dict[str, object]:
        """What the delivery engine needs to render it for anyone, at any later time."""
        return {"event_id": self.id, "title": self.title, "description": self.description,
                "starts_at": to_db(self.starts_at), "duration": self.duration_minutes,
                "place": self.place, "texts": self.texts, "timezone": self.timezone,
                "status": self.status}


def _event(row) -> Event:  # type: ignore[no-untyped-def]
    return Event(row["id"], row["created_by"], row["audience"], row["title"], row["description"],
                 from_db(row["starts_at"]), row["timezone"], row["duration_minutes"], row["place"],
                 row["status"], json.loads(row["texts"] or "{}"),
                 row["uid"] or f"event-{row['id']}@association-bot", row["sequence"],
                 from_db(row["created_at"]) if row["created_at"] else None,
                 from_db(row["updated_at"]) if row["updated_at"] else None)


class EventRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, created_by: int, audience: str, title: str, description: str,
                     starts_at: datetime, timezone: str, duration_minutes: int, place: str,
                     now: datetime, texts: dict[str, dict[str, str]] | None = None) -> int:
        """A published event; its reminders count from now, its calendar UID is a fresh
        random one (unique across installations, unlike its id)."""
        return await self._db.insert(
            "INSERT INTO events (created_by, audience, title, description, starts_at, timezone, "
            "duration_minutes, place, created_at, texts, uid, updated_at, reminders_armed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (created_by, audience, title, description, to_db(starts_at), timezone,
             duration_minutes, place, to_db(now), json.dumps(texts or {}, ensure_ascii=False),
             f"{uuid.uuid4()}@association-bot", to_db(now), to_db(now)))

    async def get(self, event_id: int) -> Event | None:
        row = await self._db.fetch_one("SELECT * FROM events WHERE id = ?", (event_id,))
        return None if row is None else _event(row)

    async def upcoming(self, now: datetime, limit: int = 50) -> list[Event]:
        """Published events still ahead; callers keep those whose audience includes them."""
        rows = await self._db.fetch_all(
            "SELECT * FROM events WHERE status = 'published' AND starts_at > ? "
            "ORDER BY starts_at LIMIT ?", (to_db(now), limit))
        return [_event(r) for r in rows]

    async def past(self, now: datetime, limit: int = 20) -> list[Event]:
        """Events that have ended (or were cancelled after their start), newest first: the
        organiser's report and list stay reachable after the event."""
        rows = await self._db.fetch_all(
            "SELECT * FROM events WHERE datetime(starts_at, '+' || duration_minutes || "
            "' minutes') <= ? ORDER BY starts_at DESC LIMIT ?", (to_db(now), limit))
        return [_event(r) for r in rows]

    async def ratings(self, event_id: int) -> list[tuple[str | None, int, int]]:
        """(country, mark, how many) of the marks given after the event."""
        rows = await self._db.fetch_all(
            "SELECT p.country_code, a.rating, COUNT(*) AS n FROM event_answers a "
            "LEFT JOIN profiles p ON p.user_id = a.user_id WHERE a.event_id = ? "
            "AND a.rating IS NOT NULL GROUP BY p.country_code, a.rating", (event_id,))
        return [(r["country_code"], r["rating"], r["n"]) for r in rows]

    async def update_fields(self, event_id: int, changes: dict[str, object],
                            now: datetime) -> bool:
        """Change details of a published event: one calendar SEQUENCE more; a new start
        re-arms its reminders from now (a reminder whose moment is already past by then is
        not due: moving the start never gives a reminder a minute later)."""
        if not changes or any(name not in CHANGEABLE for name in changes):
            raise ValueError(sorted(changes))
        sets = [f"{name} = ?" for name in changes]
        values = [to_db(v) if isinstance(v, datetime)
                  else json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
                  for v in changes.values()]
        if "starts_at" in changes or "duration_minutes" in changes:
            sets += ["reminded_24h_at = NULL", "reminded_1h_at = NULL",
                     "reminders_armed_at = ?"]
            values.append(to_db(now))
        return await self._db.execute(
            f"UPDATE events SET {', '.join(sets)}, sequence = sequence + 1, updated_at = ? "
            "WHERE id = ? AND status = 'published'", (*values, to_db(now), event_id)) == 1

    async def update_field(self, event_id: int, field: str, value: object,
                           now: datetime) -> bool:
        """One detail (see :meth:`update_fields`)."""
        return await self.update_fields(event_id, {field: value}, now)

    async def cancel(self, event_id: int, now: datetime | None = None) -> bool:
        """Cancelled, once; its calendar file then says STATUS:CANCELLED, one SEQUENCE more."""
        stamp = to_db(now) if now is not None else None
        return await self._db.execute(
            "UPDATE events SET status = 'cancelled', sequence = sequence + 1, "
            "updated_at = IFNULL(?, updated_at) WHERE id = ? AND status = 'published'",
            (stamp, event_id)) == 1

    async def record_calendar_taker(self, event_id: int, user_id: int, now: datetime) -> None:
        """She took the .ics file: she gets the new one after a change."""
        await self._db.execute(
            "INSERT INTO event_calendar_takers (event_id, user_id, taken_at) VALUES (?, ?, ?) "
            "ON CONFLICT (event_id, user_id) DO UPDATE SET taken_at = excluded.taken_at",
            (event_id, user_id, to_db(now)))

    async def calendar_takers(self, event_id: int) -> list[int]:
        """Who took its .ics and has not answered Can't."""
        rows = await self._db.fetch_all(
            "SELECT t.user_id FROM event_calendar_takers t LEFT JOIN event_answers a "
            "ON a.event_id = t.event_id AND a.user_id = t.user_id WHERE t.event_id = ? "
            "AND IFNULL(a.answer, '') != 'no' ORDER BY t.user_id", (event_id,))
        return [r["user_id"] for r in rows]

    async def record_chat_post(self, event_id: int, chat_id: int, message_id: int,
                               now: datetime) -> bool:
        """Its card was posted to that chat (``migrations/0018``); False if one was there
        already (the first post is the one kept live)."""
        return await self._db.execute(
            "INSERT OR IGNORE INTO event_chat_posts (event_id, chat_id, message_id, posted_at) "
            "VALUES (?, ?, ?, ?)", (event_id, chat_id, message_id, to_db(now))) == 1

    async def chat_posts(self, event_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of each post of its card in the association's chats."""
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id FROM event_chat_posts WHERE event_id = ? "
            "ORDER BY posted_at, chat_id", (event_id,))
        return [(int(r["chat_id"]), int(r["message_id"])) for r in rows]

    async def going_maybe(self, event_id: int) -> tuple[int, int]:
        """How many answered Going and Maybe: the card's "12 going · 3 maybe"."""
        row = await self._db.fetch_one(
            "SELECT SUM(answer = 'going') AS going, SUM(answer = 'maybe') AS maybe "
            "FROM event_answers WHERE event_id = ?", (event_id,))
        return (int(row["going"] or 0), int(row["maybe"] or 0)) if row else (0, 0)

    async def answer(self, event_id: int, user_id: int, answer: str, now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO event_answers (event_id, user_id, answer, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (event_id, user_id) DO UPDATE SET answer = excluded.answer, "
            "updated_at = excluded.updated_at", (event_id, user_id, answer, to_db(now)))

    async def rate(self, event_id: int, user_id: int, rating: int, now: datetime) -> bool:
        """Her mark, which says she was there; ``updated_at`` stays the moment she answered
        (the attendee list shows it, and a rating's time would tell the organiser who gave
        which mark)."""
        return await self._db.execute(
            "UPDATE event_answers SET rating = ?, attended = 1 WHERE event_id = ? "
            "AND user_id = ? AND answer IN ('going', 'maybe')",
            (rating, event_id, user_id)) == 1

    async def not_there(self, event_id: int, user_id: int) -> bool:
        """"I wasn't there": no mark and no comment of hers count."""
        return await self._db.execute(
            "UPDATE event_answers SET attended = 0, rating = NULL, comment = NULL "
            "WHERE event_id = ? AND user_id = ? AND answer IN ('going', 'maybe')",
            (event_id, user_id)) == 1

    async def comment(self, event_id: int, user_id: int, text: str) -> bool:
        """Her anonymous comment, only alongside her mark (a newer one replaces it)."""
        return await self._db.execute(
            "UPDATE event_answers SET comment = ? WHERE event_id = ? AND user_id = ? "
            "AND rating IS NOT NULL", (text, event_id, user_id)) == 1

    async def has_rated(self, event_id: int, user_id: int) -> bool:
        return bool(await self._db.fetch_value(
            "SELECT COUNT(*) FROM event_answers WHERE event_id = ? AND user_id = ? "
            "AND rating IS NOT NULL", (event_id, user_id)))

    async def attendance(self, event_id: int) -> list[tuple[str | None, int | None, int]]:
        """(country, attended 1/0/None, how many) of those who answered Going or Maybe."""
        rows = await self._db.fetch_all(
            "SELECT p.country_code, a.attended, COUNT(*) AS n FROM event_answers a "
            "LEFT JOIN profiles p ON p.user_id = a.user_id WHERE a.event_id = ? "
            "AND a.answer IN ('going', 'maybe') GROUP BY p.country_code, a.attended",
            (event_id,))
        return [(r["country_code"], r["attended"], r["n"]) for r in rows]

    async def comments(self, event_id: int) -> list[str]:
        """The comments alone, in the order of their text: neither who wrote them nor when
        they answered can be read from where a comment stands."""
        rows = await self._db.fetch_all(
            "SELECT comment FROM event_answers WHERE event_id = ? AND comment IS NOT NULL "
            "AND rating IS NOT NULL ORDER BY comment", (event_id,))
        return [r["comment"] for r in rows]

    async def forget(self, event_id: int, user_ids: list[int]) -> None:
        """They are no longer in its audience: no answer, no reminders, no calendar files."""
        for start in range(0, len(user_ids), 500):
            some = user_ids[start:start + 500]
            marks = ",".join("?" * len(some))
            for table in ("event_answers", "event_calendar_takers"):
                await self._db.execute(
                    f"DELETE FROM {table} WHERE event_id = ? AND user_id IN ({marks})",
                    (event_id, *some))

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

    async def attendee_locales(self, event_id: int) -> dict[int, str]:
        """Those who answered Going or Maybe, with the language each reads ("" if unset)."""
        rows = await self._db.fetch_all(
            "SELECT a.user_id, IFNULL(u.locale, '') AS locale FROM event_answers a "
            "JOIN users u ON u.id = a.user_id WHERE a.event_id = ? "
            "AND a.answer IN ('going', 'maybe') ORDER BY a.user_id", (event_id,))
        return {r["user_id"]: r["locale"] for r in rows}

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
            # Only a reminder whose moment came after it was armed (publish, a new start).
            sql = (f"SELECT * FROM events WHERE status = 'published' AND {column} IS NULL "
                   "AND starts_at <= ? AND starts_at > ? AND datetime(starts_at, "
                   f"'{_REMINDER_OFFSETS[column]}') >= IFNULL(reminders_armed_at, created_at)")
            params = (to_db(window_start), to_db(not_before or now))
        return [_event(r) for r in await self._db.fetch_all(sql, params)]

    async def mark(self, event_id: int, column: str, now: datetime) -> None:
        if column not in ("reminded_24h_at", "reminded_1h_at", "feedback_sent_at"):
            raise ValueError(column)
        await self._db.execute(f"UPDATE events SET {column} = ? WHERE id = ?",
                               (to_db(now), event_id))
