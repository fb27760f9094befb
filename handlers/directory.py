"""/members: the member directory, searchable by country, agency, expertise and language.

It shows only the fields each member chose to show and never a username or contact; a
filter on a hidden field never matches her. Administrators, and a country's coordinators for
its members, also see suspended members and can open a member's card to act on her. A page
is cut to what Telegram accepts (:func:`bot.paging.fit`).
"""

from __future__ import annotations

import hashlib
import secrets
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    DirectoryAction, DirectoryCb, FilterCb, FilterKind, PageCb, PageView, ReviewAction,
    ReviewCb,
)
from bot.clock import Clock
from bot.db.repositories.profiles import DirectoryFilter
from bot.keyboards import button, rows
from bot.paging import fit
from bot.services.introductions import IntroductionService, IntroOutcome
from bot.services.members import MemberService
from bot.services.once import OnceOnly
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import intro_limit_text, problem_text, profile_card, status_text
from handlers.members_only import refused_button
from handlers.ui import (
    ask_for_text, edit_by_id, edit_text, query_message, show, stale_button,
)

PAGE_SIZE = 5
REASON_MAX = 300  # as in /introduce
# The page she sees, without anyone's id (her FSM data goes into her /mydata export):
# the filters and page number to find it again, and a salted digest of whom it showed, so a
# list that changed since makes its buttons stale rather than point at someone else.
SHOWN_KEY = "directory_shown"
# Her one live directory message (filters, then results in place): a new /members takes the
# keyboard off the older one, whose buttons are refused from then on. Kept across commands.
PANEL_KEY = "directory_panel"


class DirectoryIntro(StatesGroup):
    reason = State()  # why she would like to meet the member she picked
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
        buttons.append([button(names[kind], FilterCb(kind=FilterKind(kind)))])
    buttons.append([button(_("Search"), FilterCb(kind=FilterKind.SEARCH)),
                    button(_("Clear filters"), FilterCb(kind=FilterKind.CLEAR))])
    return "\n".join(lines), rows(*buttons)


def options_menu(kind: str, ref: ReferenceData, locale: str) -> InlineKeyboardMarkup:
    codes = {"country": ref.country_codes, "agency": ref.agency_codes,
             "expertise": ref.expertise_codes, "language": ref.language_codes}[kind]
    width = 1 if kind in ("agency", "expertise") else 2
    buttons = [button(ref.label(kind, c, locale), FilterCb(kind=FilterKind(kind), value=c))
               for c in codes]
    lines = [buttons[i:i + width] for i in range(0, len(buttons), width)]
    lines.append([button(_("any"), FilterCb(kind=FilterKind(kind), value="*"))])
    return rows(*lines)


async def cmd_members(message: Message, actor: Actor, state: FSMContext,
                      ref: ReferenceData, bot: Bot) -> None:
    if not actor.is_member:
        await message.answer(members_only_text())
        return
    data = await state.get_data()
    text, keyboard = filter_menu(_filters(data), ref, actor.locale)
    panel = await message.answer(text, reply_markup=keyboard)
    await state.update_data(**{PANEL_KEY: panel.message_id})
    older = data.get(PANEL_KEY)
    if older and older != panel.message_id:
        try:  # its text stays readable; only its buttons go
            await bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=older,
                                                reply_markup=None)
        except TelegramAPIError:
            pass  # gone, too old to edit, or Telegram busy: its buttons are refused anyway


async def live_panel(query: CallbackQuery, actor: Actor, state: FSMContext) -> Message | None:
    """The message of a filter or page button, if it is her current directory message."""
    message = await member_message(query, actor)
    if message is None:
        return None
    if (await state.get_data()).get(PANEL_KEY) != message.message_id \
            or query.data not in shown_buttons(message):  # an older panel, or one that
        # has moved on (its filters gave way to results, or to a field's options)
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        return None
    return message


def shown_buttons(message: Message) -> set[str]:
    markup = message.reply_markup
    return {b.callback_data for row in (markup.inline_keyboard if markup else ())
            for b in row if b.callback_data}


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


async def cb_search(query: CallbackQuery, actor: Actor, state: FSMContext,
                    ref: ReferenceData, members: MemberService,
                    intro_service: IntroductionService) -> None:
    message = await live_panel(query, actor, state)
    if message is None:
        return
    await query.answer()
    await show_page(message, actor, state, _filters(await state.get_data()), 0, ref, members,
                    intro_service, edit=True)


async def cb_menu(query: CallbackQuery, actor: Actor, state: FSMContext,
                  ref: ReferenceData) -> None:
    """« Back from the results: the same message shows the filters again."""
    message = await live_panel(query, actor, state)
    if message is None:
        return
    await query.answer()
    await results_gone(state)
    text, keyboard = filter_menu(_filters(await state.get_data()), ref, actor.locale)
    await edit_text(message, text, keyboard)


async def cb_clear(query: CallbackQuery, actor: Actor, state: FSMContext,
                   ref: ReferenceData) -> None:
    message = await live_panel(query, actor, state)
    if message is None:
        return
    await query.answer()
    await results_gone(state)
    await state.update_data(directory={})
    text, keyboard = filter_menu(_filters({}), ref, actor.locale)
    await edit_text(message, text, keyboard)


async def cb_field(query: CallbackQuery, callback_data: FilterCb, actor: Actor,
                   state: FSMContext, ref: ReferenceData) -> None:
    """A filter field: without a value its options open; with one it is set ("*": any)."""
    message = await live_panel(query, actor, state)
    if message is None:
        return
    kind, value = callback_data.kind.value, callback_data.value
    await query.answer()
    await results_gone(state)
    if not value:
        await message.edit_reply_markup(reply_markup=options_menu(kind, ref, actor.locale))
        return
    saved = dict((await state.get_data()).get("directory", {}))
    valid = {"country": ref.country_codes, "agency": ref.agency_codes,
             "expertise": ref.expertise_codes, "language": ref.language_codes}[kind]
    if value == "*":
        saved.pop(kind, None)
    elif value in valid:
        saved[kind] = value
    await state.update_data(directory=saved)
    text, keyboard = filter_menu(_filters({"directory": saved}), ref, actor.locale)
    await edit_text(message, text, keyboard)


async def show_page(message: Message, actor: Actor, state: FSMContext, flt: DirectoryFilter,
                    page: int, ref: ReferenceData, members: MemberService,
                    intro_service: IntroductionService, *, edit: bool) -> None:
    text, keyboard = await results_page(actor, state, flt, page, ref, members, intro_service)
    await show(message, text, keyboard, edit=edit)


async def results_gone(state: FSMContext) -> None:
    """Her panel shows the filters (or a field's options) now, not the results."""
    shown = (await state.get_data()).get(SHOWN_KEY)
    if shown and shown.get("on_screen"):
        await state.update_data(**{SHOWN_KEY: {**shown, "on_screen": False}})


async def results_page(actor: Actor, state: FSMContext, flt: DirectoryFilter, page: int,
                       ref: ReferenceData, members: MemberService,
                       intro_service: IntroductionService
                       ) -> tuple[str, InlineKeyboardMarkup]:
    """A page of results (or the filters, when nobody matches); a member she has asked to
    meet has no 🤝 button: she can't be asked twice."""
    ids, total = await members.search(flt, page * PAGE_SIZE, PAGE_SIZE,
                                       include_suspended=suspensions_seen_by(actor))
    if total == 0:  # the filters again, with the answer under them
        await results_gone(state)
        text, keyboard = filter_menu(flt, ref, actor.locale)
        return text + "\n\n" + _("Nobody matches these filters yet."), keyboard
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    header = _("Found: {count} · page {page} of {pages}").format(
        count=total, page=page + 1, pages=pages)
    cards: list[str] = []
    manage: list[InlineKeyboardButton] = []
    meet: list[InlineKeyboardButton] = []
    asked = await intro_service.already_asked(actor.user_id, ids)
    # Buttons name a place on this page, never a member's id; the page is remembered so
    # that a button of an older page is refused rather than meaning someone else.
    view = int(((await state.get_data()).get(SHOWN_KEY) or {}).get("view", 0)) + 1
    for number, member_id in enumerate(ids, start=page * PAGE_SIZE + 1):
        profile = await members.get(member_id)
        if profile is None:
            continue
        card = f"{number}. " + profile_card(profile, ref, actor.locale, visible_only=True)
        if profile.status != "approved":
            card += "\n" + _("Status: {status}").format(status=status_text(profile.status))
        if profile.status == "approved" and member_id != actor.user_id:
            if member_id in asked:
                card += "\n" + _("🤝 You have asked to meet her.")
            else:
                meet.append(button(_("🤝 Ask to meet {number}").format(number=number),
                                   DirectoryCb(action=DirectoryAction.INTRODUCE,
                                               place=number - page * PAGE_SIZE, view=view)))
        cards.append(card)
        if actor.manages(profile.country_code) and member_id != actor.user_id:
            manage.append(button(f"⚙ {number}", ReviewCb(action=ReviewAction.MANAGE,
                                                         member_id=member_id)))
    salt = secrets.token_hex(8)
    await state.update_data(**{SHOWN_KEY: {
        "view": view, "page": page, "salt": salt, "check": _digest(ids, salt),
        "filter": {kind: getattr(flt, kind) for kind in FILTER_KINDS}, "on_screen": True}})
    if meet:
        header += "\n" + _("🤝 asks for an introduction: she sees your profile and reason, "
                           "and contacts are shared only if she agrees.")
    nav = []
    if page > 0:
        nav.append(button(_("« Previous"), PageCb(view=PageView.MEMBERS, page=page - 1)))
    if page < pages - 1:
        nav.append(button(_("Next »"), PageCb(view=PageView.MEMBERS, page=page + 1)))
    keyboard = rows(meet[:3], meet[3:], manage, nav,
                    [button(_("« Back"), FilterCb(kind=FilterKind.MENU))])
    # Five full profiles can be far over Telegram's 4,096 characters: long cards give way.
    return header + "\n\n" + "\n\n".join(fit(header + "\n\n", cards, separator="\n\n")), \
        keyboard


async def cb_members_page(query: CallbackQuery, callback_data: PageCb, actor: Actor,
                          state: FSMContext, ref: ReferenceData, members: MemberService,
                          intro_service: IntroductionService) -> None:
    message = await live_panel(query, actor, state)
    if message is None:
        return
    await query.answer()
    await show_page(message, actor, state, _filters(await state.get_data()),
                    callback_data.page, ref, members, intro_service, edit=True)


# ---- "Ask for an introduction" from a result -------------------------------------------------

async def limit_text(intro_service: IntroductionService, actor: Actor, ref: ReferenceData
                     ) -> str:
    """How many she sent this week, and from when she may send the next."""
    return intro_limit_text(await intro_service.allowance(actor.user_id), actor.locale,
                            ref.country_timezones.get(actor.country_code or "", "Asia/Almaty"))


def _digest(ids: list[int], salt: str) -> str:
    return hashlib.sha256((salt + ",".join(map(str, ids))).encode()).hexdigest()[:24]


async def member_at(state: FSMContext, actor: Actor, members: MemberService, view: int,
                    place: int) -> int | None:
    """Who is at ``place`` on the page she was shown as ``view``, if it still shows the same
    people; None if the page is an earlier one or has changed since."""
    shown = (await state.get_data()).get(SHOWN_KEY) or {}
    if shown.get("view") != view or not shown.get("salt"):
        return None
    flt = DirectoryFilter(**{k: (shown.get("filter") or {}).get(k) for k in FILTER_KINDS})
    page = int(shown.get("page", 0))
    ids, _total = await members.search(flt, page * PAGE_SIZE, PAGE_SIZE,
                                        include_suspended=suspensions_seen_by(actor))
    if _digest(ids, shown["salt"]) != shown.get("check") or not 1 <= place <= len(ids):
        return None
    return ids[place - 1]


async def cb_introduce(query: CallbackQuery, callback_data: DirectoryCb, actor: Actor,
                       state: FSMContext, members: MemberService,
                       intro_service: IntroductionService, once: OnceOnly,
                       clock: Clock, ref: ReferenceData) -> None:
    message = await member_message(query, actor)
    if message is None or await refused_button(query, actor):  # staff without a profile
        return
    # Each 🤝 button of a page asks once: a double tap's second press only hears so.
    claim = (f"dir_meet:{actor.user_id}:{message.message_id}:{callback_data.view}:"
             f"{callback_data.place}")
    if not await once.first(claim, clock.now()):
        await query.answer(_("This has already been handled."), show_alert=True)
        return
    if not await ask_reason(query, message, callback_data, actor, state, members,
                            intro_service, ref):
        await once.give_back(claim)  # refused: nothing was asked, the button stays usable


async def ask_reason(query: CallbackQuery, message: Message, callback_data: DirectoryCb,
                     actor: Actor, state: FSMContext, members: MemberService,
                     intro_service: IntroductionService, ref: ReferenceData) -> bool:
    target_id = await member_at(state, actor, members, callback_data.view, callback_data.place)
    if target_id is None:
        await stale_button(query)  # a button of an earlier page, or the list changed
        return False
    person = await members.get(target_id)
    if person is None or target_id == actor.user_id or person.status != "approved" \
            or await intro_service.already_asked(actor.user_id, [target_id]):
        await stale_button(query)  # (asked before: her button is gone from the list)
        return False
    if await intro_service.at_limit(actor.user_id):
        await query.answer(await limit_text(intro_service, actor, ref), show_alert=True)
        return False
    await query.answer()
    await state.set_state(DirectoryIntro.reason)
    await state.update_data(directory_intro={"view": callback_data.view,
                                             "place": callback_data.place,
                                             "panel": message.message_id})
    name = person.full_name if person.shows("name") and person.full_name else _("this member")
    await message.answer(_("You are asking to meet {name}. Why would you like to meet her? One "
                           "or two sentences; she will read them. (up to {limit} characters) "
                           "/cancel to stop.").format(name=escape(name), limit=REASON_MAX))
    return True


async def on_intro_reason(message: Message, actor: Actor, state: FSMContext,
                          members: MemberService, intro_service: IntroductionService,
                          ref: ReferenceData, bot: Bot) -> None:
    value, problem = check_short_text(message.text, REASON_MAX, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, REASON_MAX))
        return
    picked = (await state.get_data()).get("directory_intro") or {}
    await state.set_state(None)
    await state.update_data(directory_intro=None)
    if not actor.is_member:
        await message.answer(members_only_text())
        return
    target_id = await member_at(state, actor, members, int(picked.get("view", -1)),
                                int(picked.get("place", 0)))
    outcome = IntroOutcome.GONE if target_id is None or target_id == actor.user_id else \
        await intro_service.start_with(actor.user_id, target_id, value or "")
    if outcome is IntroOutcome.LIMIT:
        await message.answer(await limit_text(intro_service, actor, ref))
    elif outcome is IntroOutcome.DONE:
        await message.answer(_("✓ I have asked her. If she agrees, you both get each other's "
                               "contacts."))
        await redraw_results(bot, message.chat.id, actor, state, picked, ref, members,
                             intro_service)
    else:
        await message.answer(_("She can't be asked for an introduction right now. /introduce "
                               "finds others who fit what you need."))


async def redraw_results(bot: Bot, chat_id: int, actor: Actor, state: FSMContext,
                         picked: dict, ref: ReferenceData,  # type: ignore[type-arg]
                         members: MemberService, intro_service: IntroductionService) -> None:
    """After she asked someone from the results: her panel, if it still shows those
    results, shows them again without that member's 🤝 button."""
    data = await state.get_data()
    shown = data.get(SHOWN_KEY) or {}
    if not shown.get("on_screen") or shown.get("view") != picked.get("view") \
            or data.get(PANEL_KEY) != picked.get("panel"):
        return  # she has moved on: the next results she opens leave it out anyway
    flt = DirectoryFilter(**{k: (shown.get("filter") or {}).get(k) for k in FILTER_KINDS})
    text, keyboard = await results_page(actor, state, flt, int(shown.get("page", 0)), ref,
                                        members, intro_service)
    await edit_by_id(bot, chat_id, int(picked["panel"]), text, keyboard)


def create_router() -> Router:
    router = Router(name="directory")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_members, Command("members"))
    router.callback_query.register(cb_search, FilterCb.filter(F.kind == FilterKind.SEARCH))
    router.callback_query.register(cb_clear, FilterCb.filter(F.kind == FilterKind.CLEAR))
    router.callback_query.register(cb_menu, FilterCb.filter(F.kind == FilterKind.MENU))
    router.callback_query.register(cb_field, FilterCb.filter(
        F.kind.in_({FilterKind(kind) for kind in FILTER_KINDS})))
    router.callback_query.register(cb_members_page, PageCb.filter(F.view == PageView.MEMBERS))
    router.callback_query.register(
        cb_introduce, DirectoryCb.filter(F.action == DirectoryAction.INTRODUCE))
    router.message.register(on_intro_reason, StateFilter(DirectoryIntro.reason), F.text,
                            ~F.text.startswith("/"))
    router.message.register(ask_for_text, StateFilter(DirectoryIntro.reason),
                            ~F.text.startswith("/"))
    return router
