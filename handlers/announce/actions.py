"""What the /announce buttons and typed answers do: the draft lives in the dialog's data,
:class:`bot.services.announcements.AnnouncementService` sends it (now or at its time)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.callbacks import ScheduledCb
from bot.dialogs import popup
from bot.i18n import LANGUAGE_NAMES
from bot.services.announcements import ALL, AnnouncementService, Sent, Withdrawal
from bot.services.event_input import MomentProblem, read_moment
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_delivery import progress_text
from handlers.announce import scheduled_view
from handlers.announce.getters import ANNOUNCEMENT_MAX, audience_label, send_at
from handlers.announce.states import AnnounceForm
from handlers.event_form.context import FlowCtx, start_staff_dialog
from handlers.event_form.getters import TIMES
from handlers.ui import edit_text, stale_button


class Ctx(FlowCtx):
    def __init__(self, manager: DialogManager) -> None:
        super().__init__(manager)
        self.service: AnnouncementService = manager.middleware_data["announcements"]

    def moment_passed(self) -> bool:
        return self.has_passed(send_at(self.data))


async def cmd_announce(message: Message, actor: Actor, ref: ReferenceData,
                       dialog_manager: DialogManager | None = None) -> None:
    await start_staff_dialog(message, actor, ref, dialog_manager, AnnounceForm.audience)


async def on_audience(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      audience: str) -> None:
    """Who receives it is checked now: a country with nobody is said before she writes."""
    ctx = Ctx(manager)
    if (audience != ALL and audience not in ctx.ref.country_codes) \
            or not await ctx.service.may_address(ctx.actor.user_id, audience):
        await popup(callback, _("You are not allowed to do this."))
        return
    if not await ctx.service.recipients(audience, ctx.actor.user_id):
        ctx.refuse("nobody", audience=audience_label(audience, ctx.ref, ctx.actor.locale))
        return
    ctx.data["audience"] = audience
    await manager.switch_to(AnnounceForm.preview if ctx.data.get("html") else AnnounceForm.text)


async def on_message(message: Message, _widget: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    window = ctx.window
    if window not in ("text", "tr_text", "day", "time"):
        ctx.refuse("use_buttons")
        return
    if not message.text:
        ctx.refuse("too_long" if window in ("text", "tr_text") else "not_text")
        return
    if window in ("text", "tr_text"):
        html = message.html_text
        if len(html) > ANNOUNCEMENT_MAX:
            ctx.refuse("too_long")
            return
        if window == "text":
            ctx.data["html"] = html
        else:
            ctx.data.setdefault("texts", {})[ctx.data["tr"]] = html
        await manager.switch_to(AnnounceForm.preview)
        return
    moment = read_moment(message.text, ctx.today(), day_asked=window == "day",
                         time_asked=window == "time")
    if moment.problem is not None or (window == "day" and moment.day is None) \
            or (window == "time" and moment.at is None):
        ctx.refuse((moment.problem or MomentProblem.FORMAT).value, bad_day=moment.bad_day,
                   example=window)
        return
    before = dict(ctx.data)
    if moment.day is not None and not ctx.take_day(moment.day):
        return
    if moment.at is not None:
        ctx.data["at"] = moment.at.strftime("%H:%M")
    if moment.at is None:
        await manager.switch_to(AnnounceForm.time)
        return
    if ctx.moment_passed():
        ctx.data.clear()
        ctx.data.update(before)
        ctx.refuse(MomentProblem.PAST.value)
        return
    await manager.switch_to(AnnounceForm.confirm)


async def on_send_now(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    Ctx(manager).data["later"] = False
    await manager.switch_to(AnnounceForm.confirm)


async def on_schedule(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    Ctx(manager).data["later"] = True
    await manager.switch_to(AnnounceForm.zone)


async def on_zone(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  zone: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, zone in ctx.ref.country_timezones.values()):
        return
    ctx.data["zone"] = zone
    await manager.switch_to(AnnounceForm.day)


async def on_day(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                 day: date) -> None:
    ctx = Ctx(manager)
    if ctx.take_day(day):
        await manager.switch_to(AnnounceForm.time)


async def on_time(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  at: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, at in TIMES):
        return
    before = ctx.data.get("at")
    ctx.data["at"] = at
    if ctx.moment_passed():
        ctx.data["at"] = before
        ctx.refuse(MomentProblem.PAST.value)
        return
    await manager.switch_to(AnnounceForm.confirm)


async def on_translate(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await manager.switch_to(AnnounceForm.tr_language)


async def on_language(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                      code: str) -> None:
    ctx = Ctx(manager)
    if not await ctx.valid(callback, code in LANGUAGE_NAMES):
        return
    ctx.data["tr"] = code
    await manager.switch_to(AnnounceForm.tr_text)


async def on_keep(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await manager.switch_to(AnnounceForm.preview)


BACK = {"text": AnnounceForm.audience, "tr_language": AnnounceForm.preview,
        "tr_text": AnnounceForm.tr_language, "zone": AnnounceForm.preview,
        "day": AnnounceForm.zone, "time": AnnounceForm.day}


async def on_back(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    if ctx.window == "confirm":
        await manager.switch_to(AnnounceForm.time if ctx.data.get("later")
                                else AnnounceForm.preview)
        return
    await manager.switch_to(BACK.get(ctx.window, AnnounceForm.preview))


async def on_discard(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    await manager.done()
    if isinstance(callback.message, Message):
        await callback.message.answer(_("Nothing was sent."))


async def on_confirm(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    payload = {"html": ctx.data["html"], "texts": ctx.data.get("texts") or {}}
    if ctx.data.get("later"):
        result = await ctx.service.schedule(ctx.actor.user_id, ctx.data["draft"],
                                            ctx.data["audience"], payload, send_at(ctx.data),
                                            ctx.data["zone"])
    else:
        result = await ctx.service.send_now(ctx.actor.user_id, ctx.data["draft"],
                                            ctx.data["audience"], payload)
    if result.outcome is Sent.ALREADY:
        await popup(callback, _("This has already been handled."))
        return
    if result.outcome is Sent.PAST:
        ctx.data["error"] = {"code": MomentProblem.PAST.value}
        await manager.switch_to(AnnounceForm.time)
        return
    if result.outcome is Sent.NOBODY:
        ctx.data["error"] = {"code": "nobody", "audience": audience_label(
            ctx.data["audience"], ctx.ref, ctx.actor.locale)}
        await manager.switch_to(AnnounceForm.audience)
        return
    await manager.done()
    message = callback.message if isinstance(callback.message, Message) else None
    if message is None:
        return
    if result.outcome is Sent.NOT_ALLOWED:
        await message.answer(_("You are not allowed to do this.") + " " + _("Nothing was sent."))
        return
    if result.outcome is Sent.SCHEDULED:  # edited once it is sent (or not), or withdrawn
        await ctx.service.confirm_scheduled(ctx.actor.user_id, result)
        return
    assert result.broadcast_id is not None
    middleware = manager.middleware_data
    progress = await message.answer(progress_text(
        await middleware["delivery"].counts(result.broadcast_id), False, ctx.actor.locale))
    await middleware["outbox"].set_progress_message(result.broadcast_id, ctx.actor.user_id,
                                                    progress.message_id)


def stale_withdraw_text(outcome: Withdrawal) -> str:
    """What a press of *Withdraw it* on a stale copy says: what became of it."""
    if outcome is Withdrawal.ALREADY:
        return _("You have already withdrawn this announcement.")
    if outcome is Withdrawal.SENT:
        return _("This announcement has already been sent: it can no longer be withdrawn.")
    return _("This announcement was not sent at its time: there is nothing to withdraw.")


async def cb_withdraw(query: CallbackQuery, callback_data: ScheduledCb, actor: Actor,
                      announcements: AnnouncementService) -> None:
    """Her scheduled announcement taken back (it tells nobody: one tap, once): the
    "Scheduled: …" message says so and loses its button. A press on a stale copy says what
    became of it and changes nothing."""
    outcome = await announcements.withdraw(actor.user_id, callback_data.item_id)
    if outcome is Withdrawal.UNKNOWN:
        await stale_button(query)
        return
    if outcome is not Withdrawal.DONE:
        await query.answer(stale_withdraw_text(outcome), show_alert=True)
        return
    await query.answer()
    item = await announcements.scheduled(callback_data.item_id)
    if isinstance(query.message, Message) and item is not None:
        await edit_text(query.message, *scheduled_view(item, 0, actor.locale))
