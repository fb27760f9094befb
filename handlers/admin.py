"""Administrators: /coordinators (who coordinates which country) and /audit (the log)."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PageCb, ReviewAction, ReviewCb
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.i18n import format_datetime
from bot.keyboards import button, rows
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from handlers.ui import query_message, show

AUDIT_PAGE = 10


def admins_only_text() -> str:
    return _("This command is for administrators.")


async def cmd_coordinators(message: Message, actor: Actor, coordinators: CoordinatorRepo,
                           profiles: ProfileRepo, ref: ReferenceData) -> None:
    if not actor.is_admin:
        await message.answer(admins_only_text())
        return
    current = await coordinators.all()
    lines = [_("<b>Country coordinators</b>")]
    buttons = []
    for user_id, country in current:
        profile = await profiles.get(user_id)
        name = escape(profile.full_name) if profile and profile.full_name else f"#{user_id}"
        lines.append(f"{escape(ref.country(country, actor.locale))}: {name}")
        buttons.append([button(_("Remove {name}").format(name=name[:40]),
                               ReviewCb(action=ReviewAction.DISMISS, member_id=user_id))])
    if not current:
        lines.append(_("No coordinators yet."))
    lines += ["", _("To appoint one, find the member with /members and press ⚙ next to her.")]
    await message.answer("\n".join(lines), reply_markup=rows(*buttons) if buttons else None)


def audit_page_text(entries, total: int, page: int, locale: str) -> str:  # type: ignore[no-untyped-def]
    pages = max(1, (total + AUDIT_PAGE - 1) // AUDIT_PAGE)
    lines = [_("<b>Audit log</b> · page {page} of {pages}").format(page=page + 1, pages=pages)]
    for entry in entries:
        who = f"#{entry.actor_id}" if entry.actor_id is not None else _("deleted user")
        whom = f"#{entry.target_id}" if entry.target_id is not None else "—"
        lines.append(f"{format_datetime(entry.at, locale, 'UTC')} UTC · {who} · "
                     f"{escape(entry.action)} · {whom} · {escape(entry.country_code or '—')} · "
                     f"{escape(entry.outcome)}")
    if not entries:
        lines.append(_("The log is empty."))
    return "\n".join(lines)


async def show_audit(message: Message, actor: Actor, audit: AuditRepo, page: int, *,
                     edit: bool) -> None:
    entries, total = await audit.page(page * AUDIT_PAGE, AUDIT_PAGE)
    nav = []
    if page > 0:
        nav.append(button(_("« Previous"), PageCb(view="audit", page=page - 1)))
    if (page + 1) * AUDIT_PAGE < total:
        nav.append(button(_("Next »"), PageCb(view="audit", page=page + 1)))
    text = audit_page_text(entries, total, page, actor.locale)
    keyboard = rows(nav) if nav else None
    await show(message, text, keyboard, edit=edit)


async def cmd_audit(message: Message, actor: Actor, audit: AuditRepo) -> None:
    if not actor.is_admin:
        await message.answer(admins_only_text())
        return
    await show_audit(message, actor, audit, 0, edit=False)


async def cb_audit_page(query: CallbackQuery, callback_data: PageCb, actor: Actor,
                        audit: AuditRepo) -> None:
    message = query_message(query)
    if not actor.is_admin or message is None:
        await query.answer(admins_only_text(), show_alert=True)
        return
    await query.answer()
    await show_audit(message, actor, audit, max(0, callback_data.page), edit=True)


def create_router() -> Router:
    router = Router(name="admin")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_coordinators, Command("coordinators"))
    router.message.register(cmd_audit, Command("audit"))
    router.callback_query.register(cb_audit_page, PageCb.filter(F.view == "audit"))
    return router
