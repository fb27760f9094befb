"""End-to-end: /mydata as a readable document in her language (with the full JSON attached),
/delete_me saying what goes and what stays, and /help by role and status."""

from __future__ import annotations

import json

from bot.paging import rendered_length
from tests.flows import onboard, ref_label, seed_member, t
from tests.harness import ADMIN_ID, BotHarness


async def test_mydata_is_a_readable_document_with_the_json_attached(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    user = harness.user(1001, "Aigul")
    await onboard(harness, user, "ru", agency="border_guard", expertise="cybercrime",
                  language="ky")
    await coordinator.press("Approve", coordinator.last)
    before = len(user.bot_messages)
    await user.send("/mydata")
    sent = user.bot_messages[before:]
    document = sent[-1].document
    assert document is not None and document["file_name"] == "my-data.json"
    exported = json.loads(document["content"])
    assert exported["profiles"][0]["agency_code"] == "border_guard"  # the JSON stays complete
    assert exported["fsm_states"] is not None
    readable = "\n\n".join(m.text or "" for m in sent[:-1])
    assert all(m.protect_content or m.raw.get("protect_content") for m in sent)
    assert all(rendered_length(m.html or m.text or "") <= 4096 for m in sent[:-1])
    for heading in ("Account", "Profile", "Memberships and roles", "Events", "Mentorship",
                    "Introductions", "Settings and consents", "Recorded actions"):
        assert t(harness, "ru", heading) in readable, heading
    # Values named in her language, never by internal key or id.
    assert ref_label(harness, "agency", "border_guard", "ru") in readable
    assert ref_label(harness, "expertise", "cybercrime", "ru") in readable
    assert ref_label(harness, "country", "KG", "ru") in readable
    assert "Aigul Bekova" in readable
    for internal in ("border_guard", "cybercrime", "fsm:", "1001", "500", "approve_by",
                     "visible_fields", "_id"):
        assert internal not in readable, internal
    assert t(harness, "ru", "Approved the application") in readable
    assert t(harness, "ru", "a coordinator") in readable  # who decided: by role


async def test_a_long_document_is_split_to_fit_telegram(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="kk")
    await harness.db.execute("UPDATE profiles SET bio = ? WHERE user_id = 1001",
                             ("<слово> " * 480,))
    for number in range(60):  # a long log of what was done about her
        await harness.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target_id, outcome) "
            "VALUES ('2026-01-15 09:00:00', 500, 'suspend', 1001, 'done')")
    before = len(user.bot_messages)
    await user.send("/mydata")
    sent = user.bot_messages[before:]
    assert len(sent) >= 3  # at least two text messages and the file
    assert all(rendered_length(m.html or "") <= 4096 for m in sent[:-1])
    assert "&lt;слово&gt;" in "".join(m.html or "" for m in sent[:-1])
    assert sent[-1].document is not None


async def test_delete_me_says_what_goes_and_what_stays(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    await coordinator.send("/delete_me")
    question = coordinator.last_text
    for part in ("Deleted for good:", "your profile and your answers to it",
                 "your coordinator role; the invitations you made stop working", "Kept:",
                 "messages you wrote in the association's chats stay there: the bot cannot "
                 "delete them", "Are you sure?"):
        assert t(harness, "uz", part) in question, part
    await coordinator.press(t(harness, "uz", "No, keep my data"))
    assert coordinator.last_text == t(harness, "uz", "Nothing was deleted.")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM profiles") == 1
    await coordinator.send("/delete_me")
    _message, yes = coordinator.find_button(t(harness, "uz", "Yes, delete everything"))
    await coordinator.press(t(harness, "uz", "Yes, delete everything"))
    assert coordinator.last_text.startswith(t(
        harness, "uz", "Your data has been deleted. Thank you for having been part of the "
        "association. If you ever want to come back, press /start."))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM profiles") == 0
    answer = await coordinator.press_data(yes["callback_data"])  # pressed again
    assert answer is not None and answer["text"] == t(harness, "uz",
                                                      "We store nothing about you.")


async def test_help_follows_her_role_and_status(harness: BotHarness) -> None:
    pending = await seed_member(harness, 601, "KZ", locale="kk", status="pending")
    suspended = await seed_member(harness, 602, "KZ", locale="ru", status="suspended")
    member = await seed_member(harness, 603, "KZ", locale="uz")
    coordinator = await seed_member(harness, 604, "KZ", locale="kk", coordinator=True)
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="ru")

    await pending.send("/help")
    text = pending.last_text
    assert t(harness, "kk", "Your application is under review by your country's "
                            "coordinator.") in text
    assert t(harness, "kk", "/members — find colleagues in the directory") not in text

    await suspended.send("/help")
    text = suspended.last_text
    assert t(harness, "ru", "Your membership is suspended for now: the directory, the chats, "
                            "events and mentorship are paused.") in text
    assert "/chats" not in text  # her menu has no /chats: /help names her coordinator itself
    assert t(harness, "ru", "/members — find colleagues in the directory") not in text

    await member.send("/help")
    text = member.last_text
    assert t(harness, "uz", "/members — find colleagues in the directory") in text
    assert t(harness, "uz", "/invite — create an invitation code") not in text
    assert t(harness, "uz", "/start — begin or continue your registration") not in text

    await coordinator.send("/help")
    text = coordinator.last_text
    assert t(harness, "kk", "/invite — create an invitation code") in text
    assert t(harness, "kk", "/audit — the log of privileged actions") not in text

    await admin.send("/help")
    text = admin.last_text
    assert t(harness, "ru", "/audit — the log of privileged actions") in text
    assert t(harness, "ru", "/invite — create an invitation code") in text
