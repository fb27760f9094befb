"""The outbox: broadcasts and one row per recipient, the delivery engine's source of truth."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.db.database import Database

DEFAULT_TIMEZONE = "Asia/Almaty"  # for the few without a country yet (staff)
OUTAGE = "no answer for 24 hours"  # the error of a message that outlived its retries


_NEXT_BROADCAST_ID = "SELECT IFNULL(MAX(id), 0) + 1 FROM broadcasts"
_INSERT_NUMBERED_BROADCAST = ("INSERT INTO broadcasts (id, kind, payload, created_at) "
                              "VALUES (?, ?, ?, ?)")
_INSERT_RECIPIENT = ("INSERT OR IGNORE INTO outbox (broadcast_id, recipient_id, status, "
                     "updated_at) SELECT ?, id, CASE WHEN unreachable_at IS NULL THEN 'pending' "
                     "ELSE 'unreachable' END, ? FROM users WHERE id = ?")


def _each_rows(first: int, kind: str, items: list[tuple[dict[str, Any], int]], stamp: str
               ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The broadcast rows (numbered from ``first``) and their one recipient row each."""
    broadcasts = [(first + n, kind, json.dumps(payload, ensure_ascii=False), stamp)
                  for n, (payload, _recipient) in enumerate(items)]
    rows = [(first + n, stamp, recipient) for n, (_payload, recipient) in enumerate(items)]
    return broadcasts, rows


def create_each_in(connection: sqlite3.Connection, kind: str,
                   items: list[tuple[dict[str, Any], int]], stamp: str) -> None:
    """:meth:`OutboxRepo.create_each` on a plain connection, inside its open transaction: the
    matching round's own process writes its messages with it (the bot then wakes its sender)."""
    first = int(connection.execute(_NEXT_BROADCAST_ID).fetchone()[0])
    broadcasts, rows = _each_rows(first, kind, items, stamp)
    connection.executemany(_INSERT_NUMBERED_BROADCAST, broadcasts)
    connection.executemany(_INSERT_RECIPIENT, rows)


@dataclass(frozen=True)
class Progress:
    """What the sender's progress message shows: counts by status, and what still waits."""

    counts: dict[str, int]
    finished: bool
    retrying: int = 0  # pending after a transient failure, waiting for their next try
    gave_up: int = 0  # failed because Telegram did not answer for a whole day


@dataclass(frozen=True)
class OutboxItem:
    id: int
    broadcast_id: int
    recipient_id: int
    kind: str
    payload: dict[str, Any]
    locale: str
    timezone: str
    attempts: int
    first_attempt_at: datetime | None = None
    edit_of: int | None = None  # an edit of this message in her chat, not a new message


@dataclass(frozen=True)
class ItemResult:
    """Where one item stands: its status and, once it went out, the message's id."""

    id: int
    recipient_id: int
    status: str
    message_id: int | None
    edit_of: int | None = None


@dataclass(frozen=True)
class Broadcast:
    id: int
    kind: str
    payload: dict[str, Any]
    created_by: int | None
    finished: bool
    progress_chat_id: int | None
    progress_message_id: int | None


_ITEMS = (
    "SELECT o.id, o.broadcast_id, o.recipient_id, o.attempts, o.first_attempt_at, o.edit_of, "
    "b.kind, b.payload, "
    "u.locale, IFNULL(c.timezone, ?) AS timezone FROM outbox o "
    "JOIN broadcasts b ON b.id = o.broadcast_id LEFT JOIN users u ON u.id = o.recipient_id "
    "LEFT JOIN profiles p ON p.user_id = o.recipient_id "
    "LEFT JOIN countries c ON c.code = p.country_code ")


def _items(rows: Any) -> list[OutboxItem]:
    payloads: dict[int, dict[str, Any]] = {}
    items = []
    for r in rows:
        payload = payloads.setdefault(r["broadcast_id"], json.loads(r["payload"]))
        items.append(OutboxItem(r["id"], r["broadcast_id"], r["recipient_id"], r["kind"],
                                payload, r["locale"], r["timezone"], r["attempts"],
                                from_db(r["first_attempt_at"]) if r["first_attempt_at"]
                                else None, r["edit_of"]))
    return items


class OutboxRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, kind: str, payload: dict[str, Any], recipients: list[int],
                     created_by: int | None, now: datetime) -> int:
        """A broadcast and its rows in one transaction; unreachable people are settled at once."""
        stamp = to_db(now)
        async with self._db.transaction():
            broadcast_id = await self._db.insert(
                "INSERT INTO broadcasts (kind, payload, created_by, created_at) "
                "VALUES (?, ?, ?, ?)",
                (kind, json.dumps(payload, ensure_ascii=False), created_by, stamp))
            await self._db.execute_many(
                "INSERT OR IGNORE INTO outbox (broadcast_id, recipient_id, status, updated_at) "
                "SELECT ?, id, CASE WHEN unreachable_at IS NULL THEN 'pending' "
                "ELSE 'unreachable' END, ? FROM users WHERE id = ?",
                [(broadcast_id, stamp, recipient) for recipient in recipients])
        return broadcast_id

    async def create_each(self, kind: str, items: list[tuple[dict[str, Any], int]],
                          now: datetime) -> None:
        """One single-recipient broadcast per (payload, recipient), written in bulk (a
        matching round proposes thousands at once). Run inside the caller's transaction."""
        stamp = to_db(now)
        first = int(await self._db.fetch_value(_NEXT_BROADCAST_ID))
        broadcasts, rows = _each_rows(first, kind, items, stamp)
        await self._db.execute_many(_INSERT_NUMBERED_BROADCAST, broadcasts)
        await self._db.execute_many(_INSERT_RECIPIENT, rows)

    async def create_direct(self, kind: str,
                            items: list[tuple[dict[str, Any], int, int | None, int | None]],
                            now: datetime) -> list[int]:
        """One single-recipient broadcast per (payload, recipient, message to edit or None,
        whom it is about or None: erased with her), in one transaction; returns the outbox
        rows' ids. Unreachable people are settled at once; staff the bot has no row for yet
        (an administrator from ``ADMIN_IDS``) are tried all the same."""
        stamp = to_db(now)
        ids: list[int] = []
        async with self._db.transaction():
            for payload, recipient, edit_of, about in items:
                broadcast_id = await self._db.insert(
                    "INSERT INTO broadcasts (kind, payload, created_at, about) "
                    "VALUES (?, ?, ?, ?)",
                    (kind, json.dumps(payload, ensure_ascii=False), stamp, about))
                ids.append(await self._db.insert(
                    "INSERT INTO outbox (broadcast_id, recipient_id, status, edit_of, "
                    "updated_at) VALUES (?, ?, CASE WHEN EXISTS (SELECT 1 FROM users WHERE "
                    "id = ? AND unreachable_at IS NOT NULL) THEN 'unreachable' ELSE 'pending' "
                    "END, ?, ?)", (broadcast_id, recipient, recipient, edit_of, stamp)))
        return ids

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ?, "
            "progress_shown = NULL WHERE id = ?", (chat_id, message_id, broadcast_id))

    async def mark_shown(self, broadcast_id: int, shown: str) -> None:
        await self._db.execute("UPDATE broadcasts SET progress_shown = ? WHERE id = ?",
                               (shown, broadcast_id))

    async def unshown_finished(self, since: datetime) -> list[int]:
        """Broadcasts finished since ``since`` whose progress message does not say so yet."""
        rows = await self._db.fetch_all(
            "SELECT id FROM broadcasts WHERE finished_at >= ? AND progress_message_id IS NOT NULL"
            " AND progress_shown IS NOT 'final' ORDER BY id", (to_db(since),))
        return [r["id"] for r in rows]

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        if row is None:
            return None
        return Broadcast(row["id"], row["kind"], json.loads(row["payload"]), row["created_by"],
                         row["finished_at"] is not None, row["progress_chat_id"],
                         row["progress_message_id"])

    async def requeue_in_flight(self) -> int:
        """After a crash: rows claimed but never settled go out again (they may repeat)."""
        return await self._db.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'")

    async def due(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._db.fetch_all(
            _ITEMS + "WHERE o.status = 'pending' AND (o.not_before IS NULL OR o.not_before <= ?) "
            "ORDER BY o.id LIMIT ?", (DEFAULT_TIMEZONE, to_db(now), limit))
        return _items(rows)

    async def pending_items(self, item_ids: list[int]) -> list[OutboxItem]:
        """These rows, those still pending (due or not: the caller tries them now)."""
        if not item_ids:
            return []
        marks = ", ".join("?" * len(item_ids))
        rows = await self._db.fetch_all(
            _ITEMS + f"WHERE o.status = 'pending' AND o.id IN ({marks}) ORDER BY o.id",
            (DEFAULT_TIMEZONE, *item_ids))
        return _items(rows)

    async def results(self, item_ids: list[int]) -> list[ItemResult]:
        if not item_ids:
            return []
        marks = ", ".join("?" * len(item_ids))
        rows = await self._db.fetch_all(
            f"SELECT id, recipient_id, status, message_id, edit_of FROM outbox "
            f"WHERE id IN ({marks}) ORDER BY id", tuple(item_ids))
        return [ItemResult(r["id"], r["recipient_id"], r["status"], r["message_id"],
                           r["edit_of"]) for r in rows]

    async def sent_copies(self, kind: str, key: str, value: object) -> list[tuple[int, int]]:
        """(recipient, message id) of every message of ``kind`` whose payload has ``key`` =
        ``value`` and that reached her (edits of them not counted)."""
        rows = await self._db.fetch_all(
            "SELECT o.recipient_id, o.message_id FROM outbox o "
            "JOIN broadcasts b ON b.id = o.broadcast_id WHERE b.kind = ? "
            "AND json_extract(b.payload, '$.' || ?) = ? AND o.status = 'sent' "
            "AND o.edit_of IS NULL AND o.message_id IS NOT NULL ORDER BY o.id",
            (kind, key, value))
        return [(int(r["recipient_id"]), int(r["message_id"])) for r in rows]

    async def last_sent(self, kind: str, recipient_id: int, about: int) -> int | None:
        """The id of the newest message of ``kind`` about ``about`` that reached her."""
        return await self._db.fetch_value(
            "SELECT o.message_id FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id "
            "WHERE b.kind = ? AND b.about = ? AND o.recipient_id = ? AND o.status = 'sent' "
            "AND o.edit_of IS NULL ORDER BY o.id DESC LIMIT 1", (kind, about, recipient_id))

    async def next_due_at(self) -> str | None:
        return await self._db.fetch_value(
            "SELECT MIN(IFNULL(not_before, '')) FROM outbox WHERE status = 'pending'")

    async def claim(self, item_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE outbox SET status = 'sending', updated_at = ?, "
            "first_attempt_at = IFNULL(first_attempt_at, ?) WHERE id = ? AND status = 'pending'",
            (to_db(now), to_db(now), item_id)) == 1

    async def settle(self, item_id: int, status: str, now: datetime, *, attempts: int | None = None,
                     not_before: datetime | None = None, error: str | None = None,
                     message_id: int | None = None) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = ?, updated_at = ?, attempts = IFNULL(?, attempts), "
            "not_before = ?, error = ?, message_id = IFNULL(?, message_id) WHERE id = ?",
            (status, to_db(now), attempts, to_db(not_before) if not_before else None, error,
             message_id, item_id))

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? GROUP BY status",
            (broadcast_id,))
        return {row["status"]: row["n"] for row in rows}

    async def progress(self, broadcast_id: int) -> Progress:
        """Counts by status, how many wait for a retry and how many outlived their retries."""
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) AS n, "
            "SUM(status = 'pending' AND not_before IS NOT NULL) AS retrying, "
            "SUM(status = 'failed' AND error = ?) AS gave_up "
            "FROM outbox WHERE broadcast_id = ? GROUP BY status", (OUTAGE, broadcast_id))
        counts = {row["status"]: row["n"] for row in rows}
        finished = await self._db.fetch_value(
            "SELECT finished_at IS NOT NULL FROM broadcasts WHERE id = ?", (broadcast_id,))
        return Progress(counts, bool(finished), sum(int(r["retrying"] or 0) for r in rows),
                        sum(int(r["gave_up"] or 0) for r in rows))

    async def finish_if_done(self, broadcast_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM outbox WHERE broadcast_id = ? "
            "AND status IN ('pending', 'sending'))", (to_db(now), broadcast_id, broadcast_id)) == 1

    async def unfinished(self) -> list[int]:
        rows = await self._db.fetch_all("SELECT id FROM broadcasts WHERE finished_at IS NULL")
        return [r["id"] for r in rows]
