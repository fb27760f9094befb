"""Bookkeeping of periodic jobs: when each last completed (the database decides what is due)."""

from __future__ import annotations

from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.database import Database


class JobRunRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def last_runs(self) -> dict[str, datetime]:
        rows = await self._db.fetch_all("SELECT name, last_run_at FROM job_runs")
        return {row["name"]: from_db(row["last_run_at"]) for row in rows}

    async def record_run(self, name: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO job_runs (name, last_run_at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at",
            (name, to_db(at)),
        )
