"""End-to-end: the association's chats — binding, joining, leaving and reconciliation."""

from __future__ import annotations

from tests.emulator.server import Chat, Fault, UserHandle
from tests.flows import seed_member
from tests.harness import ADMIN_ID, BotHarness

KZ_CHAT, KG_CHAT, REGION = -1001, -1002, -1009


async def bind(harness: BotHarness, admin: UserHandle, chat_id: int, title: str, scope: str,
               **rights: bool) -> Chat:
    chat = harness.emu.group(chat_id, title)
    await harness.emu.add_bot(chat, admin, **rights)
    await admin.press(scope)
    return chat


async def setup_chats(harness: BotHarness) -> tuple[UserHandle, Chat, Chat, Chat]:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    kz = await bind(harness, admin, KZ_CHAT, "Kazakhstan officers", "Kazakhstan")
    kg = await bind(harness, admin, KG_CHAT, "Kyrgyzstan officers", "Kyrgyzstan")
    region = await bind(harness, admin, REGION, "Regional network", "Regional chat")
    return admin, kz, kg, region


async def join(user: UserHandle, chat: Chat, title: str) -> str:
    """Press the chat's button in /chats and tap the personal link she gets."""
    await user.send("/chats")
    await user.press(title)
    link_message = user.last
    url = link_message.buttons()[0]["url"]
    await user.request_join(chat, url)
    return url


async def test_bind_list_unbind_and_rights_warning(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    chat = harness.emu.group(KZ_CHAT, "Kazakhstan officers")
    await harness.emu.add_bot(chat, admin, can_restrict_members=False)
    offer = admin.last_text
    assert offer.startswith("I was added to «Kazakhstan officers».")
    assert "ban users" in offer
    await admin.press("Kazakhstan")
    assert admin.last_text.startswith("«Kazakhstan officers» is now the chat of Kazakhstan.")
    await admin.send("/channels")
    listing = admin.last_text
    assert "Kazakhstan officers — chat of Kazakhstan" in listing
    assert "⚠️ I still need these rights there: ban users." in listing
    await admin.press("Unbind «Kazakhstan officers»")
    await admin.press("Yes, unbind")  # unbinding asks first (a deliberate change)
    assert "Kazakhstan officers — not bound" in admin.last_text
    await admin.press("Bind «Kazakhstan officers»")
    await admin.press("Regional chat")
    assert await harness.db.fetch_value(
        "SELECT country_code IS NULL FROM bound_chats WHERE chat_id = ?", (KZ_CHAT,)) == 1
    member = await seed_member(harness, 601, "KZ")
    await member.send("/channels")
    assert member.last_text == "This command is for administrators."


async def test_a_chat_added_by_someone_else_is_not_offered(harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    stranger = harness.user(777, "Stranger")
    chat = harness.emu.group(-1077, "Some group")
    await harness.emu.add_bot(chat, stranger)
    assert stranger.bot_messages == []
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM bound_chats") == 0


async def test_group_that_becomes_a_supergroup_is_followed(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    chat = harness.emu.group(-5001, "Old group", chat_type="group")
    await harness.emu.add_bot(chat, admin)
    await admin.press("Uzbekistan")
    new = await harness.emu.migrate_to_supergroup(chat, -1005001, admin)
    assert await harness.db.fetch_value(
        "SELECT country_code FROM bound_chats WHERE chat_id = ?", (-1005001,)) == "UZ"
    member = await seed_member(harness, 601, "UZ")
    await join(member, new, "Old group")
    assert new.members[601] == "member"


async def test_members_join_their_chats_and_no_one_else_gets_in(harness: BotHarness) -> None:
    _, kz, kg, region = await setup_chats(harness)
    member = await seed_member(harness, 601, "KZ")
    await member.send("/chats")
    assert member.last.button_labels() == ["Kazakhstan officers", "Regional network"]
    assert "• Kazakhstan officers — chat of Kazakhstan" in member.last_text  # scope in text
    kz_link = await join(member, kz, "Kazakhstan officers")
    await join(member, region, "Regional network")
    assert kz.members[601] == "member" and region.members[601] == "member"
    link = next(v for v in kz.invite_links.values() if v["invite_link"] == kz_link)
    assert link["creates_join_request"] is True and link["name"] == "member 601"
    await member.send("/chats")
    answer = await member.press("✓ Kazakhstan officers")
    assert answer is not None and answer["text"] == "You are already in this chat."

    # A Kazakh member has no KG button, and a KG link forwarded to her does not let her in.
    kg_member = await seed_member(harness, 602, "KG")
    await kg_member.send("/chats")
    await kg_member.press("Kyrgyzstan officers")
    kg_link = kg_member.last.buttons()[0]["url"]
    await member.request_join(kg, kg_link)
    assert kg.members.get(601) is None and 601 not in kg.pending_requests
    # Strangers and applicants holding forwarded links are declined and told nothing.
    stranger = harness.user(900, "Stranger")
    applicant = await seed_member(harness, 603, "KZ", status="pending")
    for outsider in (stranger, applicant):
        before = len(outsider.bot_messages)
        await outsider.request_join(kz, kz_link)
        assert kz.members.get(outsider.id) is None
        assert len(outsider.bot_messages) == before
    # A forged join button for someone else's country is refused.
    from bot.callbacks import ChatCb

    answer = await member.press_data(ChatCb(action="join", chat_id=KG_CHAT).pack())
    assert answer is not None and answer["text"] == "You are not allowed to do this."


async def test_suspension_removes_her_from_every_chat(harness: BotHarness) -> None:
    _, kz, _, region = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KZ", name="Member Leaving")
    await join(member, kz, "Kazakhstan officers")
    await join(member, region, "Regional network")
    await coordinator.send("/members")
    await coordinator.press("Search")
    await coordinator.press("⚙ 2")
    await coordinator.press("Suspend")
    await coordinator.send("Left the service")
    assert kz.members[601] == "left" and region.members[601] == "left"
    report = coordinator.last_text
    assert report.startswith("Removed from the association's chats:")
    assert "Kazakhstan officers — membership suspended" in report
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM chat_removals") == 0
    # Reinstated, she can come back.
    await coordinator.press("⚙ 2")
    await coordinator.press("Reinstate")
    await coordinator.press("Confirm")  # reinstating asks first (issue 11)
    await join(member, kz, "Kazakhstan officers")
    assert kz.members[601] == "member"


async def test_country_change_and_deletion_remove_her(harness: BotHarness) -> None:
    _, kz, kg, region = await setup_chats(harness)
    mover = await seed_member(harness, 601, "KZ")
    leaver = await seed_member(harness, 602, "KG")
    await join(mover, kz, "Kazakhstan officers")
    await join(leaver, kg, "Kyrgyzstan officers")
    await join(leaver, region, "Regional network")
    await mover.send("/profile")
    await mover.press("Edit country")
    await mover.press("Kyrgyzstan")
    assert kz.members[601] == "member"  # nothing happens before she confirms
    await mover.press("Confirm")
    assert kz.members[601] == "left"
    await leaver.send("/delete_me")
    await leaver.press("Yes, delete everything")
    assert kg.members[602] == "left" and region.members[602] == "left"
    for table in ("chat_removals", "chat_members"):
        assert await harness.db.fetch_value(
            f"SELECT COUNT(*) FROM {table} WHERE user_id = 602") == 0


async def test_removals_interrupted_by_a_crash_finish_after_restart(harness: BotHarness) -> None:
    admin, kz, kg, region = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    members = [await seed_member(harness, 601 + n, "KZ") for n in range(3)]
    for member in members:
        await join(member, kz, "Kazakhstan officers")
        await join(member, region, "Regional network")
    # Telegram stops answering halfway through: the connection drops on every ban.
    harness.emu.faults.append(Fault(error="drop", method="banChatMember", times=None))
    for member in members:
        await member.send("/delete_me")
        await member.press("Yes, delete everything")
    queued = await harness.db.fetch_value("SELECT COUNT(*) FROM chat_removals")
    assert queued == 9  # every bound chat, those she never joined too
    await harness.stop()  # the bot dies with the queue unfinished
    harness.emu.faults.clear()
    await harness.start()
    await harness.tick()  # the first tick after start finishes the queue
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM chat_removals") == 0
    for member in members:
        assert kz.members[member.id] == "left" and region.members[member.id] == "left"
    assert coordinator.last_text.startswith("Removed from the association's chats:")


async def test_reconciliation_finds_a_planted_stranger(harness: BotHarness) -> None:
    admin, kz, _, _ = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    member = await seed_member(harness, 601, "KZ")
    await join(member, kz, "Kazakhstan officers")
    stranger = harness.user(999, "Planted")
    await harness.emu.plant_member(kz, stranger, by=admin)
    await harness.tick()
    for person in (admin, coordinator):
        report = person.last_text
        assert report.startswith("Chat check:")
        assert "Kazakhstan officers: #999 — waiting for your decision" in report
        assert "#601" not in report
    await coordinator.press("Remove #999 from «Kazakhstan officers»")
    assert kz.members[999] == "left" and kz.members[601] == "member"
    log = [tuple(r) for r in await harness.db.fetch_all(
        "SELECT actor_id, action, target_id FROM audit_log WHERE action = 'remove_from_chat'")]
    assert log == [(500, "remove_from_chat", 999)]


async def test_coordinator_posts_to_her_countrys_chat(harness: BotHarness) -> None:
    _, kz, kg, _ = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True)
    await coordinator.send("/post")
    assert coordinator.last.button_labels() == ["Kazakhstan officers — chat of Kazakhstan"]
    await coordinator.press("Kazakhstan officers — chat of Kazakhstan")
    await coordinator.send("Meeting on <Friday> & more")
    assert coordinator.last_text == "Meeting on <Friday> & more"  # the preview
    await coordinator.press("Publish")
    posted = [m for m in kz.messages if m.from_bot]
    assert [m.text for m in posted] == ["Meeting on <Friday> & more"]
    assert coordinator.last_text == "Posted."
    # She cannot post to another country's chat, even with a forged button.
    from bot.callbacks import ChatCb

    answer = await coordinator.press_data(ChatCb(action="post", chat_id=KG_CHAT).pack())
    assert answer is not None and answer["text"] == "You are not allowed to do this."
    assert not [m for m in kg.messages if m.from_bot]
    member = await seed_member(harness, 601, "KZ")
    await member.send("/post")
    assert member.last_text == "This command is for coordinators."


async def test_missing_invite_right_gives_a_clear_answer(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    chat = harness.emu.group(KZ_CHAT, "Kazakhstan officers")
    await harness.emu.add_bot(chat, admin, can_invite_users=False)
    await admin.press("Kazakhstan")
    assert "⚠️ I still need these rights there: invite users via link." in admin.last_text
    member = await seed_member(harness, 601, "KZ")
    await member.send("/chats")
    answer = await member.press("Kazakhstan officers")
    assert answer is not None and answer["text"].startswith("Sorry, something went wrong")


async def test_reconciliation_can_remove_strangers_automatically(
        emulator, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.harness import make_settings

    running = BotHarness(emulator, make_settings(emulator, tmp_path / "auto.sqlite3",
                                                 reconcile_auto_remove=True), clock)
    await running.start()
    try:
        admin, kz, _, _ = await setup_chats(running)
        stranger = running.user(999, "Planted")
        await running.emu.plant_member(kz, stranger, by=admin)
        await running.tick()
        assert kz.members[999] == "left"
        assert "Kazakhstan officers: #999 — removed" in admin.last_text
    finally:
        await running.stop()
