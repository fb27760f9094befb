"""End-to-end: 500 newcomers onboarding at the same time all finish with their own answers."""

from __future__ import annotations

import asyncio

from bot.config import SUPPORTED_LOCALES
from tests.flows import onboard
from tests.harness import BotHarness

NEWCOMERS = int(__import__("os").environ.get("NEWCOMERS", "500"))


async def test_500_newcomers_at_once(harness: BotHarness) -> None:
    countries = ["KZ", "KG", "TJ", "TM", "UZ"]

    async def one(number: int) -> None:
        user = harness.user(10_000 + number, f"User{number}", language_code="en")
        locale = SUPPORTED_LOCALES[number % len(SUPPORTED_LOCALES)]
        await onboard(harness, user, locale, name=f"Member Number {number}",
                      country=countries[number % 5], years=str(number % 46),
                      bio=f"Bio of member {number}")

    await asyncio.gather(*(one(n) for n in range(NEWCOMERS)))
    rows = await harness.db.fetch_all(
        "SELECT p.user_id, p.status, p.full_name, p.country_code, p.years_of_service, p.bio, "
        "u.locale FROM profiles p JOIN users u ON u.id = p.user_id ORDER BY p.user_id")
    assert len(rows) == NEWCOMERS
    for row in rows:
        number = row["user_id"] - 10_000
        assert (row["status"], row["full_name"], row["country_code"], row["years_of_service"],
                row["bio"], row["locale"]) == (
            "pending", f"Member Number {number}", countries[number % 5], number % 46,
            f"Bio of member {number}", SUPPORTED_LOCALES[number % len(SUPPORTED_LOCALES)])
