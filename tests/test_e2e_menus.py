"""End-to-end: her command menu follows her role, status and language (issue 11, item 4)."""

from __future__ import annotations


import logging
import re

import pytest

from bot.callbacks import ReviewAction, ReviewCb
from bot.config import SUPPORTED_LOCALES
from bot.services.menus import Role, Tier, command_names, commands_for, tier_of
from bot.services.roles import Actor
from handlers.common import help_text
from tests.emulator.server import Fault
from tests.flows import card_press, fill_profile, seed_member, t
from tests.harness import ADMIN_ID, BotHarness

BASIC = ["start", "profile", "language", "help", "mydata", "delete_me", "cancel"]
MEMBER = ["start", "profile", "members", "chats", "events", "mentorship", "introduce", "coffee",
          "digest", "language", "help", "mydata", "delete_me", "cancel"]
STAFF = ["pending", "invite", "invites", "announce", "newevent", "post"]
COORDINATOR = MEMBER[:9] + STAFF + MEMBER[9:]
ADMIN = MEMBER[:9] + STAFF + ["coordinators", "audit", "channels"] + MEMBER[9:]


def chat_menu_calls(harness: BotHarness, user_id: int) -> list[str]:
    """setMyCommands / deleteMyCommands the bot made for her chat."""
    return [method for method, params in harness.emu.requests
            if method in ("setMyCommands", "deleteMyCommands")
            and f'"chat_id":{user_id}' in params.get("scope", "").replace(" ", "")]


async def test_her_menu_follows_her_role_and_language(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ru")
    admin = await seed_member(harness, ADMIN_ID, "KZ", locale="en")
    user = harness.user(1001, "Aigul", language_code="en")

    # A newcomer sees the basic menu of her Telegram app's language (set for everyone).
    await user.send("/start")
    assert user.menu_commands() == BASIC
    assert dict(user.menu())["start"] == "Begin or continue"
    assert chat_menu_calls(harness, 1001) == []

    # She picks Kazakh: her chat gets the basic menu in Kazakh at once.
    await user.press("Қазақша")
    assert user.menu_commands() == BASIC
    assert dict(user.menu())["start"] == t(harness, "kk", "Begin or continue")
    assert dict(user.menu())["start"] != "Begin or continue"
    assert chat_menu_calls(harness, 1001) == ["setMyCommands"]

    # Applying changes nothing in her menu, and costs no call.
    await user.press(t(harness, "kk", "I agree"))
    await fill_profile(harness, user, "kk")
    await user.press(t(harness, "kk", "Send application"))
    assert user.menu_commands() == BASIC
    assert chat_menu_calls(harness, 1001) == ["setMyCommands"]

    # Approved by her coordinator: the member features, in Kazakh.
    await coordinator.press(t(harness, "ru", "Approve"), coordinator.last)
    assert user.menu_commands() == MEMBER
    assert dict(user.menu())["members"] == t(harness, "kk", "Member directory")
    assert coordinator.menu_commands() == COORDINATOR  # in her own chat, in Russian
    assert dict(coordinator.menu())["start"] == t(harness, "ru", "Begin or continue")

    # Appointed coordinator by the administrator, then dismissed.
    await admin.press_data(card_press(ReviewAction.APPOINT, 1001))
    assert user.menu_commands() == COORDINATOR
    assert admin.menu_commands() == ADMIN
    await admin.press_data(card_press(ReviewAction.DISMISS, 1001))
    assert user.menu_commands() == MEMBER
    assert chat_menu_calls(harness, 1001) == ["setMyCommands"] * 4

    # /language ru: the same menu, now in Russian.
    await user.send("/language")
    await user.press("Русский")
    assert user.menu_commands() == MEMBER
    assert dict(user.menu())["members"] == t(harness, "ru", "Member directory")
    assert dict(user.menu())["members"] != t(harness, "kk", "Member directory")
    # Nothing changed since: further updates cost no call.
    await user.send("/help")
    await user.send("/members")
    assert chat_menu_calls(harness, 1001) == ["setMyCommands"] * 5

    # She deletes her data: her chat's own menu is removed, the default (basic) shows again.
    await user.send("/delete_me")
    await user.press(t(harness, "ru", "Yes, delete everything"))
    assert chat_menu_calls(harness, 1001)[-1] == "deleteMyCommands"
    assert ("chat:1001", "") not in harness.emu.commands
    assert user.menu_commands() == BASIC
    assert dict(user.menu())["start"] == "Begin or continue"  # her app's language again
    await user.send("/start")
    assert chat_menu_calls(harness, 1001)[-1] == "deleteMyCommands"  # no second call


async def test_suspension_and_reinstatement_follow_on_her_menu(harness: BotHarness) -> None:
    coordinator = await seed_member(harness, 500, "KG", coordinator=True, locale="ky")
    member = await seed_member(harness, 601, "KG", locale="tg")
    await member.send("/help")
    assert member.menu_commands() == MEMBER
    assert dict(member.menu())["members"] == t(harness, "tg", "Member directory")
    await coordinator.send("/help")
    # Suspended with a typed reason (a message, which names no member): at once all the same,
    # from the audit log of the coordinator's update.
    await coordinator.press_data(card_press(ReviewAction.SUSPEND, 601))
    assert member.menu_commands() == MEMBER  # only asked for the reason so far
    await coordinator.send("Left the service")
    assert (await harness.db.fetch_value(
        "SELECT status FROM profiles WHERE user_id = 601")) == "suspended"
    assert member.menu_commands() == BASIC
    assert dict(member.menu())["start"] == t(harness, "tg", "Begin or continue")
    # Reinstated by a button: at once.
    await coordinator.press_data(card_press(ReviewAction.REINSTATE, 601))
    assert member.menu_commands() == MEMBER
    assert dict(member.menu())["members"] == t(harness, "tg", "Member directory")


async def test_a_change_made_elsewhere_shows_on_her_next_update(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KG", locale="uz")
    await member.send("/help")
    assert member.menu_commands() == MEMBER
    await harness.db.execute("UPDATE profiles SET status = 'suspended' WHERE user_id = 601")
    await member.send("/help")
    assert member.menu_commands() == BASIC


async def test_a_failed_menu_call_breaks_nothing_and_is_tried_again(
        harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    member = await seed_member(harness, 601, "KG", locale="kk")
    harness.emu.faults.append(Fault(error=403, method="setMyCommands",
                                    description="Forbidden: bot was blocked by the user"))
    with caplog.at_level(logging.WARNING):
        await member.send("/help")
    assert t(harness, "kk", "/members — find colleagues in the directory") in member.last_text
    assert member.menu_commands() == BASIC  # the default: her chat's menu was not set
    assert "could not update a command menu" in caplog.text
    assert "601" not in caplog.text
    await member.send("/help")
    assert member.menu_commands() == MEMBER


async def test_after_a_restart_her_menu_is_set_once_again(harness: BotHarness) -> None:
    member = await seed_member(harness, 601, "KG", locale="ky")
    await member.send("/help")
    await harness.restart()
    await member.send("/help")
    await member.send("/help")
    assert chat_menu_calls(harness, 601) == ["setMyCommands"] * 2
    assert member.menu_commands() == MEMBER


async def test_strangers_cost_no_menu_call(harness: BotHarness) -> None:
    for user_id in range(2001, 2011):
        await harness.user(user_id, language_code="ru").send("/start")
    assert not [method for method, params in harness.emu.requests
                if '"type":"chat"' in params.get("scope", "").replace(" ", "")]
    assert not [k for k in harness.emu.commands if k[0].startswith("chat:")]


# ---- the lists themselves ----------------------------------------------------------------

def _actor(tier: Tier) -> Actor:
    return Actor(user_id=1, locale="en", is_registered=True, is_admin=tier is Tier.ADMIN,
                 coordinator_country="KZ" if tier is Tier.COORDINATOR else None,
                 status="approved" if tier is not Tier.BASIC else "pending")


@pytest.mark.parametrize("tier", list(Tier))
def test_menu_offers_what_help_lists(harness: BotHarness, tier: Tier) -> None:
    assert harness.app is not None
    with harness.app.i18n.context(), harness.app.i18n.use_locale("en"):
        listed = set(re.findall(r"^/([a-z_]+)", help_text(_actor(tier)), re.M))
    # /help no longer lists /start to a member (she has begun); the menu keeps it, as bots do.
    assert set(command_names(tier)) == listed | {"help", "start"}


def test_tiers() -> None:
    assert tier_of(Role.NONE, None) is Tier.BASIC
    for status in ("draft", "pending", "needs_info", "rejected", "suspended"):
        assert tier_of(Role.NONE, status) is Tier.BASIC
    assert tier_of(Role.NONE, "approved") is Tier.MEMBER
    assert tier_of(Role.COORDINATOR, "approved") is Tier.COORDINATOR
    assert tier_of(Role.ADMIN, None) is Tier.ADMIN
    assert [name for name, _ in commands_for(Role.COORDINATOR, "approved", "en",
                                             lambda m, loc: m)] == COORDINATOR


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_description_fits_telegram(harness: BotHarness, locale: str) -> None:
    assert harness.app is not None
    menu = commands_for(Role.ADMIN, "approved", locale,
                        lambda msgid, loc: harness.app.i18n.gettext(msgid, locale=loc))
    assert [name for name, _ in menu] == ADMIN
    assert all(1 <= len(text) <= 256 for _, text in menu)


async def test_the_emulator_answers_get_and_delete_my_commands(harness: BotHarness) -> None:
    from aiogram.types import BotCommand, BotCommandScopeChat

    assert harness.bot is not None
    member = await seed_member(harness, 601, "KG", locale="ky")
    await member.send("/help")
    scope = BotCommandScopeChat(chat_id=601)
    got = await harness.bot.get_my_commands(scope=scope)
    assert [c.command for c in got] == MEMBER
    assert await harness.bot.get_my_commands(scope=scope, language_code="ky") == []
    await harness.bot.set_my_commands([BotCommand(command="help", description="Help")],
                                      scope=scope, language_code="ky")
    member.user.language_code = "ky"
    assert member.menu_commands() == ["help"]  # her language's list of her chat comes first
    await harness.bot.delete_my_commands(scope=scope, language_code="ky")
    assert member.menu_commands() == MEMBER
    await harness.bot.delete_my_commands(scope=scope)
    assert member.menu_commands() == BASIC
