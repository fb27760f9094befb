"""End-to-end: an event's card posted to the association's chats stays live, as the members'
own cards do. A change edits each post to the new details in that chat's language (the
Kazakh chat in Kazakh, the Kyrgyz one in Kyrgyz, or what the administrator set in
/channels); a cancel says so there and takes "Answer in the bot" away; a double tap posts
once; a post a chat's administrator deleted, or a chat the bot was removed from, does not keep
the cancel's edits retrying. The administrator reads English, the chats kk, ky and ru."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.i18n import LANGUAGE_NAMES
from sandbox.emulator.server import Chat, SentMessage, UserHandle
from tests.flows import publish_draft, ref_label, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_chats import setup_chats
from tests.test_e2e_event_notices import card_of
from tests.test_e2e_trial_events import bot_posts

POST = "Post to the chats too"


async def published(harness: BotHarness, admin: UserHandle, *countries: str) -> int:
    """The administrator's /newevent for these countries (none: all members), published;
    the event's id."""
    await admin.send("/newevent")
    await admin.send("Seminar")
    await admin.send("Two days on joint patrols")
    await admin.press("Keep")  # the time zone of her country
    await admin.send("20.01.2026 14:00")
    await admin.press("2 hours")
    await admin.send("Almaty")
    if countries:
        for country in countries:
            await admin.press(ref_label(harness, "country", country, "en"))
        await admin.press("Done")
    else:
        await admin.press("All members")
    await publish_draft(admin)
    return int(await harness.db.fetch_value("SELECT MAX(id) FROM events"))


def the_post(chat: Chat) -> SentMessage:
    """The bot's one post in the chat (there must be exactly one)."""
    posts = bot_posts(chat)
    assert len(posts) == 1, [p.text for p in posts]
    return posts[0]


def answer_link(post: SentMessage) -> str:
    return next(b["url"] for b in post.buttons() if "start=event-" in b.get("url", ""))


async def chat_post_rows(harness: BotHarness) -> list[tuple[str, str | None]]:
    """(status, error) of every edit of a chat post in the outbox."""
    rows = await harness.db.fetch_all(
        "SELECT o.status, o.error FROM outbox o JOIN broadcasts b ON b.id = o.broadcast_id "
        "WHERE b.kind = 'event_chat_post' ORDER BY o.id")
    return [(r["status"], r["error"]) for r in rows]


async def test_a_change_edits_the_post_in_each_chat_in_its_language(
        harness: BotHarness) -> None:
    admin, kz, kg, _region = await setup_chats(harness)
    event_id = await published(harness, admin, "KZ", "KG")
    await admin.press(POST)
    assert admin.last_text == "Posted to: Kazakhstan officers, Kyrgyzstan officers"
    kz_post, kg_post = the_post(kz), the_post(kg)
    assert t(harness, "kk", "Where: {place}", place="Almaty") in (kz_post.text or "")
    assert t(harness, "ky", "Where: {place}", place="Almaty") in (kg_post.text or "")
    # the Kyrgyz chat is switched to Russian in /channels after the post went out
    await admin.send("/channels")
    await admin.press(f"🌐 Kyrgyzstan officers: {LANGUAGE_NAMES['ky']}")
    await admin.press(LANGUAGE_NAMES["ru"])

    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Place")
    await admin.send("Bishkek")
    await admin.press("Save")
    await harness.deliver()

    assert the_post(kz) is kz_post and the_post(kg) is kg_post  # edited, nothing new
    for post, locale in ((kz_post, "kk"), (kg_post, "ru")):
        text = post.text or ""
        lines = text.splitlines()
        assert t(harness, locale, "Where: {place}", place="Bishkek") in lines, text
        assert t(harness, locale, "Where: {place}", place="Almaty") not in lines
        assert t(harness, locale, "✏️ This event has changed:") in text
        assert f"{t(harness, locale, 'Place')}: Almaty → Bishkek" in text
        assert t(harness, locale, "Answer in the bot") in post.button_labels()
        assert answer_link(post).endswith(f"?start=event-{event_id}")
        google = next(b["url"] for b in post.buttons() if b["text"] == "Google Calendar")
        assert "Bishkek" in google and "Almaty" not in google  # the calendar links too
    assert await chat_post_rows(harness) == [("sent", None), ("sent", None)]


async def test_a_cancel_says_so_in_the_chats_and_takes_the_button_away(
        harness: BotHarness) -> None:
    admin, kz, kg, _region = await setup_chats(harness)
    member = await seed_member(harness, 601, "KZ", locale="ru")
    await published(harness, admin, "KZ", "KG")
    await harness.deliver()
    await member.press(t(harness, "ru", "Going"), card_of(member))
    await admin.press(POST)
    kz_post, kg_post = the_post(kz), the_post(kg)
    assert kz_post.buttons() and kg_post.buttons()

    await admin.send("/events")
    await admin.press("Cancel event")
    await admin.press("Cancel the event")
    assert admin.last_text.startswith("The event is cancelled")
    await harness.deliver()

    for chat, post, locale in ((kz, kz_post, "kk"), (kg, kg_post, "ky")):
        assert the_post(chat) is post
        assert t(harness, locale, "This event has been cancelled.") in (post.text or "")
        assert post.buttons() == []  # no "Answer in the bot", no calendar links
    told = t(harness, "ru", "❌ This event has been cancelled:")
    assert any(text.startswith(told) for text in member.all_texts())  # as before


async def test_a_double_tap_posts_once_and_that_post_is_the_one_kept_live(
        harness: BotHarness) -> None:
    admin, kz, kg, region = await setup_chats(harness)
    event_id = await published(harness, admin)  # all members: the regional chat
    published_message, button = admin.find_button(POST)
    await asyncio.gather(admin.press(POST, published_message),
                         admin.press(POST, published_message))
    post = the_post(region)
    assert (bot_posts(kz), bot_posts(kg)) == ([], [])
    assert t(harness, "ru", "Answer in the bot") in post.button_labels()
    rows = await harness.db.fetch_all(
        "SELECT chat_id, message_id FROM event_chat_posts WHERE event_id = ?", (event_id,))
    assert [tuple(row) for row in rows] == [(region.id, post.message_id)]
    assert published_message.buttons() == []  # the button went with the post
    again = await admin.press_data(button["callback_data"], published_message)  # a stale copy
    assert again is not None and again.get("text") == "This has already been handled."
    assert the_post(region) is post

    await admin.send("/events")
    await admin.press("Edit")
    await admin.press("Place")
    await admin.send("Tashkent")
    await admin.press("Save")
    await harness.deliver()
    assert t(harness, "ru", "Where: {place}", place="Tashkent") in (the_post(region).text or "")


async def test_a_deleted_post_or_a_chat_the_bot_left_does_not_break_the_cancel(
        harness: BotHarness) -> None:
    admin, kz, kg, region = await setup_chats(harness)
    member = await seed_member(harness, 602, "KG", locale="ky")
    await published(harness, admin, "KZ", "KG")
    await harness.deliver()
    await member.press(t(harness, "ky", "Going"), card_of(member))
    await admin.press(POST)
    kz_post, kg_post = the_post(kz), the_post(kg)
    kz_post.deleted = True  # the Kazakh chat's administrator deleted the post
    await harness.emu.remove_bot(kg, admin)  # and the Kyrgyz chat removed the bot

    await admin.send("/events")
    await admin.press("Cancel event")
    await admin.press("Cancel the event")
    assert admin.last_text.startswith("The event is cancelled")
    await harness.deliver()

    card = [m for m in member.bot_messages if (m.text or "").startswith("📅")][-1]
    assert t(harness, "ky", "This event has been cancelled.") in (card.text or "")
    assert card.button_labels() == [t(harness, "ky", "Add to calendar")]
    # both edits ended at once, quietly: nothing left to retry
    assert sorted(await chat_post_rows(harness)) == [("failed", "gone"),
                                                     ("unreachable", "403")]
    assert t(harness, "ky", "This event has been cancelled.") not in (kg_post.text or "")
    harness.clock.advance(timedelta(hours=2))
    await harness.tick()
    await harness.deliver()
    assert sorted(await chat_post_rows(harness)) == [("failed", "gone"),
                                                     ("unreachable", "403")]
    assert bot_posts(region) == []


async def test_a_post_that_crossed_a_change_is_edited_at_once(harness: BotHarness) -> None:
    """The place is saved while the card is on its way to the chat (drawn before the change,
    recorded after it): the change's edits missed it, so posting edits it at once."""
    admin, _kz, _kg, region = await setup_chats(harness)
    app = harness.app
    assert app is not None and app.bot is not None
    event = await app.events.get(await published(harness, admin))
    assert event is not None

    async def post(chat_id: int) -> int | None:
        await app.event_service.change(event, "place", "Osh")  # another admin's Save
        return (await app.bot.send_message(chat_id, "📅 Seminar · Almaty")).message_id

    done = await app.event_service.post_to_chats(event, [region.id], post)
    assert done.posted == [region.id]
    await harness.deliver()
    lines = (the_post(region).text or "").splitlines()
    assert t(harness, "ru", "Where: {place}", place="Osh") in lines
