"""Every inline button's data, in one place: short versioned prefixes, integer ids or codes.

Button data is never trusted: handlers re-check who is pressing and whether the action is
still possible. Prefixes carry a version so that old buttons can be retired cleanly.
"""

from __future__ import annotations

from enum import Enum

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="l1"):
    code: str
