"""Storage: migrations from an empty database, idempotent re-runs, reference data, transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.config import SUPPORTED_LOCALES
from bot.db import Database, apply_migrations
from bot.db.migrations import discover_migrations


async def test_empty_database_upgrades_through_every_migration(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA user_version") == 0
        version = await apply_migrations(db)
        assert version == len(discover_migrations()) == await db.fetch_value("PRAGMA user_version")
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        # Re-running is a no-op.
        assert await apply_migrations(db) == version
        assert await db.fetch_value("SELECT COUNT(*) FROM countries") == 5
    finally:
        await db.close()


async def test_reference_data_has_a_label_in_every_locale(db: Database) -> None:
    rows = await db.fetch_all(
        "SELECT kind, code, COUNT(DISTINCT locale) AS n FROM reference_labels GROUP BY kind, code"
    )
    assert rows and all(row["n"] == len(SUPPORTED_LOCALES) for row in rows)
    kinds = {
        "country": "countries", "agency": "agency_types",
        "expertise": "expertise_areas", "language": "spoken_languages",
    }
    for kind, table in kinds.items():
        codes = {r["code"] for r in await db.fetch_all(f"SELECT code FROM {table}")}
        labelled = {r["code"] for r in rows if r["kind"] == kind}
        assert codes == labelled, kind
    assert {r["code"] for r in await db.fetch_all("SELECT code FROM countries")} == {
        "KZ", "KG", "TJ", "TM", "UZ"}
    assert await db.fetch_value("SELECT timezone FROM countries WHERE code = 'KZ'") == "Asia/Almaty"


async def test_failed_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (folder / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER);\nINSERT INTO nope VALUES (1);\n")
    db = await Database.open(tmp_path / "m.sqlite3")
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table: nope"):
            await apply_migrations(db, folder)
        assert await db.fetch_value("PRAGMA user_version") == 1
        assert await db.fetch_value(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'") == 0
    finally:
        await db.close()


async def test_concurrent_transactions_do_not_interleave(db: Database) -> None:
    await db.execute("CREATE TABLE counter (n INTEGER)")
    await db.execute("INSERT INTO counter VALUES (0)")

    async def bump() -> None:
        async with db.transaction():
            n = await db.fetch_value("SELECT n FROM counter")
            await asyncio.sleep(0)  # give other coroutines every chance to interleave
            await db.execute("UPDATE counter SET n = ?", (n + 1,))

    await asyncio.gather(*(bump() for _ in range(50)))
    assert await db.fetch_value("SELECT n FROM counter") == 50


async def test_rollback_on_error(db: Database) -> None:
    await db.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert await db.fetch_value("SELECT COUNT(*) FROM t") == 0


@pytest.mark.parametrize("kind", ["directory", "not_sqlite"])
async def test_an_unusable_file_fails_with_one_clear_line(tmp_path: Path, kind: str) -> None:
    import threading

    from bot.db.database import DatabaseOpenError

    path = tmp_path / "bot.sqlite3"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is a text file, not a database " * 40)
    before = set(threading.enumerate())
    with pytest.raises(DatabaseOpenError) as raised:
        await Database.open(path)
    message = str(raised.value)
    assert "\n" not in message and str(path) in message
    # The connection's worker thread was told to stop: the process can exit.
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        assert not thread.is_alive()


async def test_every_connection_overwrites_deleted_rows(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA secure_delete") == 1
    finally:
        await db.close()


async def test_erasure_migration_keys_existing_blocks_and_unnames_queued_digests(
        tmp_path: Path) -> None:
    import json
    import shutil

    from bot.db.migrations import MIGRATIONS_DIR

    older = tmp_path / "older"
    older.mkdir()
    for migration in discover_migrations():
        if migration.version < 11:
            shutil.copy(migration.path, older / migration.path.name)
    db = await Database.open(tmp_path / "upgrade.sqlite3")
    try:
        assert await apply_migrations(db, older) == 10
        now = "2026-01-01 09:00:00"
        await db.execute_many("INSERT INTO users (id, locale, created_at, last_seen_at) "
                              "VALUES (?, 'en', ?, ?)", [(1, now, now), (2, now, now)])
        await db.execute("INSERT INTO member_blocks (user_id, blocked_id, created_at) "
                         "VALUES (1, 2, ?)", (now,))
        await db.execute("INSERT INTO broadcasts (kind, payload, created_at) VALUES "
                         "('digest', ?, ?)", (json.dumps(
                             {"country": "KZ", "events": [], "new_member_names": ["Old Name"],
                              "new_members": 2}), now))
        await apply_migrations(db, MIGRATIONS_DIR)
        keys = await db.fetch_all("SELECT user_id, blocked_key FROM block_keys")
        assert [k["user_id"] for k in keys] == [1] and len(keys[0]["blocked_key"]) == 64
        payload = json.loads(await db.fetch_value("SELECT payload FROM broadcasts"))
        assert payload == {"country": "KZ", "events": [], "new_member_ids": [],
                           "new_members": 2}
        # The same account coming back after an erasure gets the block again.
        await db.execute("DELETE FROM users WHERE id = 2")
        await db.execute("DELETE FROM member_blocks WHERE blocked_id = 2")
        await db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) "
                         "VALUES (2, 'en', ?, ?)", (now, now))
        assert [tuple(r) for r in await db.fetch_all(
            "SELECT user_id, blocked_id FROM member_blocks")] == [(1, 2)]
    finally:
        await db.close()
