"""End-to-end: the third independent trial of mentorship, introductions and coffee rounds
(issue 13), after the second trial's fixes (tests/test_e2e_trial_second.py): Telegram failing
on the edit that shows a change (not only on the popup), rating comments of two pairs ending
together, a mentor withdrawing her offer while she is asked, a held pair ended by the other,
event posts in the chats and scheduled announcements against a role lost meanwhile and forged
buttons, and the overview's region line.

Acting only as people do — a mentee on a phone, a mentor, coordinators, the administrator and
an attacker — in Kazakh, Uzbek, Tajik, Kyrgyz, Russian and English, with the injected clock.
One test per scenario tried: what works passes; what is broken is a strict xfail saying what
she saw and what she should have seen (it passes once fixed). Scenarios covered by the earlier
trials are not repeated.
"""

from __future__ import annotations

from datetime import UTC, datetime


from bot.callbacks import EventAction, EventCb
from bot.clock import to_db
from tests.emulator.server import Fault, SentMessage, UserHandle
from tests.flows import draft_event, publish_draft, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_chat_posts import POST, published
from tests.test_e2e_chats import setup_chats
from tests.test_e2e_event_notices import run
from tests.test_e2e_intro_coffee_issue13 import join_coffee
from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor
from tests.test_e2e_mentorship_loops import asked, end_from_card, matched, open_pair_card
from tests.test_e2e_suspension import later, reinstate, suspend
from tests.test_e2e_trial_events import bot_posts
from tests.test_e2e_trial_events2 import schedule
from tests.test_e2e_trial_intro import ask_the_first
from tests.test_e2e_trial_second import one_mentor_two_mentees, two_mentees_rated

NO_LONGER_OPEN = "This request is no longer open."
STALE = "This button is no longer valid."
NO_RIGHTS = "You are not allowed to do this."


def edit_fails(harness: BotHarness, error: int | str = 502) -> None:
    """Telegram fails the next edit of a message (the one that would show what changed)."""
    harness.emu.faults.append(Fault(error=error, method="editMessageText", times=1))


def starting(user: UserHandle, text: str) -> list[SentMessage]:
    return [m for m in user.bot_messages if (m.text or "").startswith(text)]


# ---- (a) Telegram failing on the edit right after the change ---------------------------------

async def test_a_502_on_the_accepted_proposal_then_a_retry_is_told_she_accepted(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 6101, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6102, "UZ", locale="uz", name="Dilnoza", years=2)
    await harness.tick()
    await asked(harness, mentor, mentee, "kk", "uz")
    proposal = mentor.last
    edit_fails(harness)
    await mentor.press(t(harness, "kk", "Accept"), proposal)
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "active"
    retry = await mentor.press(t(harness, "kk", "Accept"), proposal)  # nothing seemed to happen
    await harness.deliver()
    # nothing doubled: one contact message each
    agreed = t(harness, "uz", "🤝 Your mentor has agreed! Write to her: {contact}",
               contact="§").split("§")[0]
    assert len(starting(mentee, agreed)) == 1
    assert retry is not None and retry.get("text") != t(harness, "kk", NO_LONGER_OPEN)
    assert t(harness, "kk", "Accept") not in proposal.button_labels()


async def test_a_502_on_ask_mentor_then_a_retry_is_told_she_asked(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 6111, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6112, "TJ", locale="tg", name="Нигора", years=2)
    await harness.tick()
    await offer_to_mentor(harness, mentor, "kk")
    await look_for_mentor(harness, mentee, "tg")
    suggestions = mentee.last
    edit_fails(harness)
    await mentee.press(t(harness, "tg", "Ask mentor {number}", number=1), suggestions)
    retry = await mentee.press(t(harness, "tg", "Ask mentor {number}", number=1), suggestions)
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 1  # asked once
    assert len([m for m in mentor.bot_messages
                if t(harness, "kk", "Accept") in m.button_labels()]) == 1
    assert retry is not None and retry.get("text") != t(
        harness, "tg", "This suggestion is no longer available. /mentorship shows fresh ones.")


async def test_a_502_on_i_agree_then_a_retry_is_told_she_agreed(harness: BotHarness) -> None:
    asker = await seed_member(harness, 6121, "UZ", locale="uz", name="Dilnoza",
                              username="dilnoza")
    other = await seed_member(harness, 6122, "TJ", locale="kk", name="Aigerim",
                              username="aigerim", expertise=("border_management",))
    await ask_the_first(harness, asker, locale="uz")
    card = other.last
    edit_fails(harness)
    await other.press(t(harness, "kk", "I agree"), card)
    retry = await other.press(t(harness, "kk", "I agree"), card)
    await harness.deliver()
    assert sum("@aigerim" in (m.text or "") for m in asker.bot_messages) == 1  # once
    assert sum("@dilnoza" in (m.text or "") for m in other.bot_messages) == 1
    assert retry is not None and retry.get("text") != t(harness, "kk", NO_LONGER_OPEN)
    assert t(harness, "kk", "I agree") not in card.button_labels()


async def test_a_dropped_edit_on_yes_end_it_ends_once_and_a_retry_is_refused(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 6131, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6132, "KG", locale="ru", name="Бермет", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "kk", "ru")
    await open_pair_card(harness, mentee, "ru")
    card = mentee.last
    await mentee.press(t(harness, "ru", "End mentorship"), card)
    edit_fails(harness, "drop")  # the connection drops on the edit
    await mentee.press(t(harness, "ru", "Yes, end it"), card)
    retry = await mentee.press(t(harness, "ru", "Yes, end it"), card)
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "ended"
    assert retry is not None and retry.get("text") == t(harness, "ru", STALE)
    ended = t(harness, "kk", "{name} has closed your mentorship. Thank you for the time you "
                             "gave it.", name="Бермет")
    assert len(starting(mentor, ended)) == 1
    for user in (mentor, mentee):
        assert sum("5" in m.button_labels() for m in user.bot_messages) == 1


async def test_a_502_on_the_paused_card_still_says_done_and_tells_the_mentor_once(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 6141, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6142, "KG", locale="ru", name="Бермет", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "kk", "ru")
    await open_pair_card(harness, mentee, "ru")
    card = mentee.last
    edit_fails(harness)
    answer = await mentee.press(t(harness, "ru", "Pause"), card)
    assert answer is not None and answer.get("text") == t(harness, "ru", "Done.")
    await mentee.press(t(harness, "ru", "Pause"), card)  # the card did not change: again
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "paused"
    told = t(harness, "kk", "{name} has paused your mentorship. Either of you can resume it "
                            "in /mentorship → My mentorships.", name="Бермет")
    assert len(starting(mentor, told)) == 1


async def test_a_502_on_skip_then_a_retry_shows_the_skip_and_its_undo(
        harness: BotHarness) -> None:
    member = await seed_member(harness, 6151, "KZ", locale="kk", name="Дана")
    other = await seed_member(harness, 6152, "KG", locale="ru", name="Бермет")
    await join_coffee(harness, (member, "kk"), (other, "ru"))
    panel = member.last
    edit_fails(harness)
    await member.press(t(harness, "kk", "Skip the next round"), panel)
    assert t(harness, "kk", "Skip the next round") in panel.button_labels()  # unchanged
    await member.press(t(harness, "kk", "Skip the next round"), panel)
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_skips") == 1
    assert t(harness, "kk", "Take part after all") in panel.button_labels()


# ---- (b) rating comments of two pairs ending together ----------------------------------------

async def test_the_earlier_rating_question_does_not_invite_a_comment_it_can_t_take(
        harness: BotHarness) -> None:
    mentor, (first_id, _second_id) = await two_mentees_rated(harness)
    first = next(m for m in mentor.bot_messages if m.message_id == first_id)
    await mentor.send("Нигора очень старалась")  # the open question: the second pair's
    assert mentor.last_text == t(harness, "ru", "Thank you, your comment is saved.")
    # the first question asks again, with its Skip, now that the second is answered
    assert t(harness, "ru", "Skip »") in first.button_labels()
    await mentor.send("Бермет тоже молодец")  # for the first, whose message still asks
    invitation = t(harness, "ru", "Thank you! Anything to add for the coordinators? Send a "
                                  "short comment, or press Skip. They see comments and marks "
                                  "only together with others, never by name.")
    stored = await harness.db.fetch_value(
        "SELECT comment FROM pair_ratings WHERE rater_id = 5081 AND rating = 4")
    assert stored == "Бермет тоже молодец" and invitation in (first.text or "")
    assert t(harness, "ru", "Skip »") not in first.button_labels()  # answered: it stops
    assert mentor.last_text != t(harness, "ru", "I didn't understand that. /help lists what "
                                                "you can do.")


async def test_a_rating_question_arriving_mid_comment_leaves_the_comment_to_the_first(
        harness: BotHarness) -> None:
    mentor, first, second = await one_mentor_two_mentees(harness, 6161)
    await end_from_card(harness, first, "ky")
    await mentor.press("4")  # the first pair's mark: its comment question is open ...
    await open_pair_card(harness, second, "tg")
    await second.press(t(harness, "tg", "Goals reached"))
    await second.press(t(harness, "tg", "Yes, goals reached"))
    await harness.deliver()  # ... when the second pair's rating question arrives
    assert "5" in mentor.last.button_labels()
    await mentor.send("Бермет старалась")
    first_pair = await harness.db.fetch_value(
        "SELECT id FROM mentor_pairs WHERE mentee_id = 6162")
    rows = await harness.db.fetch_all("SELECT pair_id, rating, comment FROM pair_ratings "
                                      "WHERE rater_id = 6161")
    assert [tuple(r) for r in rows] == [(first_pair, 4, "Бермет старалась")]
    await mentor.press("5")  # the second one still takes its mark
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM pair_ratings WHERE rater_id = 6161") == 2


# ---- (c) a mentor withdrawing while asked; a held pair ended by the other --------------------

async def test_the_mentee_is_told_at_once_when_the_asked_mentor_withdraws(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 6171, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6172, "UZ", locale="uz", name="Dilnoza", years=2)
    await harness.tick()
    await asked(harness, mentor, mentee, "kk", "uz")
    seen = len(mentee.bot_messages)
    await mentor.send("/mentorship")
    await mentor.press(t(harness, "kk", "Withdraw offer"))
    await later(harness, minutes=5)
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") != "proposed"
    told = t(harness, "uz", "The mentor you asked could not take you on this time.")
    assert any((m.text or "").startswith(told) for m in mentee.bot_messages[seen:])
    await mentee.send("/mentorship")
    considering = t(harness, "uz", "A mentor is considering your request until {deadline}. If "
                                   "she does not take you on, I will tell you then and suggest "
                                   "others.", deadline="§").split("§")[0]
    assert considering not in mentee.last_text


async def test_a_reinstated_mentor_s_old_card_of_the_pair_ended_meanwhile_is_stale(
        harness: BotHarness) -> None:
    kazakh = await seed_member(harness, 6180, "KZ", coordinator=True, locale="ru",
                               name="Coordinator KZ")
    mentor = await seed_member(harness, 6181, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6182, "KG", locale="ky", name="Бермет", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "kk", "ky")
    await open_pair_card(harness, mentor, "kk")
    old = mentor.last  # her card, opened before the suspension
    await suspend(harness, kazakh, 6181)
    await end_from_card(harness, mentee, "ky")
    await reinstate(harness, kazakh, 6181)
    for label in (t(harness, "kk", "Pause"), t(harness, "kk", "Goals reached"),
                  t(harness, "kk", "End mentorship")):
        answer = await mentor.press(label, old)
        assert answer is not None and answer.get("text") == t(harness, "kk", STALE)
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "ended"
    assert not any("5" in m.button_labels() for m in mentor.bot_messages)  # not asked to rate


# ---- (d) event posts in the chats and scheduled announcements ---------------------------------

async def test_another_country_s_coordinator_and_a_member_forging_event_buttons_are_refused(
        harness: BotHarness) -> None:
    admin, kz, kg, region = await setup_chats(harness)
    event_id = await published(harness, admin, "KZ")
    coordinator = await seed_member(harness, 6190, "KG", coordinator=True, locale="ru")
    member = await seed_member(harness, 6191, "KG", locale="ky")
    for user, locale in ((coordinator, "ru"), (member, "ky")):
        await user.send("/help")
        for action in (EventAction.TO_CHATS, EventAction.CANCEL, EventAction.EDIT,
                       EventAction.STATS, EventAction.CSV):
            answer = await user.press_data(EventCb(action=action, event_id=event_id).pack(),
                                           user.last)
            assert answer is not None and answer.get("text") == t(harness, locale, NO_RIGHTS)
    assert (bot_posts(kz), bot_posts(kg), bot_posts(region)) == ([], [], [])
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM event_chat_posts") == 0
    assert not any(m.document for u in (coordinator, member) for m in u.bot_messages)


async def test_a_coordinator_dismissed_before_post_to_the_chats_is_refused(
        harness: BotHarness) -> None:
    admin, kz, _kg, region = await setup_chats(harness)
    coordinator = await seed_member(harness, 6200, "KZ", coordinator=True, locale="en")
    await seed_member(harness, 6201, "KZ", locale="kk")
    await draft_event(harness, coordinator, country="KZ")
    await publish_draft(coordinator)
    message, _button = coordinator.find_button(POST)
    await harness.db.execute("DELETE FROM coordinators WHERE user_id = 6200")  # dismissed
    answer = await coordinator.press(POST, message)
    assert answer is not None and answer.get("text") == NO_RIGHTS
    assert (bot_posts(kz), bot_posts(region)) == ([], [])


async def test_a_scheduled_announcement_of_an_author_suspended_meanwhile_does_not_go(
        harness: BotHarness) -> None:
    await seed_member(harness, 6209, "KG", coordinator=True, locale="ru", name="Other")
    author = await seed_member(harness, 6210, "KG", coordinator=True, locale="ky")
    member = await seed_member(harness, 6211, "KG", locale="ky")
    await schedule(harness, author, "ky", "KG", "Жыйын жума күнү", "16.01.2026 10:00")
    await harness.db.execute("UPDATE profiles SET status = 'suspended' WHERE user_id = 6210")
    harness.clock.set(datetime(2026, 1, 16, 4, 1, tzinfo=UTC))
    await run(harness)
    await run(harness)
    assert not any("Жыйын жума күнү" in text for text in member.all_texts())
    assert await harness.db.fetch_value(
        "SELECT outcome FROM scheduled_announcements") not in (None, "sent")


async def test_a_scheduled_announcement_of_a_coordinator_moved_to_another_country_does_not_go(
        harness: BotHarness) -> None:
    author = await seed_member(harness, 6220, "KG", coordinator=True, locale="ky")
    member = await seed_member(harness, 6221, "KG", locale="ky")
    await schedule(harness, author, "ky", "KG", "Жыйын жума күнү", "16.01.2026 10:00")
    await harness.db.execute("UPDATE coordinators SET country_code = 'KZ' WHERE user_id = 6220")
    harness.clock.set(datetime(2026, 1, 16, 4, 1, tzinfo=UTC))
    await run(harness)
    await run(harness)
    assert not any("Жыйын жума күнү" in text for text in member.all_texts())
    assert author.last_text == t(
        harness, "ky", "⏰ Your scheduled announcement was not sent: you may no longer send to "
                       "this audience.")


# ---- (e) the overview's region line ------------------------------------------------------------

async def test_the_region_s_running_pairs_don_t_give_away_a_lone_pair_elsewhere(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 6300, "KZ", coordinator=True, locale="ru",
                                    name="Coordinator KZ")
    now = to_db(harness.clock.now())
    pairs = []
    for n in range(5):  # five pairs with a Kazakh mentor (history of the pilot)
        mentor = await seed_member(harness, 6310 + n, "KZ", locale="ru", name=f"KZ {n}")
        mentee = await seed_member(harness, 6320 + n, "KG", locale="ky", name=f"KG {n}")
        pairs.append((mentee.id, mentor.id))
    lone_mentor = await seed_member(harness, 6330, "TJ", locale="tg", name="TJ")
    lone_mentee = await seed_member(harness, 6331, "UZ", locale="uz", name="UZ")
    pairs.append((lone_mentee.id, lone_mentor.id))
    await harness.db.execute_many(
        "INSERT INTO mentor_pairs (mentee_id, mentor_id, status, source, score, proposed_at, "
        "expires_at, started_at, next_checkin_at) VALUES (?, ?, 'active', 'request', 10, ?, ?, "
        "?, ?)", [(mentee, mentor, now, now, now, now) for mentee, mentor in pairs])
    await coordinator.send("/mentorship")
    await coordinator.press(t(harness, "ru", "Programme overview"))
    line = t(harness, "ru", "<b>{name}</b>: running pairs {active} · waiting mentees {waiting} "
                            "· mentors with free places {free} · ratings {ratings}",
             name="§", active="{}", waiting="0", free="0", ratings="0"
             ).split("§")[1].removeprefix("</b>")
    lines = coordinator.last_text.splitlines()
    assert harness.app is not None
    kazakhstan = harness.app.reference.country("KZ", "ru")
    assert kazakhstan + line.format(5) in lines  # her own country, exactly
    region = next(x for x in lines if x.startswith(t(harness, "ru", "The whole region")))
    assert region.endswith(line.format("5+"))


# ---- (a) again: a failed send right after a saved answer ---------------------------------------

async def test_a_502_after_her_comment_is_saved_says_so_on_the_question(
        harness: BotHarness) -> None:
    """First found: the 'Thank you, your comment is saved.' send failed (502), she read 'Sorry,
    something went wrong… Please try again', and trying again got 'I didn't understand
    that'. Now the question she answered says it is saved; nothing asks her to retry."""
    mentor = await seed_member(harness, 6401, "KZ", locale="kk", name="Дана", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 6402, "UZ", locale="uz", name="Dilnoza", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "kk", "uz")
    await end_from_card(harness, mentee, "uz", goals=True)
    await mentee.press("5")
    question = mentee.last
    seen = len(mentee.bot_messages)
    harness.emu.faults.append(Fault(error=502, method="sendMessage", chat_id=6402, times=1))
    await mentee.send("Juda foydali boʻldi")
    assert await harness.db.fetch_value(
        "SELECT comment FROM pair_ratings WHERE rater_id = 6402") == "Juda foydali boʻldi"
    assert (question.text or "").endswith(
        "✓ " + t(harness, "uz", "Thank you, your comment is saved."))
    assert question.button_labels() == []
    assert len(mentee.bot_messages) == seen  # no "Sorry … try again"
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM pair_ratings WHERE rater_id = 6402") == 1


async def test_a_502_on_the_mentorship_menu_then_again_shows_it_once(
        harness: BotHarness) -> None:
    mentee = await seed_member(harness, 6411, "TJ", locale="tg", name="Нигора", years=2)
    harness.emu.faults.append(Fault(error=502, method="sendMessage", chat_id=6411, times=1))
    await mentee.send("/mentorship")
    assert mentee.last_text == t(harness, "tg", "Sorry, something went wrong on our side. "
                                                "Please try again in a moment.")
    await mentee.send("/mentorship")
    assert t(harness, "tg", "Find a mentor") in mentee.last.button_labels()
    assert sum(t(harness, "tg", "Find a mentor") in m.button_labels()
               for m in mentee.bot_messages) == 1
