"""Independent trial of the events issue (12): what still breaks when a coordinator, members and
an attacker use the event flows. Each test is one finding and fails until it is fixed."""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import EventAction, EventCb
from bot.services.message_kinds import MessageKind
from sandbox.emulator.server import Fault
from tests.flows import publish_draft, seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_chats import REGION, setup_chats
from tests.test_e2e_event_notices import START, TEXTS, card_of, current, publish, run


def bot_posts(chat) -> list:  # type: ignore[no-untyped-def]
    return [m for m in chat.messages if m.from_bot]


async def test_a_rating_cannot_be_forged_before_the_event_took_place(
        harness: BotHarness) -> None:
    """A member who answered Going sends a forged "rate 1" while the event is still days
    ahead: it is stored and counts in the organiser's report."""
    await seed_member(harness, ADMIN_ID, "KZ")
    member = await seed_member(harness, 601, "UZ", locale="uz")
    event = await publish(harness, start=harness.clock.now() + timedelta(days=5))
    await member.press(t(harness, "uz", "Going"), card_of(member))
    answer = await member.press_data(
        EventCb(action=EventAction.RATE, event_id=event.id, value="1").pack(), card_of(member))
    assert await harness.db.fetch_value(
        "SELECT rating FROM event_answers WHERE user_id = 601") is None
    assert answer is not None and answer.get("text") != t(harness, "uz", "Thank you!")


async def test_a_cancelled_event_is_not_posted_to_the_chats_from_the_old_button(
        harness: BotHarness) -> None:
    """The organiser's "Also post it to the association's chats" button stays under
    "Published." after she cancels the event; pressing it posts the cancelled event to the
    chats with "Answer in the bot"."""
    admin, _kz, _kg, region = await setup_chats(harness)
    await seed_member(harness, 601, "KZ", locale="ru")
    event = await publish(harness)
    await harness.app.event_service.cancel(await current(harness, event))  # type: ignore[union-attr]
    await harness.deliver()
    before = len(bot_posts(region))
    await admin.press_data(EventCb(action=EventAction.TO_CHATS, event_id=event.id).pack())
    assert len(bot_posts(region)) == before


async def test_a_past_event_is_not_posted_to_the_chats(harness: BotHarness) -> None:
    """The same button pressed after the event: the chats get an invitation to something
    that is over."""
    admin, _kz, _kg, region = await setup_chats(harness)
    event = await publish(harness)
    harness.clock.set(START + timedelta(days=1))
    await run(harness)
    before = len(bot_posts(region))
    await admin.press_data(EventCb(action=EventAction.TO_CHATS, event_id=event.id).pack())
    assert len(bot_posts(region)) == before


async def test_posting_to_the_chats_can_be_tried_again_after_a_502(
        harness: BotHarness) -> None:
    """Telegram answers 502 to the post: she reads "Please try again in a moment", but the
    button is gone and the post is claimed for good — pressing it again posts nothing."""
    admin, _kz, _kg, region = await setup_chats(harness)
    event = await publish(harness)
    harness.emu.faults.append(Fault(error=502, method="sendMessage", chat_id=REGION, times=1))
    data = EventCb(action=EventAction.TO_CHATS, event_id=event.id).pack()
    await admin.press_data(data)
    assert "try again" in admin.last_text
    assert bot_posts(region) == []
    await admin.press_data(data)  # a moment later, as she was told
    assert len(bot_posts(region)) == 1
    assert (bot_posts(region)[0].text or "").startswith("📅 " + TEXTS["ru"]["title"])


async def test_the_post_to_chats_button_fits_a_phone(harness: BotHarness) -> None:
    """After Publish the administrator (English) gets a 39-character label: "Also post it to
    the association's chats" (UX.md: ≤ 24)."""
    admin, _kz, _kg, _region = await setup_chats(harness)
    await seed_member(harness, 601, "KZ")
    from tests.flows import draft_event

    await draft_event(harness, admin)
    await publish_draft(admin)
    labels = [label for m in admin.bot_messages for label in m.button_labels()
              if "chat" in label.lower()]
    assert labels and all(len(label) <= 24 for label in labels), labels


async def test_an_event_that_took_place_cannot_be_cancelled_from_its_old_card(
        harness: BotHarness) -> None:
    """The organiser's /events card from before the event keeps "Cancel event"; the day
    after, it still cancels the event that took place and tells everyone who went that it
    "has been cancelled" — after they were asked "How was it?"."""
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    member = await seed_member(harness, 601, "KZ", locale="ru")
    await publish(harness)
    await member.press(t(harness, "ru", "Going"), card_of(member))
    await admin.send("/events")
    old_card = admin.last
    harness.clock.set(START + timedelta(days=1))
    await run(harness)
    await admin.press("Cancel event", old_card)
    if admin.last.button_labels() and "Cancel the event" in admin.last.button_labels():
        await admin.press("Cancel the event")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM events") == "published"
    told = t(harness, "ru", "❌ This event has been cancelled:").split(":")[0]
    assert not any(told in text for text in member.all_texts())


async def test_narrowing_the_audience_says_who_loses_the_event_and_stops_her_reminders(
        harness: BotHarness) -> None:
    """The administrator narrows a Kazakhstan + Kyrgyzstan event to Kazakhstan. The
    confirmation speaks only of "0 more members"; the Kyrgyz member who answered Going is not
    told, her card's buttons now answer "no longer open", yet the reminders still come."""
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    await seed_member(harness, 601, "KZ", locale="ru")
    kyrgyz = await seed_member(harness, 602, "KG", locale="ky")
    app = harness.app
    assert app is not None
    event_id = await app.events.create(ADMIN_ID, "KG,KZ", "Seminar", "Joint work", START,
                                       "Asia/Bishkek", 120, "Bishkek", harness.clock.now(), {})
    event = await app.events.get(event_id)
    assert event is not None
    await app.delivery.enqueue(MessageKind.EVENT, event.payload(), [601, 602], ADMIN_ID)
    await harness.deliver()
    await kyrgyz.press(t(harness, "ky", "Going"), card_of(kyrgyz))
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Audience")
    await admin.press("Kazakhstan")  # the picker starts empty: Kazakhstan alone
    await admin.press("Done")
    confirm = admin.last_text
    await admin.press("Save")
    assert await harness.db.fetch_value("SELECT audience FROM events") == "KZ"
    assert "1" in confirm, confirm  # she should read that one member loses it
    harness.clock.set(START - timedelta(hours=1))
    await run(harness)
    assert not any((text or "").startswith("⏰") for text in kyrgyz.all_texts())


async def test_a_502_at_publish_still_tells_her_it_was_published(harness: BotHarness) -> None:
    """Telegram answers 502 to "Published. /events shows the answers.": the event goes out,
    but the organiser is left with her confirmation and no word of what happened."""
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True, locale="tg")
    await seed_member(harness, 601, "TJ", locale="tg")
    await seed_member(harness, 602, "TJ", locale="tg")
    from tests.test_e2e_event_form import up_to_the_day
    from tests.flows import nt, ref_label

    await up_to_the_day(harness, coordinator, "tg", "Seminar")
    await coordinator.send("20.01.2026 10:00")
    await coordinator.press(nt(harness, "tg", "{hours} hour", "{hours} hours", 2, hours=2))
    await coordinator.send("Dushanbe")
    await coordinator.press(ref_label(harness, "country", "TJ", "tg"))
    await coordinator.press(t(harness, "tg", "Publish"))
    harness.emu.faults.append(Fault(error=502, method="sendMessage", chat_id=500, times=1))
    await coordinator.press(t(harness, "tg", "Yes, publish"))
    await harness.deliver()
    await run(harness)
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM events") == 1
    texts = coordinator.all_texts()
    published_word = t(harness, "tg", "Published. /events shows the answers.")
    assert any(published_word in text for text in texts) or any(
        "2" in text and text != coordinator.bot_messages[0].text for text in texts[-2:]), texts


async def test_the_attendee_list_shows_when_she_answered_not_when_she_rated(
        harness: BotHarness) -> None:
    """A rating overwrites the answer's time: the list's "Answered at" reads the moment she
    tapped a mark after the event — which also tells the organiser who rated, and with the
    report opened between two marks, what each gave (ratings are meant to be anonymous)."""
    from bot.i18n import format_datetime

    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="ru")
    member = await seed_member(harness, 601, "KZ", locale="ru", name="Aigerim")
    answered = harness.clock.now()
    await publish(harness)
    await member.press(t(harness, "ru", "Going"), card_of(member))
    harness.clock.set(START + timedelta(hours=3))
    await run(harness)
    await member.press("2")
    await admin.send("/events")
    await admin.press(admin.last.button_labels()[0])
    await admin.press(t(harness, "ru", "Attendee list"))
    csv_text = admin.last.document["content"].decode("utf-8-sig")  # type: ignore[index]
    row = next(line for line in csv_text.splitlines() if line.startswith("Aigerim"))
    assert format_datetime(answered, "ru", "Asia/Almaty") in row, row


async def test_a_two_digit_year_is_read_as_people_write_it_on_a_phone(
        harness: BotHarness) -> None:
    """"20.01.26 10:00" — the way most people type a date on a phone — gets "I could not read
    that" (UX.md: accept what people naturally type)."""
    from tests.test_e2e_event_form import up_to_the_day

    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    await up_to_the_day(harness, coordinator, "uz", "Seminar")
    await coordinator.send("20.01.26 10:00")
    assert t(harness, "uz", "Duration") in coordinator.last_text, coordinator.last_text


async def test_a_day_past_the_end_of_the_month_is_explained_precisely(
        harness: BotHarness) -> None:
    """"31.02.2027" is explained ("31 February does not exist") but "32.01.2026" only gets
    the generic "I could not read that. Please write it like 25.12.2026."."""
    from tests.test_e2e_event_form import up_to_the_day

    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    await up_to_the_day(harness, coordinator, "ky", "Seminar")
    await coordinator.send("32.01.2026")
    generic = t(harness, "ky", "I could not read that. Please write it like {example}.",
                example="25.12.2026")
    assert generic not in coordinator.last_text, coordinator.last_text


async def test_a_double_tap_on_save_tells_the_members_once(harness: BotHarness) -> None:
    """Save in the edit dialog tapped twice quickly: both taps save, the member gets the
    change notice "Joy: Toshkent → Samarqand" and then a second, empty "This event has
    changed:" with nothing under it (UX.md: every consequential button works once)."""
    import asyncio

    from tests.test_e2e_event_form import card_of as seminar_card
    from tests.test_e2e_event_form import published

    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    member = await seed_member(harness, 601, "UZ", locale="uz")
    await published(harness, coordinator, "uz", "UZ")
    await member.press(t(harness, "uz", "Going"), seminar_card(member))
    await coordinator.send("/events")
    await coordinator.press(t(harness, "uz", "Edit"))
    await coordinator.press(t(harness, "uz", "Place"))
    await coordinator.send("Samarqand")
    confirm = coordinator.last
    save = t(harness, "uz", "Save")
    await asyncio.gather(coordinator.press(save, confirm), coordinator.press(save, confirm))
    await harness.deliver()
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'edit_event'") == 1
    changed = t(harness, "uz", "✏️ This event has changed:")
    assert sum(text.startswith(changed) for text in member.all_texts()) == 1


async def test_saving_an_unchanged_value_tells_nobody(harness: BotHarness) -> None:
    """She opens Place, types the place it already has and saves: everyone who answered gets
    "This event has changed:" with nothing changed, and the card's calendar file a new
    SEQUENCE."""
    from tests.test_e2e_event_form import card_of as seminar_card
    from tests.test_e2e_event_form import published

    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    member = await seed_member(harness, 601, "KG", locale="ky")
    await published(harness, coordinator, "ky", "KG")
    await member.press(t(harness, "ky", "Going"), seminar_card(member))
    await coordinator.send("/events")
    await coordinator.press(t(harness, "ky", "Edit"))
    await coordinator.press(t(harness, "ky", "Place"))
    await coordinator.send("Almaty")  # what it is already
    await coordinator.press(t(harness, "ky", "Save"))
    await harness.deliver()
    changed = t(harness, "ky", "✏️ This event has changed:")
    assert not any(text.startswith(changed) for text in member.all_texts())
    assert await harness.db.fetch_value("SELECT sequence FROM events") == 0
