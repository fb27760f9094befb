"""Languages: gettext catalogs, the per-user locale, and Babel formatting in her locale.

``.mo`` files are never committed: :func:`compile_catalogs` builds them from the ``.po``
files at start-up when they are missing or older than their source.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.config import SUPPORTED_LOCALES

R = TypeVar("R")
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "bot"

# Each language in its own name, for the language picker.
LANGUAGE_NAMES: dict[str, str] = {
    "ru": "Русский",
    "en": "English",
    "kk": "Қазақша",
    "ky": "Кыргызча",
    "tg": "Тоҷикӣ",
    "tk": "Türkmençe",
    "uz": "Oʻzbekcha",
}


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile every ``bot.po`` whose ``bot.mo`` is missing or stale; returns what was built."""
    built: list[Path] = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp_path.replace(mo_path)
        built.append(mo_path)
    return built


def create_i18n(default_locale: str, locales_dir: Path = LOCALES_DIR) -> I18n:
    compile_catalogs(locales_dir)
    return I18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)


def pick_locale(stored: str | None, telegram_code: str | None, default: str) -> str:
    """Her stored choice wins; Telegram's ``language_code`` is only a first guess."""
    if stored in SUPPORTED_LOCALES:
        return stored
    if telegram_code:
        guess = telegram_code.split("-")[0].lower()
        if guess in SUPPORTED_LOCALES:
            return guess
    return default


@contextmanager
def use_locale(i18n: I18n, locale: str) -> Iterator[None]:
    """Render in the recipient's locale (background jobs never use the sender's)."""
    with i18n.context(), i18n.use_locale(locale):
        yield


def localized(i18n: I18n, render: Callable[[dict[str, Any], Any], R]
              ) -> Callable[[dict[str, Any], Any], R]:
    """Wrap a renderer so that its texts come out in the recipient's locale."""
    if inspect.iscoroutinefunction(render):
        async def render_in_async(payload: dict[str, Any], recipient: Any) -> Any:
            with use_locale(i18n, recipient.locale):
                return await render(payload, recipient)

        return render_in_async  # type: ignore[return-value]

    def render_in(payload: dict[str, Any], recipient: Any) -> R:
        with use_locale(i18n, recipient.locale):
            return render(payload, recipient)

    return render_in


def format_datetime(moment: datetime, locale: str, timezone: str) -> str:
    return babel_format_datetime(moment, "medium", tzinfo=ZoneInfo(timezone), locale=locale)


def format_date(moment: datetime, locale: str, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return babel_format_date(local.date(), "medium", locale=locale)


def format_number(value: int | float, locale: str) -> str:
    return format_decimal(value, locale=locale)
