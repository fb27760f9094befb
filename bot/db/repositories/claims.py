"""Claims on consequential actions: the first press takes the claim, a repeat finds it taken.

A double tap or two concurrent presses of *Publish*, *Post* or *Send* arrive as two updates
handled at once; a check before an ``await`` lets both through. One ``INSERT OR IGNORE`` on a
primary key is atomic, so exactly one of them gets ``True``.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


class ClaimRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, key: str, now: datetime) -> bool:
        return await self._db.execute(
            "INSERT OR IGNORE INTO action_claims (key, claimed_at) VALUES (?, ?)",
            (key, to_db(now))) == 1

    async def release(self, key: str) -> None:
        """The action failed before it took effect: let her try again."""
        await self._db.execute("DELETE FROM action_claims WHERE key = ?", (key,))

    async def forget_before(self, before: datetime) -> int:
        return await self._db.execute(
            "DELETE FROM action_claims WHERE claimed_at < ?", (to_db(before),))
