"""End-to-end (issue 12): what members and organisers receive about an event — calendar files
by RFC 5545, translations everywhere, reminders that say when and re-arm after a new start,
change notices old → new, the organiser's report and list, chat posts, the digest findings.

Events are published here through the same calls the organiser's Publish makes (create, then
queue the card to the audience), so these tests do not depend on how the /newevent dialog
asks; edits and cancels go through ``EventService`` as the organiser's dialogs do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from bot.callbacks import EventCb
from bot.db import Database, apply_migrations
from bot.db.repositories.events import Event, EventRepo
from bot.i18n import format_range, format_when
from bot.services.calendar import calendar_file
from bot.services.message_kinds import MessageKind
from tests.emulator.server import SentMessage, UserHandle
from tests.flows import seed_member, t
from tests.harness import ADMIN_ID, BotHarness

START = datetime(2026, 1, 20, 8, 0, tzinfo=UTC)  # 14:00 in Bishkek, 13:00 in Tashkent/Almaty
TITLE = "Border cooperation seminar"
TEXTS = {
    "uz": {"title": "Chegara hamkorligi seminari", "description": "Qoʻshma patrullar"},
    "ky": {"title": "Чек ара кызматташтыгы семинары", "description": "Биргелешкен күзөт"},
    "ru": {"title": "Семинар по пограничному сотрудничеству", "description": "Патрули"},
}
ZONES = {"uz": "Asia/Tashkent", "ky": "Asia/Bishkek", "ru": "Asia/Almaty"}


async def publish(harness: BotHarness, *, start: datetime = START, place: str = "Bishkek",
                  texts: dict[str, dict[str, str]] | None = None, duration: int = 120) -> Event:
    """What Publish does: the event, then its card queued to everyone in its audience."""
    app = harness.app
    assert app is not None
    event_id = await app.events.create(ADMIN_ID, "*", TITLE, "Joint patrols", start,
                                       "Asia/Bishkek", duration, place, harness.clock.now(),
                                       TEXTS if texts is None else texts)
    event = await app.events.get(event_id)
    assert event is not None
    members = [m for m in await app.profiles.approved_members(None) if m != ADMIN_ID]
    await app.delivery.enqueue(MessageKind.EVENT, event.payload(), members, ADMIN_ID)
    await harness.deliver()
    return event


async def current(harness: BotHarness, event: Event) -> Event:
    assert harness.app is not None
    fresh = await harness.app.events.get(event.id)
    assert fresh is not None
    return fresh


async def three_members(harness: BotHarness) -> dict[str, UserHandle]:
    return {"uz": await seed_member(harness, 601, "UZ", locale="uz"),
            "ky": await seed_member(harness, 602, "KG", locale="ky"),
            "ru": await seed_member(harness, 603, "KZ", locale="ru")}


def card_of(user: UserHandle) -> SentMessage:
    """The newest event card she has."""
    return [m for m in user.bot_messages if (m.text or "").startswith("📅") and m.buttons()][-1]


def vevent(message: SentMessage):  # type: ignore[no-untyped-def]
    assert message.document is not None and message.document["file_name"].endswith(".ics")
    return next(iter(Calendar.from_ical(message.document["content"]).walk("VEVENT")))


def documents(user: UserHandle) -> list[SentMessage]:
    return [m for m in user.bot_messages if m.document is not None]


def reminders(user: UserHandle) -> list[SentMessage]:
    return [m for m in user.bot_messages if (m.text or "").startswith("⏰")]


async def run(harness: BotHarness) -> None:
    await harness.tick()
    await harness.deliver()


# ---- 1. calendar files -----------------------------------------------------------------------

async def test_calendar_file_by_rfc5545_in_her_language_and_sent_again_after_changes(
        harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    members = await three_members(harness)
    event = await publish(harness)
    harness.clock.advance(hours=1)
    for locale, user in members.items():
        card = card_of(user)
        links = {b["text"]: b.get("url", "") for b in card.buttons()}
        assert "calendar.google.com" in links["Google Calendar"]
        assert "20260120T080000Z" in links["Google Calendar"]
        assert "outlook.live.com" in links["Outlook"]
        await user.press(t(harness, locale, "Add to calendar"), card)
        entry = vevent(user.last)
        assert str(entry["summary"]) == TEXTS[locale]["title"]  # her language
        assert str(entry["description"]) == TEXTS[locale]["description"]
        assert entry.decoded("dtstamp") == harness.clock.now()  # made now, not the start
        assert entry.decoded("dtstart") == START
        assert int(entry["sequence"]) == 0 and str(entry["status"]) == "CONFIRMED"
        alarm = next(iter(entry.walk("VALARM")))
        assert alarm.decoded("trigger") == -timedelta(hours=1)
        assert str(entry["uid"]) == event.uid and not event.uid.startswith("event-")
    # She who answers Can't is not sent the new file.
    await members["ky"].press(t(harness, "ky", "Can't"), card_of(members["ky"]))
    service = harness.app.event_service  # type: ignore[union-attr]
    assert await service.change(await current(harness, event), "place", "Osh") >= 0
    assert await service.change(await current(harness, event), "starts_at",
                                START + timedelta(hours=2)) >= 0
    await harness.deliver()
    for locale in ("uz", "ru"):
        entry = vevent(documents(members[locale])[-1])
        assert int(entry["sequence"]) == 2 and str(entry["location"]) == "Osh"
        assert entry.decoded("dtstart") == START + timedelta(hours=2)
        assert str(entry["summary"]) == TEXTS[locale]["title"]
    assert len(documents(members["ky"])) == 1
    # Cancelled: the takers get STATUS:CANCELLED, and the old card's button gives it too.
    assert await service.cancel(await current(harness, event)) >= 0
    await harness.deliver()
    entry = vevent(documents(members["uz"])[-1])
    assert str(entry["status"]) == "CANCELLED" and int(entry["sequence"]) == 3
    card = next(m for m in members["ky"].bot_messages if (m.text or "").startswith("📅"))
    assert t(harness, "ky", "This event has been cancelled.") in (card.text or "")
    assert card.button_labels() == [t(harness, "ky", "Add to calendar")]  # no answers now
    await members["ky"].press(t(harness, "ky", "Add to calendar"), card)
    entry = vevent(members["ky"].last)
    assert str(entry["status"]) == "CANCELLED" and str(entry["summary"]) == TEXTS["ky"]["title"]


async def test_calendar_uid_is_unique_across_two_databases(tmp_path: Path) -> None:
    uids = []
    for name in ("first", "second"):
        db = await Database.open(tmp_path / f"{name}.sqlite3")
        await apply_migrations(db)
        repo = EventRepo(db)
        event_id = await repo.create(1, "*", TITLE, "x", START, "Asia/Bishkek", 60, "Osh",
                                     START - timedelta(days=1))
        event = await repo.get(event_id)
        assert event is not None and event.id == 1  # the same row id in both
        entry = next(iter(Calendar.from_ical(calendar_file(event, "en", START)).walk("VEVENT")))
        uids.append(str(entry["uid"]))
        await db.close()
    assert uids[0] != uids[1]


# ---- 3. reminders ----------------------------------------------------------------------------

async def test_reminders_say_when_in_her_language_and_carry_the_answer_buttons(
        harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    members = await three_members(harness)
    await publish(harness, place="https://meet.example.org/border")
    for locale, user in members.items():
        await user.press(t(harness, locale, "Going"), card_of(user))
    harness.clock.set(START - timedelta(hours=23, minutes=59))
    await run(harness)
    for locale, user in members.items():
        [reminder] = reminders(user)
        when = format_when(START, harness.clock.now(), locale, ZONES[locale])
        assert reminder.text.startswith(t(harness, locale, "⏰ Reminder") + " · " + when)
        assert TEXTS[locale]["title"] in reminder.text
        labels = reminder.button_labels()
        assert "✓ " + t(harness, locale, "Going") in labels
        assert t(harness, locale, "Join online") in labels
    assert "ertaga" in reminders(members["uz"])[0].text  # "tomorrow", Babel's word
    assert "эртең" in reminders(members["ky"])[0].text
    assert "завтра" in reminders(members["ru"])[0].text
    harness.clock.set(START - timedelta(hours=1))
    await run(harness)
    assert "через 1 час" in reminders(members["ru"])[-1].text
    assert "1 soatdan keyin" in reminders(members["uz"])[-1].text
    assert "1 сааттан кийин" in reminders(members["ky"])[-1].text
    # Her answer changed from the reminder is recorded.
    await members["ru"].press(t(harness, "ru", "Maybe"), reminders(members["ru"])[-1])
    assert await harness.db.fetch_value(
        "SELECT answer FROM event_answers WHERE user_id = 603") == "maybe"


async def test_reminders_are_not_spent_early_and_re_arm_after_a_new_start(
        harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    members = await three_members(harness)
    now = harness.clock.now()
    soon = await publish(harness, start=now + timedelta(hours=2))  # less than 24 h away
    await members["ru"].press(t(harness, "ru", "Going"), card_of(members["ru"]))
    await run(harness)
    assert reminders(members["ru"]) == []
    assert await harness.db.fetch_value(
        "SELECT reminded_24h_at FROM events WHERE id = ?", (soon.id,)) is None  # not spent
    # Moved 3 hours later: no "Reminder" a minute after the change notice.
    service = harness.app.event_service  # type: ignore[union-attr]
    await service.change(await current(harness, soon), "starts_at", now + timedelta(hours=5))
    await harness.deliver()
    harness.clock.advance(minutes=1)
    await run(harness)
    assert reminders(members["ru"]) == []
    harness.clock.set(now + timedelta(hours=4, minutes=1))
    await run(harness)
    [reminder] = reminders(members["ru"])
    assert "через 1 час" in (reminder.text or "")  # 59 minutes, as people say it
    # Another event moved from tonight to three days later: the 24-hour one is armed again.
    later = await publish(harness, start=harness.clock.now() + timedelta(hours=10))
    await members["uz"].press(t(harness, "uz", "Going"), card_of(members["uz"]))
    moved_to = harness.clock.now() + timedelta(days=3)
    await service.change(await current(harness, later), "starts_at", moved_to)
    await harness.deliver()
    harness.clock.set(moved_to - timedelta(hours=23, minutes=58))
    await run(harness)
    assert len(reminders(members["uz"])) == 1
    assert "ertaga" in (reminders(members["uz"])[0].text or "")
    # Moved earlier, to half an hour from now: nothing a minute later either.
    early = await publish(harness, start=harness.clock.now() + timedelta(hours=30))
    await members["ky"].press(t(harness, "ky", "Going"), card_of(members["ky"]))
    before = len(reminders(members["ky"]))
    await service.change(await current(harness, early), "starts_at",
                         harness.clock.now() + timedelta(minutes=30))
    harness.clock.advance(minutes=1)
    await run(harness)
    assert len(reminders(members["ky"])) == before


# ---- 4. change notices and the card's counts -------------------------------------------------

async def test_change_notice_says_what_changed_old_to_new_with_the_answer_buttons(
        harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    members = await three_members(harness)
    extra = await seed_member(harness, 604, "KZ", locale="ru")
    event = await publish(harness)
    await members["uz"].press(t(harness, "uz", "Going"), card_of(members["uz"]))
    await members["ky"].press(t(harness, "ky", "Maybe"), card_of(members["ky"]))
    await members["ru"].press(t(harness, "ru", "Going"), card_of(members["ru"]))
    # The card she answered on shows how many are going, in her language.
    assert t(harness, "ru", "{going} going · {maybe} maybe", going=2, maybe=1) in (
        card_of(members["ru"]).text or "")
    await extra.send("/events")
    assert t(harness, "ru", "{going} going · {maybe} maybe", going=2, maybe=1) in extra.last_text
    service = harness.app.event_service  # type: ignore[union-attr]
    new_start = START + timedelta(days=1, hours=1)
    await service.update(await current(harness, event), {"starts_at": new_start, "place": "Osh"})
    await harness.deliver()
    for locale, user in members.items():
        notice = user.last
        text = notice.text or ""
        assert text.startswith(t(harness, locale, "✏️ This event has changed:"))
        old = format_range(START, START + timedelta(hours=2), locale, ZONES[locale])
        new = format_range(new_start, new_start + timedelta(hours=2), locale, ZONES[locale])
        assert old in text and new in text and text.index(old) < text.index(new)
        assert f"{t(harness, locale, 'Place')}: Bishkek → Osh" in text
        assert TEXTS[locale]["title"] in text
        assert any(label.startswith("✓ ") for label in notice.button_labels())
    # The organiser changes the Russian title: the Russian member sees her title old → new.
    texts = {**TEXTS, "ru": {**TEXTS["ru"], "title": "Пограничный семинар"}}
    await service.update(await current(harness, event), {"texts": texts})
    await harness.deliver()
    assert f"{TEXTS['ru']['title']} → Пограничный семинар" in members["ru"].last_text
    # she did not answer: no notice, only her card shows the change
    assert not any(text.startswith("✏️") for text in extra.all_texts())


# ---- 2. translations in feedback and cancel notices ------------------------------------------

async def test_feedback_and_cancel_notice_use_her_language_version(harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    members = await three_members(harness)
    past = await publish(harness)
    for locale, user in members.items():
        await user.press(t(harness, locale, "Going"), card_of(user))
    harness.clock.set(START + timedelta(hours=2, minutes=1))
    await run(harness)
    for locale, user in members.items():
        assert user.last_text == t(harness, locale, "How was «{title}»? Tap a mark from 1 to 5.",
                                   title=TEXTS[locale]["title"])
    coming = await publish(harness, start=START + timedelta(days=5))
    for locale, user in members.items():
        await user.press(t(harness, locale, "Maybe"), card_of(user))
    await harness.app.event_service.cancel(await current(harness, coming))  # type: ignore[union-attr]
    await harness.deliver()
    for locale, user in members.items():
        assert user.last_text.startswith(t(harness, locale, "❌ This event has been cancelled:"))
        assert TEXTS[locale]["title"] in user.last_text
    assert past.id != coming.id


# ---- 5. the organiser's view -----------------------------------------------------------------

async def test_organiser_sees_past_events_ratings_and_a_list_in_her_language(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="ru")
    kazakhs = [await seed_member(harness, 610 + n, "KZ", locale="kk", name=f"Kazakh {n}")
               for n in range(5)]
    kyrgyz = await seed_member(harness, 620, "KG", locale="ky", name="Kyrgyz One")
    await publish(harness)
    for user in kazakhs:
        await user.press(t(harness, "kk", "Going"), card_of(user))
    await kyrgyz.press(t(harness, "ky", "Going"), card_of(kyrgyz))
    harness.clock.set(START + timedelta(hours=3))
    await run(harness)
    for n, user in enumerate(kazakhs):
        await user.press(str(4 + n % 2))  # 4, 5, 4, 5, 4
    await kyrgyz.press("2")
    await admin.send("/events")  # nothing ahead; her past event stays reachable
    assert t(harness, "ru", "Your past events: their answers, ratings and attendee lists.") \
        in admin.all_texts()
    await admin.press(admin.last.button_labels()[0])
    report = admin.last_text
    assert f"{t(harness, 'ru', 'Going')}: 5" in report
    assert "4,0" in report or "4.0" in report  # (4+5+4+5+4+2) / 6
    assert "★★★★★: 2" in report and "★★: 1" in report
    kyrgyzstan = harness.app.reference.country("KG", "ru")  # type: ignore[union-attr]
    kazakhstan = harness.app.reference.country("KZ", "ru")  # type: ignore[union-attr]
    assert f"{kyrgyzstan}: <5" in report  # one mark: not traceable to her
    # no Kazakh average: with the overall 4,0 from 6 it would give the Kyrgyz mark (2)
    assert "4,4" not in report and "4.4" not in report
    await admin.press(t(harness, "ru", "Attendee list"))
    document = admin.last
    assert document.protect_content is False  # hers to save and forward
    csv_text = document.document["content"].decode("utf-8-sig")  # type: ignore[index]
    header = csv_text.splitlines()[0]
    assert header == ",".join(t(harness, "ru", h) for h in ("Name", "Country", "Answer",
                                                            "Answered at"))
    assert f"Kyrgyz One,{kyrgyzstan},{t(harness, 'ru', 'Going')}" in csv_text
    assert f"{t(harness, 'ru', 'Total')},,{t(harness, 'ru', 'Going')},6" in csv_text
    assert ",4" not in csv_text.split("Kyrgyz One")[1].splitlines()[0]  # no marks in it


# ---- 6. chat posts ---------------------------------------------------------------------------

async def test_chat_post_in_the_chats_language_opens_the_answer_in_the_bot(
        harness: BotHarness) -> None:
    from tests.test_e2e_chats import setup_chats

    admin, _kz, _kg, region = await setup_chats(harness)
    uzbek = await seed_member(harness, 601, "UZ", locale="uz")
    pending = await seed_member(harness, 602, "KG", locale="ky", status="pending")
    event = await publish(harness)
    await admin.press_data(EventCb(action="tochats", event_id=event.id).pack())
    post = [m for m in region.messages if m.from_bot][-1]
    assert (post.text or "").startswith("📅 " + TEXTS["ru"]["title"])  # the regional chat: ru
    [answer] = [b for b in post.buttons() if b["text"] == t(harness, "ru", "Answer in the bot")]
    assert answer["url"].endswith(f"?start=event-{event.id}")
    await uzbek.send(f"/start event-{event.id}")
    assert uzbek.last_text.startswith("📅 " + TEXTS["uz"]["title"])
    await uzbek.press(t(harness, "uz", "Going"))
    assert await harness.db.fetch_value(
        "SELECT answer FROM event_answers WHERE user_id = 601") == "going"
    await pending.send(f"/start event-{event.id}")
    assert pending.last_text == t(harness, "ky", "Events are open to members once their "
                                                 "application is approved.")
    # An administrator sets the regional chat's language in /channels: the next post reads it.
    await admin.send("/channels")
    await admin.press("🌐 Regional network: Русский")
    await admin.press("Oʻzbekcha")
    assert admin.last_text == "I will write in «Regional network» in Oʻzbekcha."
    await admin.send("/channels")
    assert "🌐 Regional network: Oʻzbekcha" in admin.last.button_labels()
    second = await publish(harness, start=START + timedelta(days=1))
    await admin.press_data(EventCb(action="tochats", event_id=second.id).pack())
    post = [m for m in region.messages if m.from_bot][-1]
    assert (post.text or "").startswith("📅 " + TEXTS["uz"]["title"])
    assert t(harness, "uz", "Answer in the bot") in post.button_labels()


# ---- 7. digest findings ----------------------------------------------------------------------

async def test_digest_stop_keeps_it_and_the_reader_is_not_her_own_new_member(
        harness: BotHarness) -> None:
    monday_0930_almaty = datetime(2026, 1, 19, 4, 30, tzinfo=UTC)
    harness.clock.set(monday_0930_almaty - timedelta(days=1))
    reader = await seed_member(harness, 601, "KZ", locale="ru", name="Reader Aigerim")
    await seed_member(harness, 602, "KZ", locale="uz", name="Other Newcomer")
    pending = await seed_member(harness, 603, "KZ", locale="ky", status="pending")
    await publish(harness, start=monday_0930_almaty + timedelta(days=2))
    harness.clock.set(monday_0930_almaty)
    await run(harness)
    digest = reader.last
    text = digest.text or ""
    assert "Other Newcomer" in text and "Reader Aigerim" not in text
    assert TEXTS["ru"]["title"] in text  # the events in her language too
    await reader.press(t(harness, "ru", "Stop the weekly digest"), digest)
    assert digest.text == text and digest.buttons() == []  # the digest stays readable
    assert reader.last_text == t(harness, "ru", "The weekly digest is off.")
    assert await harness.db.fetch_value("SELECT digest_enabled FROM users WHERE id = 601") == 0
    await pending.send("/events")
    assert pending.last_text == t(harness, "ky", "Events are open to members once their "
                                                 "application is approved.")
    await pending.send("/digest")
    assert pending.last_text == t(harness, "ky", "The weekly digest is for members once their "
                                                 "application is approved.")


async def test_one_live_card_edits_and_cancel_update_the_card_she_has(
        harness: BotHarness) -> None:
    """The card each member got is edited in place: after a change it shows the event as it
    is now and what changed; after the cancellation it says so and has no answer buttons."""
    members = await three_members(harness)
    event = await publish(harness)
    cards = {locale: card_of(user) for locale, user in members.items()}
    await members["ky"].press(t(harness, "ky", "Going"), cards["ky"])
    assert harness.app is not None
    service = harness.app.event_service
    await service.change(await current(harness, event), "place", "Osh, city hall")
    await harness.deliver()
    for locale, user in members.items():
        card = cards[locale]
        assert "Osh, city hall" in (card.text or "") and "Bishkek" in (card.text or "")
        assert (card.text or "").startswith("📅")  # still the card, the change below
        assert t(harness, locale, "✏️ This event has changed:") in (card.text or "")
        assert card.buttons(), locale  # still answerable
    assert any("✓" in label for label in cards["ky"].button_labels())  # her answer stays
    await service.cancel(await current(harness, event))
    await harness.deliver()
    for locale, user in members.items():
        card = cards[locale]
        assert t(harness, locale, "This event has been cancelled.") in (card.text or "")
        assert card.button_labels() == [t(harness, locale, "Add to calendar")], locale
