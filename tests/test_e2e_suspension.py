"""End-to-end: a member suspended by her coordinator, and reinstated — what her mentorship
partner, the members waiting on her and the coffee rounds see, in their own languages, with
the clock moved through weeks. The staff act through the member card's buttons; everyone
else only as a member would."""

from __future__ import annotations

from datetime import timedelta

from bot.callbacks import ReviewAction
from tests.emulator.server import UserHandle
from tests.flows import card_press, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_intro_coffee_issue13 import ROUND, join_coffee
from tests.test_e2e_introductions import ask_to_meet
from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor
from tests.test_e2e_mentorship_loops import matched, open_pair_card
from tests.test_e2e_trial_intro import ask_the_first

# Neither names the suspension: nobody but the staff learns of one.
HELD = ("Your mentorship with {name} is on hold for now. You don't need to do anything; I "
        "will tell you when it can go on.")
GOES_ON = "Your mentorship with {name} can go on again. I will check in with you both in a week."
ON_HOLD_POPUP = "This mentorship is on hold for now. I will tell you when it can go on."
CHECKIN = "How is your mentorship with {name} going? Have you met?"


async def suspend(harness: BotHarness, staff: UserHandle, member_id: int,
                  reason: str = "Disciplinary <review>") -> None:
    """The member card's Suspend, confirmed by the reason typed; what follows is sent."""
    await staff.send("/help")
    await staff.press_data(card_press(ReviewAction.SUSPEND, member_id))
    await staff.send(reason)
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = ?", (member_id,)) == "suspended"
    await harness.deliver()


async def reinstate(harness: BotHarness, staff: UserHandle, member_id: int) -> None:
    await staff.press_data(card_press(ReviewAction.REINSTATE, member_id))
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = ?", (member_id,)) == "approved"
    await harness.deliver()


async def later(harness: BotHarness, **delta: int) -> None:
    harness.clock.advance(**delta)
    await harness.tick()
    await harness.deliver()


def checkins(harness: BotHarness, user: UserHandle, locale: str, since: int) -> list[str]:
    """The check-ins she got since her ``since``-th message."""
    return [m.text or "" for m in user.bot_messages[since:]
            if t(harness, locale, "We have met") in m.button_labels()]


async def kazakh_mentor_tajik_mentee(harness: BotHarness) -> tuple[UserHandle, UserHandle,
                                                                  UserHandle]:
    """A Kazakh mentor (Kazakh) and a Tajik mentee (Tajik), matched; the Tajik coordinator."""
    coordinator = await seed_member(harness, 3000, "TJ", coordinator=True, locale="ru",
                                    name="Coordinator TJ")
    mentor = await seed_member(harness, 3001, "KZ", locale="kk", name="Айгүл <Сәрсен>",
                               years=25, agency="interior", username="aigul_kz")
    mentee = await seed_member(harness, 3002, "TJ", locale="tg", name="Нигора",
                               years=2, username="nigora_tj")
    await harness.tick()  # this week's round has run
    await matched(harness, mentor, mentee, "kk", "tg")
    return coordinator, mentor, mentee


async def test_the_partner_is_told_in_her_language_and_the_held_pair_is_quiet(
        harness: BotHarness) -> None:
    coordinator, mentor, mentee = await kazakh_mentor_tajik_mentee(harness)
    await later(harness, days=14, minutes=1)  # the first check-in, before the suspension
    old_checkin = mentor.find_button(t(harness, "kk", "We have met"))[0]
    mentor_seen, mentee_seen = len(mentor.bot_messages), len(mentee.bot_messages)

    await suspend(harness, coordinator, 3002)
    told = [m.text for m in mentor.bot_messages[mentor_seen:]]
    assert told == [t(harness, "kk", HELD, name="Нигора")]  # named; the reason never
    assert "Disciplinary" not in "".join(mentor.all_texts())
    # Her old check-in's buttons say it is on hold, and change nothing (End still works).
    for label in ("We have met", "Pause"):
        answer = await mentor.press(t(harness, "kk", label), old_checkin)
        assert answer is not None and answer["text"] == t(harness, "kk", ON_HOLD_POPUP)
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "active"
    # Her card says so, without the contact; ending it is all she can do.
    await open_pair_card(harness, mentor, "kk")
    card = mentor.last
    assert card.text is not None and card.text.startswith(
        t(harness, "kk", "Your mentee: {name}", name="Нигора"))
    assert "@nigora_tj" not in card.text
    assert card.text.endswith(t(harness, "kk", ON_HOLD_POPUP))  # on hold; never why
    assert card.button_labels() == [t(harness, "kk", "End mentorship")]

    # Weeks on: no check-in, no "has your mentor answered?" to either of them.
    mentor_seen = len(mentor.bot_messages)
    for _ in range(3):
        await later(harness, days=31)
    assert mentor.bot_messages[mentor_seen:] == []
    assert [m.text for m in mentee.bot_messages[mentee_seen:]
            if "Нигора" in (m.text or "") or "Айгүл" in (m.text or "")
            or m.button_labels()] == []  # only the suspension notice reached her
    # Nor does it count as running in her coordinator's overview.
    await coordinator.send("/mentorship")
    await coordinator.press(t(harness, "ru", "Programme overview"))
    assert harness.app is not None
    tajikistan = harness.app.reference.country("TJ", "ru")
    line = next(x for x in coordinator.last_text.splitlines() if x.startswith(tajikistan))
    expected = t(harness, "ru", "<b>{name}</b>: running pairs {active} · waiting mentees "
                 "{waiting} · mentors with free places {free} · ratings {ratings}",
                 name=tajikistan, active=0, waiting=0, free=0, ratings=0)
    assert line.split(" · ")[0] == expected.replace("<b>", "").replace("</b>", "").split(
        " · ")[0]


async def test_reinstatement_lets_the_pair_go_on_with_a_check_in_a_week_later(
        harness: BotHarness) -> None:
    _tajik, mentor, mentee = await kazakh_mentor_tajik_mentee(harness)
    # The mentor is suspended at once (her coordinator is the Kazakh one).
    kazakh = await seed_member(harness, 3010, "KZ", coordinator=True, locale="kk",
                               name="Coordinator KZ")
    mentee_seen = len(mentee.bot_messages)
    await suspend(harness, kazakh, 3001)
    assert [m.text for m in mentee.bot_messages[mentee_seen:]] == [
        t(harness, "tg", HELD, name="Айгүл <Сәрсен>")]
    await later(harness, days=14, minutes=1)  # the first check-in would be now
    await later(harness, days=31)  # and the next one
    assert checkins(harness, mentor, "kk", 0) == [] and checkins(harness, mentee, "tg", 0) == []

    mentor_seen, mentee_seen = len(mentor.bot_messages), len(mentee.bot_messages)
    await reinstate(harness, kazakh, 3001)
    assert [m.text for m in mentee.bot_messages[mentee_seen:]] == [
        t(harness, "tg", GOES_ON, name="Айгүл <Сәрсен>")]
    await open_pair_card(harness, mentee, "tg")
    assert "@aigul_kz" in mentee.last_text and mentee.last.protect_content
    assert t(harness, "tg", "Pause") in mentee.last.button_labels()
    # The next check-in counts from the reinstatement: a week, not at once.
    await later(harness, days=6, hours=23)
    assert checkins(harness, mentor, "kk", mentor_seen) == []
    assert checkins(harness, mentee, "tg", mentee_seen) == []
    await later(harness, hours=1, minutes=1)
    assert checkins(harness, mentor, "kk", mentor_seen) == [
        t(harness, "kk", CHECKIN, name="Нигора")]
    assert checkins(harness, mentee, "tg", mentee_seen) == [
        t(harness, "tg", CHECKIN, name="Айгүл <Сәрсен>")]
    # ... and then monthly again, not every hour.
    await later(harness, days=29)
    assert len(checkins(harness, mentee, "tg", mentee_seen)) == 1


async def test_proposals_waiting_on_her_end_and_the_mentee_hears_at_once(
        harness: BotHarness) -> None:
    kazakh = await seed_member(harness, 3020, "KZ", coordinator=True, locale="ru",
                               name="Coordinator KZ")
    mentor = await seed_member(harness, 3021, "KZ", locale="ru", name="Suspended Mentor",
                               years=25, agency="interior")
    mentee = await seed_member(harness, 3022, "KG", locale="ky", name="Waiting Mentee",
                               years=2)
    await harness.tick()
    await offer_to_mentor(harness, mentor, "ru")
    await look_for_mentor(harness, mentee, "ky")
    await mentee.press(t(harness, "ky", "Ask mentor {number}", number=1))
    await harness.deliver()
    proposal = mentor.find_button(t(harness, "ru", "Accept"))[0]
    seen = len(mentee.bot_messages)
    await suspend(harness, kazakh, 3021)
    # She hears now (not in three days) that it did not work out, and nobody else fits.
    new = [m.text or "" for m in mentee.bot_messages[seen:]]
    assert len(new) == 1 and new[0].startswith(
        t(harness, "ky", "The mentor you asked could not take you on this time."))
    assert "Suspended Mentor" not in new[0]
    # No reminder reaches the suspended mentor, and her Accept no longer works later.
    mentor_seen = len(mentor.bot_messages)
    await later(harness, days=3)
    await reinstate(harness, kazakh, 3021)
    answer = await mentor.press(t(harness, "ru", "Accept"), proposal)
    assert answer is not None and answer["text"] == t(harness, "ru",
                                                      "This request is no longer open.")
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM mentor_pairs WHERE status = 'active'") == 0
    assert not any(t(harness, "ru", "Accept") in m.button_labels()
                   for m in mentor.bot_messages[mentor_seen:])
    assert len(mentee.bot_messages[seen:]) == 1


async def test_introductions_waiting_on_her_close_and_searches_skip_her(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 3030, "TJ", coordinator=True, locale="ru",
                                    name="Coordinator TJ")
    asker = await seed_member(harness, 3031, "KG", locale="ky", name="Aizada")
    suspended = await seed_member(harness, 3032, "TJ", locale="tg", name="Nigora Suspended",
                                  expertise=("border_management",))
    await ask_the_first(harness, asker, locale="ky")
    assert t(harness, "tg", "Agree") in suspended.last.button_labels()
    # ... and she had asked someone herself, who has not answered yet.
    other = await seed_member(harness, 3033, "UZ", locale="uz", name="Dilnoza",
                              expertise=("forensics",))
    await ask_the_first(harness, suspended, country="UZ", expertise=None, language=None,
                        locale="tg")
    request_to_other = other.find_button(t(harness, "uz", "Agree"))[0]
    asker_seen = len(asker.bot_messages)

    await suspend(harness, coordinator, 3032)
    # The member waiting on her hears now, as after no answer; nobody else fits.
    new = [m.text or "" for m in asker.bot_messages[asker_seen:]]
    assert len(new) == 1 and new[0].startswith(
        t(harness, "ky", "That introduction did not work out this time."))
    assert "Nigora" not in new[0]
    # The member she asked sees the request withdrawn, not her card with live buttons.
    edited = next(m for m in other.bot_messages if m.message_id == request_to_other.message_id)
    assert edited.text == t(harness, "uz", "🤝 This request to meet you was withdrawn. Nothing "
                                           "more is needed from you.")
    assert edited.button_labels() == []
    # A new search does not offer her; three days on nobody hears anything more.
    seen = len(asker.bot_messages), len(other.bot_messages)
    await later(harness, days=3, minutes=11)
    assert (len(asker.bot_messages), len(other.bot_messages)) == seen
    newcomer = await seed_member(harness, 3034, "KZ", locale="ru", name="Asel")
    await ask_to_meet(harness, newcomer, locale="ru")
    assert "Nigora Suspended" not in "".join(newcomer.all_texts())
    assert t(harness, "ru", "Ask member {number}", number=1) not in newcomer.last.button_labels()


async def test_coffee_rounds_skip_her_and_ask_nobody_about_her(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 3040, "KG", coordinator=True, locale="ky",
                                    name="Coordinator KG")
    kyrgyz = await seed_member(harness, 3041, "KG", locale="ky", name="Aizada",
                               username="aizada_kg")
    uzbek = await seed_member(harness, 3042, "UZ", locale="uz", name="Dilnoza",
                              username="dilnoza_uz")
    kazakh = await seed_member(harness, 3043, "KZ", locale="kk", name="Aigerim",
                               username="aigerim_kz")
    await join_coffee(harness, (kyrgyz, "ky"), (uzbek, "uz"), (kazakh, "kk"))
    await suspend(harness, coordinator, 3041)  # before the round's notice
    seen = len(kyrgyz.bot_messages)
    harness.clock.advance(ROUND - timedelta(days=1) - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    await later(harness, days=1)  # the round
    assert kyrgyz.bot_messages[seen:] == []  # no notice, no partner
    members = await harness.db.fetch_all("SELECT user_id FROM coffee_members ORDER BY user_id")
    assert [r[0] for r in members] == [3042, 3043]
    assert "@dilnoza_uz" in kazakh.last_text and "@aizada_kg" not in kazakh.last_text
    # The Uzbek one is suspended after the pairing: a week later "Did you meet?" goes to
    # neither of the two (it would ask about her).
    await suspend(harness, await seed_member(harness, 3044, "UZ", coordinator=True,
                                             locale="uz", name="Coordinator UZ"), 3042)
    kazakh_seen, uzbek_seen = len(kazakh.bot_messages), len(uzbek.bot_messages)
    await later(harness, days=7)
    for user, since in ((kazakh, kazakh_seen), (uzbek, uzbek_seen)):
        assert [m.text for m in user.bot_messages[since:] if (m.text or "").startswith("☕")
                or "Dilnoza" in (m.text or "")] == []


async def test_her_partner_may_end_a_pair_on_hold_and_the_suspended_one_is_only_told(
        harness: BotHarness) -> None:
    """A suspension may last: the mentee is not tied to a mentor she can't reach."""
    coordinator = await seed_member(harness, 3100, "KZ", coordinator=True, locale="ru",
                                    name="Coordinator KZ")
    mentor = await seed_member(harness, 3101, "KZ", locale="ru", name="Гульнара",
                               years=25, agency="interior")
    mentee = await seed_member(harness, 3102, "UZ", locale="uz", name="Dilnoza", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "ru", "uz")
    await suspend(harness, coordinator, 3101)
    mentor_seen = len(mentor.bot_messages)
    await open_pair_card(harness, mentee, "uz")
    card = mentee.last
    end_data = mentee.find_button(t(harness, "uz", "End mentorship"), card)[1]["callback_data"]
    await mentee.press(t(harness, "uz", "End mentorship"), card)
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "active"
    await mentee.press(t(harness, "uz", "Yes, end it"), mentee.last)
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "ended"
    await harness.deliver()
    # suspended: told what became of it (in her language), asked nothing
    assert [m.text for m in mentor.bot_messages[mentor_seen:]] == [t(
        harness, "ru", "{name} has closed your mentorship. Thank you for the time you gave it.",
        name="Dilnoza")]
    assert any("5" in m.button_labels() for m in mentee.bot_messages)  # she rates it
    # The ended pair's old card now answers as stale.
    answer = await mentee.press_data(end_data, card)
    assert answer is not None and answer["text"] == t(harness, "uz",
                                                      "This button is no longer valid.")
