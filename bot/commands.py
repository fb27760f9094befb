"""The command menu shown in Telegram, set per language at start-up."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import SUPPORTED_LOCALES
from bot.i18n import use_locale


def menu_commands() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=_("Begin or continue")),
        BotCommand(command="profile", description=_("My profile")),
        BotCommand(command="members", description=_("Member directory")),
        BotCommand(command="chats", description=_("The association's chats")),
        BotCommand(command="mentorship", description=_("Mentoring: find or be a mentor")),
        BotCommand(command="introduce", description=_("Ask to meet a member")),
        BotCommand(command="coffee", description=_("Coffee rounds across borders")),
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="help", description=_("What I can do")),
        BotCommand(command="mydata", description=_("My stored data")),
        BotCommand(command="delete_me", description=_("Delete my data")),
        BotCommand(command="cancel", description=_("Stop what I am doing")),
    ]


async def set_menus(bot: Bot, i18n: I18n) -> None:
    scope = BotCommandScopeAllPrivateChats()
    for locale in SUPPORTED_LOCALES:
        with use_locale(i18n, locale):
            commands = menu_commands()
        await bot.set_my_commands(commands, scope=scope, language_code=locale)
    with use_locale(i18n, i18n.default_locale):
        await bot.set_my_commands(menu_commands(), scope=scope)
