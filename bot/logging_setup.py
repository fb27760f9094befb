"""Logging with update and user ids on every line, and no personal data at any level.

Handlers log ids only, but libraries do not: aiogram puts whole Telegram answers (a member's
name and bio in the message it echoes back) into its exception messages, pydantic puts the
input it could not parse into its errors, aiosqlite logs every statement with its parameters
at DEBUG. So the formatter writes exceptions itself — the type and the frames, with a message
only where the type is known to carry none of that — and the libraries' chatty loggers are
kept above DEBUG. The bot token and the webhook secret are replaced wherever they appear.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from contextvars import ContextVar
from types import TracebackType
from typing import Any

update_id_var: ContextVar[int | None] = ContextVar("update_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)

FORMAT = "%(asctime)s %(levelname)s [update=%(update_id)s user=%(user_id)s] %(name)s: %(message)s"

# Loggers that never log at DEBUG here, whatever LOG_LEVEL says: aiosqlite's DEBUG lines are
# the SQL statements with their parameters; the others are noise that may quote requests.
_QUIET = {"aiosqlite": logging.WARNING, "aiohttp.access": logging.WARNING,
          "aiohttp": logging.INFO, "asyncio": logging.INFO, "apscheduler": logging.INFO,
          "aiogram.scene": logging.INFO, "aiogram.utils": logging.INFO}
_CHAIN_LIMIT = 5


def describe_exception(exc: BaseException) -> str:
    """The exception's type, and its message only where that cannot quote a member."""
    from aiogram.exceptions import ClientDecodeError, TelegramAPIError

    name = type(exc).__qualname__
    if isinstance(exc, TelegramAPIError):
        # Telegram's descriptions are fixed sentences; details after a second colon may quote
        # what was sent ("can't parse entities: ... tag "x"").
        description = ":".join(str(exc.message).split(":")[:2]).strip()[:120]
        method = getattr(exc.method, "__api_method__", type(exc.method).__name__)
        return f"{name} in {method}: {description}"
    if isinstance(exc, ClientDecodeError):  # its message ends with the whole answer
        return f"{name}: {exc.message} ({type(exc.original).__name__})"
    if isinstance(exc, sqlite3.Error):  # SQLite's own sentences: table and column names
        return f"{name}: {exc}"
    if isinstance(exc, OSError):
        return f"{name}: [errno {exc.errno}] {exc.strerror}" if exc.strerror else name
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        where = "; ".join(".".join(str(part) for part in error["loc"]) + f" {error['type']}"
                          for error in exc.errors(include_url=False, include_input=False)[:5])
        return f"{name}: {exc.error_count()} errors ({where})"
    from bot.db.database import DatabaseOpenError

    if isinstance(exc, DatabaseOpenError):  # one line: the path and the reason
        return f"{name}: {exc}"
    return name


def format_traceback(exc: BaseException, tb: TracebackType | None) -> str:
    """Like Python's traceback, chained causes included, with :func:`describe_exception`
    in place of each message."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    current_tb = tb
    while current is not None and id(current) not in seen and len(parts) < _CHAIN_LIMIT:
        seen.add(id(current))
        lines = ["Traceback (most recent call last):"]
        for frame in traceback.extract_tb(current_tb):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")
        lines.append(describe_exception(current))
        parts.append("\n".join(lines))
        cause = current.__cause__ or (None if current.__suppress_context__
                                      else current.__context__)
        current = cause
        current_tb = cause.__traceback__ if cause is not None else None
    parts.reverse()  # the root cause first, as Python prints it
    return "\n\nDuring handling, this was raised:\n\n".join(parts)


def _safe_arg(value: Any) -> Any:
    if isinstance(value, BaseException):
        return describe_exception(value)
    if hasattr(value, "model_dump"):  # a Telegram object (Update, Message): never its fields
        return f"<{type(value).__name__}>"
    return value


class ContextFilter(logging.Filter):
    """Adds the ids of the update being handled (``-`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = update_id_var.get() or "-"
        record.user_id = user_id_var.get() or "-"
        return True


class SafeFormatter(logging.Formatter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__(FORMAT)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        if not record.exc_info and not record.stack_info and "\n" not in str(record.msg) \
                and not any(isinstance(a, BaseException) or hasattr(a, "model_dump")
                            for a in (record.args if isinstance(record.args, tuple) else ())) \
                and not isinstance(record.args, dict):
            message = record.getMessage()  # the common case: a plain line, nothing to clean
            if "Content:" not in message and "\n" not in message:
                return self._redact(self._plain(record, message))
        record = logging.makeLogRecord(record.__dict__)  # other handlers see the original
        if isinstance(record.args, tuple):
            record.args = tuple(_safe_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _safe_arg(arg) for key, arg in record.args.items()}
        message = record.getMessage()
        if record.name == "py.warnings":  # aiogram's warnings append the whole update
            message = message.split("\n", 1)[0]
        if "Content:" in message:  # aiogram appends undecodable answers after this
            message = message.split("Content:", 1)[0] + "Content: (omitted)"
        if record.name.startswith("aiogram") and "\n" in message:
            # aiogram adds "\n<type>: <message>" of the exception it logs.
            message = message.split("\n", 1)[0]
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_traceback(record.exc_info[1], record.exc_info[2])
        record.exc_info = None
        record.stack_info = None
        return self._redact(super().format(record))

    def _plain(self, record: logging.LogRecord, message: str) -> str:
        record.message = message
        record.asctime = self.formatTime(record, self.datefmt)
        return self.formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return format_traceback(ei[1], ei[2])

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter(secrets))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(floor, numeric if isinstance(numeric, int) else 0))
    logging.captureWarnings(True)  # warnings go through the same formatter, not raw stderr
