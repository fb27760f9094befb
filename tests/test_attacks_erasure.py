"""Attacks on erasure and exports (issue 10): after /delete_me nothing of her is left in the
database file or its WAL while the bot runs, a digest queued before never names her, a block
against her returns when she comes back with the same Telegram account, and /mydata shows
neither staff ids nor what other people tried."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from tests.emulator.server import Fault, SentMessage, UserHandle
from tests.flows import fill_profile, onboard, seed_member, start_and_accept, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_introductions import ask_to_meet
from tests.test_e2e_invitations import create_code
from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor

NAME = "Zarina Unforgettable"
BIO = "Seconded to the Khorog border post since spring"
GOAL = "My private goal: learn to trace shell companies"
MONDAY_0930_ALMATY = datetime(2026, 1, 19, 4, 30, tzinfo=UTC)
COFFEE_ROUND = datetime(2026, 1, 19, 6, 0, tzinfo=UTC)


def copies_on_disk(harness: BotHarness, *secrets: str) -> dict[str, int]:
    """How often each secret appears in the raw bytes of the database file and its WAL (the
    -shm index holds page numbers only, and is checked too)."""
    path = Path(harness.settings.database_path)
    found: dict[str, int] = {}
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        raw = file.read_bytes() if file.exists() else b""
        for secret in secrets:
            found[f"{file.name}:{secret}"] = raw.count(secret.encode())
    return found


async def delete_me(user: UserHandle) -> None:
    await user.send("/delete_me")
    await user.press("Yes, delete everything")
    assert user.last_text.startswith("Your data has been deleted.")


async def test_nothing_of_her_is_left_in_the_file_or_the_wal(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    user = harness.user(1001, "Zarina")
    await onboard(harness, user, "en", name=NAME, bio=BIO)
    await coordinator.press("Approve", coordinator.last)
    await user.send("/profile")  # she reads her profile: more pages with her name in the WAL
    # A background job reads members on the second connection (as a matching round does).
    assert await harness.db.fetch_all_in_background("SELECT full_name FROM profiles")
    # An open wizard holds what she typed (her goal is written only at the last step).
    await user.send("/mentorship")
    await user.press("Find a mentor")
    await user.press("Cybercrime")
    await user.press("Done")
    await user.send(GOAL)
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM fsm_states WHERE user_id = 1001 AND data LIKE '%shell%'") == 1
    before = copies_on_disk(harness, NAME, BIO, GOAL)
    assert all(before[f"bot.sqlite3-wal:{s}"] + before[f"bot.sqlite3:{s}"] for s in
               (NAME, BIO, GOAL)), before  # she is really on disk before

    await delete_me(user)
    # The bot is still running (its connections are open): nothing of her on disk.
    assert copies_on_disk(harness, NAME, BIO, GOAL) == dict.fromkeys(before, 0)
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM fsm_states WHERE user_id = 1001") == 0
    await user.send("/start")  # the wizard she left open is gone too
    assert "✓ English" in user.last.button_labels()
    assert copies_on_disk(harness, GOAL)[f"bot.sqlite3-wal:{GOAL}"] == 0


async def test_a_digest_queued_before_her_erasure_does_not_name_her(harness: BotHarness) -> None:
    reader = await seed_member(harness, 601, "KZ", name="Reader")
    late_reader = await seed_member(harness, 602, "KZ", name="Late Reader")
    await harness.db.execute("UPDATE profiles SET decided_at = '2026-01-01 09:00:00'")
    harness.clock.set(MONDAY_0930_ALMATY)
    newcomer = await seed_member(harness, 604, "KZ", name="Newcomer Leaving")
    await seed_member(harness, 605, "KZ", name="Newcomer Staying")
    # The first try to reach the late reader fails for a while: her copy is retried.
    harness.emu.faults.append(Fault(502, method="sendMessage", chat_id=602, times=1))
    await harness.tick()  # the digest is queued: both newcomers are in it
    payloads = [r[0] for r in await harness.db.fetch_all(
        "SELECT payload FROM broadcasts WHERE kind = 'digest'")]
    assert payloads and all("Newcomer" not in p for p in payloads)  # ids, never names
    await harness.deliver()
    assert "Newcomer Leaving" in reader.last_text and "Newcomer Staying" in reader.last_text
    assert "2 new members joined in your country this week." in reader.last_text
    assert not any("🗓" in text for text in late_reader.all_texts())
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE recipient_id = 602 AND status = 'pending'") == 1

    await delete_me(newcomer)
    harness.clock.advance(minutes=10)
    await harness.deliver()  # the retry, after her erasure
    digest = late_reader.last_text
    assert digest.startswith("🗓 Your weekly digest")
    assert "Newcomer Staying" in digest and "Newcomer Leaving" not in digest
    assert "1 new member joined in your country this week." in digest
    assert set(copies_on_disk(harness, "Newcomer Leaving").values()) == {0}


async def come_back(harness: BotHarness, user: UserHandle, coordinator: UserHandle) -> None:
    """She onboards again with the same Telegram account and is approved."""
    await user.send("/start")
    await user.press("✓ English")  # her Telegram language, pre-selected
    await user.press("I agree")
    await fill_profile(harness, user, "en", name="Pushy Again", country="KZ",
                       agency="police", expertise="cybercrime", language="ru")
    await user.press("Send application")
    await coordinator.press("Approve", coordinator.last)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = ?", (user.id,)) == "approved"


async def test_a_block_outlives_the_blocked_members_erasure(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, name="Coordinator",
                                    expertise=("forensics",))
    pushy = await seed_member(harness, 821, "KZ", name="Pushy Member", years=2)
    careful = await seed_member(harness, 822, "TJ", name="Careful Member", years=25,
                                expertise=("border_management", "cybercrime"))
    await ask_to_meet(harness, pushy)
    await pushy.press("Ask member 1")
    await harness.deliver()
    await careful.press("Block this person")
    await careful.press("Yes, block her")

    await delete_me(pushy)
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 0
    keys = await harness.db.fetch_all("SELECT user_id, blocked_key FROM block_keys")
    assert [k["user_id"] for k in keys] == [822]
    # a keyed hash (64 hex digits), not her id nor its plain hash (random hex may contain
    # the digits "821" by chance, so that is not what is checked)
    key = keys[0]["blocked_key"]
    assert len(key) == 64 and int(key, 16) >= 0
    assert key not in (hashlib.sha256(b"821").hexdigest(), "821".zfill(64))
    # A block against an erased member is exported to nobody.
    await careful.send("/mydata")
    exported = json.loads(careful.last.document["content"])  # type: ignore[index]
    assert exported["member_blocks"] == [] and "block_keys" not in exported

    await come_back(harness, pushy, coordinator)
    # Introductions: the blocker is not offered her, whatever she asks.
    await ask_to_meet(harness, careful, country="KZ", expertise=None, language=None)
    assert "Pushy Again" not in careful.last_text
    # Mentorship: she offers to mentor; the blocker looking for a mentor is not shown her.
    await offer_to_mentor(harness, pushy)
    await look_for_mentor(harness, careful)
    assert "Pushy Again" not in careful.last_text
    assert careful.last_text.startswith("No mentor fits your goals")
    # Coffee: the two of them alone in a round are not paired.
    for user in (pushy, careful):
        await user.send("/coffee")
        await user.press("Join coffee rounds")
    harness.clock.advance(COFFEE_ROUND - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_members") == 0

    # The block is what kept them apart: unblocked, she is offered again.
    await careful.send("/introduce")
    assert "People you blocked: 1." in careful.last_text
    await careful.press("Blocked people")
    assert "1. Pushy Again" in careful.last_text
    await careful.press("Unblock 1")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM block_keys") == 0
    await careful.send("/mentorship")
    await careful.press("Show suggestions")
    assert "Pushy Again" in careful.last_text


async def test_the_blockers_own_erasure_ends_her_blocks(harness: BotHarness) -> None:
    pushy = await seed_member(harness, 821, "KZ", name="Pushy Member")
    careful = await seed_member(harness, 822, "TJ", name="Careful Member",
                                expertise=("border_management",))
    await ask_to_meet(harness, pushy)
    await pushy.press("Ask member 1")
    await harness.deliver()
    await careful.press("Block this person")
    await careful.press("Yes, block her")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM block_keys") == 1
    await delete_me(careful)
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM block_keys") == 0
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 0


def approve_data(card: SentMessage) -> str:
    """The card's first button: Approve, in the reviewer's language."""
    first = card.buttons()[0]
    assert first["text"] in ("Approve", "Одобрить"), first
    return str(first["callback_data"])


async def test_mydata_names_no_staff_and_no_attempts_of_others(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    second = await seed_member(harness, 502, "KG", coordinator=True)
    admin = harness.user(ADMIN_ID, "Admin")
    admin.user.started = True
    user = harness.user(1001, "Aigul")
    await onboard(harness, user, "en")
    cards = {who: (who.last, approve_data(who.last)) for who in (second, admin)}
    await coordinator.press("Approve", coordinator.last)
    for who, (card, data) in cards.items():  # too late: a coordinator's, an admin's attempt
        await who.press_data(data, card)
    attempts = await harness.db.fetch_all(
        "SELECT actor_id, outcome FROM audit_log WHERE target_id = 1001 ORDER BY id")
    assert [r["actor_id"] for r in attempts] == [500, 502, ADMIN_ID]
    assert [r["outcome"] for r in attempts][0] == "done"
    assert {r["outcome"] for r in attempts[1:]} - {"done"}

    await user.send("/mydata")
    content = user.last.document["content"]  # type: ignore[index]
    exported = json.loads(content)
    for staff in (500, 502, ADMIN_ID):
        assert str(staff).encode() not in content, staff
    assert exported["profiles"][0]["decided_by"] == "a coordinator"
    # What was decided about her stays: what, when, outcome; the others' attempts do not.
    assert [(r["action"], r["actor_id"], r["outcome"]) for r in exported["audit_log"]] == [
        ("approve", "a coordinator", "done")]
    assert exported["audit_log"][0]["at"] == "2026-01-15 09:00:00"


async def test_mydata_names_the_appointing_administrator_by_role(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    await harness.db.execute("UPDATE coordinators SET appointed_by = ? WHERE user_id = 500",
                             (ADMIN_ID,))
    await coordinator.send("/mydata")
    content = coordinator.last.document["content"]  # type: ignore[index]
    assert json.loads(content)["coordinators"][0]["appointed_by"] == "an administrator"
    assert str(ADMIN_ID).encode() not in content


async def test_her_invitations_are_revoked_when_she_leaves(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True)
    code = await create_code(coordinator)
    await delete_me(coordinator)
    rows = await harness.db.fetch_all("SELECT created_by, revoked_at FROM invite_codes")
    assert [(r["created_by"], r["revoked_at"]) for r in rows] == [
        (None, "2026-01-15 09:00:00")]
    user = harness.user(1001, "Nigora", language_code="tg")
    await start_and_accept(harness, user, "tg", start=f"/start {code}")
    valid = t(harness, "tg", "Your invitation is valid: once your profile is complete, you "
                             "are a member right away.")
    assert all(m.text != valid for m in user.bot_messages)


async def test_erasure_with_a_reader_running_still_empties_the_wal(harness: BotHarness
                                                                   ) -> None:
    """The background reader is re-opened after the checkpoint: reads go on working."""
    await seed_member(harness, 700, "KZ", name="Someone Else")
    leaver = await seed_member(harness, 701, "KZ", name="Leaving Soon Member")
    assert len(await harness.db.fetch_all_in_background("SELECT user_id FROM profiles")) == 2
    await delete_me(leaver)
    assert set(copies_on_disk(harness, "Leaving Soon Member").values()) == {0}
    rows = await harness.db.fetch_all_in_background("SELECT user_id FROM profiles")
    assert [r["user_id"] for r in rows] == [700]
