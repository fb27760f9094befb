"""End-to-end: appoint, dismiss, suspend and reinstate ask first, work once, and tell her
(issue 11)."""

from __future__ import annotations


import asyncio

from bot.callbacks import ReviewAction, ReviewCb
from tests.flows import card_press, onboard, ref_label, seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_chats import setup_chats


def plain(text: str) -> str:
    return text.replace("<b>", "").replace("</b>", "")


async def open_card(harness: BotHarness, staff, number: int,  # type: ignore[no-untyped-def]
                    locale: str):
    await staff.send("/members")
    await staff.press(t(harness, locale, "Search"))
    await staff.press(f"⚙ {number}")
    return staff.last


async def test_appointing_asks_first_and_works_once(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="ru", name="Admin Dana")
    candidate = await seed_member(harness, 601, "KZ", locale="kk", name="Aigerim Nurlanovna")
    card = await open_card(harness, admin, 1, "ru")
    assert "Aigerim Nurlanovna" in (card.text or "")
    kazakhstan = ref_label(harness, "country", "KZ", "ru")
    await admin.press(t(harness, "ru", "Make coordinator"), card)
    question = plain(t(harness, "ru", "Make {name} the coordinator for {country}? She will be "
                       "told.", name="Aigerim Nurlanovna", country=kazakhstan))
    assert (card.text or "").endswith(question)  # the same card, asking
    assert card.button_labels() == [t(harness, "ru", "Confirm"), t(harness, "ru", "Keep")]
    await admin.press(t(harness, "ru", "Keep"), card)
    assert t(harness, "ru", "Make coordinator") in card.button_labels()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coordinators") == 0
    assert not candidate.bot_messages

    await admin.press(t(harness, "ru", "Make coordinator"), card)
    confirm = next(b["callback_data"] for b in card.buttons()
                   if b["text"] == t(harness, "ru", "Confirm"))
    answers = await asyncio.gather(*[admin.press_data(confirm, card) for _ in range(3)])
    assert await harness.db.fetch_value(
        "SELECT country_code FROM coordinators WHERE user_id = 601") == "KZ"
    told = [m for m in candidate.bot_messages if (m.text or "").startswith(t(
        harness, "kk", "You are now a coordinator for {country}. /help shows your new "
        "commands.", country=ref_label(harness, "country", "KZ", "kk"))[:20])]
    assert len(told) == 1  # in her language, once
    already = t(harness, "ru", "She already is the coordinator for {country}.",
                country=kazakhstan)
    handled = t(harness, "ru", "This has already been handled.")
    assert [a["text"] for a in answers if a].count(handled) == 2  # type: ignore[index]
    assert (card.text or "").endswith(t(
        harness, "ru", "{name} is now the coordinator for {country}. She has been told.",
        name="Aigerim Nurlanovna", country=kazakhstan))
    assert not card.buttons()
    # Again later, from a fresh card: she already is; nothing is sent.
    later = await open_card(harness, admin, 1, "ru")
    assert t(harness, "ru", "Make coordinator") not in later.button_labels()
    # A forged "Make coordinator" with a fresh token: the server still says she already is.
    answer = await admin.press_data(ReviewCb(action=ReviewAction.APPOINT_ASK, member_id=601,
                                             value="fresh1").pack(), later)
    assert answer is not None and answer["text"] == already
    # The Confirm pressed earlier, pressed again later: that card has moved on.
    answer = await admin.press_data(confirm, card)
    assert answer is not None and answer["text"] == handled
    await admin.press_data(ReviewCb(action=ReviewAction.APPOINT, member_id=601,
                                    value="fresh2").pack(), later)
    assert [m.text for m in candidate.bot_messages].count(told[0].text) == 1
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'appoint_coordinator'") == 1


async def test_dismissal_asks_tells_her_and_closes_her_cards(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="en")
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky",
                                    name="Bermet <B>")
    applicant = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, applicant, "en")
    review_card = coordinator.last
    assert review_card.buttons()
    await admin.send("/coordinators")
    listing = admin.last
    await admin.press("Remove Bermet <B>", listing)
    kyrgyzstan = ref_label(harness, "country", "KG", "en")
    assert (listing.text or "").endswith(
        f"Remove Bermet <B> as the coordinator for {kyrgyzstan}? She will be told, and the "
        "invitation links she created will stop working.")
    confirm = next(b["callback_data"] for b in listing.buttons() if b["text"] == "Confirm")
    await asyncio.gather(admin.press_data(confirm, listing), admin.press_data(confirm, listing))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coordinators") == 0
    told = [m for m in coordinator.bot_messages if (m.text or "") == t(
        harness, "ky", "You are no longer a coordinator. Your membership stays as it is; the "
        "invitation links you created no longer work.")]
    assert len(told) == 1
    assert (listing.text or "").endswith(
        f"Bermet <B> is no longer the coordinator for {kyrgyzstan}. She has been told.")
    assert not review_card.buttons()  # her review card closed
    answer = await admin.press_data(confirm, listing)  # the same Confirm, later
    assert answer is not None and answer["text"] == "This has already been handled."
    # A forged Confirm with a fresh token: the server still checks her role.
    answer = await admin.press_data(ReviewCb(action=ReviewAction.DISMISS, member_id=500,
                                             value="fresh1").pack(), listing)
    assert answer is not None and answer["text"] == "She is not a coordinator."
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'remove_coordinator'") == 1


async def test_suspension_tells_her_how_to_reach_her_coordinator(harness: BotHarness) -> None:
    _admin, kz_chat, _kg, region = await setup_chats(harness)
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru",
                                    name="Aigerim <Coord>", username="aigerim_kz")
    member = await seed_member(harness, 601, "KZ", locale="kk", name="Dana <Member>")
    await member.send("/chats")
    label = next(b for b in member.last.button_labels() if b.startswith("Kazakhstan officers"))
    await member.press(label)
    await member.request_join(kz_chat, member.last.buttons()[0]["url"])
    assert kz_chat.members[601] == "member"
    card = await open_card(harness, coordinator, 2, "ru")
    assert "Dana <Member>" in (card.text or "")
    await coordinator.press(t(harness, "ru", "Suspend"), card)
    assert (card.text or "").endswith(plain(t(
        harness, "ru", "Suspend {name}? She will be told and removed from the association's "
        "chats. To confirm, type the reason (she will read it).", name="Dana <Member>")))
    assert card.button_labels() == [t(harness, "ru", "Keep")]
    await coordinator.send("Left the service")
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601") == "suspended"
    notice = next(m.text or "" for m in reversed(member.bot_messages)
                  if "Left the service" in (m.text or ""))
    assert notice.startswith(t(harness, "kk", "Your membership has been suspended. Reason: "
                                "{reason}", reason="Left the service"))
    assert t(harness, "kk", "To talk about it, write to your country's coordinator: "
             "{contacts}.", contacts="Aigerim <Coord> (@aigerim_kz)") in notice
    assert str(500) not in notice  # never her id
    # The removal report names who was removed, and from which chats.
    report = coordinator.last_text
    assert report.startswith(t(harness, "ru", "Removed from the association's chats:"))
    assert "\nDana <Member>\n• Kazakhstan officers — " in report
    assert kz_chat.members[601] == "left" and region.members.get(601) != "member"

    card = await open_card(harness, coordinator, 2, "ru")
    await coordinator.press(t(harness, "ru", "Reinstate"), card)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601") == "suspended"
    confirm = next(b["callback_data"] for b in card.buttons()
                   if b["text"] == t(harness, "ru", "Confirm"))
    answers = await asyncio.gather(coordinator.press_data(confirm, card),
                                   coordinator.press_data(confirm, card))  # a double tap
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601") == "approved"
    assert [a["text"] for a in answers if a].count(  # type: ignore[index]
        t(harness, "ru", "This has already been handled.")) == 1
    assert [m.text for m in member.bot_messages].count(member.last_text) == 1
    assert member.last_text == t(harness, "kk", "Your membership has been reinstated. Welcome "
                                 "back! You can join the association's chats again with /chats.")
    assert (card.text or "").endswith(t(harness, "ru", "Membership of {name} reinstated. She has "
                                        "been told.", name="Dana <Member>"))


async def test_suspension_without_a_reachable_coordinator_names_no_one(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="en")
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, name="No Handle")
    member = await seed_member(harness, 601, "TM", locale="en", name="Turkmen Member")
    await admin.send("/help")
    await admin.press_data(card_press(ReviewAction.SUSPEND, 601))
    await admin.send("Misconduct")
    assert member.last_text.endswith(
        "To talk about it, write to the association's administrators.")
    assert "No Handle" not in member.last_text
    # a coordinator without a username is named, without any link
    kg_member = await seed_member(harness, 602, "KG", locale="en", name="Kyrgyz Member")
    await coordinator.send("/help")
    await coordinator.press_data(card_press(ReviewAction.SUSPEND, 602))
    await coordinator.send("Misconduct")
    assert kg_member.last_text.endswith(
        "To talk about it, write to your country's coordinator: No Handle.")
