"""End-to-end: mentorship — offer, request, suggestions, consent, decline, timeout, the weekly
round, check-ins, a silent mentor, ending with a rating, and the coordinators' overview.

Privacy is checked on everything each side received: before both agreed, no message to either
contains the other's username, id link or a field she hid.
"""

from __future__ import annotations

import json


from tests.emulator.server import SentMessage, UserHandle
from tests.flows import ref_label, seed_member, t
from tests.harness import ADMIN_ID, BotHarness


def press_choice(harness: BotHarness, user: UserHandle, label: str) -> str:
    """A wizard's choice as it is labelled now: "✓ 2" when it is her answer already."""
    labels = user.last.button_labels()
    return label if label in labels else f"✓ {label}"


async def offer_to_mentor(harness: BotHarness, mentor: UserHandle, locale: str = "en", *,
                          places: str = "2", area: str = "cybercrime") -> None:
    """Offer to mentor (or change her offer: her answers are pre-filled, the area stays on)."""
    await mentor.send("/mentorship")
    change = t(harness, locale, "Change my offer")
    await mentor.press(change if change in mentor.last.button_labels()
                       else t(harness, locale, "Offer to mentor"))
    await mentor.press(press_choice(harness, mentor, places))
    area_label = ref_label(harness, "expertise", area, locale)
    if area_label in mentor.last.button_labels():
        await mentor.press(area_label)
    await mentor.press(t(harness, locale, "Done"))
    await mentor.press(press_choice(harness, mentor, t(harness, locale, "twice a month")))
    assert mentor.last_text == t(harness, locale, "Thank you! You are on the list of mentors. "
                                                  "When a member asks you, I will show you her "
                                                  "profile and goal, and you decide.")


async def look_for_mentor(harness: BotHarness, mentee: UserHandle, locale: str = "en", *,
                          goal: str = "cybercrime", where: str = "any country") -> None:
    """Find a mentor (or change her request: her answers are pre-filled, the goal stays on)."""
    await mentee.send("/mentorship")
    change = t(harness, locale, "Change my request")
    await mentee.press(change if change in mentee.last.button_labels()
                       else t(harness, locale, "Find a mentor"))
    goal_label = ref_label(harness, "expertise", goal, locale)
    if goal_label in mentee.last.button_labels():
        await mentee.press(goal_label)
    await mentee.press(t(harness, locale, "Done"))
    await mentee.send("I want to learn <how> to investigate crypto fraud")
    await mentee.press(press_choice(harness, mentee, t(harness, locale, where)))


def texts_of(messages: list[SentMessage]) -> str:
    return "\n".join((m.html or m.text or "") for m in messages)


def assert_nothing_of(user: UserHandle, other_id: int, *secrets: str) -> None:
    """Everything she received so far, buttons included: no id, no id link and none of the
    other's hidden things."""
    everything = texts_of(user.bot_messages)
    assert f"tg://user?id={other_id}" not in everything
    for secret in secrets:
        assert secret not in everything, secret
    for message in user.bot_messages:
        for pressed in message.buttons():
            assert str(other_id) not in pressed.get("callback_data", ""), pressed


async def test_request_suggestions_consent_and_contacts(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 701, "KZ", locale="en", name="Dana Hidden-Name",
                               username="dana_kz", agency="border_guard", years=20,
                               languages=("ru", "kk"), hidden=("name",))
    mentee = await seed_member(harness, 702, "KG", locale="ru", name="Elnura Secret",
                               username="elnura_kg", years=4, languages=("ru", "ky"),
                               hidden=("name", "agency"))
    await offer_to_mentor(harness, mentor)
    await look_for_mentor(harness, mentee, "ru")

    suggestion = mentee.last
    assert t(harness, "ru", "Mentors who could suit you:") in (suggestion.text or "")
    why = t(harness, "ru", "Why: {reasons}", reasons="")
    assert why in (suggestion.text or "")
    # The reasons, in her language, from what the mentor shows.
    assert ref_label(harness, "expertise", "cybercrime", "ru") in (suggestion.text or "")
    assert t(harness, "ru", "{years} years of service", years=20) in (suggestion.text or "")
    assert ref_label(harness, "agency", "border_guard", "ru") in (suggestion.text or "")
    assert "<how>" not in (mentor.last.text or "")

    await mentee.press(t(harness, "ru", "Ask mentor {number}", number=1))
    await harness.deliver()
    proposal = mentor.last
    assert "I want to learn <how> to investigate crypto fraud" in (proposal.text or "")
    assert t(harness, "en", "Accept") in proposal.button_labels()
    assert_nothing_of(mentor, 702, "Elnura Secret", "elnura_kg")
    assert_nothing_of(mentee, 701, "Dana Hidden-Name", "dana_kz")

    # A stranger pressing the mentor's button, and a forged answer, change nothing.
    stranger = await seed_member(harness, 703, "UZ")
    accept = next(b for b in proposal.buttons() if b["text"] == "Accept")["callback_data"]
    answer = await stranger.press_data(accept, proposal)
    assert answer is not None and answer["text"] == t(harness, "en",
                                                      "This button is not meant for you.")
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "proposed"

    await mentor.press("Accept", proposal)
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "active"
    mentee_contact = next(m for m in mentee.bot_messages if "@dana_kz" in (m.text or ""))
    mentor_contact = next(m for m in mentor.bot_messages if "@elnura_kg" in (m.text or ""))
    assert "@dana_kz" in (mentee_contact.text or "") and mentee_contact.protect_content
    assert "@elnura_kg" in (mentor_contact.text or "") and mentor_contact.protect_content
    # The suggested first message: copyable (not protected), in a language both speak —
    # Russian for the English-speaking mentor too, since her mentee reads no English.
    for user, locale, template in (
            (mentee, "ru", "Hello! Thank you for agreeing to mentor me. Could we talk for half "
                           "an hour this week? When would suit you?"),
            (mentor, "en", "Hello! I am glad to be your mentor. Tell me a little about what "
                           "you would like to work on, and let us find a time to talk.")):
        first = next(m for m in user.bot_messages if "<code>" in (m.html or ""))
        assert not first.protect_content
        assert (first.text or "").startswith(
            t(harness, locale, "A first message you could send (tap it to copy):"))
        assert f"<code>{t(harness, 'ru', template)}</code>" in (first.html or "")
        assert t(harness, "ru", template) != template
    # Pressing Accept again is harmless: it says what she did, and nothing is sent again.
    sent = len(mentee.bot_messages)
    answer = await mentor.press_data(accept, proposal)
    await harness.deliver()
    assert answer is not None and answer["text"] == t(
        harness, "en", "✓ You accepted. I am sending you both each other's contacts.")
    assert len(mentee.bot_messages) == sent


async def test_decline_and_timeout_look_like_a_next_suggestion(harness: BotHarness) -> None:
    best = await seed_member(harness, 711, "KZ", name="Best Mentor", username="best",
                             agency="border_guard", years=25, languages=("ru", "kk"))
    second = await seed_member(harness, 712, "TJ", name="Second Mentor", username="second",
                               agency="prosecutor", years=15)
    mentee = await seed_member(harness, 713, "KG", name="Keen Mentee", years=3)
    await harness.tick()  # this week's matching round has run: only her requests count here
    await offer_to_mentor(harness, best)
    await offer_to_mentor(harness, second)
    await look_for_mentor(harness, mentee)
    cards = mentee.last.text or ""
    assert cards.index("Best Mentor") < cards.index("Second Mentor")  # best first

    await mentee.press("Ask mentor 1")
    await harness.deliver()
    seen = len(mentee.bot_messages)
    await best.press("Decline")
    await harness.deliver()
    harness.clock.advance(days=1)
    await harness.tick()
    await harness.deliver()
    assert len(mentee.bot_messages) == seen  # a decline is not news: nothing for 3 days
    # …not in /mentorship either, nor in her data, until the 3 days are over.
    await mentee.send("/mentorship")
    assert "A mentor is considering your request until" in mentee.last_text
    assert "Show suggestions" not in mentee.last.button_labels()
    await mentee.send("/mydata")
    exported = json.loads(mentee.last.document["content"])  # type: ignore[index]
    assert [(p["status"], p["ended_at"]) for p in exported["mentor_pairs"]] == [
        ("proposed", None)]
    seen = len(mentee.bot_messages)
    harness.clock.advance(days=2, minutes=11)
    await harness.tick()
    await harness.deliver()
    follow_up = mentee.last.text or ""
    assert follow_up.startswith("The mentor you asked could not take you on this time.\n\n"
                                "Here are more mentors who could suit you:")
    assert "Second Mentor" in follow_up and "Best Mentor" not in follow_up
    assert not any("declin" in text.lower() for text in mentee.all_texts())

    await mentee.press("Ask mentor 1")
    await harness.deliver()
    assert "Accept" in second.last.button_labels()
    accept = second.find_button("Accept")[1]["callback_data"]
    harness.clock.advance(days=3, minutes=11)
    await harness.tick()
    await harness.deliver()
    # No answer reads exactly like the decline did.
    assert mentee.last_text.startswith("The mentor you asked could not take you on this "
                                       "time.\n\nThere is no other suggestion for you")
    statuses = await harness.db.fetch_all(
        "SELECT mentor_id, status FROM mentor_pairs ORDER BY mentor_id")
    assert [tuple(r) for r in statuses] == [(711, "declined"), (712, "expired")]
    # The lapsed proposal says so and has no buttons left; an old button changes nothing.
    assert not second.has_button("Accept")
    assert any(text.startswith("⌛ This request to be her mentor lapsed without an answer.")
               for text in second.all_texts())
    answer = await second.press_data(accept)
    assert answer is not None and answer["text"] == "This request is no longer open."
    # Neither is proposed again to her.
    await mentee.send("/mentorship")
    await mentee.press("Show suggestions")
    assert mentee.last_text.startswith("No mentor fits your goals and languages right now.")


async def test_weekly_round_assigns_within_capacity(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 721, "KZ", name="Round Mentor", agency="interior",
                               years=30)
    other_language = await seed_member(harness, 722, "TM", name="Turkmen Mentor", years=30,
                                       languages=("tk",))
    mentees = [await seed_member(harness, 730 + n, "UZ", name=f"Waiting {n}", years=2)
               for n in range(3)]
    await offer_to_mentor(harness, mentor, places="2")
    await offer_to_mentor(harness, other_language, places="3")
    for mentee in mentees:
        await look_for_mentor(harness, mentee)
    harness.clock.advance(days=7)
    assert "mentorship_round" in await harness.tick()
    await harness.deliver()
    rows = await harness.db.fetch_all(
        "SELECT mentor_id, source FROM mentor_pairs WHERE status = 'proposed'")
    assert sorted(tuple(r) for r in rows) == [(721, "round"), (721, "round")]
    proposals = [m for m in mentor.bot_messages if "Accept" in m.button_labels()]
    assert len(proposals) == 2
    assert not any("Accept" in m.button_labels() for m in other_language.bot_messages)
    told = [mentee for mentee in mentees if mentee.last_text.startswith(
        "The weekly matching round found a mentor who could suit you")]
    assert len(told) == 2  # the two proposed know why they wait; the third hears nothing yet
    for mentee in told:
        assert_nothing_of(mentee, 721)


async def test_checkins_silent_mentor_rematch_rating_and_overview(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 741, "KZ", name="Busy Mentor", username="busy",
                               agency="interior", years=30)
    mentee = await seed_member(harness, 742, "KZ", locale="kk", name="Patient Mentee",
                               years=1)
    await offer_to_mentor(harness, mentor)
    await look_for_mentor(harness, mentee, "kk")
    await mentee.press(t(harness, "kk", "Ask mentor {number}", number=1))
    await harness.deliver()
    await mentor.press("Accept")
    await harness.deliver()

    harness.clock.advance(days=14, minutes=1)
    await harness.tick()
    await harness.deliver()
    question = t(harness, "kk", "How is your mentorship with {name} going? Have you met?",
                 name="Busy Mentor")
    assert mentee.last_text == question
    assert mentor.last_text.startswith("How is your mentorship with Patient Mentee going?")
    await mentee.press(t(harness, "kk", "We have met"))
    # The mentor does not answer this check-in, nor the next one.
    for _month in range(2):
        harness.clock.advance(days=30, minutes=1)
        await harness.tick()
        await harness.deliver()
    offer = t(harness, "kk", "Your mentor has not answered the last two check-ins. Would you "
                             "like a new mentor?")
    assert mentee.last_text == offer
    assert await harness.db.fetch_value("SELECT mentor_silent FROM mentor_pairs") == 2

    await mentee.press(t(harness, "kk", "Find me a new mentor"))
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "active"
    await mentee.press(t(harness, "kk", "Yes, end it"))  # it ends the pair: asked first
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "ended"
    assert "Patient Mentee has closed your mentorship." in mentor.all_texts()[-2]
    rating_message, four = mentor.find_button("4")
    await mentor.press("4", rating_message)
    await mentor.send("Too busy this season, sorry")
    await mentee.press("5")
    await mentee.press(t(harness, "kk", "Skip »"))
    ratings = await harness.db.fetch_all(
        "SELECT rater_id, rating, comment FROM pair_ratings ORDER BY rater_id")
    assert [tuple(r) for r in ratings] == [(741, 4, "Too busy this season, sorry"),
                                           (742, 5, None)]
    answer = await mentor.press_data(four["callback_data"], rating_message)
    assert answer is not None and answer["text"] == "You have already rated this mentorship."

    # Coordinators see figures by country; beyond one country small numbers are hidden.
    coordinator = await seed_member(harness, 749, "KZ", coordinator=True, name="Coord")
    await coordinator.send("/mentorship")
    await coordinator.press("Programme overview")
    overview = coordinator.last_text
    assert "Kazakhstan: running pairs 0 · waiting mentees 1 · mentors with free places 1 · " \
           "ratings 2\n" in overview
    admin = await seed_member(harness, ADMIN_ID, "KZ", name="Admin")
    await admin.send("/mentorship")
    await admin.press("Programme overview")
    assert "Kazakhstan: running pairs 0 · waiting mentees <5" in admin.last_text
    assert "Busy Mentor" not in overview and "Too busy" not in admin.last_text
    # A member pressing the same (forged) button gets nothing.
    member = await seed_member(harness, 750, "KG")
    await member.send("/mentorship")
    assert not member.has_button("Programme overview")
    await member.press_data("m1:overview::0:0", member.last)
    assert member.last_text == "This command is for coordinators."


async def test_pause_and_end_by_either_side(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 761, "KZ", name="Mentor P", years=30, agency="interior")
    mentee = await seed_member(harness, 762, "KG", name="Mentee P", years=3)
    await offer_to_mentor(harness, mentor, places="1")
    await look_for_mentor(harness, mentee)
    await mentee.press("Ask mentor 1")
    await harness.deliver()
    await mentor.press("Accept")
    await harness.deliver()
    await mentee.send("/mentorship")
    await mentee.press("My mentorships (1)")
    assert mentee.last_text.startswith("Your mentor: Mentor P (active)\nContact: Mentor P")
    await mentee.press("Pause")
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "paused"
    harness.clock.advance(days=20)
    await harness.tick()
    await harness.deliver()
    assert not any("How is your mentorship" in text for text in mentee.all_texts())
    await mentor.send("/mentorship")
    await mentor.press("My mentorships (1)")
    await mentor.press("Resume")
    await mentor.press("Goals reached")
    assert mentor.last_text.startswith("Mark your mentorship with Mentee P as goals reached?")
    await mentor.press("Yes, goals reached")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "completed"
    assert "Mentor P has marked your mentorship as goals reached." in "\n".join(
        mentee.all_texts())
    # Her place is free again.
    await mentor.send("/mentorship")
    assert "You mentor: 0 of 1 places taken, open." in mentor.last_text


async def test_pausing_and_withdrawing_offers_and_requests(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 771, "KZ", name="Pausing Mentor", years=30,
                               agency="interior")
    mentee = await seed_member(harness, 772, "KG", name="Pausing Mentee", years=3)
    await offer_to_mentor(harness, mentor)
    await mentor.send("/mentorship")
    await mentor.press("Pause offer")
    assert "You mentor: 0 of 2 places taken, paused." in mentor.last_text
    await look_for_mentor(harness, mentee)
    assert mentee.last_text.startswith("No mentor fits your goals")
    await mentor.press("Resume offer")
    await mentee.send("/mentorship")
    await mentee.press("Pause request")
    assert "You look for a mentor (paused)." in mentee.last_text
    await mentee.press("Show suggestions")
    assert mentee.last_text.startswith("Your request is paused.")
    harness.clock.advance(days=7)
    await harness.tick()  # the weekly round leaves a paused request alone
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 0
    await mentee.send("/mentorship")
    await mentee.press("Resume request")
    await mentee.press("Show suggestions")
    assert "Pausing Mentor" in mentee.last_text
    await mentor.send("/mentorship")
    await mentor.press("Withdraw offer")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_offers") == 0
    await mentee.press("Ask mentor 1")  # the suggestion she still sees is gone
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 0
    await mentee.send("/mentorship")
    await mentee.press("Withdraw request")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentee_requests") == 0


async def test_wizard_bad_input(harness: BotHarness) -> None:
    mentee = await seed_member(harness, 781, "KG", name="Typing Mentee")
    applicant = await seed_member(harness, 782, "KG", status="pending")
    await applicant.send("/mentorship")
    assert applicant.last_text.startswith("This opens once your application is approved")
    await mentee.send("/mentorship")
    await mentee.press("Find a mentor")
    stale = "This button is no longer valid."
    area = ref_label(harness, "expertise", "forensics", "en")
    real = next(b for b in mentee.last.buttons() if b["text"] == area)["callback_data"]
    answer = await mentee.press_data(real.replace("forensics", "no_such_area"))  # forged
    assert answer is not None and answer["text"] == stale
    answer = await mentee.press_data("m1:goal:forensics:0:0")  # the wizard before the dialog
    assert answer is not None and answer["text"] == "This button is from an earlier message."
    answer = await mentee.press("Done")  # nothing chosen yet
    assert answer is not None and answer["text"] == "Please choose at least one."
    await mentee.press(area)
    await mentee.press("Done")
    # A wrong answer is explained in the same message, which asks again.
    asking = mentee.last
    for send, reason in ((mentee.send_photo(), "Please answer with a text message."),
                         (mentee.send("   "), "The answer is empty. Please type it in a message."),
                         (mentee.send("y" * 301),
                          "That is too long: please keep it under 300 characters.")):
        await send
        assert mentee.last.message_id == asking.message_id
        assert f"⚠️ {reason}" in mentee.last_text
    await mentee.send("Learn forensics")
    real = next(b for b in mentee.last.buttons() if b["text"] == "any country")["callback_data"]
    answer = await mentee.press_data(real.replace("any", "moon"))
    assert answer is not None and answer["text"] == stale
    await mentee.press("from my country")
    assert mentee.last_text.startswith("No mentor fits")
    request = await harness.db.fetch_one("SELECT goal_text, country_preference FROM "
                                         "mentee_requests")
    assert tuple(request) == ("Learn forensics", "same")  # type: ignore[arg-type]
    await mentee.press_data("m1:ask:abc:0:0")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 0


async def test_overview_shows_comments_only_from_five_ratings(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 791, "KZ", coordinator=True, name="Coord KZ")
    marks = [5, 4, 4, 3, 5]
    for n, mark in enumerate(marks[:4]):
        await harness.db.execute(
            "INSERT INTO pair_ratings (pair_id, rater_id, country_code, rating, comment, "
            "created_at) VALUES (?, ?, 'KZ', ?, ?, '2026-01-10 10:00:00')",
            (n, 1000 + n, mark, f"Comment <{n}>"))
    await coordinator.send("/mentorship")
    await coordinator.press("Programme overview")
    assert "ratings 4\n" in coordinator.last_text
    assert "Comment <" not in coordinator.last_text
    await harness.db.execute(
        "INSERT INTO pair_ratings (pair_id, rater_id, country_code, rating, created_at) "
        "VALUES (9, 1009, 'KZ', 5, '2026-01-11 10:00:00')")
    await coordinator.press("Programme overview")
    assert "ratings 5, average 4.2" in coordinator.last_text
    assert "Comment <3>" in coordinator.last_text and "1003" not in coordinator.last_text


async def test_no_next_suggestion_after_she_withdrew(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 795, "KZ", name="Late Mentor", years=30,
                               agency="interior")
    await seed_member(harness, 796, "TJ", name="Other Mentor", years=30, agency="interior")
    other = harness.user(796, "Member")
    mentee = await seed_member(harness, 797, "KG", name="Changed Mind", years=2)
    await offer_to_mentor(harness, mentor)
    await offer_to_mentor(harness, other)
    await look_for_mentor(harness, mentee)
    await mentee.press("Ask mentor 1")
    await harness.deliver()
    await mentee.send("/mentorship")
    await mentee.press("Withdraw request")
    seen = len(mentee.bot_messages)
    asked = mentor if mentor.has_button("Decline") else other
    await asked.press("Decline")
    await harness.deliver()
    assert len(mentee.bot_messages) == seen  # nothing: she is no longer looking


async def test_consent_still_holds_when_the_mentor_answers(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 801, "KZ", name="Answering Mentor", years=30,
                               agency="interior", username="answering")
    mentees = [await seed_member(harness, 802 + n, "KG", name=f"Mentee {n}", years=2,
                                 username=f"mentee_{n}") for n in range(3)]
    await harness.tick()  # this week's round has run
    await offer_to_mentor(harness, mentor, places="3")
    for mentee in mentees:
        await look_for_mentor(harness, mentee)
        await mentee.press("Ask mentor 1")
    await harness.deliver()
    proposals = {int(m.text.split("Mentee ")[1][0]): m for m in mentor.bot_messages
                 if "Accept" in m.button_labels() and m.text}

    def accept_data(n: int) -> str:
        return next(b for b in proposals[n].buttons() if b["text"] == "Accept")["callback_data"]

    # Mentee 0 withdraws: the mentor's yes can no longer share anything.
    await mentees[0].send("/mentorship")
    await mentees[0].press("Withdraw request")
    answer = await mentor.press_data(accept_data(0), proposals[0])
    assert answer is not None and answer["text"] == "This request is no longer open."
    await harness.deliver()
    assert not any("mentee_0" in (m.text or "") for m in mentor.bot_messages)
    assert not any("answering" in (m.text or "") for m in mentees[0].bot_messages)

    # She takes mentee 1, then lowers her places to one: a yes beyond them is refused.
    await mentor.press("Accept", proposals[1])
    await offer_to_mentor(harness, mentor, places="1")
    answer = await mentor.press_data(accept_data(2), proposals[2])
    assert answer is not None and answer["text"] == ("All your places are taken. To take her "
                                                     "too, give yourself more places in "
                                                     "/mentorship.")
    rows = await harness.db.fetch_all("SELECT mentee_id, status FROM mentor_pairs ORDER BY 1")
    assert [tuple(r) for r in rows] == [(803, "active"), (804, "proposed")]

    # A forged pair id far outside any row is just a stale button.
    answer = await mentor.press_data("m1:accept::99999999999999999999999:0", proposals[2])
    assert answer is not None and answer["text"] == "This button is no longer valid."


async def test_pausing_her_request_leaves_no_trace_with_the_mentor(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 811, "KZ", name="Patient Mentor", years=30,
                               agency="interior")
    mentee = await seed_member(harness, 812, "KG", name="Hesitant Mentee", years=2)
    await harness.tick()  # this week's round has run
    await offer_to_mentor(harness, mentor)
    await look_for_mentor(harness, mentee)
    await mentee.press("Ask mentor 1")
    await mentee.send("/mentorship")
    await mentee.press("Pause request")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 0
    await mentee.press("Resume request")
    await mentee.press("Show suggestions")
    assert "Patient Mentor" in mentee.last_text  # she never said no: still suggested


async def test_a_coordinator_sees_the_region_with_small_cells_hidden(
        harness: BotHarness) -> None:
    """Next to her own country's exact line, the region's cells of 1 to 4 are hidden: else
    she could tell what the rest of the region holds. The administrators' view is unchanged."""
    coordinator = await seed_member(harness, 792, "KZ", locale="ru", coordinator=True,
                                    name="Coord KZ")
    await offer_to_mentor(harness, await seed_member(harness, 793, "KG", name="KG Mentor"))
    for n, (country, mark) in enumerate((("KZ", 5), ("KZ", 4), ("KG", 3), ("KG", 3),
                                         ("KG", 4), ("TJ", 5))):
        await harness.db.execute(
            "INSERT INTO pair_ratings (pair_id, rater_id, country_code, rating, created_at) "
            "VALUES (?, ?, ?, ?, '2026-01-10 10:00:00')", (n, 1100 + n, country, mark))

    def line(locale: str, name: str, free: str, ratings: str, average: str | None) -> str:
        values = dict(name=name, active=0, waiting=0, free=free, ratings=ratings)
        text = t(harness, locale, "<b>{name}</b>: running pairs {active} · waiting mentees "
                 "{waiting} · mentors with free places {free} · ratings {ratings}, average "
                 "{average}", average=average, **values) if average else t(
            harness, locale, "<b>{name}</b>: running pairs {active} · waiting mentees "
            "{waiting} · mentors with free places {free} · ratings {ratings}", **values)
        return text.replace("<b>", "").replace("</b>", "")

    await coordinator.send("/mentorship")
    await coordinator.press(t(harness, "ru", "Programme overview"))
    seen = coordinator.last_text.split("\n")
    region = t(harness, "ru", "The whole region")
    # 1 mentor with a free place in the region is hidden; of the 6 ratings she reads her
    # country's 2 exactly, so the other 4 (and the average, which would give them away) not.
    assert line("ru", region, "<5", "2+", None) in seen
    assert harness.app is not None
    country = harness.app.reference.country
    assert line("ru", country("KZ", "ru"), "0", "2", None) in seen  # her own stays exact
    assert t(harness, "ru", "Numbers from 1 to 4 are shown as {mark}; averages need at "
             "least 5 ratings.", mark="<5") in seen
    assert not any(s.startswith(country("KG", "ru")) for s in seen)

    admin = await seed_member(harness, ADMIN_ID, "KG", locale="en", name="Admin")
    await admin.send("/mentorship")
    await admin.press("Programme overview")
    seen = admin.last_text.split("\n")
    # one hidden mentor's free place would follow from an exact 1; 6 hidden ratings don't
    assert line("en", "The whole region", "<5", "6", "4.0") in seen
    assert line("en", "Kyrgyzstan", "<5", "<5", None) in seen
    assert line("en", "Kazakhstan", "0", "<5", None) in seen
