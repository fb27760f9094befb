"""End-to-end: the organiser's event and announcement dialogs (issue 12, part 1) in tg, uz, ru
(and en for the administrator): the start checked in the chosen zone and again at Publish,
precise date errors, multi-day events, the calendar in her language, Publish / cancel / edits
confirmed with the number of people told, /cancel that says the truth, /announce to an empty
country, a scheduled announcement, a coordinator dismissed before Publish, and every earlier
button stale afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from babel.dates import format_date, get_month_names

from bot.callbacks import ScheduledAction, ScheduledCb
from bot.i18n import LANGUAGE_NAMES, format_datetime, format_range, zone_name
from bot.i18n import format_date as local_date
from tests.emulator.server import UserHandle
from tests.flows import nt, publish_draft, ref_label, seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_attacks_sweep import diff, snapshot
from tests.test_e2e_stale_buttons import ButtonsSeen, stale_texts



async def count(harness: BotHarness, sql: str) -> int:
    return int(await harness.db.fetch_value(sql))


async def up_to_the_day(harness: BotHarness, user: UserHandle, locale: str,
                        title: str = "Border forum") -> None:
    await user.send("/newevent")
    await user.send(title)
    await user.send("Three days of joint work")
    await user.press(t(harness, locale, "Keep"))  # her country's zone


async def test_a_start_past_in_the_chosen_zone_is_refused_and_checked_again_at_publish(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True, locale="tg")
    await seed_member(harness, 601, "TJ", locale="tg")
    await coordinator.send("/newevent")
    await coordinator.send("Border forum")
    await coordinator.send("Joint work")
    assert t(harness, "tg", "Step {step_no} of {total} · {field}", step_no=3, total=8,
             field=t(harness, "tg", "Time zone")) in coordinator.last_text
    bishkek = zone_name("Asia/Bishkek", "tg")
    await coordinator.press(bishkek)
    # 20 minutes ahead in Dushanbe is 40 minutes past in Bishkek (the finding)
    coordinator.new_messages()
    await coordinator.send("15.01.2026 14:20")
    assert coordinator.new_messages() == []  # the same message, with the reason
    assert t(harness, "tg", "That moment has already passed in {zone}. Please choose a later "
             "one.", zone=bishkek) in coordinator.last_text
    await coordinator.send("15.01.2026 15:30")  # 09:30 UTC: ahead
    await coordinator.press(nt(harness, "tg", "{hours} hour", "{hours} hours", 1, hours=1))
    await coordinator.send("Dushanbe")
    await coordinator.press(ref_label(harness, "country", "TJ", "tg"))
    await coordinator.press(t(harness, "tg", "Publish"))
    harness.clock.advance(minutes=40)  # she waited: the start has passed meanwhile
    await coordinator.press(t(harness, "tg", "Yes, publish"))
    assert t(harness, "tg", "That moment has already passed in {zone}. Please choose a later "
             "one.", zone=bishkek) in coordinator.last_text
    assert await count(harness, "SELECT COUNT(*) FROM events") == 0
    assert await count(harness, "SELECT COUNT(*) FROM broadcasts") == 0


async def test_impossible_dates_and_times_are_explained_in_her_language(
        harness: BotHarness) -> None:
    for user_id, country, locale in ((500, "UZ", "uz"), (510, "KG", "ru"), (520, "TJ", "tg")):
        user = await seed_member(harness, user_id, country, coordinator=True, locale=locale)
        await up_to_the_day(harness, user, locale)
        user.new_messages()
        await user.send("31.02.2027")
        february = get_month_names("wide", "format", locale)[2]
        assert t(harness, locale, "{day} {month} does not exist.", day=31,
                 month=february) in user.last_text
        # "next week" is not read ("tomorrow 15:00" is: test_e2e_event_leftovers): the
        # example, in her language
        words = {"uz": "keyingi hafta", "ru": "на следующей неделе", "tg": "ҳафтаи оянда"}[locale]
        await user.send(words)
        assert t(harness, locale, "I could not read that. Please write it like {example}.",
                 example="25.12.2026") in user.last_text
        assert user.new_messages() == []  # every refusal edited the one message
        await user.send("16.03.2026")
        await user.send("24:00")
        assert t(harness, locale, "24:00 — did you mean 00:00 of the next day?") \
            in user.last_text
        await user.send("25:61")
        assert t(harness, locale, "There is no such time: hours go from 0 to 23, minutes from "
                 "00 to 59.") in user.last_text
        await user.send("00:00")  # taken: the duration is asked
        assert t(harness, locale, "Duration") in user.last_text
        await user.send("/cancel")


async def test_a_multi_day_event_by_its_end(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    member = await seed_member(harness, 601, "KG", locale="ru")
    await up_to_the_day(harness, coordinator, "ru")
    await coordinator.send("20.01.2026 10:00")
    await coordinator.send("20.01.2026 09:00")
    assert t(harness, "ru", "The end must come after the start.") in coordinator.last_text
    await coordinator.send("30.01.2026 10:00")
    assert t(harness, "ru", "An event can last at most 7 days.") in coordinator.last_text
    await coordinator.send("22.01.2026 18:00")  # a three-day forum
    await coordinator.send("Бишкек")
    await coordinator.press(ref_label(harness, "country", "KG", "ru"))
    start = datetime(2026, 1, 20, 4, 0, tzinfo=UTC)  # 10:00 in Bishkek
    end = datetime(2026, 1, 22, 12, 0, tzinfo=UTC)
    assert format_range(start, end, "ru", "Asia/Bishkek") in coordinator.last_text
    await publish_draft(coordinator, "ru", harness)
    await harness.deliver()
    assert await count(harness, "SELECT duration_minutes FROM events") == 2 * 1440 + 480
    assert any(format_range(start, end, "ru", "Asia/Bishkek") in text
               for text in member.all_texts())


async def test_the_calendar_speaks_her_language_and_starts_today_in_the_zone(
        harness: BotHarness) -> None:
    for user_id, country, locale in ((500, "UZ", "uz"), (510, "KG", "ru")):
        user = await seed_member(harness, user_id, country, coordinator=True, locale=locale)
        await up_to_the_day(harness, user, locale)
        labels = user.last.button_labels()
        assert "🗓 " + format_date(date(2026, 1, 1), "LLLL y", locale=locale) in labels
        monday = format_date(date(2018, 1, 1), "EEEEEE", locale=locale)
        assert labels[1] == monday  # the week starts on Monday
        assert "15" in labels and "14" not in labels  # no day before today
        await user.press(format_date(date(2026, 2, 1), "LLL", locale=locale) + " »")
        assert "🗓 " + format_date(date(2026, 2, 1), "LLLL y", locale=locale) \
            in user.last.button_labels()
        await user.press("3")
        await user.press("10:00")
        await user.press(t(harness, locale, "« Back"))
        await user.press(t(harness, locale, "« Back"))  # the day she picked, as she reads it
        zone = harness.app.reference.country_timezones[country]  # type: ignore[union-attr]
        assert t(harness, locale, "Your answer: {answer}", answer=local_date(
            datetime(2026, 2, 3, 6, 0, tzinfo=UTC), locale, zone, weekday=True)) \
            in user.last_text
        await user.send("/cancel")


async def test_publish_names_the_recipients_and_back_publishes_nothing(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    for n in range(3):
        await seed_member(harness, 601 + n, "UZ", locale="uz")
    await seed_member(harness, 700, "KZ", locale="uz")  # another country: not counted
    await up_to_the_day(harness, coordinator, "uz", "Seminar")
    await coordinator.send("20.01.2026 10:00")
    await coordinator.press(nt(harness, "uz", "{hours} hour", "{hours} hours", 2, hours=2))
    await coordinator.send("Toshkent")
    await coordinator.press(ref_label(harness, "country", "UZ", "uz"))
    await coordinator.press(t(harness, "uz", "Publish"))
    assert coordinator.last_text == nt(
        harness, "uz", "Publish «{title}» and send it to {count} member?",
        "Publish «{title}» and send it to {count} members?", 3, title="Seminar", count=3)
    await coordinator.press(t(harness, "uz", "« Back"))
    assert await count(harness, "SELECT COUNT(*) FROM events") == 0
    await publish_draft(coordinator, "uz", harness)
    assert await count(harness, "SELECT COUNT(*) FROM outbox") == 3


async def published(harness: BotHarness, organiser: UserHandle, locale: str,
                    country: str) -> int:
    await up_to_the_day(harness, organiser, locale, "Seminar")
    await organiser.send("20.01.2026 10:00")
    await organiser.press(nt(harness, locale, "{hours} hour", "{hours} hours", 2, hours=2))
    await organiser.send("Almaty")
    await organiser.press(ref_label(harness, "country", country, locale))
    if organiser.id == ADMIN_ID:
        await organiser.press(t(harness, locale, "Done"))
    await publish_draft(organiser, locale, harness)
    await harness.deliver()
    return await count(harness, "SELECT MAX(id) FROM events")


def card_of(user: UserHandle):  # type: ignore[no-untyped-def]
    return next(m for m in user.bot_messages if "Seminar" in (m.text or "") and m.buttons())


async def test_cancel_asks_with_the_number_and_a_double_tap_cancels_once(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    going = await seed_member(harness, 601, "KZ", locale="uz")
    maybe = await seed_member(harness, 602, "KZ", locale="tg")
    await published(harness, coordinator, "ru", "KZ")
    await going.press(t(harness, "uz", "Going"), card_of(going))
    await maybe.press(t(harness, "tg", "Maybe"), card_of(maybe))
    await coordinator.send("/events")
    await coordinator.press(t(harness, "ru", "Cancel event"))
    question = nt(harness, "ru", "Cancel «{title}» and tell {count} person who answered Going "
                  "or Maybe?", "Cancel «{title}» and tell {count} people who answered Going or "
                  "Maybe?", 2, title="Seminar", count=2)
    assert coordinator.last_text == question
    await coordinator.press(t(harness, "ru", "Keep the event"))
    assert await harness.db.fetch_value("SELECT status FROM events") == "published"
    await coordinator.press(t(harness, "ru", "Cancel event"))
    confirm = coordinator.last
    answers = await asyncio.gather(
        coordinator.press(t(harness, "ru", "Cancel the event"), confirm),
        coordinator.press(t(harness, "ru", "Cancel the event"), confirm))
    assert await harness.db.fetch_value("SELECT status FROM events") == "cancelled"
    assert await count(harness, "SELECT COUNT(*) FROM audit_log WHERE action = "
                                "'cancel_event'") == 1
    popups = [a.get("text") for a in answers if a and a.get("text")]
    assert len(popups) == 1 and popups[0] in stale_texts(harness, "ru")
    await harness.deliver()
    for user, locale in ((going, "uz"), (maybe, "tg")):
        told = t(harness, locale, "❌ This event has been cancelled:").split(":")[0]
        assert sum(told in text for text in user.all_texts()) == 1


async def test_edit_duration_audience_and_a_translation_after_publishing(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    going = await seed_member(harness, 601, "KZ", locale="ru")
    kyrgyz = await seed_member(harness, 602, "KG", locale="uz")
    event_id = await published(harness, admin, "en", "KZ")
    await going.press(t(harness, "ru", "Going"), card_of(going))
    assert not any("Seminar" in text for text in kyrgyz.all_texts())
    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Duration")
    await admin.press("3 hours")
    assert admin.last_text == "Save this change (Duration) and tell 1 person who answered " \
                              "Going or Maybe?"
    await admin.press("Save")
    assert "Saved; 1 person who answered Going or Maybe is being told." in admin.last_text
    assert await count(harness, "SELECT duration_minutes FROM events") == 180
    # the audience: Kazakhstan and Kyrgyzstan; the Kyrgyz member gets the card
    await admin.press("Audience")
    await admin.press("Kazakhstan")
    await admin.press("Kyrgyzstan")
    await admin.press("Done")
    assert admin.last_text == ("Change who the event is for to: Kyrgyzstan, Kazakhstan? "
                               "1 more member gets it.")
    await admin.press("Save")
    assert await harness.db.fetch_value("SELECT audience FROM events") == "KG,KZ"
    # a Russian translation
    await admin.press("Translation")
    await admin.press(LANGUAGE_NAMES["ru"])
    await admin.send("Семинар по границе")
    await admin.send("Три дня совместной работы")
    await admin.press("Save")
    texts = await harness.db.fetch_value("SELECT texts FROM events WHERE id = ?", (event_id,))
    assert "Семинар по границе" in texts
    await harness.deliver()
    assert any("Seminar" in text for text in kyrgyz.all_texts())
    assert await count(harness, "SELECT COUNT(*) FROM broadcasts WHERE kind = "
                                "'event_changed'") == 2
    log = await harness.db.fetch_all("SELECT details FROM audit_log WHERE action = "
                                     "'edit_event' ORDER BY id")
    assert [r["details"].rsplit(": ", 1)[1] for r in log] == [
        "duration_minutes", "audience", "texts"]


async def test_cancel_in_newevent_says_the_draft_is_discarded(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True, locale="tg")
    await coordinator.send("/newevent")
    await coordinator.send("Half-written")
    title_step = coordinator.last
    back = next(b["callback_data"] for b in title_step.buttons()
                if b["text"] == t(harness, "tg", "« Back"))
    await coordinator.send("/cancel")
    assert coordinator.last_text == t(
        harness, "tg", "Cancelled. The event draft is discarded; nothing was sent. /newevent "
                       "starts a new one.")
    assert not title_step.buttons()  # the closed dialog's message lost its keyboard
    answer = await coordinator.press_data(back, title_step)  # replayed
    assert answer is not None and answer["text"] in stale_texts(harness, "tg")
    await coordinator.send("/newevent")  # a new draft: nothing of the old one
    assert t(harness, "tg", "Your answer: {answer}", answer="Half-written") \
        not in coordinator.last_text


async def test_announce_to_a_country_with_nobody_says_so_before_the_text(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="uz")
    await seed_member(harness, 601, "KZ", locale="uz")
    await admin.send("/announce")
    turkmenistan = ref_label(harness, "country", "TM", "uz")
    await admin.press(turkmenistan)
    assert t(harness, "uz", "Nobody in {audience} can receive it yet: there are no approved "
             "members there.", audience=turkmenistan) in admin.last_text
    assert t(harness, "uz", "Send the text of the announcement (formatting is kept).") \
        not in admin.last_text
    await admin.press(ref_label(harness, "country", "KZ", "uz"))
    assert t(harness, "uz", "Send the text of the announcement (formatting is kept).") \
        in admin.last_text


async def test_a_scheduled_announcement_goes_out_at_its_time_in_each_language(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    members = {locale: await seed_member(harness, 600 + n, "KG", locale=locale)
               for n, locale in enumerate(("ru", "uz", "tg"))}
    await coordinator.send("/announce")
    await coordinator.press(ref_label(harness, "country", "KG", "ru"))
    await coordinator.send("Собрание в пятницу")
    await coordinator.press(t(harness, "ru", "Add a translation"))
    await coordinator.press(LANGUAGE_NAMES["uz"])
    await coordinator.send("Juma kuni yig'ilish")
    await coordinator.press(t(harness, "ru", "Schedule"))
    await coordinator.press(zone_name("Asia/Bishkek", "ru"))
    await coordinator.press("16")
    await coordinator.press("10:00")  # 04:00 UTC
    when = format_datetime(datetime(2026, 1, 16, 4, 0, tzinfo=UTC), "ru", "Asia/Bishkek",
                           weekday=True)
    assert coordinator.last_text == nt(
        harness, "ru", "Send the announcement on {when} ({zone}) to {count} member?",
        "Send the announcement on {when} ({zone}) to {count} members?", 3, when=when,
        zone=zone_name("Asia/Bishkek", "ru"), count=3)
    await coordinator.press(t(harness, "ru", "Yes, send"))
    assert await count(harness, "SELECT COUNT(*) FROM scheduled_announcements") == 1
    await harness.restart()  # it waits in the database
    harness.clock.set(datetime(2026, 1, 16, 3, 59, tzinfo=UTC))
    await harness.tick()
    await harness.deliver()
    assert not any("Собрание" in text for m in members.values() for text in m.all_texts())
    harness.clock.set(datetime(2026, 1, 16, 4, 0, tzinfo=UTC))
    await harness.tick()
    await harness.deliver()
    assert any("Собрание в пятницу" in text for text in members["ru"].all_texts())
    assert any("Juma kuni" in text for text in members["uz"].all_texts())
    assert any("Собрание в пятницу" in text for text in members["tg"].all_texts())
    await harness.restart()
    harness.clock.advance(minutes=5)
    await harness.tick()
    await harness.deliver()
    assert sum("Собрание" in text for text in members["ru"].all_texts()) == 1


async def test_a_coordinator_dismissed_before_publish_publishes_nothing(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz",
                                    name="Dilnoza")
    await seed_member(harness, 601, "UZ", locale="uz")
    await up_to_the_day(harness, coordinator, "uz", "Seminar")
    await coordinator.send("20.01.2026 10:00")
    await coordinator.press(nt(harness, "uz", "{hours} hour", "{hours} hours", 2, hours=2))
    await coordinator.send("Toshkent")
    await coordinator.press(ref_label(harness, "country", "UZ", "uz"))
    await coordinator.press(t(harness, "uz", "Publish"))
    await admin.send("/coordinators")  # she is dismissed while the confirmation is open
    await admin.press("Remove Dilnoza")
    await admin.press("Confirm")
    assert await count(harness, "SELECT COUNT(*) FROM coordinators") == 0
    await coordinator.press(t(harness, "uz", "Yes, publish"))
    assert t(harness, "uz", "You are not allowed to do this.") in coordinator.last_text
    assert await count(harness, "SELECT COUNT(*) FROM events") == 0
    assert await count(harness, "SELECT COUNT(*) FROM broadcasts WHERE kind = 'event'") == 0


async def test_every_earlier_button_of_the_flows_is_stale_afterwards(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    member = await seed_member(harness, 601, "KG", locale="ru")
    buttons = ButtonsSeen()
    buttons.watch(coordinator)
    await coordinator.send("/newevent")
    await coordinator.send("Seminar")
    await coordinator.press(t(harness, "ru", "« Back"))
    await coordinator.press(t(harness, "ru", "Keep"))
    await coordinator.send("Joint work")
    await coordinator.press(t(harness, "ru", "Keep"))
    await coordinator.press("20")
    await coordinator.press("14:00")
    await coordinator.press(nt(harness, "ru", "{hours} hour", "{hours} hours", 2, hours=2))
    await coordinator.send("Osh")
    await coordinator.press(ref_label(harness, "country", "KG", "ru"))
    await coordinator.press(t(harness, "ru", "Add a translation"))
    await coordinator.press(LANGUAGE_NAMES["tg"])
    await coordinator.send("Семинар")
    await coordinator.send("Кори якҷоя")
    await coordinator.press(t(harness, "ru", "Edit"))
    await coordinator.press(t(harness, "ru", "Place"))
    await coordinator.send("Osh, academy")
    await publish_draft(coordinator, "ru", harness)
    await harness.deliver()
    await member.press(t(harness, "ru", "Going"), card_of(member))
    await coordinator.send("/events")
    await coordinator.press(t(harness, "ru", "Edit"))
    await coordinator.press(t(harness, "ru", "Place"))
    await coordinator.send("Osh, hall 2")
    await coordinator.press(t(harness, "ru", "Save"))
    await coordinator.press(t(harness, "ru", "Close"))
    await coordinator.send("/announce")
    await coordinator.press(ref_label(harness, "country", "KG", "ru"))
    await coordinator.send("Meeting")
    await coordinator.press(t(harness, "ru", "Send now"))
    await coordinator.press(t(harness, "ru", "Yes, send"))
    await harness.deliver()
    before = await snapshot(harness)
    stale = stale_texts(harness, "ru")
    pressed = 0
    for message, label, data in buttons.gone(coordinator):
        sent_before = len(coordinator.bot_messages)
        answer = await coordinator.press_data(data, message)
        await harness.deliver()
        pressed += 1
        assert answer is not None and answer.get("text") in stale, (label, answer)
        assert len(coordinator.bot_messages) == sent_before, label
        assert diff(before, await snapshot(harness)) == {}, label
    assert pressed >= 20
    assert await harness.db.fetch_value("SELECT place FROM events") == "Osh, hall 2"


async def test_a_restart_keeps_the_draft_where_she_was(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "TJ", coordinator=True, locale="tg")
    await seed_member(harness, 601, "TJ", locale="tg")
    await up_to_the_day(harness, coordinator, "tg", "Seminar")
    await coordinator.send("20.01.2026 10:00")
    await coordinator.press(nt(harness, "tg", "{hours} hour", "{hours} hours", 2, hours=2))
    await harness.restart()  # the dialog's stack is in the SQLite FSM storage
    await coordinator.send("Dushanbe")
    assert t(harness, "tg", "Step {step_no} of {total} · {field}", step_no=8, total=8,
             field=t(harness, "tg", "Audience")) in coordinator.last_text
    await coordinator.press(ref_label(harness, "country", "TJ", "tg"))
    await publish_draft(coordinator, "tg", harness)
    assert await count(harness, "SELECT COUNT(*) FROM events WHERE title = 'Seminar' "
                                "AND place = 'Dushanbe'") == 1


async def test_a_scheduled_announcement_can_be_withdrawn_until_it_goes(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    member = await seed_member(harness, 601, "UZ", locale="uz")
    await coordinator.send("/announce")
    await coordinator.press(ref_label(harness, "country", "UZ", "uz"))
    await coordinator.send("Seminar moved")
    await coordinator.press(t(harness, "uz", "Schedule"))
    await coordinator.press(zone_name("Asia/Tashkent", "uz"))
    await coordinator.send("16.01.2026 09:00")
    await coordinator.press(t(harness, "uz", "Yes, send"))
    scheduled = coordinator.last
    assert t(harness, "uz", "Withdraw it") in scheduled.button_labels()
    await coordinator.press(t(harness, "uz", "Withdraw it"), scheduled)
    assert coordinator.last_text == t(harness, "uz", "Withdrawn: the announcement will not be "
                                                     "sent.")
    assert coordinator.last is scheduled and scheduled.buttons() == []  # said on it, in place
    answer = await coordinator.press_data(  # a second tap
        ScheduledCb(action=ScheduledAction.WITHDRAW, item_id=1).pack(), scheduled)
    assert answer is not None and answer["text"] == t(
        harness, "uz", "You have already withdrawn this announcement.")
    harness.clock.set(datetime(2026, 1, 16, 5, 0, tzinfo=UTC))
    await harness.tick()
    await harness.deliver()
    assert not any("Seminar moved" in text for text in member.all_texts())
