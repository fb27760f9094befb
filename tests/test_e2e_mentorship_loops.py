"""End-to-end: issue 13's mentorship findings, each closed — "Goals reached" closes her
request (also on a paused pair), a pause is told and keeps the check-in's date, a pending
proposal is shown with its deadline and a Cancel, the mentor is reminded before it lapses, a
lapse is no refusal for ever, contacts survive a failing getChat and show again, staff without
a profile are sent to complete it, old buttons of an ended pair are stale, a partner's
erasure is told, and the overview counts zeros, regions and mentors abroad.

In Russian, Kazakh, Kyrgyz and English, with the injected clock.
"""

from __future__ import annotations

from tests.emulator.server import Fault, UserHandle
from tests.flows import seed_member, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_mentorship import look_for_mentor, offer_to_mentor


async def asked(harness: BotHarness, mentor: UserHandle, mentee: UserHandle,
                mentor_locale: str = "en", mentee_locale: str = "en") -> None:
    """She offers, the mentee looks and asks her; the proposal has reached the mentor."""
    await offer_to_mentor(harness, mentor, mentor_locale)
    await look_for_mentor(harness, mentee, mentee_locale)
    await mentee.press(t(harness, mentee_locale, "Ask mentor {number}", number=1))
    await harness.deliver()


async def matched(harness: BotHarness, mentor: UserHandle, mentee: UserHandle,
                  mentor_locale: str = "en", mentee_locale: str = "en") -> None:
    await asked(harness, mentor, mentee, mentor_locale, mentee_locale)
    await mentor.press(t(harness, mentor_locale, "Accept"))
    await harness.deliver()


async def open_pair_card(harness: BotHarness, user: UserHandle, locale: str) -> None:
    await user.send("/mentorship")
    await user.press(t(harness, locale, "My mentorships ({count})", count=1))


async def end_from_card(harness: BotHarness, user: UserHandle, locale: str, *,
                        goals: bool = False) -> None:
    """She ends her one pair from its card, End mentorship (or Goals reached) then yes;
    what follows is sent."""
    await open_pair_card(harness, user, locale)
    await user.press(t(harness, locale, "Goals reached" if goals else "End mentorship"))
    await user.press(t(harness, locale, "Yes, goals reached" if goals else "Yes, end it"))
    await harness.deliver()


async def test_pause_told_resume_keeps_checkin_goals_reached_closes_request(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1301, "KZ", locale="ru", name="Айгерим", years=25,
                               agency="interior", username="aigerim")
    mentee = await seed_member(harness, 1302, "KG", locale="ky", name="Нургуль", years=3)
    spare = await seed_member(harness, 1303, "TJ", name="Spare Mentor", years=30,
                              agency="prosecutor")
    await harness.tick()  # this week's round has run
    await matched(harness, mentor, mentee, "ru", "ky")
    due = await harness.db.fetch_value("SELECT next_checkin_at FROM mentor_pairs")

    # The mentee pauses: the mentor is told, her card says "paused" (in its context).
    await open_pair_card(harness, mentee, "ky")
    assert "@aigerim" in mentee.last_text and mentee.last.protect_content
    await mentee.press(t(harness, "ky", "Pause"))
    await harness.deliver()
    assert mentor.last_text == t(harness, "ru", "{name} has paused your mentorship. Either of "
                                                "you can resume it in /mentorship → My "
                                                "mentorships.", name="Нургуль")
    assert mentee.last_text.startswith(t(harness, "ky", "Your mentor: {name}", name="Айгерим"))
    assert t(harness, "ky", "Resume") in mentee.last.button_labels()

    # Resumed a few days later: the check-in keeps its date.
    harness.clock.advance(days=3)
    await mentee.press(t(harness, "ky", "Resume"))
    await harness.deliver()
    assert mentor.last_text == t(harness, "ru", "{name} has resumed your mentorship.",
                                 name="Нургуль")
    assert await harness.db.fetch_value("SELECT next_checkin_at FROM mentor_pairs") == due

    # Paused again, "Goals reached" still works, asked first.
    await mentee.press(t(harness, "ky", "Pause"))
    await mentee.press(t(harness, "ky", "Goals reached"))
    assert mentee.last_text.startswith(t(harness, "ky", "Mark your mentorship with {name} as "
                                                        "goals reached? It ends, {name} is "
                                                        "told, and you are both asked for a "
                                                        "short rating.", name="Айгерим")[:20])
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "paused"
    await mentee.press(t(harness, "ky", "No, keep it"))
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "paused"
    await mentee.press(t(harness, "ky", "Goals reached"))
    await mentee.press(t(harness, "ky", "Yes, goals reached"))
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM mentor_pairs") == "completed"
    # Her request is closed: the menu offers to look again, and no round asks for her.
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentee_requests") == 0
    await mentee.send("/mentorship")
    assert t(harness, "ky", "Find a mentor") in mentee.last.button_labels()
    assert t(harness, "ky", "You look for a mentor ({state}).", state="")[:10] \
        not in mentee.last_text
    await offer_to_mentor(harness, spare)
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM mentor_pairs WHERE status = 'proposed'") == 0


async def test_pending_proposal_deadline_cancel_reminder_and_a_later_round(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1311, "KZ", locale="kk", name="Dana", years=25,
                               agency="interior", languages=("ru", "kk"))
    mentee = await seed_member(harness, 1312, "KZ", locale="kk", name="Aruzhan", years=2,
                               languages=("kk",))
    await harness.tick()  # this week's round has run
    await offer_to_mentor(harness, mentor, "kk")
    await look_for_mentor(harness, mentee, "kk")
    await mentee.press(t(harness, "kk", "Ask mentor {number}", number=1))
    assert "/mentorship" in mentee.last_text  # where she sees it and can cancel it
    await harness.deliver()

    # /mentorship shows what she waits for, until when, and how to cancel it.
    await mentee.send("/mentorship")
    head = t(harness, "kk", "A mentor is considering your request until {deadline}. If she "
                            "does not take you on, I will tell you then and suggest others.",
             deadline="")
    assert head.split("{")[0][:15] in mentee.last_text
    assert t(harness, "kk", "Cancel my request") in mentee.last.button_labels()

    # A day before it lapses the mentor is reminded, with the buttons to answer.
    harness.clock.advance(days=2, minutes=5)
    await harness.tick()
    await harness.deliver()
    reminder = mentor.last
    assert (reminder.text or "").startswith(t(harness, "kk", "A reminder: a member asked you "
                                                             "to be her mentor (her request "
                                                             "is above). Please answer by "
                                                             "{deadline}; after that it "
                                                             "lapses.", deadline="")[:25])
    assert t(harness, "kk", "Accept") in reminder.button_labels()
    harness.clock.advance(hours=6)
    await harness.tick()
    await harness.deliver()
    assert mentor.last is reminder or mentor.last.message_id == reminder.message_id  # once

    # It lapses: she is told, and a later round may ask the same mentor again.
    harness.clock.advance(days=1)
    await harness.tick()
    await harness.deliver()
    assert mentee.last_text.startswith(t(harness, "kk", "The mentor you asked could not take "
                                                        "you on this time."))
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    rows = await harness.db.fetch_all("SELECT status, source FROM mentor_pairs ORDER BY id")
    assert [tuple(r) for r in rows] == [("proposed", "round")]

    # She cancels the round's proposal: it goes, the mentor's copy says it was withdrawn
    # (no buttons, nothing of her), and an old Accept is stale.
    proposal, accept_button = mentor.find_button(t(harness, "kk", "Accept"))
    accept = accept_button["callback_data"]
    await mentee.send("/mentorship")
    await mentee.press(t(harness, "kk", "Cancel my request"))
    await harness.deliver()
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM mentor_pairs WHERE status = 'proposed'") == 0
    assert t(harness, "kk", "Show suggestions") in mentee.last.button_labels()
    assert proposal.text == t(harness, "kk", "🤝 This request to be her mentor was withdrawn. "
                                             "Nothing more is needed from you.")
    assert not mentor.has_button(t(harness, "kk", "Accept"))
    answer = await mentor.press_data(accept, proposal)
    assert answer is not None and answer["text"] == t(harness, "kk",
                                                      "This request is no longer open.")


async def test_contacts_survive_a_failing_getchat_and_show_again(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1321, "UZ", name="Mentor Contact", years=25,
                               agency="interior", username="mentor_c")
    mentee = await seed_member(harness, 1322, "TJ", name="Mentee Contact", years=2,
                               username="mentee_c")
    await harness.tick()
    # Telegram answers getChat with something that is not JSON (ClientDecodeError), and the
    # first attempt at the mentee's contact message fails with a 502.
    await offer_to_mentor(harness, mentor)
    await look_for_mentor(harness, mentee)
    await mentee.press("Ask mentor 1")
    await harness.deliver()
    harness.emu.faults.append(Fault(error="garbage", method="getChat", times=None))
    harness.emu.faults.append(Fault(error=502, method="sendMessage", chat_id=1322, times=1))
    await mentor.press("Accept")
    await harness.deliver()
    harness.clock.advance(minutes=10)
    await harness.deliver()
    contact = next(m for m in mentee.bot_messages if "Mentor Contact" in (m.html or "")
                   and m.protect_content)
    assert 'href="tg://user?id=1321"' in (contact.html or "")  # a link, no @username
    assert any("Mentee Contact" in (m.html or "") and m.protect_content
               for m in mentor.bot_messages)
    # Seen again in My mentorships, now with the @username Telegram gives.
    for fault in harness.emu.faults:
        fault.active = False
    await open_pair_card(harness, mentee, "en")
    assert "@mentor_c" in mentee.last_text and mentee.last.protect_content


async def test_staff_without_profile_and_applicants_are_told(harness: BotHarness) -> None:
    admin = harness.user(ADMIN_ID, "Admin")
    admin.user.started = True
    await admin.send("/mentorship")
    assert admin.last_text.startswith(t(harness, "en", "Please complete your member profile "
                                                       "first (/start): members see it "
                                                       "before they agree to meet you."))
    answer = await admin.press_data("m1:seek::0:0")
    assert answer is not None and answer["text"].startswith("Please complete your member")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentee_requests") == 0
    applicant = await seed_member(harness, 1331, "KG", locale="ru", status="pending")
    await applicant.send("/mentorship")
    assert applicant.last_text.startswith(t(harness, "ru", "This opens once your application "
                                                           "is approved: it is still being "
                                                           "reviewed. I will write to you as "
                                                           "soon as it is decided."))


async def test_old_buttons_of_an_ended_pair_are_stale(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1341, "KZ", name="Ending Mentor", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 1342, "KG", locale="ru", name="Ending Mentee", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "en", "ru")
    harness.clock.advance(days=14, minutes=1)
    await harness.tick()
    await harness.deliver()
    checkin = mentee.last
    met = checkin.buttons()[0]["callback_data"]
    await open_pair_card(harness, mentor, "en")
    await mentor.press("End mentorship")
    assert mentor.last_text == "End your mentorship with Ending Mentee? It cannot be undone; " \
                               "Ending Mentee is told."
    await mentor.press("Yes, end it")
    await harness.deliver()
    answer = await mentee.press_data(met, checkin)
    assert answer is not None and answer["text"] == t(harness, "ru",
                                                      "This button is no longer valid.")


async def test_a_partner_who_deletes_her_data_is_told_of(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1351, "KZ", locale="kk", name="Staying Mentor",
                               years=25, agency="interior")
    mentee = await seed_member(harness, 1352, "KG", name="Leaving Mentee", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee, "kk", "en")
    await mentee.send("/delete_me")
    await mentee.press("Yes, delete everything")
    await harness.deliver()
    assert mentor.last_text == t(harness, "kk", "Your mentee has left the association and her "
                                                "data was deleted, so your mentorship has "
                                                "ended. Her place is free again.")
    assert "Leaving Mentee" not in mentor.last_text


async def test_overview_zeros_region_and_mentors_abroad(harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1361, "KZ", name="Abroad Mentor", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 1362, "KG", name="Abroad Mentee", years=2)
    await harness.tick()
    await matched(harness, mentor, mentee)
    coordinator = await seed_member(harness, 1363, "KZ", locale="ru", coordinator=True,
                                    name="Coord KZ")
    await coordinator.send("/mentorship")
    await coordinator.press(t(harness, "ru", "Programme overview"))
    # Her own mentor, mentoring in Kyrgyzstan, counts for Kazakhstan.
    kz = harness.app.reference.country("KZ", "ru")
    assert f"{kz}: " in coordinator.last_text
    line = next(x for x in coordinator.last_text.splitlines() if x.startswith(kz))
    assert " 1 " in line or line.split("·")[0].rstrip().endswith("1")
    assert "— —" not in coordinator.last_text
    admin = await seed_member(harness, ADMIN_ID, "UZ", name="Admin")
    await admin.send("/mentorship")
    await admin.press("Programme overview")
    text = admin.last_text
    # region totals of 1 to 4 would name what the hidden country cells hide: hidden too
    assert "The whole region: running pairs <5 · waiting mentees 0 · mentors with free " \
           "places <5 · ratings 0" in text
    assert "Tajikistan: running pairs 0 · waiting mentees 0 · mentors with free places 0 · " \
           "ratings 0" in text
    assert "Kyrgyzstan: running pairs <5" in text
    assert ", average" not in text
    # Long offer buttons each on a row of their own.
    await mentor.send("/mentorship")
    rows = mentor.last.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert all(len(row) == 1 for row in rows)


async def test_a_withdrawn_request_is_taken_off_the_proposal_and_its_reminder(
        harness: BotHarness) -> None:
    mentor = await seed_member(harness, 1391, "KZ", name="Dana Mentor", years=25,
                               agency="interior")
    mentee = await seed_member(harness, 1392, "UZ", locale="uz", name="Dilnoza Karimova",
                               years=2)
    await harness.tick()
    await offer_to_mentor(harness, mentor, "en")
    await look_for_mentor(harness, mentee, "uz")
    await mentee.press(t(harness, "uz", "Ask mentor {number}", number=1))
    await harness.deliver()
    proposal = mentor.last
    assert "Dilnoza Karimova" in (proposal.text or "")
    harness.clock.advance(days=2, minutes=5)
    await harness.tick()
    await harness.deliver()
    reminder = mentor.last
    assert reminder is not proposal and "Accept" in reminder.button_labels()
    # She withdraws her request altogether: both of the mentor's messages say so.
    await mentee.send("/mentorship")
    await mentee.press(t(harness, "uz", "Withdraw request"))
    await harness.deliver()
    withdrawn = "🤝 This request to be her mentor was withdrawn. Nothing more is needed from you."
    for message in (proposal, reminder):
        assert message.text == withdrawn and message.buttons() == []
    assert not any("Dilnoza" in text for text in mentor.all_texts())
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM mentor_pairs") == 0
    # Nothing more reaches the mentor when the three days are over.
    seen = len(mentor.bot_messages)
    harness.clock.advance(days=2)
    await harness.tick()
    await harness.deliver()
    assert len(mentor.bot_messages) == seen
