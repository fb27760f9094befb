"""End-to-end: coffee rounds on an injected clock — opt in, the day-before notice, a skip, an
odd count (one trio), contacts to partners only, the follow-up, and no repeat next time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.flows import seed_member, t
from tests.harness import BotHarness

# The clock starts on Thursday 2026-01-15 09:00 UTC: the first round is Monday 19th, 06:00.
ROUND = datetime(2026, 1, 19, 6, 0, tzinfo=UTC)


async def test_a_round_with_a_skip_and_an_odd_count(harness: BotHarness) -> None:
    people = {
        901: await seed_member(harness, 901, "KZ", name="Coffee KZ1", username="kz1"),
        902: await seed_member(harness, 902, "KZ", name="Coffee KZ2", username="kz2",
                               locale="kk"),
        903: await seed_member(harness, 903, "KG", name="Coffee KG1", username="kg1"),
        904: await seed_member(harness, 904, "TJ", name="Coffee TJ1", username="tj1",
                               locale="ru"),
        905: await seed_member(harness, 905, "UZ", name="Coffee UZ1", username="uz1"),
        906: await seed_member(harness, 906, "TM", name="Coffee TM1", username="tm1"),
    }
    outsider = await seed_member(harness, 907, "KG", name="Not Opted In", username="nope")
    turkmen_only = await seed_member(harness, 908, "TM", name="Only Turkmen",
                                     languages=("tk",))
    for user_id, user in people.items():
        locale = {902: "kk", 904: "ru"}.get(user_id, "en")
        await user.send("/coffee")
        await user.press(t(harness, locale, "Join coffee rounds"))
        assert t(harness, locale, "You take part. Next round: {when}.", when="")[:10] in \
            user.last_text
    await turkmen_only.send("/coffee")
    await turkmen_only.press("Join coffee rounds")

    # The day before: everyone taking part is told and may skip.
    harness.clock.advance(ROUND - timedelta(days=1) - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    notice = "☕ Tomorrow is a coffee round: I will pair you with a member to talk with. Busy " \
             "this time?"
    assert people[901].last_text.startswith(notice)
    assert not outsider.bot_messages
    await people[906].press("Skip this round")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_skips") == 1
    await harness.restart()  # nothing of the round lives in memory
    await harness.tick()
    await harness.deliver()
    assert len([text for text in people[901].all_texts() if text.startswith(notice)]) == 1

    harness.clock.advance(ROUND - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    groups = await harness.db.fetch_all(
        "SELECT group_id, group_concat(user_id) FROM coffee_members GROUP BY group_id")
    members = sorted(int(u) for _g, ids in groups for u in ids.split(","))
    assert members == [901, 902, 903, 904, 905]  # skipped, unmatched and outsiders left out
    sizes = sorted(len(ids.split(",")) for _g, ids in groups)
    assert sizes == [2, 3]  # five people: a pair and a trio
    for _group, ids in groups:
        group = [int(u) for u in ids.split(",")]
        for user_id in group:
            message = people[user_id].last
            assert message.protect_content
            for partner in group:
                if partner != user_id:
                    assert f"@{people[partner].user.username}" in (message.text or "")
            for stranger in set(people) - set(group):
                assert f"@{people[stranger].user.username}" not in (message.text or "")
    assert "@" not in "\n".join(people[906].all_texts()[1:])  # she skipped: no partner
    assert turkmen_only.last_text.startswith("☕ This coffee round I could not find you a "
                                             "partner")
    # Cross-border where possible: no pair of two from the same country.
    countries = {901: "KZ", 902: "KZ", 903: "KG", 904: "TJ", 905: "UZ"}
    for _group, ids in groups:
        group = [int(u) for u in ids.split(",")]
        if len(group) == 2:
            assert countries[group[0]] != countries[group[1]]

    # A week later: "Did you meet?"
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    partners = next(ids for _g, ids in groups if "903" in ids.split(","))
    names = [f"Coffee {people[int(u)].user.username.upper()}" for u in partners.split(",")
             if u != "903"]
    assert people[903].last_text in (f"☕ Did you meet {' and '.join(names)}?",
                                     f"☕ Did you meet {' and '.join(reversed(names))}?")
    await people[903].press("Yes, we met")
    assert await harness.db.fetch_value(
        "SELECT met FROM coffee_members WHERE user_id = 903") == "yes"
    assert not people[903].last.buttons()  # answered: the question keeps no buttons
    answer = await people[903].press_data(f"k1:met:no:0:{partners and 1}", people[903].last)
    assert answer is not None and answer["text"] in ("This button is no longer valid.",
                                                     "This button is not meant for you.")

    # The next round a fortnight later repeats no pair.
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    second = await harness.db.fetch_all(
        "SELECT g.round_id, group_concat(m.user_id) FROM coffee_members m JOIN coffee_groups g "
        "ON g.id = m.group_id GROUP BY m.group_id")
    first_pairs = {frozenset(map(int, ids.split(","))) for _r, ids in second if _r == 1}
    later = [frozenset(map(int, ids.split(","))) for r, ids in second if r != 1]
    assert later, "the second round paired people"
    for group in later:
        for earlier in first_pairs:
            assert len(group & earlier) < 2, "a pair from the last rounds was repeated"


async def test_leaving_and_strangers(harness: BotHarness) -> None:
    member = await seed_member(harness, 921, "KZ")
    applicant = await seed_member(harness, 922, "KZ", status="pending")
    await applicant.send("/coffee")
    assert applicant.last_text == ("This opens once your application is approved: it is still "
                                   "being reviewed. I will write to you as soon as it is "
                                   "decided.")
    await member.send("/coffee")
    await member.press("Join coffee rounds")
    assert await harness.db.fetch_value(
        "SELECT coffee_opt_in FROM member_settings WHERE user_id = 921") == 1
    await member.press("Leave coffee rounds")
    assert await harness.db.fetch_value(
        "SELECT coffee_opt_in FROM member_settings WHERE user_id = 921") == 0
    assert "You do not take part." in member.last_text
    await member.press_data("k1:met:yes:0:999", member.last)  # a group she is not in
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_members") == 0


async def test_a_partner_who_left_meanwhile_is_not_introduced(harness: BotHarness) -> None:
    stays = await seed_member(harness, 931, "KZ", name="Stays", username="stays")
    leaves = await seed_member(harness, 932, "KG", name="Leaves", username="leaves")
    for user in (stays, leaves):
        await user.send("/coffee")
        await user.press("Join coffee rounds")
    harness.clock.advance(ROUND - harness.clock.now())
    await harness.tick()  # paired; the messages wait in the outbox
    await leaves.send("/coffee")
    await leaves.press("Leave coffee rounds")
    await harness.deliver()
    assert stays.last_text.startswith("☕ This coffee round I could not find you a partner")
    assert not any("@stays" in (m.text or "") for m in leaves.bot_messages)
    assert not any("@leaves" in (m.text or "") for m in stays.bot_messages)
