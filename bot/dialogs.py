"""What every aiogram-dialog flow of the bot shares: translated texts, live-message buttons,
closing a dialog when she leaves it, and the popup for a button of a closed one.

* :class:`T` renders a gettext msgid in her language (the update's locale, set by
  ``ActorMiddleware``), formatted with the window's data; aiogram-dialog's own ``Const`` and
  ``Format`` do not translate. Write msgids as ``T(N_("…"))`` so ``make catalogs`` finds them.
* :class:`LiveMessageOnly` lets only the dialog's live message drive it: a button of an older
  message of the same dialog (its keyboard was taken away, or replayed data) does nothing.
* :func:`guard_dialog_messages` keeps typed text from posing as a button press.
* :func:`start_below` opens a dialog from a button of a message that is not a dialog's (an
  event card), which keeps its buttons.
* :func:`close_open_dialog` ends the open dialog from outside it (a command, /cancel): its
  live message loses its keyboard, any button still pressed answers
  :func:`stale_dialog_button`, a typed text no longer counts.
* :class:`ButtonsDialog` answers a press of a button its window no longer has with that popup.
* :func:`flow_window` and :func:`choices`: the window shape of the bot's dialogs (the reason
  a wrong answer was refused above the question, « Back, typed text to one handler) and a
  grid of buttons picked by id.
"""

from __future__ import annotations

from contextvars import ContextVar
from operator import itemgetter
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, ErrorEvent, Message
from aiogram.utils.i18n import I18n, gettext
from aiogram.fsm.state import State
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode
from aiogram_dialog.api.entities import Context, Stack
from aiogram_dialog.api.entities import NewMessage, OldMessage
from aiogram_dialog.api.internal import CONTEXT_KEY
from aiogram_dialog.api.protocols import (
    CancelEventProcessing, MessageNotModified, StackAccessValidator,
)
from aiogram_dialog.manager.message_manager import MessageManager
from aiogram_dialog.context.intent_middleware import IntentMiddlewareFactory
from aiogram_dialog.utils import REPLY_CALLBACK_SYMBOLS, remove_intent_id
from aiogram_dialog import Window
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Select
from aiogram_dialog.widgets.text import Format, Multi, Text

from bot.i18n import use_locale
from bot.keyboards import drop_keyboard

STACK_DESTINY = "aiogd:stack:"  # aiogram-dialog's default stack (context.storage.StorageProxy)
CONTEXT_DESTINY = "aiogd:context:"


def N_(msgid: str) -> str:  # noqa: N802 - the name the catalog extractor looks for
    """Mark a msgid for extraction; :class:`T` translates it when the window is shown."""
    return msgid


class T(Text):
    """``gettext(msgid)`` in her language, ``str.format``-ed with the window's data.

    Values put in the data by getters are shown as they are: getters HTML-escape whatever
    she or another member typed.
    """

    def __init__(self, msgid: str, when: WhenCondition = None) -> None:
        super().__init__(when=when)
        self.msgid = msgid

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        text = gettext(self.msgid)
        return text.format_map(data) if "{" in text else text


def flow_window(state: Any, *widgets: Any, text: Any, getter: Any, on_back: Any,
                on_message: Any, back: bool = True) -> Window:
    """A window of a flow: "⚠️ reason" above ``text`` when an answer was refused, its
    widgets, « Back (unless ``back`` is False), and every typed message to ``on_message``."""
    return Window(
        Multi(Format("⚠️ {error}", when="error"), text, sep="\n\n"),
        *widgets,
        *([Button(T(N_("« Back")), id="back", on_click=on_back)] if back else []),
        MessageInput(on_message),
        state=state, getter=getter,
    )


def choices(widget_id: str, items: str, on_click: Any, width: int) -> Group:
    """Buttons from the window data's ``items`` — (id, label) pairs — ``width`` to a row."""
    return Group(Select(Format("{item[1]}"), id=widget_id, item_id_getter=itemgetter(0),
                        items=items, on_click=on_click), width=width)


class LiveMessageOnly(StackAccessValidator):
    """Only the live message's buttons drive a dialog (private chats only, as the bot's)."""

    async def is_allowed(self, stack: Stack, context: Context | None, event: Any,
                         data: dict[str, Any]) -> bool:
        if not isinstance(event, CallbackQuery) or not event.data:
            return True
        intent_id, _ = remove_intent_id(event.data)
        if intent_id is None or stack.last_message_id is None:
            return True
        message = event.message
        return isinstance(message, Message) and message.message_id == stack.last_message_id


_ANSWERED: set[str] = set()  # queries a popup answered: aiogram-dialog must not answer again


async def popup(query: CallbackQuery, text: str) -> None:
    """Answer a dialog button with a popup (the dialog then leaves the query alone)."""
    await query.answer(text, show_alert=True)
    _ANSWERED.add(query.id)


class ButtonsDialog(Dialog):
    """A dialog whose live message answers a press of a button its window no longer has (a
    second tap on Confirm after the first moved on) with the stale popup, not silence.

    aiogram-dialog redraws the window and answers such a press with nothing; this follows its
    ``Dialog._callback_handler`` and adds the popup."""

    async def _callback_handler(self, callback: CallbackQuery,  # type: ignore[override]
                                dialog_manager: DialogManager) -> None:
        old_context = dialog_manager.current_context()
        _intent, callback_data = remove_intent_id(callback.data or "")
        cleaned = callback.model_copy(update={"data": callback_data})
        window = await self._current_window(dialog_manager)
        try:
            processed = await window.process_callback(cleaned, self, dialog_manager)
        except CancelEventProcessing:
            processed = False
        if not processed and dialog_manager.has_context() \
                and dialog_manager.current_context() == old_context:
            await popup(callback, gettext("This button is from an earlier message."))
        if self._need_refresh(processed, old_context, dialog_manager):
            await dialog_manager.show()
        await dialog_manager.answer_callback()


# A message whose keyboard a dialog started from one of its buttons must leave alone (an
# event card: its RSVP buttons stay), for the update that starts it (:func:`start_below`).
_KEEP_KEYBOARD: ContextVar[int | None] = ContextVar("keep_keyboard", default=None)


async def start_below(manager: DialogManager, state: State, data: dict[str, Any],
                      pressed: Message) -> None:
    """Start a dialog from a button of a message that is not a dialog's own: the dialog comes
    as a new message below it, and that message keeps its buttons (aiogram-dialog would take
    them away as from its own earlier message)."""
    token = _KEEP_KEYBOARD.set(pressed.message_id)
    try:
        await manager.start(state, data=data, mode=StartMode.RESET_STACK,
                            show_mode=ShowMode.SEND)
    finally:
        _KEEP_KEYBOARD.reset(token)


class DialogMessageManager(MessageManager):
    """aiogram-dialog's message manager, fitted to this bot's session and popups."""

    async def _remove_kbd(self, bot: Any, old_message: OldMessage | None,
                          new_message: NewMessage | None) -> Message | None:
        if old_message is not None and old_message.message_id == _KEEP_KEYBOARD.get():
            return None
        return await super()._remove_kbd(bot, old_message, new_message)

    async def answer_callback(self, bot: Any, callback_query: CallbackQuery) -> None:
        if callback_query.id in _ANSWERED:
            _ANSWERED.discard(callback_query.id)
            return
        await super().answer_callback(bot, callback_query)

    async def edit_text(self, bot: Any, new_message: NewMessage, old_message: OldMessage
                        ) -> Message:
        # The bot's session answers an edit that changes nothing with True (as Telegram
        # does for inline messages, bot/telegram_session.py); the dialog wants to know.
        edited = await super().edit_text(bot, new_message, old_message)
        if not isinstance(edited, Message):
            raise MessageNotModified("the edit changed nothing")
        return edited


def guard_dialog_messages(dp: Dispatcher) -> None:
    """Fit aiogram-dialog's message middleware (installed by ``setup_dialogs``) to this bot.

    * A text ending in zero-width characters is, for aiogram-dialog, a press of a reply
      keyboard's button encoded in them; this bot has no reply keyboards, so such a text is
      only a text (otherwise anyone could type a "button press", or crash the decoding).
    * A message without a sender (a channel's post in a group) has no dialog.

    The middleware is replaced where it stands: the one after it releases what it locks.
    """
    middlewares = dp.message.outer_middleware._middlewares  # no public way to wrap in place
    for index, middleware in enumerate(middlewares):
        if getattr(middleware, "__func__", None) is IntentMiddlewareFactory.process_message:
            middlewares[index] = _guarded(middleware)


def _guarded(process_message: Any) -> Any:
    async def guarded(handler: Any, event: Message, data: dict[str, Any]) -> Any:
        if event.from_user is None:
            return await handler(event, data)
        text = event.text
        if text and text.rstrip(REPLY_CALLBACK_SYMBOLS) != text:
            masked = event.model_copy(update={"text": text.rstrip(REPLY_CALLBACK_SYMBOLS)})
            return await process_message(lambda _masked, d: handler(event, d), masked, data)
        return await process_message(handler, event, data)

    return guarded


def _key(key: StorageKey, destiny: str) -> StorageKey:
    return StorageKey(bot_id=key.bot_id, chat_id=key.chat_id, user_id=key.chat_id,
                      thread_id=key.thread_id, business_connection_id=key.business_connection_id,
                      destiny=destiny)


async def close_open_dialog(state: FSMContext, bot: Bot | None = None) -> str | None:
    """End the dialog open in this chat, if any; the state it was in ("EventForm:place"),
    so /cancel can say what became of it, or None if no dialog was open.

    Its live message loses its keyboard (given ``bot``; best effort — any of its buttons still
    pressed answers with a popup); nothing of the dialog is left in the storage. Reads come
    from the storage's memory; it writes only when a dialog was open.
    """
    storage, key = state.storage, state.key
    stack_key = _key(key, STACK_DESTINY)
    stack = await storage.get_data(stack_key)
    intents = stack.get("intents") or []
    if not intents:
        return None
    top = await storage.get_data(_key(key, CONTEXT_DESTINY + intents[-1]))
    for intent_id in intents:
        await storage.set_data(_key(key, CONTEXT_DESTINY + intent_id), {})
    await storage.set_data(stack_key, {})
    if bot is not None:
        await drop_keyboard(bot, key.chat_id, stack.get("last_message_id"))
    return str(top.get("state") or "dialog")


async def stale_dialog_button(event: ErrorEvent, i18n: I18n, locale: str | None = None
                              ) -> bool:
    """A button of a dialog that was closed (finished, /cancel) or replaced: a popup.
    (Errors are handled outside ``ActorMiddleware``, hence the explicit locale.)"""
    query = event.update.callback_query
    if query is not None:
        with use_locale(i18n, locale or i18n.default_locale):
            text = gettext("This button is from an earlier message.")
        await query.answer(text, show_alert=True)
    return True


def no_open_dialog(message: Message, **data: Any) -> bool:
    """A filter for catch-all text handlers: a text typed while a dialog is open is the
    dialog's answer (aiogram-dialog's outer middleware puts the open dialog's context in
    the handler data under ``aiogd_context``)."""
    return data.get(CONTEXT_KEY) is None
