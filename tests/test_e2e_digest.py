"""End-to-end: the weekly digest, Monday morning in each country, in each reader's language."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.flows import seed_member, t
from tests.harness import BotHarness

MONDAY_0830_ALMATY = datetime(2026, 1, 19, 3, 30, tzinfo=UTC)  # 08:30 in Almaty (UTC+5)


async def test_digest_goes_out_once_on_monday_morning(harness: BotHarness) -> None:
    reader = await seed_member(harness, 601, "KZ", locale="ru", name="Reader")
    opted_out = await seed_member(harness, 602, "KZ", locale="en")
    kyrgyz = await seed_member(harness, 603, "KG", locale="ky")
    harness.clock.set(MONDAY_0830_ALMATY)
    newcomer = await seed_member(harness, 604, "KZ", name="Newcomer Aliya")
    await opted_out.send("/digest")
    await opted_out.press("Turn it off")
    assert opted_out.last_text == "The weekly digest is off."

    await harness.tick()
    await harness.deliver()
    assert not any("🗓" in text for text in reader.all_texts())  # 08:30: too early
    harness.clock.advance(hours=1)  # 09:30 in Almaty, 10:30 in Bishkek
    await harness.tick()
    await harness.deliver()
    digest = reader.last_text
    assert digest.startswith(t(harness, "ru", "🗓 <b>Your weekly digest</b>")
                             .replace("<b>", "").replace("</b>", ""))
    assert "Newcomer Aliya" in digest
    assert not any("🗓" in text for text in opted_out.all_texts())
    assert kyrgyz.last_text.startswith(t(harness, "ky", "🗓 <b>Your weekly digest</b>")
                                       .replace("<b>", "").replace("</b>", ""))
    assert "Newcomer Aliya" not in kyrgyz.last_text  # her country's newcomers only
    # Later that morning and after a restart: nothing twice.
    await harness.restart()
    harness.clock.advance(hours=1)
    await harness.tick()
    await harness.deliver()
    assert sum("🗓" in text for text in reader.all_texts()) == 1
    await reader.press(t(harness, "ru", "Stop the weekly digest"))
    assert await harness.db.fetch_value(
        "SELECT digest_enabled FROM users WHERE id = 601") == 0
    assert newcomer.id == 604
