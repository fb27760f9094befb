"""aiogram-dialog's Calendar in her language and in the event's zone.

The library names months and weekdays with ``strftime`` (the server's C locale, English) and
takes "today" from the machine's clock; here Babel names them in her language (standalone
month names: «январь 2026», "Dü", "Ян") and "today" is the bot's injected clock in the zone
she chose, so the first day offered is today *there* and tests move time with FakeClock.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Calendar
from aiogram.utils.i18n import gettext as _
from aiogram_dialog.widgets.kbd.calendar_kbd import (
    CALLBACK_PREFIX_MONTH,
    CALLBACK_PREFIX_YEAR,
    CalendarDaysView,
    CalendarMonthView,
    CalendarScope,
    CalendarScopeView,
    CalendarUserConfig,
    CalendarYearsView,
    date_from_raw,
)
from aiogram_dialog.widgets.text import Text
from babel.dates import format_date

from bot.clock import Clock
from bot.dialogs import popup
from bot.i18n import babel_locale
from bot.services.event_input import today_in

YEARS_AHEAD = 2
NOTHING = "_"  # a gap or a weekday's name: pressing it does nothing


class LocalDate(Text):
    """A date of the calendar written with a Babel pattern in her language."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = pattern

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        locale = manager.middleware_data["actor"].locale
        return format_date(data["date"], self.pattern, locale=babel_locale(locale))


def calendar_today(manager: DialogManager) -> date:
    clock: Clock = manager.middleware_data["clock"]
    return today_in(manager.dialog_data.get("zone") or "UTC", clock.now())


class LocalCalendar(Calendar):
    def _init_views(self) -> dict[CalendarScope, CalendarScopeView]:
        day = LocalDate("d")
        return {
            CalendarScope.DAYS: CalendarDaysView(
                self._item_callback_data, date_text=day, today_text=day,
                weekday_text=LocalDate("EEEEEE"), header_text=LocalDate("🗓 LLLL y"),
                prev_month_text=LocalDate("« LLL"), next_month_text=LocalDate("LLL »")),
            CalendarScope.MONTHS: CalendarMonthView(
                self._item_callback_data, month_text=LocalDate("LLLL"),
                this_month_text=LocalDate("LLLL"), header_text=LocalDate("🗓 y"),
                prev_year_text=LocalDate("« y"), next_year_text=LocalDate("y »")),
            CalendarScope.YEARS: CalendarYearsView(self._item_callback_data),
        }

    async def _get_user_config(self, data: dict[str, Any], manager: DialogManager
                               ) -> CalendarUserConfig:
        today = calendar_today(manager)
        return CalendarUserConfig(firstweekday=0, min_date=today,
                                  max_date=today + timedelta(days=365 * YEARS_AHEAD))

    async def _render_keyboard(self, data: dict[str, Any], manager: DialogManager) -> Any:
        if self.get_offset(manager) is None:  # the library would use the machine's clock
            chosen = manager.dialog_data.get("day")
            self.set_offset(date.fromisoformat(chosen) if chosen else calendar_today(manager),
                            manager)
        keyboard = await super()._render_keyboard(data, manager)
        # The library fills a gap with " " and no data, which Telegram refuses: weeks wholly
        # before today go, other gaps become a dot that does nothing.
        keyboard = [row for row in keyboard if any(b.text.strip() for b in row)]
        for row in keyboard:
            for index, key in enumerate(row):
                if not key.callback_data or not key.text.strip():
                    row[index] = key.model_copy(update={
                        "text": key.text.strip() or "·",
                        "callback_data": self._item_callback_data(NOTHING)})
        return keyboard

    async def _process_item_callback(self, callback: Any, data: str, dialog: Any,
                                     manager: DialogManager) -> bool:
        if data == NOTHING:
            return True
        if data not in self._handlers and not self._offered(data, manager):
            # forged: no day, month or year the calendar shows (the library would fail on
            # "abc" or take 2100-01-01)
            await popup(callback, _("This button is no longer valid."))
            return True
        return await super()._process_item_callback(callback, data, dialog, manager)

    @staticmethod
    def _offered(data: str, manager: DialogManager) -> bool:
        """A month, a year or a day within the years the calendar offers (a day already
        over is left to the dialog, which says it has passed)."""
        today = calendar_today(manager)
        last = today + timedelta(days=365 * YEARS_AHEAD)
        for prefix, low, high in ((CALLBACK_PREFIX_MONTH, 1, 12),
                                  (CALLBACK_PREFIX_YEAR, today.year, last.year)):
            if data.startswith(prefix):
                number = data.removeprefix(prefix)
                return number.isdigit() and low <= int(number) <= high
        return data.isdigit() and len(data) <= 12 and date_from_raw(int(data)) <= last
