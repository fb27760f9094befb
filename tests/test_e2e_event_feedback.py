"""End-to-end (issue 12, what was left): after the event, "How was it?" says who was there (a
mark) or was not ("I wasn't there"), takes an optional anonymous comment, and the organiser's
report shows attendance by country and the comments without names — small cells as "<5",
comments only once five people have rated, no average that a small country's marks follow
from by subtraction. Time moves by the injected clock; members read kk, ky, uz, tg and ru.
"""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import EventAction, EventCb
from tests.emulator.server import UserHandle
from tests.flows import seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_event_notices import START, card_of, publish, run

AFTER = START + timedelta(hours=2, minutes=1)  # the events below last two hours


def question(user: UserHandle):  # type: ignore[no-untyped-def]
    """Her "How was it?" message."""
    return next(m for m in reversed(user.bot_messages)
                if any(b.get("callback_data", "").startswith("e1:rate:") for b in m.buttons())
                or "★" in (m.text or ""))


async def answered_going(harness: BotHarness, users: list[tuple[UserHandle, str]]) -> None:
    for user, locale in users:
        await user.press(t(harness, locale, "Going"), card_of(user))


async def test_a_mark_then_an_anonymous_comment_and_i_wasnt_there(harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    kazakh = await seed_member(harness, 601, "KZ", locale="kk")
    kyrgyz = await seed_member(harness, 602, "KG", locale="ky")
    tajik = await seed_member(harness, 603, "TJ", locale="tg")
    event = await publish(harness)
    await answered_going(harness, [(kazakh, "kk"), (kyrgyz, "ky"), (tajik, "tg")])
    harness.clock.set(AFTER)
    await run(harness)
    # She came: a mark; the same message then thanks her and offers a comment.
    asked = question(kazakh)
    assert t(harness, "kk", "I wasn't there") in asked.button_labels()
    await kazakh.press("4", asked)
    shown = question(kazakh)
    assert t(harness, "kk", "Thank you! Your mark: {stars}", stars="★★★★☆") in (shown.text or "")
    assert shown.button_labels() == [t(harness, "kk", "Add a comment")]
    await kazakh.press(t(harness, "kk", "Add a comment"), shown)
    # the same message asks for it: she types, no buttons to press
    assert shown.buttons() == [] and "500" in (shown.text or "")
    await kazakh.send("x" * 501)  # too long: asked again, nothing stored
    assert kazakh.last_text == t(harness, "kk", "That is too long: please keep it under "
                                                "{limit} characters.", limit=500)
    await kazakh.send("Great <b>panel</b> & useful maps")
    assert kazakh.last_text == t(harness, "kk", "Thank you! Your comment is saved: the "
                                                "organiser reads it without your name.")
    row = await harness.db.fetch_one(
        "SELECT rating, attended, comment, updated_at FROM event_answers WHERE user_id = 601")
    assert (row["rating"], row["attended"], row["comment"]) == (
        4, 1, "Great <b>panel</b> & useful maps")
    # a text after that is not a comment any more
    await kazakh.send("hello")
    assert await harness.db.fetch_value(
        "SELECT comment FROM event_answers WHERE user_id = 601") == \
        "Great <b>panel</b> & useful maps"

    # She did not come: no mark, and the question says it is noted.
    await kyrgyz.press(t(harness, "ky", "I wasn't there"), question(kyrgyz))
    assert kyrgyz.last_text == t(harness, "ky", "Thank you: noted that you could not come to "
                                                "«{title}».", title=event.localized("ky")[0])
    assert await harness.db.fetch_value(
        "SELECT attended FROM event_answers WHERE user_id = 602") == 0
    # a forged comment or mark from her after that is refused with the stale popup
    answer = await kyrgyz.press_data(
        EventCb(action=EventAction.COMMENT, event_id=event.id).pack())
    assert answer is not None and answer.get("text") == t(
        harness, "ky", "This button is no longer valid.")
    # The Tajik rates, starts a comment and thinks better of it: /cancel says what stays.
    await tajik.press("5", question(tajik))
    await tajik.press(t(harness, "tg", "Add a comment"), question(tajik))
    await tajik.send("/cancel")
    assert tajik.last_text == t(harness, "tg", "Cancelled. No comment was added; your mark "
                                               "counts.")
    await tajik.send("Not a comment")
    row = await harness.db.fetch_one(
        "SELECT rating, comment FROM event_answers WHERE user_id = 603")
    assert (row["rating"], row["comment"]) == (5, None)


async def test_no_feedback_press_counts_before_the_event(harness: BotHarness) -> None:
    await seed_member(harness, ADMIN_ID, "KZ")
    uzbek = await seed_member(harness, 601, "UZ", locale="uz")
    event = await publish(harness)
    await answered_going(harness, [(uzbek, "uz")])
    for action, value in ((EventAction.NOT_THERE, ""), (EventAction.COMMENT, "")):
        answer = await uzbek.press_data(
            EventCb(action=action, event_id=event.id, value=value).pack(), card_of(uzbek))
        assert answer is not None and answer.get("text") == t(
            harness, "uz", "This button is no longer valid.")
    assert await harness.db.fetch_value(
        "SELECT attended FROM event_answers WHERE user_id = 601") is None


async def report(harness: BotHarness, admin: UserHandle) -> list[str]:
    """The organiser opens her past event's report: the report and what follows it."""
    await admin.send("/events")
    before = len(admin.bot_messages)
    await admin.press(admin.last.button_labels()[0])
    return [m.text or "" for m in admin.bot_messages[before:]]


async def test_the_report_shows_attendance_by_country_and_comments_without_names(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="ru")
    kazakhs = [await seed_member(harness, 610 + n, "KZ", locale="kk", name=f"Kazakh {n}")
               for n in range(5)]
    kyrgyz = await seed_member(harness, 620, "KG", locale="ky", name="Kyrgyz One")
    uzbek = await seed_member(harness, 630, "UZ", locale="uz", name="Uzbek One")
    await publish(harness)
    await answered_going(harness, [(u, "kk") for u in kazakhs] + [(kyrgyz, "ky"),
                                                                  (uzbek, "uz")])
    harness.clock.set(AFTER)
    await run(harness)

    async def rate(user: UserHandle, locale: str, mark: str, comment: str | None) -> None:
        await user.press(mark, question(user))
        if comment is not None:
            await user.press(t(harness, locale, "Add a comment"), question(user))
            await user.send(comment)

    # Four marks so far, two with a comment: the comments wait for a fifth mark.
    await rate(kazakhs[0], "kk", "5", "Zebra crossing talk <was> long")
    await rate(kazakhs[1], "kk", "4", None)
    await rate(kyrgyz, "ky", "2", "Aisle seats were cold")
    await rate(kazakhs[2], "kk", "4", None)
    await uzbek.press(t(harness, "uz", "I wasn't there"), question(uzbek))
    texts = await report(harness, admin)
    text = texts[0]
    assert t(harness, "ru", "Were there: {there} · could not come: {away} · did not say: "
                            "{unknown}", there=4, away=1, unknown=2) in text
    kazakhstan = harness.app.reference.country("KZ", "ru")  # type: ignore[union-attr]
    kyrgyzstan = harness.app.reference.country("KG", "ru")  # type: ignore[union-attr]
    cells = f"{kyrgyzstan}: <5 · {kazakhstan}: <5" if kyrgyzstan < kazakhstan \
        else f"{kazakhstan}: <5 · {kyrgyzstan}: <5"
    assert t(harness, "ru", "Were there, by country: {cells}", cells=cells) in text
    assert t(harness, "ru", "Comments are shown once at least {min} people have rated (now "
                            "{rated}).", min=5, rated=4) in text
    assert len(texts) == 1 and not any("Zebra" in x or "Aisle" in x for x in texts)
    # nor the marks: with four, whoever knows who came could tell whose is whose
    assert t(harness, "ru", "Marks are shown once at least {min} people have rated (now "
                            "{rated}; {expected} answered Going or Maybe).",
             min=5, rated=4, expected=7) in text
    assert "★" not in text

    # Two more Kazakh marks: six in all, five from Kazakhstan, one from Kyrgyzstan.
    await rate(kazakhs[3], "kk", "5", None)
    await rate(kazakhs[4], "kk", "4", "Maps & more maps")
    texts = await report(harness, admin)
    text = texts[0]
    assert f"{kazakhstan}: 5" in text
    assert f"{kyrgyzstan}: <5" in text
    # the Kazakh average (4,4) with the overall one (4,0 from 6) would give her mark: 2
    assert "4,4" not in text and "4.4" not in text
    assert t(harness, "ru", "Anonymous comments: {count}, below.", count=3) in text
    comments = texts[1]
    assert comments.startswith(t(harness, "ru", "Anonymous comments:"))
    # in the order of their text (not who answered first), escaped, and no names
    assert comments.index("Aisle") < comments.index("Maps") < comments.index("Zebra")
    assert "Zebra crossing talk <was> long" in comments  # shown as typed (sent as HTML)
    assert "Kazakh" not in comments and "Kyrgyz One" not in comments
    # the list never says who was there (that would name the raters)
    await admin.press(t(harness, "ru", "Attendee list"))
    csv_text = admin.last.document["content"].decode("utf-8-sig")  # type: ignore[index]
    assert len(csv_text.splitlines()[0].split(",")) == 4


async def test_country_averages_show_when_no_small_country_follows_from_them(
        harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    kazakhs = [await seed_member(harness, 610 + n, "KZ", locale="kk") for n in range(5)]
    kyrgyz = [await seed_member(harness, 620 + n, "KG", locale="ky") for n in range(5)]
    await publish(harness)
    await answered_going(harness, [(u, "kk") for u in kazakhs] + [(u, "ky") for u in kyrgyz])
    harness.clock.set(AFTER)
    await run(harness)
    for user in kazakhs:
        await user.press("4", question(user))
    for user in kyrgyz:
        await user.press("2", question(user))
    text = (await report(harness, admin))[0]
    assert "Kazakhstan: 4.0 (5)" in text and "Kyrgyzstan: 2.0 (5)" in text
    assert "Were there, by country: Kazakhstan: 5 · Kyrgyzstan: 5" in text
