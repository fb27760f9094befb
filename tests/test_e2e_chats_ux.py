"""End-to-end: /chats marks the chats she is in, tells a suspended member whom to write to,
and unbinding a chat asks first."""

from __future__ import annotations

from tests.flows import ref_label, seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_chats import KZ_CHAT, REGION, bind, join


async def test_chats_she_has_joined_are_ticked(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    kz = await bind(harness, admin, KZ_CHAT, "KZ members", "Kazakhstan")
    await bind(harness, admin, REGION, "Regional network", "Regional chat")
    member = await seed_member(harness, 601, "KZ", locale="kk")
    kz_label, region_label = "KZ members", "Regional network"  # the scope is in the text
    await member.send("/chats")
    assert member.last.button_labels() == [kz_label, region_label]
    await join(member, kz, kz_label)
    await member.send("/chats")
    assert member.last.button_labels() == ["✓ " + kz_label, region_label]
    assert t(harness, "kk", "✓ marks the chats you are already in.") in member.last_text
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM chat_members WHERE user_id = 601") == 1


async def test_a_suspended_member_is_told_whom_to_write_to(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    await bind(harness, admin, KZ_CHAT, "KZ members", "Kazakhstan")
    await seed_member(harness, 500, "KZ", coordinator=True, name="Aigerim <Coord>",
                      username="coord_kz")
    member = await seed_member(harness, 601, "KZ", locale="ru", status="suspended")
    await member.send("/chats")
    text = member.last_text
    assert text.startswith(t(harness, "ru", "Your membership is suspended for now, so the "
                             "association's chats are closed to you until it is settled."))
    assert t(harness, "ru", "The association's chats are open to members once their "
                            "application is approved.") not in text
    assert text.endswith(t(harness, "ru", "To settle it, write to your country's coordinator: "
                                          "{contacts}", contacts="Aigerim <Coord> — @coord_kz"))
    assert "&lt;Coord&gt;" in (member.last.html or "")  # her name escaped
    assert member.last.buttons() == []  # no join buttons while suspended


async def test_unbinding_a_chat_asks_first(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="uz")
    await bind(harness, admin, KZ_CHAT, "KZ members", ref_label(harness, "country", "KZ", "uz"))
    await admin.send("/channels")
    unbind = t(harness, "uz", "Unbind «{title}»", title="KZ members")
    await admin.press(unbind)
    assert admin.last_text == t(harness, "uz", "Unbind «{title}»? Members will no longer be "
                                "let in through the bot.", title="KZ members")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM bound_chats") == 1
    await admin.press(t(harness, "uz", "Keep it"))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM bound_chats") == 1
    assert unbind in admin.last.button_labels()
    await admin.press(unbind)
    _message, yes = admin.find_button(t(harness, "uz", "Yes, unbind"))
    await admin.press(t(harness, "uz", "Yes, unbind"))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM bound_chats") == 0
    assert admin.last_text.startswith(t(harness, "uz", "✓ «{title}» is unbound.",
                                        title="KZ members"))
    answer = await admin.press_data(yes["callback_data"])  # a double tap
    assert answer is not None and answer["text"] == t(harness, "uz",
                                                      "This has already been handled.")
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'unbind_chat'") == 1
