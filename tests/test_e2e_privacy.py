"""End-to-end: /mydata holds exactly what the database holds; /delete_me leaves nothing personal."""

from __future__ import annotations

import json

from bot.db.repositories.personal_data import PERSONAL_TABLES
from tests.flows import onboard, seed_member
from tests.harness import BotHarness


async def rows_about(harness: BotHarness, user_id: int) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    """Every row in every table of the database that mentions her id, read independently."""
    found: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    tables = [r["name"] for r in await harness.db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        columns = [r["name"] for r in await harness.db.fetch_all(f"PRAGMA table_info({table})")]
        id_columns = [c for c in columns if c == "id" and table == "users" or c.endswith("_id")
                      or c.endswith("_by")]
        if not id_columns:
            continue
        where = " OR ".join(f"{c} = ?" for c in id_columns)
        rows = await harness.db.fetch_all(f"SELECT * FROM {table} WHERE {where}",
                                          [user_id] * len(id_columns))
        if rows:
            found[table] = [dict(r) for r in rows]
    return found


async def test_mydata_is_exactly_what_the_database_holds(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    user = harness.user(1001, "Aigul")
    await onboard(harness, user, "en")
    await coordinator.press("Approve", coordinator.last)
    await user.send("/mydata")
    document = user.last.document
    assert document is not None and document["file_name"] == "my-data.json"
    assert user.last.raw.get("protect_content") is True
    exported = json.loads(document["content"])
    stored = await rows_about(harness, 1001)
    # The coordinator who approved her appears by role, not by Telegram id.
    assert stored["profiles"][0]["decided_by"] == stored["audit_log"][0]["actor_id"] == 500
    stored["profiles"][0]["decided_by"] = stored["audit_log"][0]["actor_id"] = "a coordinator"
    assert {k: v for k, v in exported.items() if v} == stored
    assert exported["profiles"][0]["full_name"] == "Aigul Bekova"
    assert b": 500" not in document["content"]


async def test_delete_me_leaves_nothing_personal(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    user = harness.user(1001, "Aigul")
    await onboard(harness, user, "en", name="Aigul Unique-Name", bio="Unique bio text")
    await coordinator.press("Approve", coordinator.last)
    await user.send("/delete_me")
    await user.press("No, keep my data")
    assert user.last_text == "Nothing was deleted."
    assert await rows_about(harness, 1001)
    await user.send("/delete_me")
    await user.press("Yes, delete everything")
    assert user.last_text.startswith("Your data has been deleted.")

    assert await rows_about(harness, 1001) == {}
    dump = "\n".join([line async for line in _dump(harness)])
    assert "Aigul Unique-Name" not in dump and "Unique bio text" not in dump
    assert "1001" not in dump
    assert (await harness.db.fetch_value(
        "SELECT value FROM counters WHERE name = 'members_deleted'")) == 1
    # The coordinator's action stays in the log, without her id.
    log = await harness.db.fetch_all("SELECT actor_id, action, target_id FROM audit_log")
    assert [tuple(r) for r in log] == [(500, "approve", None)]
    await user.send("/start")  # she can come back as a newcomer
    assert "✓ English" in user.last.button_labels()


async def _dump(harness: BotHarness):  # type: ignore[no-untyped-def]
    tables = [r["name"] for r in await harness.db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT IN ('reference_labels')")]
    for table in tables:
        for row in await harness.db.fetch_all(f"SELECT * FROM {table}"):
            yield f"{table}: {tuple(row)}"


def test_every_personal_table_is_exported_and_erased() -> None:
    assert set(PERSONAL_TABLES) == {"users", "profiles", "profile_expertise", "profile_languages",
                                    "coordinators", "fsm_states", "chat_members", "outbox",
                                    "event_answers", "event_calendar_takers",
                                    "member_settings", "member_blocks",
                                    "mentor_offers", "mentor_areas", "mentee_requests",
                                    "mentee_goals", "mentor_pairs", "suggestion_lists",
                                    "suggestion_entries", "pair_ratings", "intro_requests",
                                    "intro_candidates", "coffee_skips", "coffee_members",
                                    "scheduled_announcements"}


async def test_matching_traces_are_exported_and_erased(harness: BotHarness) -> None:
    from tests.test_e2e_introductions import ask_to_meet
    from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor

    mentor = await seed_member(harness, 1101, "KZ", name="Mentor Keeps", years=30,
                               agency="interior", username="keeps")
    leaver = await seed_member(harness, 1102, "KG", name="Leaving Member", years=2,
                               username="leaving_user")
    await seed_member(harness, 1103, "TJ", name="Someone", expertise=("border_management",))
    await offer_to_mentor(harness, mentor)
    await look_for_mentor(harness, leaver)
    await leaver.press("Ask mentor 1")
    await harness.deliver()
    await mentor.press("Accept")
    await leaver.send("/coffee")
    await leaver.press("Join coffee rounds")
    await ask_to_meet(harness, leaver)
    await leaver.press("Ask member 1")
    await harness.deliver()

    someone = harness.user(1103, "Member")
    await someone.press("Block this person")  # the member she asked blocks her
    await someone.press("Yes, block her")

    await leaver.send("/mydata")
    exported = json.loads(leaver.last.document["content"])  # type: ignore[index]
    stored = await rows_about(harness, 1102)
    # Everything about her is there, row for row, except that someone blocked her…
    assert stored.pop("member_blocks") == [
        {"user_id": 1103, "blocked_id": 1102, "created_at": "2026-01-15 09:00:00"}]
    assert not exported["member_blocks"]
    assert {k: len(v) for k, v in exported.items() if v} == {k: len(v) for k, v in
                                                             stored.items()}
    for table in ("mentee_requests", "mentee_goals", "mentor_pairs", "member_settings",
                  "intro_requests"):
        assert exported[table], table
    # …and the others in her rows stay anonymous: no id of the mentor or the member asked.
    assert exported["mentor_pairs"][0]["mentee_id"] == 1102
    assert exported["mentor_pairs"][0]["mentor_id"] is None
    text = json.dumps(exported)
    assert "1101" not in text and "1103" not in text and "keeps" not in text

    await leaver.send("/delete_me")
    await leaver.press("Yes, delete everything")
    assert await rows_about(harness, 1102) == {}
    dump = "\n".join([line async for line in _dump(harness)])
    assert "Leaving Member" not in dump and "leaving_user" not in dump
    # Her mentor keeps her own offer, and her place is free again.
    await mentor.send("/mentorship")
    assert "You mentor: 0 of 2 places taken, open." in mentor.last_text
