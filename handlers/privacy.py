"""Her own data: /mydata sends all of it as a JSON file; /delete_me erases it after one
confirmation."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PrivacyCb
from bot.chat_removals import RemovalRunner
from bot.clock import Clock
from bot.db.fsm_storage import SQLiteStorage
from bot.keyboards import button, rows
from bot.services.privacy import PrivacyService, StaffLabels
from bot.services.roles import Actor
from handlers.ui import query_message


async def cmd_mydata(message: Message, actor: Actor, privacy: PrivacyService,
                     admin_ids: frozenset[int]) -> None:
    labels = StaffLabels(coordinator=_("a coordinator"), administrator=_("an administrator"))
    data = await privacy.export(actor.user_id, admin_ids, labels)
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    await message.answer_document(
        BufferedInputFile(payload, filename="my-data.json"),
        caption=_("Everything this bot stores about you."),
        protect_content=True,
    )


async def cmd_delete_me(message: Message, actor: Actor) -> None:
    if not actor.is_registered:
        await message.answer(_("We store nothing about you."))
        return
    await message.answer(
        _("This deletes your profile and everything stored about you, for good, and removes "
          "you from the association's chats. Are you sure?"),
        reply_markup=rows([
            button(_("Yes, delete everything"), PrivacyCb(action="delete")),
            button(_("No, keep my data"), PrivacyCb(action="keep")),
        ]),
    )


async def cb_delete_me(query: CallbackQuery, callback_data: PrivacyCb, actor: Actor,
                       state: FSMContext, privacy: PrivacyService, removals: RemovalRunner,
                       bot: Bot, clock: Clock) -> None:
    message = query_message(query)
    if callback_data.action != "delete":
        await query.answer()
        if message is not None:
            await message.edit_text(_("Nothing was deleted."))
        return
    if not actor.is_registered:
        await query.answer(_("We store nothing about you."), show_alert=True)
        return
    await state.clear()
    storage = state.storage if isinstance(state.storage, SQLiteStorage) else None
    await privacy.delete_member(actor.user_id, clock.now(), storage)
    await query.answer()
    if message is not None:
        await message.edit_text(_(
            "Your data has been deleted. Thank you for having been part of the association. "
            "If you ever want to come back, press /start."))
    await removals.flush(bot)


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_mydata, Command("mydata"))
    router.message.register(cmd_delete_me, Command("delete_me"))
    router.callback_query.register(cb_delete_me, PrivacyCb.filter())
    return router
