"""Profiles: drafts being filled in, applications, and members."""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


class ProfileRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def delete_abandoned_drafts(self, idle_since: datetime) -> int:
        """Forget sign-ups never finished and untouched since ``idle_since``; keeps the language."""
        async with self._db.transaction():
            stale = await self._db.fetch_all(
                "SELECT user_id FROM profiles WHERE status = 'draft' AND updated_at < ?",
                (to_db(idle_since),),
            )
            ids = [row["user_id"] for row in stale]
            if ids:
                marks = ",".join("?" * len(ids))
                await self._db.execute(f"DELETE FROM profiles WHERE user_id IN ({marks})", ids)
                await self._db.execute(f"DELETE FROM fsm_states WHERE user_id IN ({marks})", ids)
        return len(ids)
