"""The audit log of privileged actions: who, what, on whom, when, and whether it was allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.database import Database


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    action: str
    target_id: int | None
    country_code: str | None
    outcome: str
    details: str | None


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, now: datetime, actor_id: int | None, action: str, *,
                     target_id: int | None = None, country_code: str | None = None,
                     outcome: str = "done", details: str | None = None) -> None:
        await self._db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target_id, country_code, outcome, "
            "details) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (to_db(now), actor_id, action, target_id, country_code, outcome, details))

    async def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        total = int(await self._db.fetch_value("SELECT COUNT(*) FROM audit_log"))
        rows = await self._db.fetch_all(
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
        return [
            AuditEntry(from_db(r["at"]), r["actor_id"], r["action"], r["target_id"],
                       r["country_code"], r["outcome"], r["details"])
            for r in rows
        ], total

    async def targets_since(self, actor_id: int, since: datetime) -> list[int]:
        """Whom her privileged actions done since then were about (the menus follow them)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT target_id FROM audit_log WHERE at >= ? AND actor_id = ? "
            "AND outcome = 'done' AND target_id IS NOT NULL", (to_db(since), actor_id))
        return [int(row["target_id"]) for row in rows]
