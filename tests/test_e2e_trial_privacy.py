"""End-to-end, from the trial: the /delete_me question works once, and only while it is the
open question; what she types meanwhile is not taken as anything else; /help says what is
true for a declined applicant and a suspended member."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.emulator.server import SentMessage
from tests.flows import onboard, seed_member, t
from tests.harness import BotHarness

EARLIER = "This button is from an earlier message."
YES = "Yes, delete everything"
NO = "No, keep my data"


def button_data(harness: BotHarness, locale: str, message: SentMessage, label: str) -> str:
    wanted = t(harness, locale, label)
    return next(b["callback_data"] for b in message.buttons() if b["text"] == wanted)


async def still_there(harness: BotHarness, user_id: int) -> bool:
    return await harness.db.fetch_value(
        "SELECT COUNT(*) FROM profiles WHERE user_id = ?", (user_id,)) == 1


async def test_cancel_closes_the_question_and_its_yes_deletes_nothing(harness: BotHarness
                                                                      ) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="ru", name="Айгуль")
    await user.send("/delete_me")
    question = user.last
    yes = button_data(harness, "ru", question, YES)
    await user.send("/cancel")
    assert user.last_text == t(harness, "ru", "The question about deleting your data is "
                                              "closed: nothing was deleted.")
    assert question.buttons() == []  # the keyboard went with the question
    answer = await user.press_data(yes, question)
    assert answer is not None and answer["text"] == t(harness, "ru", EARLIER)
    assert await still_there(harness, 1001)
    await user.send("/cancel")  # closed once: nothing is open any more
    assert user.last_text == t(harness, "ru", "There is nothing to cancel. /help lists what "
                                              "you can do.")


async def test_another_command_closes_the_question(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="kk")
    await user.send("/delete_me")
    question = user.last
    await user.send("/profile")
    answer = await user.press(t(harness, "kk", YES), question)
    assert answer is not None and answer["text"] == t(harness, "kk", EARLIER)
    assert question.buttons() == []
    assert await still_there(harness, 1001)


async def test_an_unanswered_question_expires(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="en")
    await user.send("/delete_me")
    question = user.last
    harness.clock.advance(timedelta(minutes=50))
    await user.send("/delete_me")  # within the hour the open question works
    await user.press(NO)
    assert user.last_text == "Nothing was deleted."
    await user.send("/delete_me")
    question = user.last
    harness.clock.advance(timedelta(days=30))
    answer = await user.press(YES, question)
    assert answer is not None and answer["text"] == EARLIER
    assert question.buttons() == []
    assert await still_there(harness, 1001)


async def test_yes_replayed_after_no_deletes_nothing(harness: BotHarness) -> None:
    await seed_member(harness, 500, "KZ", coordinator=True, locale="ru", name="Бота")
    user = await seed_member(harness, 1001, "KZ", locale="ru", name="Вернувшаяся")
    await user.send("/delete_me")
    question = user.last
    yes = button_data(harness, "ru", question, YES)
    await user.press(t(harness, "ru", NO), question)
    assert question.text == t(harness, "ru", "Nothing was deleted.")
    answer = await user.press_data(yes, question)  # at once
    assert answer is not None and answer["text"] == t(harness, "ru", EARLIER)
    harness.clock.advance(timedelta(days=60))
    await user.send("/profile")
    answer = await user.press_data(yes, question)  # and 60 days on
    assert answer is not None and answer["text"] == t(harness, "ru", EARLIER)
    assert await still_there(harness, 1001)


async def test_a_double_tap_deletes_once(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="en")
    await user.send("/delete_me")
    question = user.last
    yes = button_data(harness, "en", question, YES)
    answers = await asyncio.gather(user.press_data(yes, question),
                                   user.press_data(yes, question))
    assert not await still_there(harness, 1001)
    assert await harness.db.fetch_value(
        "SELECT value FROM counters WHERE name = 'members_deleted'") == 1
    assert question.text.startswith("Your data has been deleted.")
    popups = [a["text"] for a in answers if a and a.get("text")]
    assert len(popups) <= 1  # the second press, if it came while the first ran, says so
    token = yes.rsplit(":", 1)[1]  # the press claimed the question's token, once for all
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM action_claims WHERE key = ?", (f"delete_me:{token}",)) == 1


async def test_text_at_the_question_asks_for_a_button(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="kk")
    await user.send("/delete_me")
    question = user.last
    await user.send("иә")
    assert user.last_text == t(harness, "kk", "Please use the buttons below.")
    assert user.last.button_labels() == [t(harness, "kk", YES), t(harness, "kk", NO)]
    assert question.buttons() == []  # one question on the screen, the newest
    assert await still_there(harness, 1001)
    await user.send_photo()
    assert user.last_text == t(harness, "kk", "Please use the buttons below.")
    await user.press(t(harness, "kk", YES))
    assert not await still_there(harness, 1001)


async def test_yes_typed_by_an_applicant_asked_for_more(harness: BotHarness) -> None:
    await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    user = await seed_member(harness, 1001, "KZ", locale="ru", status="needs_info")
    await harness.db.execute("UPDATE profiles SET decision_note = 'Где вы служите?' "
                             "WHERE user_id = 1001")
    await user.send("/delete_me")
    before = len(user.bot_messages)
    await user.send("Да")
    assert [m.text for m in user.bot_messages[before:]] == [
        t(harness, "ru", "Please use the buttons below.")]
    assert await harness.db.fetch_value(
        "SELECT review_answer FROM profiles WHERE user_id = 1001") is None
    await user.press(t(harness, "ru", NO))
    assert user.last_text == t(harness, "ru", "Nothing was deleted.")
    assert await still_there(harness, 1001)


async def test_text_after_the_question_expired(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="en")
    await user.send("/delete_me")
    question = user.last
    harness.clock.advance(timedelta(hours=2))
    await user.send("yes")
    assert user.last_text == ("The question about deleting your data has expired; nothing "
                              "was deleted. /delete_me asks again.")
    assert question.buttons() == []
    assert await still_there(harness, 1001)


# ---- /help says what is true ---------------------------------------------------------------

async def test_profile_shows_why_her_application_was_declined(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    user = harness.user(1001, "A", language_code="ru")
    await onboard(harness, user, "ru", name="Заявительница", country="KZ")
    await coordinator.press(t(harness, "ru", "Reject"), coordinator.last)
    await coordinator.press(t(harness, "ru", "Profile unclear"), coordinator.last)
    await user.send("/help")
    assert t(harness, "ru", "Your application was declined. /profile shows the reason; you can "
                            "correct your profile and send it again.") in user.last_text
    await user.send("/profile")
    assert t(harness, "ru", "Reason: {reason}", reason=t(
        harness, "ru", "The profile is incomplete or unclear.")) in user.last_text


async def test_profile_shows_a_typed_reason_escaped(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "KZ", locale="en", status="rejected")
    await harness.db.execute("UPDATE profiles SET decision_note = '<b>No</b> papers & ID' "
                             "WHERE user_id = 1001")
    await user.send("/profile")
    assert "Reason: <b>No</b> papers & ID" in user.last_text  # shown as typed, not as markup
    assert "&lt;b&gt;No&lt;/b&gt; papers &amp; ID" in (user.last.html or "")


async def test_suspended_help_names_her_coordinator(harness: BotHarness) -> None:
    await seed_member(harness, 500, "KZ", coordinator=True, locale="kk", name="Гүлнар Ахметова",
                      username="gulnar_kz")
    user = await seed_member(harness, 1001, "KZ", locale="kk", status="suspended")
    await user.send("/help")
    text = user.last_text
    assert t(harness, "kk", "Your membership is suspended for now: the directory, the chats, "
                            "events and mentorship are paused.") in text
    assert "Гүлнар Ахметова" in text and "@gulnar_kz" in text
    assert "/chats" not in text and "chats" not in user.menu_commands()


async def test_suspended_help_without_a_coordinator(harness: BotHarness) -> None:
    user = await seed_member(harness, 1001, "TJ", locale="en", status="suspended")
    await user.send("/help")
    assert ("Your country has no coordinator at the moment; please write to the association's "
            "administrators.") in user.last_text
    assert "/chats" not in user.last_text
