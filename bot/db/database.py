"""One shared aiosqlite connection, made safe for many coroutines.

aiosqlite runs every statement on one thread, but coroutines interleave between statements:
without a lock, one coroutine's ``BEGIN`` fails or silently merges with another's. So every
statement and every transaction takes one asyncio lock; a statement issued by the task that
already holds a transaction joins it instead of waiting for itself.

Bulk work that writes in many short transactions (the weekly round's proposals) runs as
*background* (:func:`in_background`) and calls :meth:`Database.after_foreground` before each:
it lets a reply that is between two of its statements finish first, instead of queueing
each of her statements behind another chunk.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiosqlite

Params = Sequence[Any] | dict[str, Any]

FOREGROUND_GRACE = 0.002  # s of quiet after a reply's statement before background work goes on
FOREGROUND_WAIT_LIMIT = 0.02  # s at most background work waits, so a busy bot never starves it

_BACKGROUND: ContextVar[bool] = ContextVar("database_background", default=False)


@contextmanager
def in_background() -> Iterator[None]:
    """Statements of this task (and tasks it starts) give way to replies."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


class DatabaseOpenError(Exception):
    """The database file cannot be used (a folder, not writable, or not SQLite).

    The message is one line naming the path and the reason, nothing else: the caller prints
    it and exits.
    """


class Database:
    def __init__(self, connection: aiosqlite.Connection, path: Path | None = None) -> None:
        self._conn = connection
        self._path = path
        self._reader: aiosqlite.Connection | None = None
        self._reader_lock = asyncio.Lock()
        self._lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[Any] | None = None
        self._foreground_at = 0.0  # monotonic time the last foreground statement ended

    @property
    def path(self) -> Path | None:
        """The database file (None in memory): another process may read it too."""
        return self._path

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (or create) the database; :class:`DatabaseOpenError` when it cannot be used.

        On failure the connection and its thread are closed before raising, so the process
        can exit instead of hanging on a live worker thread.
        """
        memory = str(path) == ":memory:"
        if not memory:
            target = Path(path)
            if target.is_dir():
                raise DatabaseOpenError(f"database path {target} is a directory")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseOpenError(
                    f"cannot create the folder of {target}: {exc.strerror}") from None
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseOpenError(f"cannot open database {path}: {exc}") from None
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten with zeros, not left in free pages: an erased
            # member's name must not survive in the file (see PrivacyService).
            await conn.execute("PRAGMA secure_delete=ON")
            # The keyed hash that lets a block outlive the blocked person's erasure
            # (migrations/0011_erasure.sql calls it from its triggers).
            await conn._execute(conn._conn.create_function, "hmac_sha256", 2, _hmac_sha256,
                                deterministic=True)
            # Proves it is a database this process can write to, before anything runs.
            await conn.execute("SELECT count(*) FROM sqlite_master")
            if not memory:
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            await conn.close()
            raise DatabaseOpenError(f"cannot use database {path}: {exc}") from None
        return cls(conn, None if memory else Path(path))

    async def close(self) -> None:
        # Locks in one order everywhere: the shared one, then the reader's (a transaction may
        # read in the background; a background read never waits for the shared lock).
        async with self._lock, self._reader_lock:
            if self._reader is not None:
                await self._reader.close()
                self._reader = None
            await self._conn.close()

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it (after an erasure: the WAL still
        holds the erased rows' old pages). True when the WAL is empty afterwards.

        The background reader is closed first (it reopens on its next read): a read open on
        it would pin old pages and leave them in the WAL. Call it outside a transaction.
        """
        if self._path is None:
            return True
        if self._in_own_transaction():
            raise RuntimeError("checkpoint() inside a transaction")
        async with self._lock, self._reader_lock:
            if self._reader is not None:
                await self._reader.close()
                self._reader = None
            rows = await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        row = next(iter(rows), None)
        return row is not None and row[0] == 0

    async def after_foreground(self) -> None:
        """Wait (briefly) until no reply holds the connection or used it in the last
        ``FOREGROUND_GRACE`` seconds: a reply runs several statements with a little work
        between them, and background chunks slipping into each gap made her wait for all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FOREGROUND_WAIT_LIMIT
        while loop.time() < deadline:
            quiet_for = time.monotonic() - self._foreground_at
            if not self._lock.locked() and quiet_for >= FOREGROUND_GRACE:
                return
            await asyncio.sleep(max(FOREGROUND_GRACE - quiet_for, 0.0005))

    def _foreground_ended(self) -> None:
        if not _BACKGROUND.get():
            self._foreground_at = time.monotonic()

    def _in_own_transaction(self) -> bool:
        return self._tx_owner is not None and self._tx_owner is asyncio.current_task()

    def _statement_lock(self) -> _StatementLock:
        return _StatementLock(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """All statements inside run atomically; nested use joins the outer transaction.

        Never await a Telegram call inside: the lock would hold every other update back.
        """
        if self._in_own_transaction():
            yield
            return
        async with self._lock:
            self._tx_owner = asyncio.current_task()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            finally:
                self._tx_owner = None
                self._foreground_ended()

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of changed rows."""
        async with self._statement_lock():
            # One trip to aiosqlite's thread instead of three (execute, rowcount, close):
            # each trip is a thread hand-off, and a round writes thousands of rows.
            return await self._conn._execute(_changed_rows, self._conn._conn, sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT; returns the new row id."""
        async with self._statement_lock():
            row = await self._conn.execute_insert(sql, params)
            return int(row[0]) if row else 0

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self._statement_lock():
            await self._conn.executemany(sql, rows)

    async def execute_script(self, script: str) -> None:
        async with self._statement_lock():
            await self._conn.executescript(script)

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """The first row (queries here select one row: by key, or with LIMIT 1)."""
        async with self._statement_lock():
            rows = await self._conn.execute_fetchall(sql, params)
            return next(iter(rows), None)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._statement_lock():
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetch_all_in_background(self, sql: str, params: Params = ()
                                      ) -> list[aiosqlite.Row]:
        """A long read for a background job (a matching round reads thousands of members).

        It runs on a second, read-only connection: in WAL mode it sees the last committed
        state while the shared connection goes on serving replies, instead of holding the
        statement lock for tens of milliseconds. (An in-memory database has no second view.)
        """
        if self._path is None:
            return await self.fetch_all(sql, params)
        async with self._reader_lock:
            if self._reader is None:
                self._reader = await aiosqlite.connect(f"file:{self._path}?mode=ro",
                                                       uri=True)
                self._reader.row_factory = aiosqlite.Row
            return list(await self._reader.execute_fetchall(sql, params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


def _hmac_sha256(secret: bytes | None, value: object) -> str | None:
    """HMAC-SHA256 of ``value`` (a Telegram id) under ``secret``, as hex."""
    if secret is None or value is None:
        return None
    return hmac.new(bytes(secret), str(value).encode(), hashlib.sha256).hexdigest()


def _changed_rows(connection: sqlite3.Connection, sql: str, params: Params) -> int:
    return connection.execute(sql, params).rowcount


class _StatementLock:
    """The lock for one statement, unless this task's own transaction already holds it.

    A plain class rather than ``@asynccontextmanager``: it is entered for every statement, and
    an async generator per statement was a measurable share of a reply's cost.
    """

    __slots__ = ("_db", "_taken")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._taken = False

    async def __aenter__(self) -> None:
        if not self._db._in_own_transaction():
            await self._db._lock.acquire()
            self._taken = True

    async def __aexit__(self, *exc_info: object) -> None:
        if self._taken:
            self._db._lock.release()
            self._db._foreground_ended()
