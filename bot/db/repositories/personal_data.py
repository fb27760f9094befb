"""Everything stored about one person: export for /mydata and erasure for /delete_me."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import to_db
from bot.db.database import Database

# table -> columns that name her (a row naming her in any of them is hers); the export and
# the erasure both follow this map. A pair or an introduction is erased whole: it means
# nothing without her.
PERSONAL_TABLES: dict[str, tuple[str, ...]] = {
    "users": ("id",),
    "profiles": ("user_id",),
    "profile_expertise": ("user_id",),
    "profile_languages": ("user_id",),
    "coordinators": ("user_id",),
    "fsm_states": ("user_id",),
    "chat_members": ("user_id",),
    "outbox": ("recipient_id",),
    "event_answers": ("user_id",),
    "event_calendar_takers": ("user_id",),
    "member_settings": ("user_id",),
    "member_blocks": ("user_id", "blocked_id"),
    "mentor_offers": ("user_id",),
    "mentor_areas": ("user_id",),
    "mentee_requests": ("user_id",),
    "mentee_goals": ("user_id",),
    "mentor_pairs": ("mentee_id", "mentor_id"),
    "suggestion_lists": ("mentee_id",),
    "suggestion_entries": ("mentor_id",),
    "pair_ratings": ("rater_id",),
    "intro_requests": ("requester_id", "target_id"),
    "intro_candidates": ("user_id",),
    "coffee_skips": ("user_id",),
    "coffee_members": ("user_id",),
    "scheduled_announcements": ("created_by",),  # not sent once she is gone
}
# Rows about others that mention her: the mention is cut, the row stays.
MENTIONS: dict[str, tuple[str, ...]] = {
    "audit_log": ("actor_id", "target_id"),
    "profiles": ("decided_by",),
    "invite_codes": ("created_by",),
    "coordinators": ("appointed_by",),
    "broadcasts": ("created_by", "progress_chat_id"),
    "events": ("created_by",),
    "bound_chats": ("bound_by",),
}

# Staff who acted on her appear by role, never by Telegram id: (table, column).
STAFF_COLUMNS = (("profiles", "decided_by"), ("coordinators", "appointed_by"))


# Her export keeps other members anonymous: in a row naming her and someone else (a pair,
# an introduction) the other's id is blanked, and who blocked her is not hers to know (only
# her own blocks are). The members offered to her are in rows that do not name her.
EXPORT_NAMING: dict[str, tuple[str, ...]] = {"member_blocks": ("user_id",)}


# A refusal reaches the one who asked only when the 3 days are over, as if unanswered; until
# then her export shows the request as still open: (table, her column, told-at column,
# what she sees, the column that would date the refusal).
UNTOLD_REFUSALS = (("mentor_pairs", "mentee_id", "mentee_told_at", "proposed", "ended_at"),
                   ("intro_requests", "requester_id", "requester_told_at", "asked", "decided_at"))


def _anonymised(table: str, row: dict[str, Any], user_id: int) -> dict[str, Any]:
    if len(PERSONAL_TABLES[table]) > 1:
        row.update(dict.fromkeys(c for c in PERSONAL_TABLES[table] if row[c] != user_id))
    for name, hers, told, shown, dated in UNTOLD_REFUSALS:
        if table == name and row[hers] == user_id and row["status"] == "declined" \
                and row[told] is None:
            row.update({"status": shown, dated: None})
    return row


def _naming(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"{column} = ?" for column in columns)


class PersonalDataRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Her rows; staff ids in them stay raw here (the caller names them by role)."""
        data: dict[str, list[dict[str, Any]]] = {}
        for table, columns in PERSONAL_TABLES.items():
            columns = EXPORT_NAMING.get(table, columns)
            rows = await self._db.fetch_all(
                f"SELECT * FROM {table} WHERE {_naming(columns)}", (user_id,) * len(columns))
            data[table] = [_anonymised(table, dict(row), user_id) for row in rows]
        # Her own actions, and what was done about her; not the attempts of others that
        # changed nothing (a refused or late press is the other person's, not hers).
        rows = await self._db.fetch_all(
            "SELECT * FROM audit_log WHERE actor_id = ? OR (target_id = ? AND outcome = 'done') "
            "ORDER BY id", (user_id, user_id))
        data["audit_log"] = [dict(row) for row in rows]
        for row in data["audit_log"]:
            if row["target_id"] != user_id:
                row["target_id"] = None  # whom she acted on is that person's
        return data

    async def erase(self, user_id: int, now: datetime) -> None:
        async with self._db.transaction():
            # Invitations she made as a coordinator stop working before she goes.
            await self._db.execute(
                "UPDATE invite_codes SET revoked_at = ? WHERE created_by = ? "
                "AND revoked_at IS NULL", (to_db(now), user_id))
            for table, columns in MENTIONS.items():
                for column in columns:
                    await self._db.execute(
                        f"UPDATE {table} SET {column} = NULL WHERE {column} = ?", (user_id,))
            # Her blocks go with her; blocks against her stay as keys (block_keys), and
            # member_blocks rows naming her go below.
            await self._db.execute("DELETE FROM block_keys WHERE user_id = ?", (user_id,))
            # Messages to others about her (her review cards, a notice of her new name): the
            # reviewers' copies stay in their chats, the bot's record of them goes.
            await self._db.execute(
                "DELETE FROM outbox WHERE broadcast_id IN (SELECT id FROM broadcasts "
                "WHERE about = ?)", (user_id,))
            await self._db.execute("DELETE FROM broadcasts WHERE about = ?", (user_id,))
            # One-press claims named by her chat ("language:<chat>:<message>", ...)
            await self._db.execute(
                "DELETE FROM action_claims WHERE key LIKE '%:' || ? || ':%' "
                "OR key LIKE '%:' || ?", (user_id, user_id))
            for table, columns in reversed(PERSONAL_TABLES.items()):
                await self._db.execute(f"DELETE FROM {table} WHERE {_naming(columns)}",
                                       (user_id,) * len(columns))
            await self._db.execute(
                "INSERT INTO counters (name, value) VALUES ('members_deleted', 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1")
