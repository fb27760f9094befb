"""Everything stored about one person: export for /mydata and erasure for /delete_me."""

from __future__ import annotations

from typing import Any

from bot.db.database import Database

# table -> column that names her; the export and the erasure both follow this map.
PERSONAL_TABLES: dict[str, str] = {
    "users": "id",
    "profiles": "user_id",
    "profile_expertise": "user_id",
    "profile_languages": "user_id",
    "coordinators": "user_id",
    "fsm_states": "user_id",
    "chat_members": "user_id",
    "outbox": "recipient_id",
    "event_answers": "user_id",
}
# Rows about others that mention her: the mention is cut, the row stays.
MENTIONS: dict[str, tuple[str, ...]] = {
    "audit_log": ("actor_id", "target_id"),
    "profiles": ("decided_by",),
    "invite_codes": ("created_by",),
    "coordinators": ("appointed_by",),
    "broadcasts": ("created_by", "progress_chat_id"),
    "events": ("created_by",),
}


class PersonalDataRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        data: dict[str, list[dict[str, Any]]] = {}
        for table, column in PERSONAL_TABLES.items():
            rows = await self._db.fetch_all(f"SELECT * FROM {table} WHERE {column} = ?",
                                            (user_id,))
            data[table] = [dict(row) for row in rows]
        rows = await self._db.fetch_all(
            "SELECT * FROM audit_log WHERE actor_id = ? OR target_id = ? ORDER BY id",
            (user_id, user_id))
        data["audit_log"] = [dict(row) for row in rows]
        return data

    async def erase(self, user_id: int) -> None:
        async with self._db.transaction():
            for table, columns in MENTIONS.items():
                for column in columns:
                    await self._db.execute(
                        f"UPDATE {table} SET {column} = NULL WHERE {column} = ?", (user_id,))
            for table, column in reversed(PERSONAL_TABLES.items()):
                await self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
            await self._db.execute(
                "INSERT INTO counters (name, value) VALUES ('members_deleted', 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1")
