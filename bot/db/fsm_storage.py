"""aiogram FSM storage in the bot's SQLite database, so a restart keeps every conversation.

Every update asks for the state, so reads are served from memory: all rows are loaded once at
start-up (only people in the middle of a conversation have one) and every change is written
through to the database. The storage is the only writer of ``fsm_states`` while the bot runs;
jobs that delete rows tell it with :meth:`SQLiteStorage.forget`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from bot.clock import Clock, to_db
from bot.db.database import Database

Entry = tuple[str | None, str]  # the state and the data as stored (JSON): callers get fresh
# copies, so a caller changing what it read (aiogram-dialog's stacks) never changes the cache
EMPTY: Entry = (None, "{}")


class SQLiteStorage(BaseStorage):
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._cache: dict[str, tuple[int, Entry]] = {}
        self._loaded = False

    async def preload(self) -> None:
        rows = await self._db.fetch_all("SELECT storage_key, user_id, state, data FROM fsm_states")
        self._cache = {r["storage_key"]: (r["user_id"], (r["state"], r["data"])) for r in rows}
        self._loaded = True

    async def _load(self, key: StorageKey) -> Entry:
        if not self._loaded:
            await self.preload()
        cached = self._cache.get(self._keys.build(key))
        return cached[1] if cached is not None else EMPTY

    def _remember(self, built: str, user_id: int, entry: Entry) -> None:
        self._cache[built] = (user_id, entry)

    async def _store(self, key: StorageKey, entry: Entry) -> None:
        built = self._keys.build(key)
        state, data = entry
        cached = self._cache.get(built)
        if (cached[1] if cached is not None else EMPTY) == entry:
            # nothing changes (aiogram-dialog saves its empty stack after every update):
            # no write, so an update outside any conversation costs no query here
            return
        await self._db.execute(
            "INSERT INTO fsm_states (storage_key, user_id, state, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (storage_key) DO UPDATE SET "
            "state = excluded.state, data = excluded.data, updated_at = excluded.updated_at",
            (built, key.user_id, state, data, to_db(self._clock.now())))
        self._remember(built, key.user_id, entry)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        _, data = await self._load(key)
        await self._store(key, (value, data))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        state, _ = await self._load(key)
        await self._store(key, (state, json.dumps(dict(data))))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = (await self._load(key))[1]
        return {} if data == "{}" else json.loads(data)

    def forget(self, user_ids: Iterable[int]) -> None:
        """Drop cached entries of users whose rows were deleted elsewhere."""
        gone = set(user_ids)
        for built in [k for k, (uid, _) in self._cache.items() if uid in gone]:
            del self._cache[built]

    async def close(self) -> None:
        """The database is closed by its owner, not by the dispatcher."""
