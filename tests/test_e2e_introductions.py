"""End-to-end: peer introductions — consent, refusal, timeout, blocks, the weekly limit, and
switching introductions off. Contacts only after consent, and never a hidden field before."""

from __future__ import annotations

from tests.emulator.server import UserHandle
from tests.flows import ref_label, seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_mentorship import assert_nothing_of, look_for_mentor, offer_to_mentor


async def ask_to_meet(harness: BotHarness, user: UserHandle, *, country: str | None = "TJ",
                      expertise: str | None = "border_management", language: str | None = "ru",
                      reason: str = "We plan a joint <training> on border posts",
                      locale: str = "en") -> None:
    await user.send("/introduce")
    await user.press(t(harness, locale, "Ask to meet someone"))
    for kind, code in (("country", country), ("expertise", expertise), ("language", language)):
        await user.press(ref_label(harness, kind, code, locale) if code
                         else t(harness, locale, "any"))
    await user.send(reason)


async def test_introduction_with_consent(harness: BotHarness) -> None:
    requester = await seed_member(harness, 801, "KZ", locale="ru", name="Asel Hidden",
                                  username="asel_kz", hidden=("name",))
    target = await seed_member(harness, 802, "TJ", locale="tg", name="Nigora Visible",
                               username="nigora_tj", expertise=("border_management",))
    await seed_member(harness, 803, "TJ", name="Wrong Area", expertise=("forensics",))
    await seed_member(harness, 804, "KG", name="Wrong Country",
                      expertise=("border_management",))
    await ask_to_meet(harness, requester, locale="ru")
    offered = requester.last.text or ""
    assert "Nigora Visible" in offered
    assert "Wrong Area" not in offered and "Wrong Country" not in offered
    assert "@nigora_tj" not in offered

    await requester.press(t(harness, "ru", "Ask member {number}", number=1))
    await harness.deliver()
    request = target.last.text or ""
    assert "We plan a joint <training> on border posts" in request
    assert_nothing_of(target, 801, "Asel Hidden", "asel_kz")
    assert_nothing_of(requester, 802, "nigora_tj")
    await target.press(t(harness, "tg", "Agree"))
    await harness.deliver()
    contact = next(m for m in requester.bot_messages if "@nigora_tj" in (m.text or ""))
    assert contact.protect_content
    assert "@asel_kz" in target.last_text and target.last.protect_content
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "accepted"


async def test_refusal_and_timeout_offer_the_others(harness: BotHarness) -> None:
    requester = await seed_member(harness, 811, "KZ", name="Requester")
    first = await seed_member(harness, 812, "TJ", name="First Fit", username="first_fit",
                              expertise=("border_management",))
    second = await seed_member(harness, 813, "TJ", name="Second Fit",
                               expertise=("border_management",))
    await ask_to_meet(harness, requester)
    await requester.press("Ask member 1")
    await harness.deliver()
    asked, other = (first, second) if first.bot_messages else (second, first)
    seen = len(requester.bot_messages)
    await asked.press("Not now")
    await harness.deliver()
    harness.clock.advance(days=2)
    await harness.tick()
    await harness.deliver()
    assert len(requester.bot_messages) == seen  # a refusal is not news: nothing for 3 days
    harness.clock.advance(days=1, minutes=11)
    await harness.tick()
    await harness.deliver()
    text = requester.last_text
    assert text.startswith("That introduction did not work out this time.")
    assert "declin" not in text.lower()
    await requester.press("Ask member 1")
    await harness.deliver()
    assert "Agree" in other.last.button_labels()
    harness.clock.advance(days=3, minutes=11)
    await harness.tick()
    await harness.deliver()
    # No answer reads exactly like the refusal did.
    assert requester.last_text.startswith("That introduction did not work out this time. "
                                          "Nobody else who fits this request")
    statuses = sorted(r[0] for r in await harness.db.fetch_all(
        "SELECT status FROM intro_requests"))
    assert statuses == ["declined", "expired"]
    assert_nothing_of(requester, 812, "first_fit")


async def test_a_blocked_person_is_never_proposed_again(harness: BotHarness) -> None:
    pushy = await seed_member(harness, 821, "KZ", name="Pushy Member", years=2)
    target = await seed_member(harness, 822, "TJ", name="Careful Member", years=25,
                               agency="border_guard", expertise=("border_management",
                                                                 "cybercrime"))
    await ask_to_meet(harness, pushy)
    await pushy.press("Ask member 1")
    await harness.deliver()
    await target.press("Block this person")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 0  # asks
    assert "Block her? She is not told." in target.last_text
    await target.press("Yes, block her")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 1
    # Not in introductions, whatever she asks…
    await ask_to_meet(harness, pushy, country=None, expertise=None, language=None)
    assert pushy.last_text.startswith("⚠️ Nobody who fits this request can be asked right now.")
    # …nor as a mentor.
    await offer_to_mentor(harness, target)
    await look_for_mentor(harness, pushy)
    assert "Careful Member" not in pushy.last_text
    assert pushy.last_text.startswith("No mentor fits your goals")
    # Unblocking makes her a possible mentor again (an introduction once asked is not
    # proposed twice).
    await target.send("/introduce")
    assert "People you blocked: 1." in target.last_text
    await target.press("Blocked people")
    assert "1. Pushy Member" in target.last_text
    await target.press("Unblock 1")
    assert "You have blocked nobody." in target.last_text
    await pushy.send("/mentorship")
    await pushy.press("Show suggestions")
    assert "Careful Member" in pushy.last_text


async def test_weekly_limit_counts_requests_sent_and_says_when(harness: BotHarness) -> None:
    requester = await seed_member(harness, 831, "KZ", name="Eager", locale="ru")
    for n in range(7):
        await seed_member(harness, 840 + n, "TJ", name=f"Fit {n}",
                          expertise=("border_management",))
    quiet = await seed_member(harness, 850, "TJ", name="Quiet One",
                              expertise=("border_management",))
    await quiet.send("/introduce")
    await quiet.press("Switch off requests to me")
    assert "Others can ask to meet you: off." in quiet.last_text
    for _n in range(6):  # searches that ask nobody do not count
        await ask_to_meet(harness, requester, locale="ru")
        assert requester.last_text.startswith(t(harness, "ru", "Members who fit your request:"))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 6
    for _n in range(5):
        await ask_to_meet(harness, requester, locale="ru")
        assert "Quiet One" not in requester.last_text
        await requester.press(t(harness, "ru", "Ask member {number}", number=1))
        harness.clock.advance(hours=1)
    await requester.send("/introduce")
    assert t(harness, "ru", "Requests sent in the last 7 days: {sent} of {limit}.", sent=5,
             limit=5) in requester.last_text
    await requester.press(t(harness, "ru", "Ask to meet someone"))  # told at once, in place
    # The first of the five was sent on Thursday 15 January: the next one from the 22nd.
    limit = t(harness, "ru", "You have sent {limit} introduction requests in the last 7 days. "
              "You can send the next one on {date}.", limit=5, date="чт, 22 янв. 2026")
    assert requester.last_text == "⚠️ " + limit + "\n\n" + requester.last_text.split(
        "\n\n", 1)[1]
    harness.clock.advance(days=7)
    await ask_to_meet(harness, requester, locale="ru")
    assert requester.last_text.startswith(t(harness, "ru", "Members who fit your request:"))


async def test_bad_input_and_strangers(harness: BotHarness) -> None:
    requester = await seed_member(harness, 861, "KZ", name="Typist")
    target = await seed_member(harness, 862, "TJ", name="Target",
                               expertise=("border_management",))
    await requester.send("/introduce")
    await requester.press("Ask to meet someone")
    answer = await requester.press_data("n1:country:XX:0")  # forged, or of the old wizard
    assert answer is not None and answer["text"] == "This button is from an earlier message."
    await requester.press("any")
    await requester.press("any")
    await requester.press("any")
    await requester.send_sticker()
    assert requester.last_text.startswith("⚠️ Please answer with a text message.\n\nStep 4 of 4")
    await requester.send("x" * 301)
    assert requester.last_text.startswith(
        "⚠️ That is too long: please keep it under 300 characters.")
    await requester.send("Exchange on patrol practice")
    await requester.press("Ask member 1")
    await harness.deliver()
    # A stranger and the requester herself cannot answer in the target's place.
    agree = target.find_button("Agree")[1]["callback_data"]
    answer = await requester.press_data(agree, requester.last)
    assert answer is not None and answer["text"] == "This button is not meant for you."
    applicant = await seed_member(harness, 863, "KZ", status="pending")
    answer = await applicant.press_data(agree, applicant.last if applicant.bot_messages
                                        else target.last)
    # (a stranger hears the button is not hers, not that the directory is closed to her)
    assert answer is not None and answer["text"] == "This button is not meant for you."
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "asked"


async def test_a_block_ends_a_crossing_request(harness: BotHarness) -> None:
    alpha = await seed_member(harness, 871, "KZ", name="Alpha", username="alpha",
                              expertise=("border_management",))
    beta = await seed_member(harness, 872, "TJ", name="Beta", username="beta",
                             expertise=("border_management",))
    await ask_to_meet(harness, alpha)  # Alpha asks to meet Beta…
    await alpha.press("Ask member 1")
    await ask_to_meet(harness, beta, country="KZ")  # …and Beta asks to meet Alpha
    await beta.press("Ask member 1")
    await harness.deliver()
    request_to_beta = beta.find_button("Agree")[0]
    await alpha.press("Block this person")  # Alpha blocks Beta on Beta's request
    await alpha.press("Yes, block her")
    answer = await beta.press_data(
        next(b for b in request_to_beta.buttons() if b["text"] == "Agree")["callback_data"],
        request_to_beta)
    assert answer is not None and answer["text"] == "This request is no longer open."
    await harness.deliver()
    assert not any("@alpha" in (m.text or "") for m in beta.bot_messages)


async def test_places_stay_put_when_someone_leaves(harness: BotHarness) -> None:
    requester = await seed_member(harness, 881, "KZ", name="Asker")
    fits = [await seed_member(harness, 882 + n, "TJ", name=f"Fit {n}",
                              expertise=("border_management",)) for n in range(3)]
    await ask_to_meet(harness, requester)
    offered = requester.last
    names = [line.split(". ", 1)[1] for line in (offered.text or "").split("\n")
             if line[:2] in ("1.", "2.", "3.")]
    second = next(f for f in fits if f"Fit {fits.index(f)}" == names[1])
    await second.send("/delete_me")
    await second.press("Yes, delete everything")
    await requester.press("Ask member 2", offered)
    assert requester.last_text.startswith("⚠️ She can no longer be asked. Please choose another.")
    await requester.press("Ask member 3")
    await harness.deliver()
    third = next(f for f in fits if f"Fit {fits.index(f)}" == names[2])
    assert "Agree" in third.last.button_labels()
