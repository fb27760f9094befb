"""End-to-end: what the trial of invitations found, fixed — a link never lost to a failed
edit, an applicant under review taken in by an invitation, the creator's powers checked on
opening as on sending, double taps answered once, and small wording."""

from __future__ import annotations

import asyncio
import re

from bot.callbacks import IntroCb, InviteAction, InviteCb
from bot.clock import to_db
from bot.services.invites import hash_code
from tests.emulator.server import Fault
from tests.flows import fill_profile, onboard, ref_label, seed_member, start_and_accept, t
from tests.harness import ADMIN_ID, BotHarness
from tests.test_e2e_chats import KZ_CHAT, bind
from tests.test_e2e_invitations_ux import create_code, days_label

LINK = re.compile(r"\?start=([A-Za-z0-9_-]+)")


async def stored_hashes(harness: BotHarness) -> list[str]:
    return [row[0] for row in await harness.db.fetch_all("SELECT code_hash FROM invite_codes")]


# ---- 1. a 502 on the edit that shows the link ---------------------------------------------

async def test_a_502_on_the_edit_sends_the_link_as_a_new_message(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    await coordinator.send("/invite")
    question = coordinator.last
    await coordinator.press("5", question)
    harness.emu.faults.append(Fault(error="html", method="editMessageText", times=1))
    coordinator.new_messages()
    await coordinator.press(days_label(harness, "ru", 7), question)
    fresh = coordinator.new_messages()
    shown = [m for m in fresh if LINK.search(m.text or "")]
    assert len(shown) == 1, [m.text for m in fresh]
    code = LINK.search(shown[0].text or "").group(1)  # type: ignore[union-attr]
    assert await stored_hashes(harness) == [hash_code(code)]  # the link shown is the one made
    assert shown[0].button_labels() == [t(harness, "ru", "Share")]
    assert question.buttons() == []  # the old question keeps no buttons that do nothing
    # Nothing kept any more: a tap on the old question (replayed) is a stale popup.
    days = InviteCb(action=InviteAction.DAYS, value="7").pack()
    answer = await coordinator.press_data(days, question)
    assert answer is not None and answer["text"] == t(harness, "ru",
                                                      "This button is no longer valid.")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes") == 1


async def test_when_telegram_fails_twice_the_next_tap_shows_the_same_link(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    await coordinator.send("/invite")
    question = coordinator.last
    await coordinator.press("1", question)
    harness.emu.faults.append(Fault(error="html", method="editMessageText", times=1))
    harness.emu.faults.append(Fault(error=502, method="sendMessage", times=1))
    await coordinator.press(days_label(harness, "ky", 7), question)
    assert not any(LINK.search(text) for text in coordinator.all_texts())  # not seen yet
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes") == 1
    await coordinator.press(days_label(harness, "ky", 7), question)  # she taps again
    match = LINK.search(question.text or "")
    assert match, question.text
    assert await stored_hashes(harness) == [hash_code(match.group(1))]
    assert question.button_labels() == [t(harness, "ky", "Share")]


async def test_invites_shows_a_link_telegram_failed_to_show(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="kk")
    await coordinator.send("/invite")
    question = coordinator.last
    await coordinator.press("5", question)
    harness.emu.faults.append(Fault(error="html", method="editMessageText", times=1))
    harness.emu.faults.append(Fault(error="html", method="sendMessage", times=1))
    await coordinator.press(days_label(harness, "kk", 30), question)
    coordinator.new_messages()
    await coordinator.send("/invites")
    fresh = coordinator.new_messages()
    assert len(fresh) == 2, [m.text for m in fresh]  # the link, then the list
    match = LINK.search(fresh[0].text or "")
    assert match and await stored_hashes(harness) == [hash_code(match.group(1))]
    await coordinator.send("/invites")  # shown once: now only the list
    assert not LINK.search(coordinator.last_text)


# ---- 2. an applicant already under review ---------------------------------------------------

async def test_an_invitation_admits_an_applicant_under_review(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    applicant = harness.user(1001, "Aigul", language_code="ru")
    await onboard(harness, applicant, "ru", country="KG")
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    code = await create_code(harness, coordinator, "ky")
    applicant.new_messages()
    await applicant.send(f"/start {code}")
    fresh = applicant.new_messages()
    assert [m.text for m in fresh] == [t(
        harness, "ru", "Welcome to the association! Your invitation confirmed your membership. "
        "/help shows what you can do now.")]
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "approved"
    assert await harness.db.fetch_value("SELECT used_count FROM invite_codes") == 1
    await harness.deliver()
    assert "Aigul Bekova" in coordinator.last_text  # told her invitation was used


async def test_an_invitation_for_another_country_says_why_in_one_message(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="kk")
    applicant = harness.user(1001, "Aigul", language_code="en")
    await onboard(harness, applicant, "en", country="KG")
    code = await create_code(harness, coordinator, "kk")
    applicant.new_messages()
    await applicant.send(f"/start {code}")
    fresh = applicant.new_messages()
    assert [m.text for m in fresh] == [
        "This invitation is for Kazakhstan, but your application is for another country, "
        "so your coordinator will review it as before."]
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    assert await harness.db.fetch_value("SELECT used_count FROM invite_codes") == 0


# ---- 3. the creator's powers, checked on opening ------------------------------------------

async def test_a_suspended_coordinators_invitation_says_so_on_opening(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    code = await create_code(harness, coordinator, "ky", uses="5")
    await harness.db.execute("UPDATE profiles SET status = 'suspended' WHERE user_id = 500")
    applicant = harness.user(1001, "U", language_code="ky")
    await start_and_accept(harness, applicant, "ky", start=f"/start {code}")
    gone = t(harness, "ky", "The person who made this invitation can no longer admit members; "
             "your coordinator will review your application.")
    texts = applicant.all_texts()
    assert gone in texts
    assert t(harness, "ky", "Your invitation is valid: once your profile is complete, you are "
             "a member right away.") not in texts
    await fill_profile(harness, applicant, "ky", country="KG")
    applicant.new_messages()
    await applicant.press(t(harness, "ky", "Send application"))
    fresh = [m.text for m in applicant.new_messages()]
    assert len(fresh) == 1, fresh  # only "under review": no second, untrue reason
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "pending"
    assert await harness.db.fetch_value("SELECT used_count FROM invite_codes") == 0


async def test_a_dismissed_coordinators_link_gives_the_real_reason(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    code = await create_code(harness, coordinator, "ru")
    # what dismissal does: she is no longer appointed, her invitations are withdrawn
    await harness.db.execute("DELETE FROM coordinators WHERE user_id = 500")
    await harness.db.execute("UPDATE invite_codes SET revoked_at = ?",
                             (to_db(harness.clock.now()),))
    applicant = harness.user(1001, "U", language_code="ru")
    await applicant.send(f"/start {code}")
    assert applicant.all_texts()[0] == t(
        harness, "ru", "The person who made this invitation can no longer admit members; "
        "your coordinator will review your application.")


# ---- 4. a double tap on "Yes, withdraw" ---------------------------------------------------

async def test_a_double_tap_on_withdraw_keeps_the_confirmation_line(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="kk")
    code = await create_code(harness, coordinator, "kk", uses="5")
    await coordinator.send("/invites")
    listing = coordinator.last
    await coordinator.press(t(harness, "kk", "Withdraw {hint}…", hint=code[:4]), listing)
    _message, yes = coordinator.find_button(t(harness, "kk", "Yes, withdraw"), listing)
    answers = await asyncio.gather(coordinator.press_data(yes["callback_data"], listing),
                                   coordinator.press_data(yes["callback_data"], listing))
    texts = sorted(a["text"] for a in answers if a)
    assert texts == sorted([t(harness, "kk", "Invitation withdrawn."),
                            t(harness, "kk", "This has already been handled.")])
    assert (listing.text or "").startswith(t(
        harness, "kk", "✓ The invitation starting with {hint}… is withdrawn.", hint=code[:4]))
    assert t(harness, "kk", "This has already been handled.") not in (listing.text or "")
    assert await harness.db.fetch_value(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'revoke_invitation' "
        "AND outcome = 'done'") == 1


# ---- 6. the used notice ends with one ellipsis --------------------------------------------

async def test_the_used_notice_has_no_period_after_the_ellipsis(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="en")
    code = await create_code(harness, coordinator, "en", uses="5")
    applicant = harness.user(1001, "U", language_code="en")
    await start_and_accept(harness, applicant, "en", start=f"/start {code}")
    await fill_profile(harness, applicant, "en", country=None)
    await applicant.press("Send application")
    await harness.deliver()
    notice = coordinator.last_text
    assert f"starting with {code[:4]}…\n" in notice, notice
    assert "…." not in notice


# ---- 4. double taps on /chats and on 🤝 Ask to meet ------------------------------------------

async def test_a_double_tap_on_a_chat_button_sends_one_link(harness: BotHarness) -> None:
    admin = await seed_member(harness, ADMIN_ID, "KZ")
    await bind(harness, admin, KZ_CHAT, "Kazakhstan border officers association", "Kazakhstan")
    member = await seed_member(harness, 601, "KZ", locale="ru")
    await member.send("/chats")
    listing = member.last
    # 6. the button is the chat's title, shortened; which chat it is, is in the text
    assert listing.button_labels() == ["Kazakhstan border officer…"]
    assert all(len(label) <= 30 for label in listing.button_labels())
    assert "• Kazakhstan border officers association — " + t(
        harness, "ru", "chat of {country}", country=ref_label(harness, "country", "KZ", "ru")) \
        in (listing.text or "")
    data = listing.buttons()[0]["callback_data"]
    member.new_messages()
    answers = await asyncio.gather(member.press_data(data, listing),
                                   member.press_data(data, listing))
    links = [m for m in member.new_messages() if m.buttons() and m.buttons()[0].get("url")]
    assert len(links) == 1, [m.text for m in links]
    popups = [a["text"] for a in answers if a and a.get("text")]
    assert popups == [t(harness, "ru", "Your personal link for this chat was sent below. For a "
                        "new one, send /chats again.")]
    assert len(harness.emu.chats[KZ_CHAT].invite_links) == 1


async def test_a_double_tap_on_ask_to_meet_asks_once(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 601, "KZ", locale="kk", name="Viewer")
    await seed_member(harness, 602, "UZ", locale="uz", name="Target Member")
    await viewer.send("/members")
    await viewer.press(t(harness, "kk", "Search"))
    page = viewer.last
    meet = next(b for b in page.buttons() if b["text"].startswith("🤝"))
    viewer.new_messages()
    answers = await asyncio.gather(viewer.press_data(meet["callback_data"], page),
                                   viewer.press_data(meet["callback_data"], page))
    prompts = viewer.new_messages()
    assert len(prompts) == 1, [m.text for m in prompts]
    assert [a["text"] for a in answers if a and a.get("text")] == [
        t(harness, "kk", "This has already been handled.")]
    await viewer.send("We both work on border cooperation")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM intro_requests") == 1


# ---- 5. one live /members panel -----------------------------------------------------------

async def test_a_new_members_panel_retires_the_older_one(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 601, "KZ", locale="ru")
    await seed_member(harness, 602, "KG", name="Kyrgyz Colleague")
    await viewer.send("/members")
    older = viewer.last
    await viewer.send("/members")
    panel = viewer.last
    assert older.buttons() == []  # the older panel's keyboard is gone
    search = t(harness, "ru", "Search")
    answer = await viewer.press_data(next(
        b["callback_data"] for b in panel.buttons() if b["text"] == search), older)
    assert answer is not None and answer["text"] == t(
        harness, "ru", "This button is from an earlier message.")
    before = len(viewer.bot_messages)
    await viewer.press(search, panel)
    assert len(viewer.bot_messages) == before  # results in the same message
    assert "Kyrgyz Colleague" in (panel.text or "")
    await viewer.press(t(harness, "ru", "« Back"), panel)
    assert t(harness, "ru", "Choose filters, then press Search.") in (panel.text or "")


# ---- 6. a stranger's press; long filter options --------------------------------------------

async def test_a_stranger_pressing_an_introduction_button_hears_it_is_not_hers(
        harness: BotHarness) -> None:
    await seed_member(harness, 601, "KZ", locale="uz")
    applicant = await seed_member(harness, 863, "KZ", status="pending", locale="uz")
    await applicant.send("/help")
    for data in (IntroCb(action="agree", intro_id=1).pack(),
                 IntroCb(action="ask", value="1", intro_id=1).pack()):
        answer = await applicant.press_data(data, applicant.last)
        assert answer is not None and answer["text"] == t(
            harness, "uz", "This button is not meant for you."), data


async def test_long_filter_options_each_have_a_row(harness: BotHarness) -> None:
    viewer = await seed_member(harness, 601, "KZ", locale="ru")
    await viewer.send("/members")
    for field in ("Agency", "Expertise"):
        await viewer.press(t(harness, "ru", field))
        markup = viewer.last.reply_markup["inline_keyboard"]  # type: ignore[index]
        assert len(markup) > 2 and all(len(row) == 1 for row in markup), field
        await viewer.press(t(harness, "ru", "any"))
