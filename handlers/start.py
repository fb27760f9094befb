"""/start and /language: she picks her language first, then continues where she stopped.

```mermaid
stateDiagram-v2
    [*] --> PickLanguage: /start (first time)
    PickLanguage --> Welcome: language button
    [*] --> Welcome: /start (known user)
    Welcome --> [*]
```
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LanguageCb
from bot.clock import Clock
from bot.config import SUPPORTED_LOCALES
from bot.db.repositories.users import UserRepo
from bot.i18n import LANGUAGE_NAMES, use_locale
from bot.keyboards import language_picker
from bot.services.roles import Actor
from handlers.common import help_text



def welcome_text() -> str:
    return _(
        "Welcome to the bot of the Regional Association of Women in Border and Law "
        "Enforcement Agencies in Central Asia."
    )


async def cmd_start(message: Message, command: CommandObject, actor: Actor) -> None:
    if not actor.is_registered:
        await message.answer(
            welcome_text() + "\n\n" + _("Please choose your language."),
            reply_markup=language_picker(actor.locale),
        )
        return
    await message.answer(welcome_text() + "\n\n" + help_text(actor))


async def cmd_language(message: Message, actor: Actor) -> None:
    await message.answer(_("Please choose your language."), reply_markup=language_picker(actor.locale))


async def cb_language(
    query: CallbackQuery,
    callback_data: LanguageCb,
    actor: Actor,
    users: UserRepo,
    clock: Clock,
    i18n: I18n,
    state: FSMContext,
) -> None:
    if callback_data.code not in SUPPORTED_LOCALES:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await users.set_locale(actor.user_id, callback_data.code, clock.now())
    with use_locale(i18n, callback_data.code):
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                _("Language: {language}").format(language=LANGUAGE_NAMES[callback_data.code])
            )
            if not actor.is_registered:
                await query.message.answer(help_text(actor))


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(cb_language, LanguageCb.filter())
    return router
