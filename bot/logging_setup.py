"""Logging with update and user ids on every line, and secrets redacted.

Logs never carry tokens, names or message texts: handlers log ids only, and a filter removes
the bot token (and webhook secret) from anything a library might print.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

update_id_var: ContextVar[int | None] = ContextVar("update_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)

FORMAT = "%(asctime)s %(levelname)s [update=%(update_id)s user=%(user_id)s] %(name)s: %(message)s"


class ContextFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = update_id_var.get() or "-"
        record.user_id = user_id_var.get() or "-"
        if "Content:" in str(record.msg) and record.name.startswith("aiogram"):
            # aiogram appends the whole undecodable response (members' texts) to this error.
            record.msg = str(record.getMessage()).split("Content:", 1)[0] + "Content: (omitted)"
            record.args = None
        if self._secrets:
            message = record.getMessage()
            redacted = message
            for secret in self._secrets:
                redacted = redacted.replace(secret, "***")
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContextFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
