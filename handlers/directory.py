"""/members: the member directory, searchable by country, agency, expertise and language.

It shows only the fields each member chose to show and never a username or contact; a
filter on a hidden field never matches her. Administrators, and a country's coordinators for
its members, also see suspended members and can open a member's card to act on her. A page
is cut to what Telegram accepts (:func:`bot.paging.fit`).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FilterCb, PageCb, ReviewAction, ReviewCb
from bot.db.repositories.profiles import DirectoryFilter, ProfileRepo
from bot.keyboards import button, rows
from bot.paging import fit
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import profile_card, status_text
from handlers.ui import edit_text, query_message, show, stale_button

PAGE_SIZE = 5
FILTER_KINDS = ("country", "agency", "expertise", "language")


def suspensions_seen_by(actor: Actor) -> bool | str:
    """Whose suspension she may see in the directory: every country's (an administrator),
    her own country's (a coordinator), nobody's (everyone else)."""
    if actor.is_admin:
        return True
    if actor.is_staff and actor.coordinator_country:
        return actor.coordinator_country
    return False


def members_only_text() -> str:
    return _("The directory is open to members once their application is approved.")


def _filters(data: dict) -> DirectoryFilter:  # type: ignore[type-arg]
    saved = data.get("directory", {})
    return DirectoryFilter(**{k: saved.get(k) for k in FILTER_KINDS})


def _label(kind: str, code: str | None, ref: ReferenceData, locale: str) -> str:
    if code is None:
        return _("any")
    return ref.label(kind, code, locale)


def filter_menu(flt: DirectoryFilter, ref: ReferenceData, locale: str
                ) -> tuple[str, InlineKeyboardMarkup]:
    names = {"country": _("Country"), "agency": _("Agency"), "expertise": _("Expertise"),
             "language": _("Language")}
    lines = [_("<b>Member directory</b>"), _("Choose filters, then press Search."), ""]
    buttons = []
    for kind in FILTER_KINDS:
        value = getattr(flt, kind)
        lines.append(f"{names[kind]}: {_label(kind, value, ref, locale)}")
        buttons.append([button(names[kind], FilterCb(kind=kind))])
    buttons.append([button(_("Search"), FilterCb(kind="search")),
                    button(_("Clear filters"), FilterCb(kind="clear"))])
    return "\n".join(lines), rows(*buttons)


def options_menu(kind: str, ref: ReferenceData, locale: str) -> InlineKeyboardMarkup:
    codes = {"country": ref.country_codes, "agency": ref.agency_codes,
             "expertise": ref.expertise_codes, "language": ref.language_codes}[kind]
    width = 1 if kind in ("agency", "expertise") else 2
    buttons = [button(ref.label(kind, c, locale), FilterCb(kind=kind, value=c)) for c in codes]
    lines = [buttons[i:i + width] for i in range(0, len(buttons), width)]
    lines.append([button(_("any"), FilterCb(kind=kind, value="*"))])
    return rows(*lines)


async def cmd_members(message: Message, actor: Actor, state: FSMContext,
                      ref: ReferenceData) -> None:
    if not actor.is_member:
        await message.answer(members_only_text())
        return
    text, keyboard = filter_menu(_filters(await state.get_data()), ref, actor.locale)
    await message.answer(text, reply_markup=keyboard)


async def member_message(query: CallbackQuery, actor: Actor) -> Message | None:
    """The message of a directory button, if a member is pressing it (else she is told)."""
    message = query_message(query)
    if not actor.is_member or message is None:
        await query.answer(members_only_text(), show_alert=True)
        return None
    return message


async def picked_place(query: CallbackQuery, actor: Actor, value: str, places: int = 3
                       ) -> tuple[Message, int] | None:
    """A member picks someone to ask (a mentor, a member to meet) by her place in the list
    shown: buttons never carry a member's id. Her message and the place, checked."""
    message = await member_message(query, actor)
    if message is None:
        return None
    if not value.isdecimal() or not 1 <= int(value) <= places:
        await stale_button(query)
        return None
    return message, int(value)


async def cb_filter(query: CallbackQuery, callback_data: FilterCb, actor: Actor,
                    state: FSMContext, ref: ReferenceData, profiles: ProfileRepo) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    kind, value = callback_data.kind, callback_data.value
    data = await state.get_data()
    saved = dict(data.get("directory", {}))
    await query.answer()
    if kind == "search":
        await show_page(message, actor, _filters(data), 0, ref, profiles, edit=False)
        return
    if kind == "clear":
        saved = {}
    elif kind in FILTER_KINDS and not value:
        await message.edit_reply_markup(reply_markup=options_menu(kind, ref, actor.locale))
        return
    elif kind in FILTER_KINDS:
        valid = {"country": ref.country_codes, "agency": ref.agency_codes,
                 "expertise": ref.expertise_codes, "language": ref.language_codes}[kind]
        if value == "*":
            saved.pop(kind, None)
        elif value in valid:
            saved[kind] = value
    await state.update_data(directory=saved)
    text, keyboard = filter_menu(_filters({"directory": saved}), ref, actor.locale)
    await edit_text(message, text, keyboard)


async def show_page(message: Message, actor: Actor, flt: DirectoryFilter, page: int,
                    ref: ReferenceData, profiles: ProfileRepo, *, edit: bool) -> None:
    ids, total = await profiles.search(flt, page * PAGE_SIZE, PAGE_SIZE,
                                       include_suspended=suspensions_seen_by(actor))
    if total == 0:
        await message.answer(_("Nobody matches these filters yet."))
        return
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    header = _("Found: {count} · page {page} of {pages}").format(
        count=total, page=page + 1, pages=pages)
    cards: list[str] = []
    manage: list[InlineKeyboardButton] = []
    for number, member_id in enumerate(ids, start=page * PAGE_SIZE + 1):
        profile = await profiles.get(member_id)
        if profile is None:
            continue
        card = f"{number}. " + profile_card(profile, ref, actor.locale, visible_only=True)
        if profile.status != "approved":
            card += "\n" + _("Status: {status}").format(status=status_text(profile.status))
        cards.append(card)
        if actor.manages(profile.country_code) and member_id != actor.user_id:
            manage.append(button(f"⚙ {number}", ReviewCb(action=ReviewAction.MANAGE,
                                                         member_id=member_id)))
    nav = []
    if page > 0:
        nav.append(button(_("« Previous"), PageCb(view="members", page=page - 1)))
    if page < pages - 1:
        nav.append(button(_("Next »"), PageCb(view="members", page=page + 1)))
    keyboard = rows(manage, nav) if manage or nav else None
    # Five full profiles can be far over Telegram's 4,096 characters: long cards give way.
    text = header + "\n\n" + "\n\n".join(fit(header + "\n\n", cards, separator="\n\n"))
    await show(message, text, keyboard, edit=edit)


async def cb_members_page(query: CallbackQuery, callback_data: PageCb, actor: Actor,
                          state: FSMContext, ref: ReferenceData, profiles: ProfileRepo) -> None:
    message = await member_message(query, actor)
    if message is None:
        return
    await query.answer()
    await show_page(message, actor, _filters(await state.get_data()), callback_data.page, ref,
                    profiles, edit=True)


def create_router() -> Router:
    router = Router(name="directory")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_members, Command("members"))
    router.callback_query.register(cb_filter, FilterCb.filter())
    router.callback_query.register(cb_members_page, PageCb.filter(F.view == "members"))
    return router
