"""The association's chats: the bot's rights there, bindings, known members, removal queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_db, to_db
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
    locale: str | None = None  # the language the bot writes in there, when set

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
    first_attempt_at: datetime | None = None
    waiting_reported: bool = False
    outcome: str | None = None  # set once it ended, until the coordinator has been told


_CHAT_COLUMNS = ("k.chat_id, k.title, k.chat_type, k.bot_status, k.can_invite, k.can_restrict, "
                 "k.can_post, b.chat_id IS NOT NULL AS bound, b.country_code, b.locale")


def _chat(row) -> KnownChat:  # type: ignore[no-untyped-def]
    return KnownChat(row["chat_id"], row["title"], row["chat_type"], row["bot_status"],
                     bool(row["can_invite"]), bool(row["can_restrict"]), bool(row["can_post"]),
                     bool(row["bound"]), row["country_code"], row["locale"])


# A country's chat speaks its language unless an administrator sets another.
COUNTRY_LOCALES = {"KZ": "kk", "KG": "ky", "TJ": "tg", "TM": "tk", "UZ": "uz"}


def chat_locale(chat: KnownChat) -> str:
    """The language the bot writes in there: as set, else the regional chat in Russian and a
    country's chat in that country's language."""
    return chat.locale or COUNTRY_LOCALES.get(chat.country_code or "", "ru")


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

    async def locale_of(self, chat_id: int) -> str:
        """See :func:`chat_locale`."""
        chat = await self.get(chat_id)
        return chat_locale(chat) if chat is not None else "ru"

    async def set_locale(self, chat_id: int, locale: str | None) -> bool:
        return await self._db.execute("UPDATE bound_chats SET locale = ? WHERE chat_id = ?",
                                      (locale, chat_id)) == 1

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

    async def chats_of(self, user_id: int) -> set[int]:
        """The chats the bot saw her join (and not leave)."""
        rows = await self._db.fetch_all("SELECT chat_id FROM chat_members WHERE user_id = ?",
                                        (user_id,))
        return {r["chat_id"] for r in rows}

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

    async def due_removals(self, now: datetime, limit: int = 100) -> list[PendingRemoval]:
        """Queued removals whose next try is due (a failed one waits for its ``not_before``)."""
        rows = await self._db.fetch_all(
            f"SELECT {_REMOVAL_COLUMNS} FROM chat_removals WHERE done_at IS NULL "
            "AND chat_id IS NOT NULL AND (not_before IS NULL OR not_before <= ?) "
            "ORDER BY id LIMIT ?", (to_db(now), limit))
        return [_removal(r) for r in rows]

    async def ended_unreported(self) -> list[PendingRemoval]:
        """Removals that ended (done or given up) whose report has not gone out yet."""
        rows = await self._db.fetch_all(
            f"SELECT {_REMOVAL_COLUMNS} FROM chat_removals WHERE done_at IS NOT NULL "
            "AND outcome IS NOT NULL ORDER BY id")
        return [_removal(r) for r in rows]

    async def retry_removal(self, removal_id: int, now: datetime, not_before: datetime,
                            error: str, *, waiting_reported: bool) -> None:
        await self._db.execute(
            "UPDATE chat_removals SET attempts = attempts + 1, not_before = ?, last_error = ?, "
            "first_attempt_at = IFNULL(first_attempt_at, ?), waiting_reported = ? WHERE id = ?",
            (to_db(not_before), error, to_db(now), int(waiting_reported), removal_id))

    async def end_removal(self, removal: PendingRemoval, outcome: str, now: datetime, *,
                          removed: bool) -> None:
        """It ended. The row stays (with its outcome) only until the coordinator is told;
        when nobody is to be told, or she was not there at all, it goes at once."""
        async with self._db.transaction():
            if removed:
                await self._db.execute(
                    "DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?",
                    (removal.chat_id, removal.user_id))
            if removal.report_to is None or outcome == "not_in_chat":
                await self._db.execute("DELETE FROM chat_removals WHERE id = ?", (removal.id,))
            else:
                await self._db.execute(
                    "UPDATE chat_removals SET done_at = ?, outcome = ? WHERE id = ?",
                    (to_db(now), outcome, removal.id))

    async def forget_removals(self, removal_ids: list[int]) -> None:
        """Reported: the rows go (they name her)."""
        await self._db.execute_many("DELETE FROM chat_removals WHERE id = ? AND done_at IS NOT "
                                    "NULL", [(removal_id,) for removal_id in removal_ids])

    async def forget_ended_before(self, moment: datetime) -> None:
        """Outcomes whose report could not be sent for a whole day are dropped."""
        await self._db.execute("DELETE FROM chat_removals WHERE done_at IS NOT NULL "
                               "AND done_at < ?", (to_db(moment),))


_REMOVAL_COLUMNS = ("id, user_id, chat_id, reason, attempts, report_to, first_attempt_at, "
                    "waiting_reported, outcome")


def _removal(row) -> PendingRemoval:  # type: ignore[no-untyped-def]
    return PendingRemoval(row["id"], row["user_id"], row["chat_id"], row["reason"],
                          row["attempts"], row["report_to"],
                          from_db(row["first_attempt_at"]) if row["first_attempt_at"] else None,
                          bool(row["waiting_reported"]), row["outcome"])
