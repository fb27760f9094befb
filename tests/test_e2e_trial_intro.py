"""End-to-end: an independent trial of /introduce and /coffee (issue 13) — members in their own
languages on a phone, and an attacker: suspension and erasure mid-flow, double taps, forged
and foreign buttons, HTML and overlong texts, a restart mid-dialog, the clock across
deadlines and rounds. One test per thing a member expects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


from tests.emulator.server import UserHandle
from tests.flows import seed_member, t
from tests.harness import BotHarness
from tests.test_e2e_intro_coffee_issue13 import ROUND, join_coffee, to_round
from tests.test_e2e_introductions import ask_to_meet


async def suspend(harness: BotHarness, user_id: int) -> None:
    await harness.db.execute("UPDATE profiles SET status = 'suspended' WHERE user_id = ?",
                             (user_id,))


async def kyrgyz_at_the_notice(harness: BotHarness, user_id: int) -> UserHandle:
    """A Kyrgyz member and an Uzbek one in the rounds; the clock at the day-before notice."""
    member = await seed_member(harness, user_id, "KG", locale="ky", name="Aizada")
    other = await seed_member(harness, user_id + 1, "UZ", locale="uz", name="Dilnoza")
    await join_coffee(harness, (member, "ky"), (other, "uz"))
    harness.clock.advance(ROUND - timedelta(days=1) - harness.clock.now())
    await harness.tick()
    await harness.deliver()
    return member


async def ask_the_first(harness: BotHarness, asker: UserHandle, **request: Any) -> None:
    """She searches, asks the first member offered, and the request is delivered."""
    await ask_to_meet(harness, asker, **request)
    await asker.press(t(harness, request.get("locale", "en"), "Ask member {number}", number=1))
    await harness.deliver()


# ---- introductions ---------------------------------------------------------------------------

async def test_a_member_suspended_mid_request_sees_nobody_s_card(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2101, "KG", locale="ky", name="Aizada")
    await seed_member(harness, 2102, "TJ", locale="tg", name="Nigora Secret",
                      expertise=("border_management",))
    await asker.send("/introduce")
    await asker.press(t(harness, "ky", "Ask to meet someone"))
    for _ in range(3):
        await asker.press(t(harness, "ky", "any"))
    await suspend(harness, 2101)
    await asker.send("We plan a joint training")
    assert "Nigora Secret" not in asker.last_text
    assert not any("Nigora Secret" in (m.text or "") for m in asker.bot_messages)


async def test_double_tap_on_agree_sends_contacts_once(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2111, "UZ", locale="uz", name="Dilnoza",
                              username="dilnoza")
    target = await seed_member(harness, 2112, "TJ", locale="ru", name="Nigora",
                               username="nigora", expertise=("border_management",))
    await ask_the_first(harness, asker, locale="uz")
    request, agree = target.find_button(t(harness, "ru", "Agree"))
    await target.press_data(agree["callback_data"], request)
    second = await target.press_data(agree["callback_data"], request)
    assert second is not None and second["text"]
    await harness.deliver()
    assert sum("@nigora" in (m.text or "") for m in asker.bot_messages) == 1
    assert sum("@dilnoza" in (m.text or "") for m in target.bot_messages) == 1


async def test_someone_else_s_agree_button_is_refused(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2121, "KZ", name="Asel", username="asel")
    target = await seed_member(harness, 2122, "TJ", name="Nigora", username="nigora",
                               expertise=("border_management",))
    thief = await seed_member(harness, 2123, "KG", name="Thief", username="thief")
    await ask_the_first(harness, asker)
    request, agree = target.find_button("Agree")
    await thief.send("/start")
    answer = await thief.press_data(agree["callback_data"], thief.last)
    assert answer is not None and answer["text"]
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "asked"
    assert not any("@asel" in (m.text or "") for m in thief.bot_messages)


async def test_a_suspended_member_can_t_agree_to_a_request(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2131, "KZ", name="Asel", username="asel")
    target = await seed_member(harness, 2132, "TJ", name="Nigora", username="nigora",
                               expertise=("border_management",))
    await ask_the_first(harness, asker)
    await suspend(harness, 2132)
    await target.press("Agree")
    await harness.deliver()
    assert not any("@asel" in (m.text or "") for m in target.bot_messages)
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "asked"


async def test_html_in_the_reason_is_shown_as_typed_everywhere(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2141, "TM", locale="tk", name="Maral <b>",
                              username="maral", languages=("tk", "ru"))
    target = await seed_member(harness, 2142, "KG", locale="ky", name="Aizada & Co",
                               username="aizada", languages=("ky", "ru"),
                               expertise=("border_management",))
    reason = "<script>x</script> & <i>training</i>"
    await ask_the_first(harness, asker, country="KG", language=None, locale="tk", reason=reason)
    assert reason in target.last_text
    await target.press(t(harness, "ky", "Agree"))
    await harness.deliver()
    opener = next(m for m in asker.bot_messages if "<code>" in (m.html or ""))
    assert reason in (opener.text or "") and "Aizada & Co" in (opener.text or "")
    await asker.send("/introduce")
    await asker.press(t(harness, "tk", "My introductions"))
    assert "Aizada & Co" in asker.last_text


async def test_an_overlong_reason_is_explained_in_the_same_message(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2151, "UZ", locale="uz", name="Dilnoza")
    await seed_member(harness, 2152, "TJ", name="Nigora", expertise=("border_management",))
    await ask_to_meet(harness, asker, locale="uz", reason="x" * 400)
    live = asker.last
    assert "300" in (live.text or "")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 0
    await asker.send("A short reason")
    assert "Nigora" in asker.last_text


async def test_typing_where_a_button_is_expected_asks_for_the_button(
        harness: BotHarness) -> None:
    asker = await seed_member(harness, 2161, "KG", locale="ky", name="Aizada")
    await asker.send("/introduce")
    await asker.press(t(harness, "ky", "Ask to meet someone"))
    await asker.send("Tajikistan")
    assert t(harness, "ky", "Please use the buttons below.") in asker.last_text


async def test_a_restart_mid_dialog_keeps_her_answers(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2171, "TM", locale="tk", name="Maral",
                              languages=("tk", "ru"))
    await seed_member(harness, 2172, "TJ", name="Nigora", expertise=("border_management",))
    await asker.send("/introduce")
    await asker.press(t(harness, "tk", "Ask to meet someone"))
    await asker.press(t(harness, "tk", "any"))
    await harness.restart()
    await asker.press(t(harness, "tk", "any"))
    await asker.press(t(harness, "tk", "any"))
    await asker.send("We plan a joint training")
    assert "Nigora" in asker.last_text


async def test_cancel_mid_flow_makes_old_buttons_stale(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2181, "KZ", locale="ru", name="Asel")
    await seed_member(harness, 2182, "TJ", name="Nigora", expertise=("border_management",))
    await ask_to_meet(harness, asker, locale="ru")
    people, ask = asker.find_button(t(harness, "ru", "Ask member {number}", number=1))
    await asker.send("/cancel")
    answer = await asker.press_data(ask["callback_data"], people)
    assert answer is not None and answer["text"]
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM intro_requests WHERE status = 'asked'") == 0


async def test_the_requester_deleting_her_data_withdraws_her_request(
        harness: BotHarness) -> None:
    asker = await seed_member(harness, 2191, "KZ", locale="ru", name="Asel", username="asel")
    target = await seed_member(harness, 2192, "KG", locale="ky", name="Aizada",
                               expertise=("border_management",))
    await ask_the_first(harness, asker, country="KG", locale="ru")
    assert harness.app is not None
    await harness.app.privacy.delete_member(2191, harness.clock.now())
    await harness.deliver()
    card = target.last
    assert t(harness, "ky", "🤝 This request to meet you was withdrawn. Nothing more is needed "
                            "from you.") == card.text
    assert t(harness, "ky", "Agree") not in card.button_labels()
    assert not any("@asel" in (m.text or "") or "Asel" in (m.text or "")
                   for m in target.bot_messages)


async def test_the_limit_says_the_day_she_may_send_the_next(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2201, "UZ", locale="uz", name="Dilnoza")
    for n in range(6):
        await seed_member(harness, 2210 + n, "TJ", name=f"Fit {n}",
                          expertise=("border_management",))
    for _ in range(5):
        await ask_to_meet(harness, asker, locale="uz")
        await asker.press(t(harness, "uz", "Ask member {number}", number=1))
    await asker.send("/introduce")
    await asker.press(t(harness, "uz", "Ask to meet someone"))
    assert t(harness, "uz", "You have sent {limit} introduction requests in the last 7 days. "
             "You can send the next one on {date}.", limit=5, date="")[:20] in asker.last_text
    harness.clock.advance(days=7, minutes=1)
    await asker.send("/introduce")
    await asker.press(t(harness, "uz", "Ask to meet someone"))
    assert t(harness, "uz", "Step {number} of 4 · {question}", number=1,
             question=t(harness, "uz", "From which country?")) in asker.last_text


async def test_the_sent_window_says_how_to_withdraw(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2221, "KG", locale="en", name="Aizada")
    await seed_member(harness, 2222, "TJ", name="Nigora", expertise=("border_management",))
    await ask_to_meet(harness, asker)
    await asker.press("Ask member 1")
    assert "withdraw" in asker.last_text.lower()


# ---- coffee ----------------------------------------------------------------------------------

async def test_a_suspended_member_is_not_paired_for_coffee(harness: BotHarness) -> None:
    people = [(await seed_member(harness, 2301 + n, c, locale=loc, name=f"C{n}"), loc)
              for n, (c, loc) in enumerate((("KG", "ky"), ("UZ", "uz"), ("TM", "tk")))]
    await join_coffee(harness, *people)
    await suspend(harness, 2303)
    await to_round(harness)
    paired = {r[0] for r in await harness.db.fetch_all("SELECT user_id FROM coffee_members")}
    assert paired == {2301, 2302}
    assert not any("C2" in (m.text or "") for m in people[0][0].bot_messages)


async def test_the_day_before_notice_says_when_the_round_is(harness: BotHarness) -> None:
    from bot.i18n import format_datetime

    member = await kyrgyz_at_the_notice(harness, 2311)
    when = format_datetime(ROUND, "ky", "Asia/Bishkek", weekday=True)
    assert when in member.last_text


async def test_double_tap_on_yes_we_met_answers_once(harness: BotHarness) -> None:
    member = await seed_member(harness, 2321, "KG", locale="ky", name="Aizada")
    other = await seed_member(harness, 2322, "UZ", locale="uz", name="Dilnoza")
    await join_coffee(harness, (member, "ky"), (other, "uz"))
    await to_round(harness)
    harness.clock.advance(days=7)
    await harness.tick()
    await harness.deliver()
    followup, yes = member.find_button(t(harness, "ky", "Yes, we met"))
    await member.press_data(yes["callback_data"], followup)
    second = await member.press_data(yes["callback_data"], followup)
    assert second is not None and second["text"]
    assert followup.text.count(t(harness, "ky", "Wonderful, thank you!")) == 1
    # A stranger with her button is refused.
    stranger = await seed_member(harness, 2323, "TJ", name="Stranger")
    await stranger.send("/start")
    answer = await stranger.press_data(yes["callback_data"], stranger.last)
    assert answer is not None and answer["text"]


async def test_skip_forged_for_another_round_changes_nothing(harness: BotHarness) -> None:
    member = await seed_member(harness, 2331, "KG", locale="en", name="Aizada")
    await member.send("/coffee")
    await member.press("Join coffee rounds")
    for data in ("k1:skip::9999:0", "k1:skip::-1:0", "k1:skip::abc:0"):
        answer = await member.press_data(data, member.last)
        assert answer is not None
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_skips") == 0


async def test_getchat_failing_at_the_round_still_brings_the_partner(
        harness: BotHarness) -> None:
    from tests.emulator.server import Fault
    from tests.test_attacks_delivery import deliver_as_time_passes

    member = await seed_member(harness, 2341, "TM", locale="tk", name="Maral", username="maral",
                               languages=("tk", "ru"))
    other = await seed_member(harness, 2342, "KG", locale="ky", name="Aizada",
                              username="aizada", languages=("ky", "ru"))
    await join_coffee(harness, (member, "tk"), (other, "ky"))
    harness.clock.advance(ROUND - harness.clock.now())
    harness.emu.faults.append(Fault(error="garbage", method="getChat", times=3))
    await harness.tick()
    await harness.deliver()
    await deliver_as_time_passes(harness, timedelta(hours=1))
    assert any("@aizada" in (m.text or "") for m in member.bot_messages)
    assert any("@maral" in (m.text or "") for m in other.bot_messages)


async def test_double_tap_on_ask_member_asks_once(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2231, "KZ", locale="ru", name="Asel")
    target = await seed_member(harness, 2232, "TJ", locale="tg", name="Nigora",
                               expertise=("border_management",))
    await ask_to_meet(harness, asker, locale="ru")
    people, ask = asker.find_button(t(harness, "ru", "Ask member {number}", number=1))
    await asker.press_data(ask["callback_data"], people)
    second = await asker.press_data(ask["callback_data"], people)
    assert second is not None
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 1
    assert sum(t(harness, "tg", "Agree") in m.button_labels() for m in target.bot_messages) == 1


async def test_asking_the_next_one_says_until_when_with_the_hour(harness: BotHarness) -> None:
    from bot.i18n import format_datetime

    asker = await seed_member(harness, 2241, "UZ", locale="uz", name="Dilnoza")
    first = await seed_member(harness, 2242, "TJ", name="First", expertise=("border_management",))
    second = await seed_member(harness, 2243, "TJ", name="Second",
                               expertise=("border_management",))
    await ask_the_first(harness, asker, locale="uz")
    asked = first if first.bot_messages else second
    await asked.press("Not now")
    harness.clock.advance(days=3, minutes=11)
    await harness.tick()
    await harness.deliver()
    next_list, ask = asker.find_button(t(harness, "uz", "Ask member {number}", number=1))
    await asker.press_data(ask["callback_data"], next_list)
    again = await asker.press_data(ask["callback_data"], next_list)
    assert again is not None and again["text"]  # the second tap is refused, said in a popup
    until = format_datetime(harness.clock.now() + timedelta(days=3), "uz", "Asia/Tashkent",
                            weekday=True)
    assert until in (next_list.text or "")
    assert (next_list.text or "").count("✓") == 1


async def test_after_leaving_the_rounds_the_old_notice_does_not_pretend(
        harness: BotHarness) -> None:
    member = await kyrgyz_at_the_notice(harness, 2351)
    notice, skip = member.find_button(t(harness, "ky", "Skip this round"))
    await member.send("/coffee")
    await member.press(t(harness, "ky", "Leave coffee rounds"))
    answer = await member.press_data(skip["callback_data"], notice)
    assert answer is not None and answer["text"]  # she is told she no longer takes part
    assert t(harness, "ky", "✓ You skip this round. See you in the next one!") \
        not in (notice.text or "")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM coffee_skips") == 0


async def test_unblocking_updates_the_list_at_once(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2361, "TM", locale="tk", name="Maral",
                              languages=("tk", "ru"))
    target = await seed_member(harness, 2362, "KG", locale="ky", name="Aizada",
                               languages=("ky", "ru"), expertise=("border_management",))
    await ask_the_first(harness, asker, country="KG", language=None, locale="tk")
    await target.press(t(harness, "ky", "Block this person"))
    await target.press(t(harness, "ky", "Yes, block her"))
    await target.send("/introduce")
    await target.press(t(harness, "ky", "Blocked people"))
    assert "1." in target.last_text
    await target.press(t(harness, "ky", "Unblock {number}", number=1))
    assert t(harness, "ky", "You have blocked nobody.") in target.last_text
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 0


async def test_a_request_to_her_can_be_answered_from_my_introductions(
        harness: BotHarness) -> None:
    asker = await seed_member(harness, 2371, "UZ", locale="uz", name="Dilnoza",
                              username="dilnoza")
    target = await seed_member(harness, 2372, "KG", locale="ky", name="Aizada",
                               username="aizada", expertise=("border_management",))
    await ask_the_first(harness, asker, country="KG", locale="uz")
    card = target.last
    await target.send("/introduce")
    await target.press(t(harness, "ky", "My introductions"))
    labels = target.last.button_labels()
    assert t(harness, "ky", "Agree") in labels or any("1" in label for label in labels
                                                       if label != t(harness, "ky", "« Back"))
    # The button opens her request, and answering it there is the card's answer.
    await target.press(t(harness, "ky", "Answer {number}", number=1))
    assert "We plan a joint <training> on border posts" in target.last_text
    assert not any("@dilnoza" in (m.text or "") for m in target.bot_messages)
    await target.press(t(harness, "ky", "Agree"))
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "accepted"
    assert any("@aizada" in (m.text or "") and m.protect_content for m in asker.bot_messages)
    assert any("@dilnoza" in (m.text or "") and m.protect_content for m in target.bot_messages)
    assert not card.buttons() and (card.text or "").endswith(t(
        harness, "ky", "✓ You agreed. I am sending you both each other's contacts; "
        "/introduce → My introductions shows them again."))


async def scroll_away(user: UserHandle, times: int = 12) -> None:
    """Her chat moves on: the request's own message is far above."""
    for _ in range(times):
        await user.send("/help")


async def test_declined_from_the_list_after_the_card_scrolled_away(
        harness: BotHarness) -> None:
    from bot.i18n import format_datetime

    asker = await seed_member(harness, 2381, "TJ", locale="tg", name="Nigora",
                              username="nigora")
    target = await seed_member(harness, 2382, "KZ", locale="ru", name="Asel", username="asel",
                               expertise=("border_management",))
    await ask_the_first(harness, asker, country="KZ", locale="tg")
    card, agree = target.find_button(t(harness, "ru", "Agree"))
    await scroll_away(target)
    await target.send("/introduce")
    assert t(harness, "ru", "Requests waiting for your answer: {count}. My introductions "
             "shows them.", count=1) in target.last_text
    await target.press(t(harness, "ru", "My introductions"))
    until = format_datetime(harness.clock.now() + timedelta(days=3), "ru", "Asia/Almaty",
                            weekday=True)
    assert t(harness, "ru", "{number}. ✉️ {name} asks to meet you: please answer by {until}.",
             number=1, name="Nigora", until=until) in target.last_text
    await target.press(t(harness, "ru", "Answer {number}", number=1))
    live, decline = target.find_button(t(harness, "ru", "Not now"))
    answer = await target.press_data(decline["callback_data"], live)
    assert answer is not None and answer["text"] == t(
        harness, "ru", "Thank you for answering. She will not be told that you declined.")
    again = await target.press_data(decline["callback_data"], live)  # a double tap
    assert again is not None and again["text"] == t(
        harness, "ru", "This button is from an earlier message.")
    # The list no longer shows it; the card above no longer takes an answer.
    assert "Nigora" not in target.last_text
    assert t(harness, "ru", "Answer {number}", number=1) not in target.last.button_labels()
    assert t(harness, "ru", "No introductions yet.") in target.last_text
    await target.press(t(harness, "ru", "« Back"))
    assert t(harness, "ru", "My introductions") in target.last.button_labels()
    assert t(harness, "ru", "Requests waiting for your answer: {count}. My introductions "
             "shows them.", count=1) not in target.last_text
    late = await target.press_data(agree["callback_data"], card)
    assert late is not None and late["text"] == t(harness, "ru",
                                                  "This request is no longer open.")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "declined"
    # …and is edited to say what she answered, without its buttons.
    assert (card.text or "").endswith(t(harness, "ru", "Thank you for answering. She will "
                                                      "not be told that you declined."))
    assert "Nigora" in (card.text or "") and not card.buttons()
    assert not any("@asel" in (m.text or "") for m in asker.bot_messages)
    assert not any("@nigora" in (m.text or "") for m in target.bot_messages)
    # Hers still shows it waiting, with its deadline (a refusal is not news).
    await asker.send("/introduce")
    await asker.press(t(harness, "tg", "My introductions"))
    assert format_datetime(harness.clock.now() + timedelta(days=3), "tg", "Asia/Dushanbe",
                           weekday=True) in asker.last_text
    assert t(harness, "tg", "Withdraw {number}", number=1) in asker.last.button_labels()


async def test_agreed_from_the_list_twice_sends_contacts_once(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2391, "KG", locale="ky", name="Aizada",
                              username="aizada")
    target = await seed_member(harness, 2392, "UZ", locale="uz", name="Dilnoza",
                               username="dilnoza", expertise=("border_management",))
    await ask_the_first(harness, asker, country="UZ", locale="ky")
    await scroll_away(target)
    await target.send("/introduce")
    await target.press(t(harness, "uz", "My introductions"))
    await target.press(t(harness, "uz", "Answer {number}", number=1))
    live, agree = target.find_button(t(harness, "uz", "Agree"))
    await target.press_data(agree["callback_data"], live)
    second = await target.press_data(agree["callback_data"], live)
    assert second is not None and second["text"]
    await harness.deliver()
    assert sum("@dilnoza" in (m.text or "") for m in asker.bot_messages) == 1
    assert sum("@aizada" in (m.text or "") for m in target.bot_messages) == 1
    assert t(harness, "uz", "Contact {number}", number=1) in live.button_labels()


async def test_blocking_from_the_list_asks_first(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2401, "KZ", locale="kk", name="Aigerim")
    target = await seed_member(harness, 2402, "TJ", locale="en", name="Nigora",
                               expertise=("border_management",))
    await ask_the_first(harness, asker, locale="kk")
    await scroll_away(target)
    await target.send("/introduce")
    await target.press("My introductions")
    await target.press("Answer 1")
    await target.press("Block this person")
    assert "Block her? She is not told." in target.last_text
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 0
    await target.press("« Back")  # changed her mind: the request again
    assert "Agree" in target.last.button_labels()
    await target.press("Block this person")
    await target.press("Yes, block her")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 1
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "declined"
    assert "Aigerim" not in target.last_text and "Answer 1" not in target.last.button_labels()
    await harness.deliver()
    card = next(m for m in target.bot_messages if "Aigerim" in (m.text or ""))
    assert not card.buttons() and (card.text or "").endswith(
        "/introduce → Blocked people can undo it.")


async def test_a_stranger_forging_the_open_or_answer_button_is_refused(
        harness: BotHarness) -> None:
    asker = await seed_member(harness, 2411, "TM", locale="tk", name="Maral",
                              username="maral", languages=("tk", "ru"))
    target = await seed_member(harness, 2412, "KG", locale="ky", name="Aizada",
                               username="aizada", languages=("ky", "ru"),
                               expertise=("border_management",))
    stranger = await seed_member(harness, 2413, "KZ", locale="ru", name="Stranger",
                                 username="stranger")
    await ask_the_first(harness, asker, country="KG", language=None, locale="tk")
    await target.send("/introduce")
    await target.press(t(harness, "ky", "My introductions"))
    mine, open_it = target.find_button(t(harness, "ky", "Answer {number}", number=1))
    await target.press_data(open_it["callback_data"], mine)
    _card, agree = target.find_button(t(harness, "ky", "Agree"))
    # Her buttons, pressed by someone else (on her message, or on the stranger's own).
    await stranger.send("/introduce")
    await stranger.press(t(harness, "ru", "My introductions"))
    own = stranger.last
    for data in (open_it["callback_data"], agree["callback_data"]):
        for message in (mine, own):
            answer = await stranger.press_data(data, message)
            assert answer is not None and answer["text"]
    # The same buttons forged for the stranger's own list: she has no request to answer.
    intent = own.buttons()[0]["callback_data"].split("\x1d")[0]
    for forged in ("answer:1", "answer:0", "answer:x", "agree", "decline", "block_yes"):
        answer = await stranger.press_data(f"{intent}\x1d{forged}", own)
        assert answer is not None and answer["text"] == t(
            harness, "ru", "This button is from an earlier message.")
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "asked"
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM member_blocks") == 0
    assert not any("@maral" in (m.text or "") or "@aizada" in (m.text or "")
                   for m in stranger.bot_messages)
    # Hers still works.
    await target.press(t(harness, "ky", "Agree"))
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "accepted"


async def test_a_suspended_member_can_t_agree_from_the_list(harness: BotHarness) -> None:
    asker = await seed_member(harness, 2421, "UZ", locale="uz", name="Dilnoza",
                              username="dilnoza")
    target = await seed_member(harness, 2422, "TJ", locale="tg", name="Nigora",
                               username="nigora", expertise=("border_management",))
    await ask_the_first(harness, asker, locale="uz")
    await target.send("/introduce")
    await target.press(t(harness, "tg", "My introductions"))
    await target.press(t(harness, "tg", "Answer {number}", number=1))
    await suspend(harness, 2422)
    answer = await target.press(t(harness, "tg", "Agree"))
    assert answer is not None and answer["text"]
    await harness.deliver()
    assert await harness.db.fetch_value("SELECT status FROM intro_requests") == "asked"
    assert not any("@dilnoza" in (m.text or "") for m in target.bot_messages)
