"""Storage: one aiosqlite connection, the migration runner and the repositories (all SQL)."""

from bot.db.database import Database
from bot.db.migrations import apply_migrations

__all__ = ["Database", "apply_migrations"]
