"""The weekly digest as members read it, and /digest to switch it on or off."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import DigestCb
from bot.clock import from_db
from bot.db.repositories.digest import DigestRepo
from bot.i18n import format_datetime
from bot.keyboards import button, rows
from bot.services.delivery import Recipient
from bot.services.message_kinds import MessageKind
from bot.services.roles import Actor
from handlers.ui import edit_text, query_message, stale_button


def renderers(app: Any) -> dict[str, Any]:
    """The digest's renderer, reading at send time who of the new members is still here."""
    repo: DigestRepo = app.digest

    async def digest(payload: dict[str, Any], to: Recipient) -> Any:
        # Not herself among her country's new members: she knows she joined.
        others = [i for i in payload.get("new_member_ids") or [] if i != to.user_id]
        names, count = await repo.still_members(others)
        if not payload.get("new_member_ids"):
            count = int(payload["new_members"])  # queued before ids: counted, never named
        return render_digest(payload, to, names, count)

    return {MessageKind.DIGEST: digest}


def render_digest(payload: dict[str, Any], to: Recipient, names: list[str] | None = None,
                  count: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """Rendered for each reader in her language, with event times in her zone; ``names``
    and ``count`` are the new members as they are now (read by :func:`renderers`)."""
    lines = [_("🗓 <b>Your weekly digest</b>"), ""]
    if payload["events"]:
        lines.append(_("<b>Coming events</b>"))
        for event in payload["events"]:
            when = format_datetime(from_db(event["starts_at"]), to.locale, to.timezone,
                                   weekday=True)
            title = ((event.get("texts") or {}).get(to.locale) or {}).get("title") \
                or event["title"]  # her language when the organiser gave it
            lines.append(f"• {escape(title)} — {when}")
    else:
        lines.append(_("No events in the next two weeks."))
    lines.append("")
    if count is None:
        count = int(payload["new_members"])
    if count:
        lines.append(_("{count} new member joined in your country this week.",
                       "{count} new members joined in your country this week.", count
                       ).format(count=count))
        if names:
            lines.append(", ".join(escape(name) for name in names))
    else:
        lines.append(_("No new members this week."))
    lines += ["", _("/events shows the details.")]
    return "\n".join(lines), rows([button(_("Stop the weekly digest"),
                                          DigestCb(action="stop"))])


def status_view(enabled: bool) -> tuple[str, InlineKeyboardMarkup]:
    if enabled:
        return _("The weekly digest is on: every Monday morning."), rows(
            [button(_("Turn it off"), DigestCb(action="off"))])
    return _("The weekly digest is off."), rows([button(_("Turn it on"), DigestCb(action="on"))])


async def cmd_digest(message: Message, actor: Actor, digest: DigestRepo) -> None:
    if not actor.is_member:
        await message.answer(_("The weekly digest is for members once their application is "
                               "approved."))
        return
    text, keyboard = status_view(await digest.enabled(actor.user_id))
    await message.answer(text, reply_markup=keyboard)


async def cb_digest(query: CallbackQuery, callback_data: DigestCb, actor: Actor,
                    digest: DigestRepo) -> None:
    if not actor.is_registered or callback_data.action not in ("on", "off", "stop"):
        await stale_button(query)
        return
    enabled = callback_data.action == "on"
    await digest.set_enabled(actor.user_id, enabled)
    text, keyboard = status_view(enabled)
    await query.answer(text)
    message = query_message(query)
    if message is None:
        return
    if callback_data.action == "stop" or (message.text or "").startswith("🗓"):
        # Under the digest itself: the digest stays readable; the answer is a message of its
        # own, with the way back.
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(text, reply_markup=keyboard)
        return
    await edit_text(message, text, keyboard)


def create_router() -> Router:
    router = Router(name="digest")
    router.message.register(cmd_digest, Command("digest"), F.chat.type == "private")
    router.callback_query.register(cb_digest, DigestCb.filter())
    return router
