"""End-to-end: invitation codes — valid, reused, expired, revoked and made-up."""

from __future__ import annotations

import re

from tests.emulator.server import UserHandle
from tests.flows import fill_profile, ref_label, seed_member, start_and_accept, t
from tests.harness import BotHarness


async def create_code(coordinator: UserHandle, uses: str = "1", days: str = "7") -> str:
    await coordinator.send("/invite")
    await coordinator.press(uses)
    await coordinator.press(f"{days} days")
    match = re.search(r"\?start=([A-Za-z0-9_-]+)", coordinator.last_text)
    assert match, coordinator.last_text
    return match.group(1)


async def test_valid_code_makes_her_a_member_of_that_country(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True)
    code = await create_code(coordinator)
    assert "association_test_bot" in coordinator.last_text
    assert len(code) >= 16  # 96 random bits, URL-safe
    user = harness.user(1001, "Nigora", language_code="tg")
    await start_and_accept(harness, user, "tg", start=f"/start {code}")
    assert any(t(harness, "tg", "Your invitation is valid: once your profile is complete, you "
                                "are a member right away.") == m.text for m in user.bot_messages)
    await fill_profile(harness, user, "tg", country=None, language="tg")  # no country question
    await user.press(t(harness, "tg", "Send application"))
    row = await harness.db.fetch_one(
        "SELECT status, country_code FROM profiles WHERE user_id = 1001")
    assert (row["status"], row["country_code"]) == ("approved", "TJ")
    assert (await harness.db.fetch_value("SELECT used_count FROM invite_codes")) == 1
    stored = await harness.db.fetch_value("SELECT code_hash FROM invite_codes")
    assert code not in stored  # only a hash is kept


LAPSED = ("Your invitation can no longer be used (it was withdrawn, used up or has expired). "
          "Your country was taken from it: {country}. Check it, then send your application; "
          "your country's coordinator will review it.")


async def test_single_use_code_cannot_be_used_twice(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True)
    code = await create_code(coordinator)
    first, second = harness.user(1001, "A"), harness.user(1002, "B")
    await start_and_accept(harness, first, "en", start=f"/start {code}")
    await fill_profile(harness, first, "en", country=None)
    await first.press("Send application")  # the use is taken when she sends her profile
    await second.send(f"/start {code}")
    assert second.bot_messages[0].text == (
        "This invitation link has already been used. Ask your coordinator for a new one, "
        "or apply without it.")


async def test_two_people_racing_for_the_last_use(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True)
    code = await create_code(coordinator)
    first, second = harness.user(1001, "A"), harness.user(1002, "B")
    for user in (first, second):  # both hold a valid link and fill in their profiles
        await start_and_accept(harness, user, "en", start=f"/start {code}")
        await fill_profile(harness, user, "en", country=None)
    import asyncio

    await asyncio.gather(first.press("Send application"), second.press("Send application"))
    rows = await harness.db.fetch_all(
        "SELECT user_id, status FROM profiles WHERE user_id IN (1001, 1002) ORDER BY status")
    assert [r["status"] for r in rows] == ["approved", "draft"]
    assert (await harness.db.fetch_value("SELECT used_count FROM invite_codes")) == 1
    # The one who came second is told on her summary, in the same message, and nothing was
    # sent: her country came from the invitation, so she may check it first.
    late = first if rows[1]["user_id"] == 1001 else second
    late.new_messages()
    summary = late.last
    assert LAPSED.format(country="Tajikistan") in summary.text
    await late.press("Edit country", summary)
    await late.press("Kyrgyzstan")
    await late.press("Send application")
    assert await harness.db.fetch_value(
        f"SELECT status || ' ' || country_code FROM profiles WHERE user_id = {late.id}"
    ) == "pending KG"


async def test_withdrawn_during_sign_up_falls_back_to_review(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    code = await create_code(coordinator, uses="5")
    user = harness.user(1001, "A")
    await start_and_accept(harness, user, "en", start=f"/start {code}")
    await fill_profile(harness, user, "en", country=None)
    await coordinator.send("/invites")
    await coordinator.press(f"Withdraw {code[:4]}…")
    await coordinator.press("Yes, withdraw")
    user.new_messages()
    await user.press("Send application")
    assert user.new_messages() == []  # the summary says it, edited in place
    assert LAPSED.format(country="Kazakhstan") in user.last_text
    await user.press("Send application")
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    assert await harness.db.fetch_value("SELECT used_count FROM invite_codes") == 0
    assert coordinator.last_text.startswith("New application")


async def test_invitation_works_for_someone_who_started_on_her_own(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True)
    code = await create_code(coordinator)
    user = harness.user(1001, "A")
    await start_and_accept(harness, user, "en")
    await user.send("Dilnoza Karimova")
    await user.send(f"/start {code}")
    assert "Your invitation is valid: once your profile is complete, you are a member right " \
           "away." in [m.text for m in user.bot_messages]
    await user.send("/cancel")
    await user.send("/profile")
    await user.press(ref_label(harness, "agency", "police", "en"))
    await user.press("Leave empty")
    await user.send("7")
    await user.press(ref_label(harness, "expertise", "cybercrime", "en"))
    await user.press("Done")
    await user.press(ref_label(harness, "language", "uz", "en"))
    await user.press("Done")
    await user.press("Leave empty")
    await user.press("Done")
    await user.press("Send application")
    row = await harness.db.fetch_one(
        "SELECT status, country_code FROM profiles WHERE user_id = 1001")
    assert (row["status"], row["country_code"]) == ("approved", "UZ")


async def test_expired_revoked_and_made_up_codes(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    expiring = await create_code(coordinator, uses="5", days="7")
    revoked = await create_code(coordinator, uses="5", days="30")
    await coordinator.send("/invites")
    await coordinator.press(f"Withdraw {revoked[:4]}…")
    await coordinator.press("Yes, withdraw")
    assert coordinator.last_text.startswith(
        f"✓ The invitation starting with {revoked[:4]}… is withdrawn.")
    harness.clock.advance(days=8)

    cases = {
        expiring: "This invitation link has expired. Ask your coordinator for a new one, or "
                  "apply without it.",
        revoked: "This invitation link has been withdrawn. Ask your coordinator for a new one, "
                 "or apply without it.",
        "madeUpCode12345": "This invitation link is not valid. Check the link, or apply "
                           "without it: your coordinator will verify you.",
    }
    for number, (code, expected) in enumerate(cases.items()):
        user = harness.user(2000 + number, "X")
        await user.send(f"/start {code}")
        assert user.bot_messages[0].text == expected
        # She can still apply the ordinary way.
        assert "✓ English" in user.last.button_labels()
    actions = [r["action"] for r in await harness.db.fetch_all(
        "SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["create_invitation", "create_invitation", "revoke_invitation"]


async def test_members_and_strangers_cannot_make_or_revoke_codes(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    other = await seed_member(harness, 501, "KG", coordinator=True)
    member = await seed_member(harness, 502, "KZ")
    await create_code(coordinator)
    await member.send("/invite")
    assert member.last_text == "This command is for coordinators."
    from bot.callbacks import InviteCb

    answer = await other.press_data(InviteCb(action="revoke", code_id=1).pack(),
                                    coordinator.last)
    assert answer is not None and answer["text"] == "You are not allowed to do this."
    assert (await harness.db.fetch_value("SELECT revoked_at FROM invite_codes")) is None
