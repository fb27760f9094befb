"""End-to-end: invitations as a coordinator reads them — validity in her zone, Share, the
list with states, a confirmed withdrawal, a notice when one is used, and an invitation for
someone who had started on her own."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from aiogram.utils.i18n import ngettext

from bot.i18n import use_locale
from tests.emulator.server import UserHandle
from tests.flows import fill_profile, nt, ref_label, seed_member, start_and_accept, t
from tests.harness import BotHarness


def days_label(harness: BotHarness, locale: str, days: int) -> str:
    assert harness.app is not None
    with use_locale(harness.app.i18n, locale):
        return ngettext("{days} day", "{days} days", days).format(days=days)


async def create_code(harness: BotHarness, coordinator: UserHandle, locale: str,
                      uses: str = "1", days: int = 7) -> str:
    await coordinator.send("/invite")
    await coordinator.press(uses)
    await coordinator.press(days_label(harness, locale, days))
    match = re.search(r"\?start=([A-Za-z0-9_-]+)", coordinator.last_text)
    assert match, coordinator.last_text
    return match.group(1)


async def test_validity_is_a_date_and_time_in_her_zone_with_a_share_button(
        harness: BotHarness) -> None:
    harness.clock.set(datetime(2026, 12, 1, 20, 4, tzinfo=UTC))  # expires 20:04 UTC, 8 Dec
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="ru")
    code = await create_code(harness, coordinator, "ru")
    shown = coordinator.last
    # 20:04 UTC on 8 Dec is 01:04 on 9 Dec in Almaty (UTC+5): that date, with the time and
    # the city in Russian, and no double dot after "г.".
    assert t(harness, "ru", "Valid until {until}", until="9 дек. 2026, 01:04 (Алматы)") \
        in (shown.text or "")
    assert "г.." not in (shown.text or "")
    assert shown.edits == 2  # one message for the whole flow: questions edited in place
    share = shown.buttons()[0]
    assert share["text"] == t(harness, "ru", "Share")
    url = urlparse(share["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "t.me", "/share/url")
    query = parse_qs(url.query)
    assert query["url"] == [f"https://t.me/association_test_bot?start={code}"]
    assert query["text"][0]
    # The emulator checked the button against the Bot API schema (see conftest).
    assert harness.emu.violations == []
    # The flow's earlier buttons are stale now: a popup, and nothing changes.
    text_before = shown.text
    for data in ("i1:uses:5:0", "i1:days:30:0"):
        answer = await coordinator.press_data(data, shown)
        assert answer is not None and answer["text"] == t(harness, "ru",
                                                          "This button is no longer valid.")
    assert shown.text == text_before
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes") == 1


async def test_the_list_shows_each_state_and_withdrawing_asks_first(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    used = await create_code(harness, coordinator, "uz")
    expiring = await create_code(harness, coordinator, "uz", uses="5")
    withdrawn = await create_code(harness, coordinator, "uz", uses="5", days=30)
    active = await create_code(harness, coordinator, "uz", uses="20", days=90)
    await onboard_with(harness, harness.user(1001, "A"), used, "uz")
    await coordinator.send("/invites")
    await coordinator.press(f"{t(harness, 'uz', 'Withdraw {hint}…', hint=withdrawn[:4])}")
    question = coordinator.last_text
    assert question == nt(
        harness, "uz", "Withdraw the invitation starting with {hint}…? Nobody will be able to "
        "join with it any more ({left} use left).", "Withdraw the invitation starting with "
        "{hint}…? Nobody will be able to join with it any more ({left} uses left).", 5,
        hint=withdrawn[:4], left=5)
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes "
                                        "WHERE revoked_at IS NOT NULL") == 0
    await coordinator.press(t(harness, "uz", "Keep it"))
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes "
                                        "WHERE revoked_at IS NOT NULL") == 0
    await coordinator.press(t(harness, "uz", "Withdraw {hint}…", hint=withdrawn[:4]))
    await coordinator.press(t(harness, "uz", "Yes, withdraw"))
    assert await harness.db.fetch_value(
        "SELECT hint FROM invite_codes WHERE revoked_at IS NOT NULL") == withdrawn[:4]
    harness.clock.advance(days=8)
    await coordinator.send("/invites")
    listing = coordinator.last_text
    states = {hint: line for hint, line in re.findall(r"(\S{4})… · [^\n]*· ([^\n]+)", listing)}
    assert states == {used[:4]: t(harness, "uz", "used up"),
                      expiring[:4]: t(harness, "uz", "expired"),
                      withdrawn[:4]: t(harness, "uz", "withdrawn"),
                      active[:4]: t(harness, "uz", "still valid")}, listing
    assert "#" not in listing
    # Only the one still valid can be withdrawn.
    assert coordinator.last.button_labels() == [
        t(harness, "uz", "Withdraw {hint}…", hint=active[:4])]
    # A second press of the confirmation (a double tap) changes nothing.
    await coordinator.press(t(harness, "uz", "Withdraw {hint}…", hint=active[:4]))
    _message, yes = coordinator.find_button(t(harness, "uz", "Yes, withdraw"))
    await coordinator.press(t(harness, "uz", "Yes, withdraw"))
    before = await harness.db.fetch_value("SELECT COUNT(*) FROM audit_log")
    answer = await coordinator.press_data(yes["callback_data"])
    assert answer is not None and answer["text"] == t(harness, "uz",
                                                      "This has already been handled.")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM audit_log") == before


async def onboard_with(harness: BotHarness, user: UserHandle, code: str, locale: str) -> None:
    await start_and_accept(harness, user, locale, start=f"/start {code}")
    await fill_profile(harness, user, locale, country=None, language="uz")
    await user.press(t(harness, locale, "Send application"))


async def test_the_coordinator_is_told_who_joined_and_how_many_uses_are_left(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="kk")
    code = await create_code(harness, coordinator, "kk", uses="5")
    user = harness.user(1001, "A")
    await start_and_accept(harness, user, "kk", start=f"/start {code}")
    await fill_profile(harness, user, "kk", country=None, name="Aigerim <b>Bold</b>")
    await user.press(t(harness, "kk", "Send application"))
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "approved"
    await harness.deliver()
    notice = coordinator.last
    assert notice.text == (
        t(harness, "kk", "✓ {name} ({country}) joined the association with your invitation "
          "starting with {hint}…", name="Aigerim <b>Bold</b>",
          country=ref_label(harness, "country", "KZ", "kk"), hint=code[:4])
        + "\n" + nt(harness, "kk", "It can be used {left} more time.",
                     "It can be used {left} more times.", 4, left=4))
    assert "<b>Bold</b>" in (notice.html or "").replace("&lt;", "<").replace("&gt;", ">")
    assert "&lt;b&gt;" in (notice.html or "")  # her name is escaped, not markup


async def test_an_invitation_works_for_someone_who_had_started_on_her_own(
        harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "UZ", coordinator=True, locale="uz")
    code = await create_code(harness, coordinator, "uz")
    user = harness.user(1001, "Dilnoza", language_code="kk")
    await start_and_accept(harness, user, "kk")  # on her own: a draft profile
    await user.send("Dilnoza Karimova")
    await user.press(ref_label(harness, "country", "KG", "kk"))
    assert await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 1001") == "draft"
    await user.send(f"/start {code}")  # then a colleague's invitation arrives
    texts = user.all_texts()
    assert t(harness, "kk", "Your invitation is valid: once your profile is complete, you are "
                            "a member right away.") in texts
    assert not any(t(harness, "kk", "You already have a profile, so the invitation is not "
                                    "needed.") in m for m in texts)
    assert await harness.db.fetch_value(
        "SELECT country_code FROM profiles WHERE user_id = 1001") == "UZ"
    # She goes on where she was and sends it: a member at once, not manual review.
    await user.press(ref_label(harness, "agency", "police", "kk"))
    await user.press(t(harness, "kk", "Leave empty"))
    await user.send("7")
    await user.press(ref_label(harness, "expertise", "cybercrime", "kk"))
    await user.press(t(harness, "kk", "Done"))
    await user.press(ref_label(harness, "language", "uz", "kk"))
    await user.press(t(harness, "kk", "Done"))
    await user.press(t(harness, "kk", "Leave empty"))
    await user.press(t(harness, "kk", "Done"))
    await user.press(t(harness, "kk", "Send application"))
    row = await harness.db.fetch_one(
        "SELECT status, country_code FROM profiles WHERE user_id = 1001")
    assert (row["status"], row["country_code"]) == ("approved", "UZ")
    assert await harness.db.fetch_value("SELECT used_count FROM invite_codes") == 1
    assert not any(m.text and m.text.startswith(t(harness, "uz", "New application"))
                   for m in coordinator.bot_messages)


async def test_typing_at_the_invite_question_points_to_the_buttons(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KZ", coordinator=True, locale="kk")
    await coordinator.send("/invite")
    question = coordinator.last
    await coordinator.send("5")
    assert coordinator.last_text == t(harness, "kk", "Please use the buttons below.")
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes") == 0
    await coordinator.press("5", question)  # the question still works
    await coordinator.press(days_label(harness, "kk", 7), question)
    assert await harness.db.fetch_value("SELECT COUNT(*) FROM invite_codes") == 1
    await coordinator.send("thanks")  # the question is over: not the hint any more
    assert coordinator.last_text != t(harness, "kk", "Please use the buttons below.")
