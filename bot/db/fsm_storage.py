"""aiogram FSM storage in the bot's SQLite database, so a restart keeps every conversation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from bot.clock import Clock, to_db
from bot.db.database import Database


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._db.execute(
            "INSERT INTO fsm_states (storage_key, user_id, state, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (storage_key) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (self._keys.build(key), key.user_id, value, to_db(self._clock.now())),
        )

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._db.fetch_value(
            "SELECT state FROM fsm_states WHERE storage_key = ?", (self._keys.build(key),)
        )

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._db.execute(
            "INSERT INTO fsm_states (storage_key, user_id, data, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data, "
            "updated_at = excluded.updated_at",
            (self._keys.build(key), key.user_id, json.dumps(dict(data)), to_db(self._clock.now())),
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        raw = await self._db.fetch_value(
            "SELECT data FROM fsm_states WHERE storage_key = ?", (self._keys.build(key),)
        )
        return json.loads(raw) if raw else {}

    async def close(self) -> None:
        """The database is closed by its owner, not by the dispatcher."""
