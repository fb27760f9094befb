"""End-to-end: a newcomer fills in her profile, a coordinator of her country approves."""

from __future__ import annotations

import pytest

from tests.emulator.server import UserHandle
from tests.harness import ADMIN_ID, BotHarness


async def make_coordinator(harness: BotHarness, user_id: int, country: str, locale: str = "en"
                           ) -> UserHandle:
    """A coordinator as an administrator would have appointed her (set up through the DB)."""
    user = harness.user(user_id, "Coord", language_code=locale)
    user.user.started = True
    now = "2026-01-01 00:00:00"
    await harness.db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) "
                             "VALUES (?, ?, ?, ?)", (user_id, locale, now, now))
    await harness.db.execute(
        "INSERT INTO profiles (user_id, status, full_name, country_code, agency_code, "
        "years_of_service, created_at, updated_at) VALUES (?, 'approved', 'Coordinator', ?, "
        "'police', 10, ?, ?)", (user_id, country, now, now))
    await harness.db.execute("INSERT INTO coordinators (user_id, country_code, appointed_at) "
                             "VALUES (?, ?, ?)", (user_id, country, now))
    return user


async def onboard(user: UserHandle, language_label: str, *, country_label: str | None,
                  agency_label: str, expertise_label: str, language_spoken: str) -> None:
    await user.send("/start")
    await user.press(language_label)
    await user.press(user.last.button_labels()[0])  # I agree
    await user.send("Aigul Nurlanovna Bekova")
    if country_label:
        await user.press(country_label)
    await user.press(agency_label)
    await user.press(user.last.button_labels()[-1])  # Skip position
    await user.send("12")
    await user.press(expertise_label)
    await user.press(user.last.button_labels()[-2])  # Done (before Back)
    await user.press(language_spoken)
    await user.press(user.last.button_labels()[-2])  # Done
    await user.send("Border officer, <b>15</b> years & counting")
    await user.press(user.last.button_labels()[-2])  # visibility: Done


async def test_english_newcomer_is_approved_by_her_coordinator(harness: BotHarness) -> None:
    coordinator = await make_coordinator(harness, 500, "KG")
    user = harness.user(1001, language_code="en")
    await onboard(user, "English", country_label="Kyrgyzstan", agency_label="Border guard service",
                  expertise_label="Cybercrime", language_spoken="Kyrgyz")
    assert "Please check your profile" in user.last_text
    assert "<b>15</b>" in user.last_text  # escaped: shown literally, not as bold
    await user.press("Send application")
    assert "under review" in user.last_text
    row = await harness.db.fetch_one("SELECT * FROM profiles WHERE user_id = 1001")
    assert row["status"] == "pending"
    assert row["full_name"] == "Aigul Nurlanovna Bekova"
    assert row["years_of_service"] == 12
    card = coordinator.last
    assert "New application" in (card.text or "")
    await coordinator.press("Approve", card)
    row = await harness.db.fetch_one("SELECT status, decided_by FROM profiles WHERE user_id = 1001")
    assert row["status"] == "approved" and row["decided_by"] == 500
    assert "approved" in user.last_text
