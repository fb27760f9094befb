"""End-to-end (issue 12, the loose ends): a chat post that failed in some chats is tried again
there only; no confirmation or note says "tell 0 people"; "tomorrow 15:00" and its words in
the seven languages are read as a start; the RSVP buttons of old change notices and
reminders of a cancelled event answer with the stale popup and go once it is cancelled.
Organisers and members read en, ru and tg."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.callbacks import EventAction, EventCb
from bot.clock import from_db
from bot.services.event_input import today_in
from sandbox.emulator.server import Fault
from tests.flows import draft_event, nt, publish_draft, seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_chats import KG_CHAT, setup_chats
from tests.test_e2e_event_notices import START, card_of, current, publish, reminders, run
from tests.test_e2e_trial_events import bot_posts


async def test_a_post_that_failed_in_one_chat_is_tried_again_there_only(
        harness: BotHarness) -> None:
    admin, kz, kg, _region = await setup_chats(harness)
    app = harness.app
    assert app is not None
    event_id = await app.events.create(ADMIN_ID, "KG,KZ", "Border seminar", "Patrols", START,
                                       "Asia/Bishkek", 120, "Bishkek", harness.clock.now())
    harness.emu.faults.append(Fault(error=502, method="sendMessage", chat_id=KG_CHAT, times=1))
    data = EventCb(action=EventAction.TO_CHATS, event_id=event_id).pack()
    await admin.press_data(data)
    assert admin.last_text == "\n".join([
        "Posted to: Kazakhstan officers",
        "Not posted to: Kyrgyzstan officers. The button below will try again for those chats "
        "only."])
    assert (len(bot_posts(kz)), len(bot_posts(kg))) == (1, 0)
    await admin.press("Try again")
    assert admin.last_text == "Posted to: Kyrgyzstan officers"
    assert admin.last.buttons() == []
    assert (len(bot_posts(kz)), len(bot_posts(kg))) == (1, 1)  # Kazakhstan's is not repeated
    answer = await admin.press_data(data)  # an old button: everything is posted
    assert answer is not None and answer.get("text") == "This has already been handled."
    assert (len(bot_posts(kz)), len(bot_posts(kg))) == (1, 1)


async def test_nobody_to_tell_is_said_so_never_tell_0(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    await draft_event(harness, admin, country="TJ")  # nobody in Tajikistan yet
    await admin.press("Publish")
    assert admin.last_text == ("Publish «Seminar»? Nobody is in its audience yet, so nobody "
                               "is told now; members approved later find it in /events.")
    await admin.press("Yes, publish")
    await harness.deliver()
    assert admin.last_text == ("Published. Nobody is in its audience yet, so nobody was "
                               "told; /events shows it.")  # no "Sending: 0 remaining"
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Place")
    await admin.send("Dushanbe")
    assert admin.last_text.startswith("Save this change (Place)? Nobody has answered Going or "
                                      "Maybe, so nobody is told; the cards members have show "
                                      "the change.")
    await admin.press("Save")
    assert "Saved. Nobody had answered Going or Maybe, so nobody is told." in admin.last_text
    await admin.send("/events")
    await admin.press("Cancel event")
    assert admin.last_text == ("Cancel «Seminar»? Nobody has answered Going or Maybe, so "
                               "nobody is told; the cards members have will say it is "
                               "cancelled.")
    await admin.press("Cancel the event")
    assert admin.last_text == ("The event is cancelled. Nobody had answered Going or Maybe, "
                               "so nobody is told.")
    assert not any(" 0 " in text for text in admin.all_texts())


async def test_tomorrow_is_read_as_a_start_in_russian_and_english(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 700, "KZ", locale="ru", coordinator=True)
    await coordinator.send("/newevent")
    await coordinator.send("Семинар")
    await coordinator.send("Два дня")
    await coordinator.press(t(harness, "ru", "Keep"))  # Almaty
    await coordinator.send("завтра в 15:00")  # the day and the time: on to the duration
    await coordinator.press(nt(harness, "ru", "{hours} hour", "{hours} hours", 2, hours=2))
    await coordinator.send("Алматы")
    await coordinator.press(harness.app.reference.country("KZ", "ru"))  # type: ignore[union-attr]
    await publish_draft(coordinator, "ru", harness)
    almaty = ZoneInfo("Asia/Almaty")
    tomorrow = today_in("Asia/Almaty", harness.clock.now()) + timedelta(days=1)
    assert from_db(await harness.db.fetch_value("SELECT starts_at FROM events")) == \
        datetime.combine(tomorrow, time(15, 0), tzinfo=almaty)

    # The administrator (English) moves it: "tomorrow 3pm" in the event's zone.
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Start")
    await admin.send("the day after tomorrow 3pm")
    assert admin.last_text.startswith("Save this change (Start)?")
    await admin.press("Save")
    assert from_db(await harness.db.fetch_value("SELECT starts_at FROM events")) == \
        datetime.combine(tomorrow + timedelta(days=1), time(15, 0), tzinfo=almaty)


async def test_old_notices_of_a_cancelled_event_answer_stale_and_lose_their_buttons(
        harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    member = await seed_member(harness, 601, "TJ", locale="tg")
    event = await publish(harness)
    await member.press(t(harness, "tg", "Going"), card_of(member))
    service = harness.app.event_service  # type: ignore[union-attr]
    await service.update(await current(harness, event), {"place": "Osh"})
    await harness.deliver()
    notice = member.last
    assert notice.text.startswith(t(harness, "tg", "✏️ This event has changed:"))
    harness.clock.set(START - timedelta(minutes=59))
    await run(harness)
    reminder = reminders(member)[-1]
    maybe = next(b["callback_data"] for b in reminder.buttons()
                 if b["text"] == t(harness, "tg", "Maybe"))
    await service.cancel(await current(harness, event))
    # pressed before the edits land: the popup, and her answer stays
    for old in (notice, reminder):
        answer = await member.press_data(maybe, old)
        assert answer is not None and answer.get("text") == t(
            harness, "tg", "This event has been cancelled.")
    assert await harness.db.fetch_value(
        "SELECT answer FROM event_answers WHERE user_id = 601") == "going"
    await harness.deliver()
    for old in (notice, reminder, card_of_any(member)):
        labels = old.button_labels()
        assert t(harness, "tg", "Maybe") not in labels and "Google Calendar" not in labels
        assert t(harness, "tg", "This event has been cancelled.") in (old.text or "")


def card_of_any(user):  # type: ignore[no-untyped-def]
    return next(m for m in user.bot_messages if (m.text or "").startswith("📅"))
