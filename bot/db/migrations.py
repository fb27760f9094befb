"""Applies ``migrations/NNNN_name.sql`` in order, each in its own transaction.

The applied version is ``PRAGMA user_version``, written inside the same transaction as the
migration, so a crash leaves the database at the last complete version and re-running is a
no-op. Migrations are append-only: a shipped file is never edited.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.db.database import Database

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path


def discover_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name must be NNNN_snake_case.sql: {path.name}")
        found.append(Migration(int(match.group(1)), path))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, … without gaps: {versions}")
    return found


async def current_version(db: Database) -> int:
    return int(await db.fetch_value("PRAGMA user_version"))


async def apply_migrations(db: Database, directory: Path = MIGRATIONS_DIR) -> int:
    """Bring the database up to the newest migration; returns the resulting version."""
    version = await current_version(db)
    for migration in discover_migrations(directory):
        if migration.version <= version:
            continue
        statements = _split_statements(migration.path.read_text(encoding="utf-8"))
        async with db.transaction():
            for statement in statements:
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {migration.version}")
        logger.info("applied migration %s", migration.path.name)
        version = migration.version
    return version


def _split_statements(script: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit our transaction)."""
    import sqlite3

    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if _strip_comments(statement):
                statements.append(statement)
            buffer = ""
    if _strip_comments(buffer).strip():
        raise RuntimeError("migration ends with an incomplete statement")
    return statements


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--")).strip()
