"""Second independent trial of events and announcements (issue 12): a Tajik coordinator, Uzbek,
Kyrgyz and Russian-speaking Kazakh members, the administrator and an attacker, with the clock
moved forward. Each test is one finding, named for what she expects; the ones not fixed here
are ``xfail(strict=True)`` with the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.callbacks import EventAction, EventCb
from bot.clock import to_db
from bot.i18n import zone_name
from tests.emulator.server import UserHandle
from tests.flows import ref_label, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_event_form import card_of as seminar_card
from tests.test_e2e_event_form import published
from tests.test_e2e_event_notices import START, card_of, current, publish, reminders, run

CHANGED = "✏️ This event has changed:"


async def schedule(harness: BotHarness, author: UserHandle, locale: str, country: str,
                   text: str, when: str) -> None:
    """/announce to her country, scheduled for ``when`` in her country's zone."""
    await author.send("/announce")
    await author.press(ref_label(harness, "country", country, locale))
    await author.send(text)
    await author.press(t(harness, locale, "Schedule"))
    zone = harness.app.reference.country_timezones[country]  # type: ignore[union-attr]
    await author.press(zone_name(zone, locale))
    await author.send(when)
    await author.press(t(harness, locale, "Yes, send"))


async def new_place_typed(harness: BotHarness, country: str, locale: str, member_locale: str,
                          place: str) -> tuple[UserHandle, UserHandle]:
    """The coordinator published the seminar, a member answered Going, and the coordinator
    typed a new place in the edit dialog: Save is what she sees (the coordinator, the
    member)."""
    coordinator = await seed_member(harness, 500, country, coordinator=True, locale=locale)
    member = await seed_member(harness, 601, country, locale=member_locale)
    await published(harness, coordinator, locale, country)
    await member.press(t(harness, member_locale, "Going"), seminar_card(member))
    await coordinator.send("/events")
    await coordinator.press(t(harness, locale, "Edit"))
    await coordinator.press(t(harness, locale, "Place"))
    await coordinator.send(place)
    return coordinator, member


async def test_an_event_that_took_place_is_not_edited_from_its_old_card(
        harness: BotHarness) -> None:
    """The Uzbek coordinator's /events card from before the seminar keeps "Edit"; after it
    took place (everyone rated it) she changes the place from it: all who went get "This
    event has changed: Place: Almaty → Samarqand", with Going buttons that answer "already
    started". She should read "This event has already started." and nobody be told."""
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    member = await seed_member(harness, 601, "UZ", locale="ru")
    await published(harness, coordinator, "uz", "UZ")
    await member.press(t(harness, "ru", "Going"), seminar_card(member))
    await coordinator.send("/events")
    old_card = coordinator.last
    harness.clock.set(datetime(2026, 1, 20, 8, 5, tzinfo=UTC))  # 13:05 in Tashkent: over
    await run(harness)
    answer = await coordinator.press(t(harness, "uz", "Edit"), old_card)
    assert answer is not None and answer.get("text") == t(
        harness, "uz", "This event has already started.")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT place FROM events") == "Almaty"
    told = t(harness, "ru", CHANGED)
    assert not any(text.startswith(told) for text in member.all_texts())


async def test_an_edit_dialog_left_open_until_the_start_saves_nothing(
        harness: BotHarness) -> None:
    """She opened Place before the event, typed the new place and pressed Save only once it
    had begun: it was saved and everyone told. The Save should say it has started."""
    coordinator, member = await new_place_typed(harness, "TJ", "tg", "tg", "Хуҷанд")
    harness.clock.set(datetime(2026, 1, 20, 5, 30, tzinfo=UTC))  # 10:30 in Dushanbe: begun
    answer = await coordinator.press(t(harness, "tg", "Save"))
    assert answer is not None and answer.get("text") == t(
        harness, "tg", "This event has already started.")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT place FROM events") == "Almaty"
    assert not any(text.startswith(t(harness, "tg", CHANGED)) for text in member.all_texts())


async def test_a_cancelled_event_does_not_open_the_edit_dialog(harness: BotHarness) -> None:
    """"Edit" under the organiser's old /events card of an event she cancelled opens "What
    should change?" with the cancelled card; only the next tap says it is cancelled."""
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    await seed_member(harness, 601, "KG", locale="ky")
    event_id = await published(harness, coordinator, "ky", "KG")
    await coordinator.send("/events")
    old_card = coordinator.last
    event = await harness.app.events.get(event_id)  # type: ignore[union-attr]
    await harness.app.event_service.cancel(event)  # type: ignore[union-attr, arg-type]
    before = len(coordinator.bot_messages)
    answer = await coordinator.press(t(harness, "ky", "Edit"), old_card)
    assert answer is not None and answer.get("text") == t(
        harness, "ky", "This event has been cancelled.")
    assert len(coordinator.bot_messages) == before


async def test_the_author_of_a_scheduled_announcement_is_told_when_it_went_out(
        harness: BotHarness) -> None:
    """The Kyrgyz coordinator schedules an announcement for Friday 10:00 (Bishkek). It goes
    out; she hears nothing (no "Delivery finished: 2 sent"), and "Withdraw it" stays under
    "Scheduled: it goes to 2 members …" — pressed, it says "This has already been handled."."""
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    await seed_member(harness, 601, "KG", locale="ky")
    await seed_member(harness, 602, "KG", locale="ru")
    await schedule(harness, coordinator, "ky", "KG", "Жыйын жума күнү", "16.01.2026 10:00")
    harness.clock.set(datetime(2026, 1, 16, 4, 0, tzinfo=UTC))
    await run(harness)
    await run(harness)
    finished = t(harness, "ky", "Delivery finished: {sent} sent, {failed} failed, "
                 "{unreachable} unreachable (blocked the bot).", sent=2, failed=0,
                 unreachable=0)
    assert any(finished in text for text in coordinator.all_texts())
    # the "Scheduled" message no longer offers "Withdraw it" (tests/test_e2e_announce_scheduled)
    assert not coordinator.has_button(t(harness, "ky", "Withdraw it"))


async def test_a_dismissed_coordinator_is_told_her_scheduled_announcement_did_not_go(
        harness: BotHarness) -> None:
    """The Uzbek coordinator schedules one, is dismissed, and at its time nothing is sent —
    rightly — but she is never told; her "Scheduled: it goes to 1 member on …" still stands
    with its Withdraw button, so she believes it went out."""
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    member = await seed_member(harness, 601, "UZ", locale="uz")
    await schedule(harness, coordinator, "uz", "UZ", "Seminar moved", "16.01.2026 09:00")
    await harness.db.execute("DELETE FROM coordinators WHERE user_id = 500")
    before = len(coordinator.bot_messages)
    harness.clock.set(datetime(2026, 1, 16, 4, 0, tzinfo=UTC))
    await run(harness)
    assert not any("Seminar moved" in text for text in member.all_texts())
    assert len(coordinator.bot_messages) > before  # she is told it was not sent, and why
    assert coordinator.last_text == t(
        harness, "uz", "⏰ Your scheduled announcement was not sent: you may no longer send to "
                       "this audience.")


async def test_an_earlier_reminder_does_not_keep_the_old_time_after_the_start_moves(
        harness: BotHarness) -> None:
    """The Kyrgyz member got "⏰ Reminder · tomorrow 14:00 … 14:00 – 16:00"; the organiser
    then moves the start two hours on. Above the change notice her reminder still reads 14:00
    with its Going buttons: on a phone, two messages about the same seminar with two times."""
    await seed_member(harness, 900001, "KZ")
    kyrgyz = await seed_member(harness, 602, "KG", locale="ky")
    event = await publish(harness)
    await kyrgyz.press(t(harness, "ky", "Going"), card_of(kyrgyz))
    harness.clock.set(START - timedelta(hours=24))
    await run(harness)
    assert len(reminders(kyrgyz)) == 1
    reminder = reminders(kyrgyz)[0]
    service = harness.app.event_service  # type: ignore[union-attr]
    await service.change(await current(harness, event), "starts_at", START + timedelta(hours=2))
    await harness.deliver()
    old_time = "14:00"  # the old start in Bishkek
    assert old_time not in (reminder.text or "")
    assert "16:00" in (reminder.text or "")  # the event as it is now, with its buttons
    assert t(harness, "ky", "Going") in " ".join(reminder.button_labels())


async def test_a_forged_edit_of_another_countrys_event_is_refused(harness: BotHarness) -> None:
    """(Worked.) A Tajik coordinator forges the Edit and Cancel buttons of a Kazakhstan event:
    "You are not allowed to do this.", no dialog opens, nothing changes."""
    await seed_member(harness, 900001, "KZ")
    attacker = await seed_member(harness, 500, "TJ", coordinator=True, locale="tg")
    await seed_member(harness, 601, "KZ", locale="ru")
    event = await publish(harness)
    await attacker.send("/events")
    before = len(attacker.bot_messages)
    for action in (EventAction.EDIT, EventAction.CANCEL, EventAction.CSV, EventAction.STATS,
                   EventAction.TO_CHATS):
        answer = await attacker.press_data(EventCb(action=action, event_id=event.id).pack())
        assert answer is not None and answer.get("text") == t(
            harness, "tg", "You are not allowed to do this."), action
    assert len(attacker.bot_messages) == before
    assert await harness.db.fetch_value("SELECT status FROM events") == "published"


async def test_a_day_typed_without_its_year_is_read_as_the_next_such_day(
        harness: BotHarness) -> None:
    """"16.01 10:00" — the way people write a date this week on a phone — gets "I could not
    read that" at the day step (also "16/01", and "16.01" alone where a day is asked); in
    /newevent (ru, a Kazakh coordinator), the edit of the start (tg) and a scheduled
    announcement (ky) alike. A day months ago means next year's; one days ago is "already
    passed", not an event a year later."""
    from tests.test_e2e_event_form import up_to_the_day

    kazakh = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    await up_to_the_day(harness, kazakh, "ru", "Seminar")
    await kazakh.send("16.01 10:00")
    assert t(harness, "ru", "Duration") in kazakh.last_text, kazakh.last_text
    await kazakh.press(t(harness, "ru", "« Back"))
    await kazakh.press(t(harness, "ru", "« Back"))
    await kazakh.send("14.01 10:00")  # yesterday: said so, not January 2027
    assert t(harness, "ru", "That moment has already passed in {zone}. Please choose a later "
             "one.", zone=zone_name("Asia/Almaty", "ru")) in kazakh.last_text
    await kazakh.send("16.01")  # the day alone, where the day is asked
    assert t(harness, "ru", "Step {step_no} of {total} · {field}", step_no=5, total=8,
             field=t(harness, "ru", "Time")) in kazakh.last_text, kazakh.last_text
    await kazakh.press("10:00")
    assert t(harness, "ru", "Duration") in kazakh.last_text, kazakh.last_text
    await kazakh.send("/cancel")

    tajik = await seed_member(harness, 510, "TJ", coordinator=True, locale="tg")
    await seed_member(harness, 601, "TJ", locale="tg")
    await published(harness, tajik, "tg", "TJ")
    await tajik.send("/events")
    await tajik.press(t(harness, "tg", "Edit"))
    await tajik.press(t(harness, "tg", "Start"))
    await tajik.send("21.01 09:30")
    await tajik.press(t(harness, "tg", "Save"))
    start = datetime(2026, 1, 21, 4, 30, tzinfo=UTC)  # 09:30 in Dushanbe
    assert await harness.db.fetch_value("SELECT starts_at FROM events") == to_db(start)

    kyrgyz = await seed_member(harness, 520, "KG", coordinator=True, locale="ky")
    await seed_member(harness, 602, "KG", locale="ky")
    await schedule(harness, kyrgyz, "ky", "KG", "Жыйын", "16/01 10:00")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM scheduled_announcements") == 1


async def test_a_cancelled_event_no_longer_invites_in_the_chats(harness: BotHarness) -> None:
    """The administrator posts the event to the regional chat, then cancels it. The post in
    the chat still reads as an open invitation with "Answer in the bot"; who taps it reads
    "This event is no longer open." only in the bot. The post should say it is cancelled and
    lose the button (as the members' cards do)."""
    from tests.test_e2e_chats import setup_chats
    from tests.test_e2e_trial_events import bot_posts

    admin, _kz, _kg, region = await setup_chats(harness)
    await seed_member(harness, 603, "KZ", locale="ru")
    event = await publish(harness)
    await admin.press_data(EventCb(action=EventAction.TO_CHATS, event_id=event.id).pack())
    assert len(bot_posts(region)) == 1
    await harness.app.event_service.cancel(await current(harness, event))  # type: ignore[union-attr]
    await harness.deliver()
    assert len(bot_posts(region)) == 1  # the post itself says so: no second message
    post = bot_posts(region)[0]
    assert post.buttons() == [] or all("url" in b and "start=" not in b["url"]
                                       for b in post.buttons())
    assert t(harness, "ru", "This event has been cancelled.") in (post.text or "")


async def test_save_tried_again_after_a_502_does_not_say_nobody_was_told(
        harness: BotHarness) -> None:
    """Telegram answers 502 when the Kyrgyz coordinator's Save edits the dialog: the place is
    saved and the member who answered Going told, but she reads "Sorry … try again"; she
    presses Save again and reads "Saved. Nobody had answered Going or Maybe, so nobody is
    told." — false. (The same words came when she saved the place it already had.)"""
    from sandbox.emulator.server import Fault

    coordinator, member = await new_place_typed(harness, "KG", "ky", "ru", "Ош")
    harness.emu.faults.append(Fault(error=502, method="editMessageText", chat_id=500, times=1))
    await coordinator.press(t(harness, "ky", "Save"))
    await coordinator.press(t(harness, "ky", "Save"))  # as the popup asked
    await harness.deliver()
    nobody = t(harness, "ky", "Saved. Nobody had answered Going or Maybe, so nobody is told.")
    assert nobody not in coordinator.last_text
    assert t(harness, "ky", "Nothing to save: the event already has this, so nobody is told "
             "now.") in coordinator.last_text
    told = t(harness, "ru", CHANGED)
    assert sum(text.startswith(told) for text in member.all_texts()) == 1


async def test_how_long_and_what_time_are_taken_as_she_types_them(
        harness: BotHarness) -> None:
    """Asked "How long will it last?", the Tajik coordinator types "3 соат" (the Russian
    speaker "1,5 ч", the Uzbek "90 daqiqa", the administrator "2" in the edit): each gets "I
    could not read that. Please write it like 27.12.2026 18:00." Asked the time, "9" gets
    "write it like 14:30". The answers are plain; the buttons only cover whole hours."""
    from tests.test_e2e_event_form import count, up_to_the_day

    for user_id, country, locale, typed, minutes in (
            (500, "TJ", "tg", "3 соат", 180), (510, "KZ", "ru", "1,5 ч", 90),
            (520, "UZ", "uz", "90 daqiqa", 90)):
        user = await seed_member(harness, user_id, country, coordinator=True, locale=locale)
        await up_to_the_day(harness, user, locale, "Seminar")
        await user.send("20.01.2026")
        await user.send("9")  # the time step: 09:00
        assert t(harness, locale, "Duration") in user.last_text, user.last_text
        await user.send(typed)
        assert t(harness, locale, "Place") in user.last_text, (typed, user.last_text)
        await user.send("Hall 2")
        await user.press(ref_label(harness, "country", country, locale))
        await user.press(t(harness, locale, "Publish"))
        await user.press(t(harness, locale, "Yes, publish"))
        assert await count(harness, f"SELECT duration_minutes FROM events WHERE created_by = "
                                    f"{user_id}") == minutes
    await seed_member(harness, 601, "UZ", locale="uz")
    admin = await seed_member(harness, 900001, "KZ")
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Duration")
    await admin.send("2")
    await admin.press("Save")
    assert await count(harness, "SELECT COUNT(*) FROM events WHERE duration_minutes = 120") == 1


async def test_a_forged_calendar_day_is_refused_as_no_longer_valid(
        harness: BotHarness) -> None:
    """An attacker edits the calendar's button data: "abc" or a huge number answer "Sorry,
    something went wrong on our side" (an error in the log), and 1 January 2100 — a day the
    calendar never shows (it offers two years) — is taken as the event's day."""
    from tests.test_e2e_event_form import up_to_the_day

    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    await up_to_the_day(harness, coordinator, "uz", "Seminar")
    day = next(b["callback_data"] for b in coordinator.last.buttons() if b["text"] == "16")
    prefix = day.rsplit(":", 1)[0]
    invalid = t(harness, "uz", "This button is no longer valid.")
    for forged in ("abc", "99999999999999", "4102444800", "MONTH13", "YEAR99999"):
        answer = await coordinator.press_data(f"{prefix}:{forged}")
        assert answer is not None and answer.get("text") == invalid, (forged, answer)
    assert t(harness, "uz", "Step {step_no} of {total} · {field}", step_no=4, total=8,
             field=t(harness, "uz", "Day")) in coordinator.last_text
    await coordinator.press_data(day)  # the real button still works
    assert t(harness, "uz", "Step {step_no} of {total} · {field}", step_no=5, total=8,
             field=t(harness, "uz", "Time")) in coordinator.last_text


async def test_a_translation_added_later_tells_only_those_who_read_it(
        harness: BotHarness) -> None:
    """The administrator adds a Russian translation after publishing: the confirmation says
    it tells 2 people; the Uzbek member, who reads the original, gets "Ushbu tadbir
    oʻzgartirildi:" with nothing under it, and a new calendar file identical to hers. Only
    the Russian reader should be told (and get the new file); a translation nobody who
    answered reads tells nobody, and says so."""
    from bot.i18n import LANGUAGE_NAMES

    admin = await seed_member(harness, 900001, "KZ")
    russian = await seed_member(harness, 601, "KZ", locale="ru")
    uzbek = await seed_member(harness, 602, "KZ", locale="uz")
    await published(harness, admin, "en", "KZ")
    for user, locale in ((russian, "ru"), (uzbek, "uz")):
        await user.press(t(harness, locale, "Going"), seminar_card(user))
        await user.press(t(harness, locale, "Add to calendar"), seminar_card(user))
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Translation")
    await admin.press(LANGUAGE_NAMES["ru"])
    await admin.send("Семинар")
    await admin.send("Три дня совместной работы")
    assert admin.last_text == ("Save this change (Translation) and tell 1 person who answered "
                               "Going or Maybe?")
    await admin.press("Save")
    await harness.deliver()
    assert "Saved; 1 person who answered Going or Maybe is being told." in admin.last_text
    assert [text.split("\n")[1] for text in russian.all_texts()
            if text.startswith(t(harness, "ru", CHANGED))] == ["Название: Seminar → Семинар"]
    assert not any(text.startswith(t(harness, "uz", CHANGED)) for text in uzbek.all_texts())
    assert [len([m for m in user.bot_messages if m.document]) for user in (russian, uzbek)] \
        == [2, 1]
    await admin.press("Translation")  # Tajik: nobody who answered reads it
    await admin.press(LANGUAGE_NAMES["tg"])
    await admin.send("Семинар")
    await admin.send("Се рӯзи кори якҷоя")
    assert admin.last_text == ("Save this translation? Nobody who answered Going or Maybe "
                               "reads this language, so nobody is told; the cards in it show "
                               "it.")
    await admin.press("Save")
    assert ("Saved. Nobody who answered Going or Maybe reads this language, so nobody is "
            "told.") in admin.last_text
