"""The association's chats: the bot's rights there, bindings, known members, removal queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_db
from bot.db.database import Database


@dataclass(frozen=True)
class KnownChat:
    chat_id: int
    title: str
    chat_type: str
    bot_status: str
    can_invite: bool
    can_restrict: bool
    can_post: bool
    bound: bool
    country_code: str | None  # None with bound=True: the regional chat

    @property
    def is_admin(self) -> bool:
        return self.bot_status in ("administrator", "creator")


@dataclass(frozen=True)
class PendingRemoval:
    id: int
    user_id: int
    chat_id: int
    reason: str
    attempts: int
    report_to: int | None


_CHAT_COLUMNS = ("k.chat_id, k.title, k.chat_type, k.bot_status, k.can_invite, k.can_restrict, "
                 "k.can_post, b.chat_id IS NOT NULL AS bound, b.country_code")


def _chat(row) -> KnownChat:  # type: ignore[no-untyped-def]
    return KnownChat(row["chat_id"], row["title"], row["chat_type"], row["bot_status"],
                     bool(row["can_invite"]), bool(row["can_restrict"]), bool(row["can_post"]),
                     bool(row["bound"]), row["country_code"])


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_bot_status(self, chat_id: int, title: str, chat_type: str, status: str,
                                can_invite: bool, can_restrict: bool, can_post: bool,
                                now: datetime) -> None:
        await self._db.execute(
            "INSERT INTO known_chats (chat_id, title, chat_type, bot_status, can_invite, "
            "can_restrict, can_post, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, "
            "chat_type = excluded.chat_type, bot_status = excluded.bot_status, "
            "can_invite = excluded.can_invite, can_restrict = excluded.can_restrict, "
            "can_post = excluded.can_post, updated_at = excluded.updated_at",
            (chat_id, title, chat_type, status, can_invite, can_restrict, can_post, to_db(now)))

    async def get(self, chat_id: int) -> KnownChat | None:
        row = await self._db.fetch_one(
            f"SELECT {_CHAT_COLUMNS} FROM known_chats k LEFT JOIN bound_chats b "
            "ON b.chat_id = k.chat_id WHERE k.chat_id = ?", (chat_id,))
        return None if row is None else _chat(row)

    async def all(self) -> list[KnownChat]:
        rows = await self._db.fetch_all(
            f"SELECT {_CHAT_COLUMNS} FROM known_chats k LEFT JOIN bound_chats b "
            "ON b.chat_id = k.chat_id LEFT JOIN countries c ON c.code = b.country_code "
            "ORDER BY b.chat_id IS NULL, b.country_code IS NULL, c.position, k.title")
        return [_chat(r) for r in rows]

    async def bound(self) -> list[KnownChat]:
        return [chat for chat in await self.all() if chat.bound]

    async def bind(self, chat_id: int, country_code: str | None, by: int, now: datetime) -> None:
        """Bind a chat, replacing whatever chat held that scope before."""
        async with self._db.transaction():
            await self._db.execute("DELETE FROM bound_chats WHERE chat_id = ? OR "
                                   "IFNULL(country_code, '') = IFNULL(?, '')",
                                   (chat_id, country_code))
            await self._db.execute(
                "INSERT INTO bound_chats (chat_id, country_code, bound_by, bound_at) "
                "VALUES (?, ?, ?, ?)", (chat_id, country_code, by, to_db(now)))

    async def unbind(self, chat_id: int) -> bool:
        return await self._db.execute("DELETE FROM bound_chats WHERE chat_id = ?",
                                      (chat_id,)) == 1

    async def migrate(self, old_id: int, new_id: int, chat_type: str) -> None:
        """A group became a supergroup: everything follows the new id."""
        async with self._db.transaction():
            if await self._db.fetch_value("SELECT 1 FROM known_chats WHERE chat_id = ?",
                                          (new_id,)):
                await self._db.execute("DELETE FROM known_chats WHERE chat_id = ? AND NOT EXISTS"
                                       " (SELECT 1 FROM bound_chats WHERE chat_id = ?)",
                                       (new_id, new_id))
            await self._db.execute(
                "UPDATE known_chats SET chat_id = ?, chat_type = ? WHERE chat_id = ?",
                (new_id, chat_type, old_id))
            await self._db.execute("UPDATE OR REPLACE chat_members SET chat_id = ? "
                                   "WHERE chat_id = ?", (new_id, old_id))
            await self._db.execute("UPDATE chat_removals SET chat_id = ? WHERE chat_id = ?",
                                   (new_id, old_id))

    # ---- members the bot knows about ------------------------------------------------------

    async def set_member(self, chat_id: int, user_id: int, status: str, now: datetime) -> None:
        if status in ("left", "kicked"):
            await self._db.execute("DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?",
                                   (chat_id, user_id))
            return
        await self._db.execute(
            "INSERT INTO chat_members (chat_id, user_id, status, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (chat_id, user_id) DO UPDATE SET status = excluded.status, "
            "updated_at = excluded.updated_at", (chat_id, user_id, status, to_db(now)))

    async def members_of(self, chat_id: int) -> list[int]:
        rows = await self._db.fetch_all("SELECT user_id FROM chat_members WHERE chat_id = ? "
                                        "ORDER BY user_id", (chat_id,))
        return [r["user_id"] for r in rows]

    # ---- the removal queue ------------------------------------------------------------------

    async def enqueue_removals(self, user_id: int, chat_ids: list[int], reason: str,
                               report_to: int | None, now: datetime) -> int:
        if not chat_ids:
            return 0
        await self._db.execute_many(
            "INSERT OR IGNORE INTO chat_removals (user_id, chat_id, reason, report_to, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(user_id, chat_id, reason, report_to, to_db(now)) for chat_id in chat_ids])
        return len(chat_ids)

    async def pending_removals(self, limit: int = 100) -> list[PendingRemoval]:
        rows = await self._db.fetch_all(
            "SELECT id, user_id, chat_id, reason, attempts, report_to FROM chat_removals "
            "WHERE done_at IS NULL AND chat_id IS NOT NULL ORDER BY id LIMIT ?", (limit,))
        return [PendingRemoval(r["id"], r["user_id"], r["chat_id"], r["reason"], r["attempts"],
                               r["report_to"]) for r in rows]

    async def finish_removal(self, removal_id: int, user_id: int, chat_id: int) -> None:
        """Done: the row goes (it names her), and so does the membership record."""
        async with self._db.transaction():
            await self._db.execute("DELETE FROM chat_removals WHERE id = ?", (removal_id,))
            await self._db.execute("DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?",
                                   (chat_id, user_id))

    async def removal_failed(self, removal_id: int) -> int:
        await self._db.execute("UPDATE chat_removals SET attempts = attempts + 1 WHERE id = ?",
                               (removal_id,))
        return int(await self._db.fetch_value("SELECT attempts FROM chat_removals WHERE id = ?",
                                              (removal_id,)) or 0)

    async def give_up_removal(self, removal_id: int) -> None:
        await self._db.execute("DELETE FROM chat_removals WHERE id = ?", (removal_id,))
