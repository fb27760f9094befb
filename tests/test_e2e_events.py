"""End-to-end: events — publish, local times, answers, calendar file, reminders, cancel."""

from __future__ import annotations


from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.i18n import format_datetime, format_range, zone_name
from tests.emulator.server import UserHandle
from tests.flows import card_press, publish_draft, seed_member, t
from tests.harness import ADMIN_ID, BotHarness

START_UTC = datetime(2026, 1, 20, 8, 0, tzinfo=UTC)  # 14:00 in Bishkek


async def publish(harness: BotHarness, admin: UserHandle, audience: str = "All members") -> None:
    await admin.send("/newevent")
    await admin.send("Border cooperation seminar")
    await admin.send("Two days on joint patrols & <risk> analysis")
    await admin.press("Bishkek")
    await admin.send("next tuesday")  # not a date: asked again, with an example
    assert "I could not read that. Please write it like 25.12.2026." in admin.last_text
    await admin.send("01.01.2026 10:00")  # in the past for the clock (2026-01-15)
    assert "That moment has already passed in Bishkek. Please choose a later one." \
        in admin.last_text
    await admin.press("20")  # the calendar
    await admin.press("14:00")
    await admin.press("2 hours")
    await admin.send("Bishkek, OSCE office")
    await admin.press(audience)
    preview = admin.last_text
    assert "Border cooperation seminar" in preview and "<risk>" in preview
    await publish_draft(admin)
    assert "Published. /events shows the answers." in admin.all_texts()
    await harness.deliver()
    assert admin.last_text.startswith("Delivery finished:")


def card(user: UserHandle):  # type: ignore[no-untyped-def]
    return next(m for m in user.bot_messages if "Border cooperation seminar" in (m.text or "")
                and m.buttons())


async def test_members_see_the_event_in_their_language_and_time_zone(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    kazakh = await seed_member(harness, 601, "KZ", locale="kk")
    kyrgyz = await seed_member(harness, 602, "KG", locale="ru")
    uzbek = await seed_member(harness, 603, "UZ", locale="en")
    await publish(harness, admin)
    expectations = {kazakh: ("kk", "Asia/Almaty"), kyrgyz: ("ru", "Asia/Bishkek"),
                    uzbek: ("en", "Asia/Tashkent")}
    for user, (locale, zone) in expectations.items():
        text = card(user).text or ""
        # One day: the date once, with its weekday; the zone as her city, in her language.
        assert format_range(START_UTC, START_UTC + timedelta(hours=2), locale, zone) in text
        assert f"({zone_name(zone, locale)})" in text and zone not in text
        assert t(harness, locale, "Add to calendar") in card(user).button_labels()
    assert "13:00" in (card(kazakh).text or "") and "14:00" in (card(kyrgyz).text or "")

    # She answers, and changes her mind.
    await kyrgyz.press(t(harness, "ru", "Going"), card(kyrgyz))
    await kyrgyz.press(t(harness, "ru", "Maybe"), card(kyrgyz))
    assert "✓ " + t(harness, "ru", "Maybe") in card(kyrgyz).button_labels()
    assert await harness.db.fetch_value(
        "SELECT answer FROM event_answers WHERE user_id = 602") == "maybe"

    # The calendar file parses and starts at the right moment in UTC.
    await uzbek.press("Add to calendar", card(uzbek))
    document = uzbek.last.document
    assert document is not None and document["file_name"].endswith(".ics")
    calendar = Calendar.from_ical(document["content"])
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == START_UTC
    assert event.decoded("dtend") == START_UTC + timedelta(hours=2)


async def test_reminders_come_at_the_right_moments_to_going_and_maybe(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    going = await seed_member(harness, 601, "KZ", locale="en")
    maybe = await seed_member(harness, 602, "KG", locale="ru")
    cannot = await seed_member(harness, 603, "UZ", locale="en")
    await publish(harness, admin)
    await going.press("Going", card(going))
    await maybe.press(t(harness, "ru", "Maybe"), card(maybe))
    await cannot.press("Can't", card(cannot))

    def reminders(user: UserHandle) -> int:
        return sum(text.startswith("⏰") for text in user.all_texts())

    harness.clock.set(START_UTC - timedelta(hours=24, minutes=1))
    await harness.tick()
    await harness.deliver()
    assert reminders(going) == 0
    harness.clock.advance(minutes=2)
    await harness.tick()
    await harness.deliver()
    assert (reminders(going), reminders(maybe), reminders(cannot)) == (1, 1, 0)
    assert maybe.last_text.startswith(t(harness, "ru", "⏰ Reminder"))
    await harness.restart()  # nothing is repeated after a restart
    await harness.tick()
    await harness.deliver()
    assert reminders(going) == 1
    harness.clock.set(START_UTC - timedelta(minutes=59))
    await harness.tick()
    await harness.deliver()
    assert (reminders(going), reminders(maybe), reminders(cannot)) == (2, 2, 0)
    # After the event: one tap "How was it?".
    harness.clock.set(START_UTC + timedelta(hours=2, minutes=1))
    await harness.tick()
    await harness.deliver()
    await going.press("4")
    assert await harness.db.fetch_value(
        "SELECT rating FROM event_answers WHERE user_id = 601") == 4
    assert reminders(going) == 2


async def test_no_reminder_for_past_events_and_cancel_notifies(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    member = await seed_member(harness, 601, "KG", locale="ky")
    await publish(harness, admin)
    await member.press(t(harness, "ky", "Going"), card(member))
    harness.clock.set(START_UTC + timedelta(days=3))  # the bot was down across the event
    await harness.tick()
    await harness.deliver()
    assert not any(text.startswith("⏰") for text in member.all_texts())

    other_admin_view = admin
    harness.clock.set(START_UTC - timedelta(days=2))
    await other_admin_view.send("/events")
    await other_admin_view.press("Answers")
    assert "Going: 1" in other_admin_view.last_text
    await other_admin_view.press("Attendee list")
    csv_text = other_admin_view.last.document["content"].decode("utf-8-sig")  # type: ignore[index]
    assert "Seeded Member,Kyrgyzstan,Going" in csv_text  # her language, not codes
    await other_admin_view.press("Cancel event")
    assert other_admin_view.last_text == (
        "Cancel «Border cooperation seminar» and tell 1 person who answered Going or Maybe?")
    await other_admin_view.press("Cancel the event")
    await harness.deliver()
    assert member.last_text.startswith(t(harness, "ky", "❌ This event has been cancelled:"))


async def test_members_and_other_countries_cannot_create_or_target(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KG")
    await member.send("/newevent")
    assert member.last_text == "This command is for coordinators."
    coordinator = await seed_member(harness, 500, "KG", coordinator=True)
    await coordinator.send("/newevent")
    await coordinator.send("Local meeting")
    await coordinator.send("About the spring plan")
    await coordinator.press("Keep")
    await coordinator.send("2026-02-01 10:00")
    await coordinator.press("1 hour")
    await coordinator.send("Osh")
    assert coordinator.last.button_labels() == ["Kyrgyzstan", "« Back"]
    own = coordinator.last.buttons()[0]["callback_data"]
    assert own.endswith(":KG")
    answer = await coordinator.press_data(own.removesuffix("KG") + "*")  # forged: everyone
    assert answer is not None and answer["text"] == "You are not allowed to do this."
    assert coordinator.last.button_labels() == ["Kyrgyzstan", "« Back"]


async def test_edit_tells_going_and_maybe_in_their_language(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    going = await seed_member(harness, 601, "KG", locale="ru")
    declined = await seed_member(harness, 602, "KZ", locale="en")
    await publish(harness, admin)
    await going.press(t(harness, "ru", "Going"), card(going))
    await declined.press("Can't", card(declined))
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Start")
    assert "Send the new start in Bishkek time, like 25.12.2026 14:00." in admin.last_text
    await admin.send("21.01.2026 15:00")
    assert admin.last_text == \
        "Save this change (Start) and tell 1 person who answered Going or Maybe?"
    await admin.press("Save")
    assert admin.last_text.startswith(
        "Saved; 1 person who answered Going or Maybe is being told.")
    await harness.deliver()
    new_start = datetime(2026, 1, 21, 9, 0, tzinfo=UTC)  # 15:00 in Bishkek
    changed = going.last_text
    assert changed.startswith(t(harness, "ru", "✏️ This event has changed:"))
    assert format_datetime(new_start, "ru", "Asia/Bishkek") in changed
    assert not any(text.startswith("✏️") for text in declined.all_texts())
    # Reminders follow the new time.
    harness.clock.set(new_start - timedelta(minutes=59))
    await harness.tick()
    await harness.deliver()
    assert going.last_text.startswith(t(harness, "ru", "⏰ Reminder"))
    log = await harness.db.fetch_value("SELECT details FROM audit_log WHERE action = 'edit_event'")
    assert log.endswith("starts_at")


async def fill_event(sender: UserHandle, title: str = "Regional training") -> None:
    await sender.send("/newevent")
    await sender.send(title)
    await sender.send("A day of exercises")
    await sender.press("Keep")  # her country's zone
    await sender.send("2026-02-10 10:00")
    await sender.press("1 hour")
    await sender.send("Almaty")


async def test_audiences_translations_and_chat_posting(harness: BotHarness) -> None:
    from tests.test_e2e_chats import setup_chats

    admin, kz_chat, _, _ = await setup_chats(harness)
    kazakh = await seed_member(harness, 601, "KZ", locale="kk")
    kyrgyz = await seed_member(harness, 602, "KG", locale="ru")
    uzbek = await seed_member(harness, 603, "UZ", locale="en")
    await harness.db.execute("DELETE FROM profile_expertise WHERE user_id = 603")
    # Chosen countries: Kazakhstan and Kyrgyzstan only; with a Kazakh title and description.
    await fill_event(admin)
    await admin.press("Kazakhstan")
    await admin.press("Kyrgyzstan")
    await admin.press("Done")
    await admin.press("Edit")  # before publishing: fix the place in the preview
    await admin.press("Place")
    await admin.send("Almaty, Academy of the Border Service")
    assert "Almaty, Academy of the Border Service" in admin.last_text
    await admin.press("Add a translation")
    await admin.press("Қазақша")
    await admin.send("Өңірлік оқу-жаттығу")
    await admin.send("Жаттығулар күні")
    assert "Also in: Қазақша" in admin.last_text
    await publish_draft(admin)
    await harness.deliver()
    assert any("Өңірлік оқу-жаттығу" in text for text in kazakh.all_texts())
    assert any("Regional training" in text for text in kyrgyz.all_texts())
    assert not any("Regional training" in text for text in uzbek.all_texts())
    await admin.press("Post to the chats too")
    # The Kazakh chat reads it in Kazakh (its language), with a way to answer in the bot.
    post = [m for m in kz_chat.messages if m.from_bot][0]
    assert (post.text or "").startswith("📅 Өңірлік оқу-жаттығу")
    # An area of expertise: only members with it.
    await fill_event(admin, "Cyber workshop")
    await admin.press("Members with an area of expertise")
    await admin.press("Cybercrime")
    await publish_draft(admin)
    await harness.deliver()
    assert any("Cyber workshop" in text for text in kyrgyz.all_texts())
    assert not any("Cyber workshop" in text for text in uzbek.all_texts())


async def test_region_wide_events_need_an_administrators_permission(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, name="Coord KG")
    await fill_event(coordinator)
    assert coordinator.last.button_labels() == ["Kyrgyzstan", "« Back"]
    await coordinator.send("/cancel")
    await admin.send("/members")
    await admin.press("Search")
    await admin.press("⚙ 1")
    await admin.press("Allow region events")  # a short label (issue 11); the card says it
    assert admin.last_text.endswith("She may now publish events for the whole region.")
    await fill_event(coordinator)
    assert coordinator.last.button_labels() == ["All members", "Kyrgyzstan", "« Back"]
    await coordinator.press("All members")
    await publish_draft(coordinator)
    assert "Published. /events shows the answers." in coordinator.all_texts()
    from bot.callbacks import ReviewAction, ReviewCb

    answer = await coordinator.press_data(
        card_press(ReviewAction.REGION_ON, 500))
    assert answer is not None and answer["text"] == "You are not allowed to do this."
