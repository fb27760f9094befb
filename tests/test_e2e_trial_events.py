"""Independent trial of the events issue (12): what still breaks when a coordinator, members and
an attacker use the event flows. Each test is one finding and fails until it is fixed."""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import EventAction, EventCb
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
