"""The command menu shown in Telegram.

At start-up every private chat gets the basic menu in each language (what a newcomer may do);
each person's own menu — the member, coordinator and administrator commands, in the language
she chose — is set for her chat by :class:`bot.services.menus.MenuUpdater` through
:class:`TelegramMenus` when her role, status or language changes.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from bot.config import SUPPORTED_LOCALES
from bot.services.menus import Menu, MenuUpdater, Role, commands_for


def translator(i18n: I18n):  # type: ignore[no-untyped-def]
    def translate(msgid: str, locale: str) -> str:
        return i18n.gettext(msgid, locale=locale)

    return translate


def bot_commands(menu: Menu) -> list[BotCommand]:
    return [BotCommand(command=name, description=text) for name, text in menu]


def menu_commands(i18n: I18n, locale: str) -> list[BotCommand]:
    """The basic menu: what anyone may do before she is a member."""
    return bot_commands(commands_for(Role.NONE, None, locale, translator(i18n)))


async def set_menus(bot: Bot, i18n: I18n) -> None:
    scope = BotCommandScopeAllPrivateChats()
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(menu_commands(i18n, locale), scope=scope, language_code=locale)
    await bot.set_my_commands(menu_commands(i18n, i18n.default_locale), scope=scope)


class TelegramMenus:
    """:class:`bot.services.menus.MenuSetter` for one chat, through the Bot API: the chat
    scope without a language, so it is hers whatever language her Telegram app uses."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def set_chat_menu(self, chat_id: int, menu: Menu) -> None:
        await self.bot.set_my_commands(bot_commands(menu),
                                       scope=BotCommandScopeChat(chat_id=chat_id))

    async def reset_chat_menu(self, chat_id: int) -> None:
        await self.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))


def create_menu_updater(i18n: I18n) -> MenuUpdater:
    return MenuUpdater(translator(i18n))
