"""Invitation codes. Only a hash of each code is stored; a use is taken atomically."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
from bot.db.database import Database


@dataclass(frozen=True)
class InviteCode:
    id: int
    hint: str
    country_code: str
    max_uses: int
    used_count: int
    expires_at: datetime
    revoked: bool
    created_by: int | None = None

    def state(self, now: datetime) -> str:
        """withdrawn, used_up, expired or active (in that order: the first that applies)."""
        if self.revoked:
            return "withdrawn"
        if self.used_count >= self.max_uses:
            return "used_up"
        if self.expires_at <= now:
            return "expired"
        return "active"

    @property
    def uses_left(self) -> int:
        return max(0, self.max_uses - self.used_count)


def _code(row) -> InviteCode:  # type: ignore[no-untyped-def]
    return InviteCode(row["id"], row["hint"], row["country_code"], row["max_uses"],
                      row["used_count"], from_db(row["expires_at"]), row["revoked_at"] is not None,
                      row["created_by"])


class InviteRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, code_hash: str, hint: str, country_code: str, created_by: int,
                     max_uses: int, expires_at: datetime, now: datetime) -> int:
        return await self._db.insert(
            "INSERT INTO invite_codes (code_hash, hint, country_code, created_by, max_uses, "
            "expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code_hash, hint, country_code, created_by, max_uses, to_db(expires_at), to_db(now)))

    async def find(self, code_hash: str) -> InviteCode | None:
        row = await self._db.fetch_one("SELECT * FROM invite_codes WHERE code_hash = ?",
                                       (code_hash,))
        return None if row is None else _code(row)

    async def get(self, code_id: int) -> InviteCode | None:
        row = await self._db.fetch_one("SELECT * FROM invite_codes WHERE id = ?", (code_id,))
        return None if row is None else _code(row)

    async def take_use(self, code_id: int, now: datetime) -> bool:
        """Take one use if the code is still valid; the check and the count are one statement."""
        return await self._db.execute(
            "UPDATE invite_codes SET used_count = used_count + 1 WHERE id = ? "
            "AND used_count < max_uses AND revoked_at IS NULL AND expires_at > ?",
            (code_id, to_db(now))) == 1

    async def revoke(self, code_id: int, now: datetime) -> bool:
        return await self._db.execute(
            "UPDATE invite_codes SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (to_db(now), code_id)) == 1

    async def revoke_created_by(self, user_id: int, now: datetime) -> int:
        """Withdraw every invitation she created that still works; returns how many."""
        return await self._db.execute(
            "UPDATE invite_codes SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL",
            (to_db(now), user_id))

    async def active(self, country_code: str | None, now: datetime) -> list[InviteCode]:
        sql = ("SELECT * FROM invite_codes WHERE revoked_at IS NULL AND expires_at > ? "
               "AND used_count < max_uses")
        params: list[object] = [to_db(now)]
        if country_code is not None:
            sql += " AND country_code = ?"
            params.append(country_code)
        return [_code(r) for r in await self._db.fetch_all(sql + " ORDER BY id", params)]

    async def recent(self, country_code: str | None, limit: int = 20) -> list[InviteCode]:
        """The newest invitations in any state (active first is the caller's choice)."""
        sql = "SELECT * FROM invite_codes"
        params: list[object] = []
        if country_code is not None:
            sql += " WHERE country_code = ?"
            params.append(country_code)
        params.append(limit)
        return [_code(r) for r in await self._db.fetch_all(sql + " ORDER BY id DESC LIMIT ?",
                                                           params)]
