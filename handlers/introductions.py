"""/introduce: ask to meet a member who fits ("border management, Tajikistan, speaks Russian").

She is shown up to three members who fit on the fields they made visible, picks one, and
that member decides with the requester's visible profile and reason in front of her.
Contacts go to both only if she agrees; a refusal looks to the requester like no answer.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import IntroCb
from bot.clock import Clock
from bot.db.repositories.introductions import Introduction, IntroRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.keyboards import button, rows
from bot.services.delivery import Protected, Recipient
from bot.services.introductions import IntroductionService, IntroOutcome, WEEKLY_LIMIT
from bot.services.message_kinds import MessageKind
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.telegram_chats import TelegramChats
from bot.texts import problem_text, profile_card, reach_text
from handlers.directory import member_message, members_only_text, picked_place
from handlers.ui import append_note, ask_for_text, edit_text, not_for_you, refused

REASON_MAX = 300
STEPS = ("country", "expertise", "language")


class IntroForm(StatesGroup):
    reason = State()


def settings_text(enabled: bool, blocked: int) -> str:
    lines = [_("<b>Introductions</b>"),
             _("Ask to meet a member who fits what you need. She sees your profile as other "
               "members see it and your reason; contacts are shared only if she agrees. Up to "
               "{limit} requests a week.").format(limit=WEEKLY_LIMIT),
             _("Others can ask to meet you: on.") if enabled
             else _("Others can ask to meet you: off.")]
    if blocked:
        lines.append(_("People you blocked: {count}.").format(count=blocked))
    return "\n\n".join(lines)


def settings_keyboard(enabled: bool, blocked: int) -> InlineKeyboardMarkup:
    lines = [[button(_("Ask to meet someone"), IntroCb(action="new"))],
             [button(_("Switch off requests to me") if enabled
                     else _("Switch on requests to me"), IntroCb(action="toggle"))]]
    if blocked:
        lines.append([button(_("Unblock everyone"), IntroCb(action="unblock"))])
    return rows(*lines)


def step_keyboard(step: str, ref: ReferenceData, locale: str) -> InlineKeyboardMarkup:
    codes = {"country": ref.country_codes, "expertise": ref.expertise_codes,
             "language": ref.language_codes}[step]
    width = 1 if step == "expertise" else 2
    buttons = [button(ref.label(step, code, locale), IntroCb(action=step, value=code))
               for code in codes]
    lines = [buttons[i:i + width] for i in range(0, len(buttons), width)]
    lines.append([button(_("any"), IntroCb(action=step, value="*"))])
    return rows(*lines)


def limit_text() -> str:
    return _("You have made {limit} requests this week. Please wait a few days before the "
             "next one.").format(limit=WEEKLY_LIMIT)


def step_question(step: str) -> str:
    return {"country": _("From which country?"),
            "expertise": _("Which area of expertise?"),
            "language": _("Which language should she speak?")}[step]


async def candidates_message(intro: Introduction, profiles: ProfileRepo, ref: ReferenceData,
                             locale: str) -> tuple[str, InlineKeyboardMarkup]:
    cards = [_("Members who fit your request:")]
    buttons = []
    for number, person_id in intro.places:
        person = await profiles.get(person_id)
        if person is None:
            continue
        cards.append(f"{number}. " + profile_card(person, ref, locale, visible_only=True))
        buttons.append([button(_("Ask member {number}").format(number=number),
                               IntroCb(action="ask", value=str(number), intro_id=intro.id))])
    return "\n\n".join(cards), rows(*buttons)


async def cmd_introduce(message: Message, actor: Actor, state: FSMContext, intros: IntroRepo
                        ) -> None:
    if not actor.is_member:
        await message.answer(members_only_text())
        return
    await state.set_state(None)
    settings = await intros.settings(actor.user_id)
    blocked = await intros.count_blocked(actor.user_id)
    await message.answer(settings_text(settings.intros_enabled, blocked),
                         reply_markup=settings_keyboard(settings.intros_enabled, blocked))


async def cb_intro_form(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                        state: FSMContext, ref: ReferenceData, intros: IntroRepo,
                        intro_service: IntroductionService, clock: Clock) -> None:
    if not actor.is_member:  # her /introduce buttons are a member's: not a stranger's
        await not_for_you(query)
        return
    message = await member_message(query, actor)
    if message is None:
        return
    action, value = callback_data.action, callback_data.value
    await query.answer()
    if action == "toggle":
        settings = await intros.settings(actor.user_id)
        await intros.update_settings(actor.user_id, clock.now(),
                                     intros_enabled=not settings.intros_enabled)
        blocked = await intros.count_blocked(actor.user_id)
        await edit_text(message, settings_text(not settings.intros_enabled, blocked),
                        settings_keyboard(not settings.intros_enabled, blocked))
        return
    if action == "unblock":
        await intros.unblock_all(actor.user_id)
        settings = await intros.settings(actor.user_id)
        await edit_text(message, settings_text(settings.intros_enabled, 0),
                        settings_keyboard(settings.intros_enabled, 0))
        return
    if action == "new":
        if await intro_service.at_limit(actor.user_id):  # say so before the questions
            await message.answer(limit_text())
            return
        await state.update_data(intro={})
        await message.answer(step_question("country"),
                             reply_markup=step_keyboard("country", ref, actor.locale))
        return
    valid = {"country": ref.country_codes, "expertise": ref.expertise_codes,
             "language": ref.language_codes}.get(action, ())
    stored = (await state.get_data()).get("intro")
    if (value != "*" and value not in valid) or stored is None:
        # forged, or a question of a request she cancelled or already sent
        await message.answer(_("This button is no longer valid."))
        return
    data = dict(stored)
    data[action] = None if value == "*" else value
    await state.update_data(intro=data)
    following = STEPS[STEPS.index(action) + 1] if action != STEPS[-1] else None
    if following:
        await message.answer(step_question(following),
                             reply_markup=step_keyboard(following, ref, actor.locale))
        return
    await state.set_state(IntroForm.reason)
    await message.answer(_("Why would you like to meet her? One or two sentences; she will "
                           "read them. (up to {limit} characters)").format(limit=REASON_MAX))


async def on_reason(message: Message, actor: Actor, state: FSMContext, ref: ReferenceData,
                    intro_service: IntroductionService, intros: IntroRepo,
                    profiles: ProfileRepo) -> None:
    value, problem = check_short_text(message.text, REASON_MAX, keep_lines=True)
    if problem is not None:
        await message.answer(problem_text(problem, REASON_MAX))
        return
    data = (await state.get_data()).get("intro", {})
    await state.set_state(None)
    await state.update_data(intro=None)
    outcome, intro_id = await intro_service.start(
        actor.user_id, data.get("country"), data.get("expertise"), data.get("language"),
        value or "")
    if outcome is IntroOutcome.LIMIT:
        await message.answer(limit_text())
        return
    if outcome is IntroOutcome.NOBODY:
        await message.answer(_("Nobody who fits this request can be asked right now. Try "
                               "fewer conditions: /introduce"))
        return
    intro = await intros.get(intro_id)
    assert intro is not None
    text, keyboard = await candidates_message(intro, profiles, ref, actor.locale)
    await message.answer(text, reply_markup=keyboard)


async def cb_intro_ask(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                       intro_service: IntroductionService) -> None:
    if not actor.is_member:  # an introduction's buttons are a member's: not hers
        await not_for_you(query)
        return
    picked = await picked_place(query, actor, callback_data.value)
    if picked is None:
        return
    message, place = picked
    outcome = await intro_service.ask(callback_data.intro_id, actor.user_id, place)
    if await refused(query, outcome):
        return
    await query.answer()
    await append_note(message, _(
        "✓ I have asked her. If she agrees, you both get each other's contacts."))


async def cb_intro_answer(query: CallbackQuery, callback_data: IntroCb, actor: Actor,
                          intro_service: IntroductionService) -> None:
    if not actor.is_member:  # a stranger with someone's button: it is not hers
        await not_for_you(query)
        return
    message = await member_message(query, actor)
    if message is None:
        return
    action = callback_data.action
    outcome = await intro_service.answer(callback_data.intro_id, actor.user_id,
                                         action == "agree", block=action == "block")
    if await refused(query, outcome):
        return
    await query.answer()
    note = {"agree": _("✓ You agreed. I am sending you both each other's contacts."),
            "decline": _("Thank you for answering. She will not be told that you declined."),
            "block": _("Done. She will not be proposed to you again.")}[action]
    await append_note(message, note)


def renderers(app: Any) -> dict[str, Any]:
    repo: IntroRepo = app.intros
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference

    async def request(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"])
        if intro is None or intro.status != "asked" or intro.target_id != to.user_id:
            return None
        requester = await profiles.get(intro.requester_id)
        if requester is None:
            return None
        text = "\n\n".join([
            _("A member would like to meet you:"),
            profile_card(requester, ref, to.locale, visible_only=True),
            _("Her reason: «{reason}»").format(reason=escape(intro.reason)),
            _("If you agree, you both get each other's contacts. If not, she is not told "
              "that you declined.")])
        return text, rows(
            [button(_("Agree"), IntroCb(action="agree", intro_id=intro.id)),
             button(_("Not now"), IntroCb(action="decline", intro_id=intro.id))],
            [button(_("Block this person"), IntroCb(action="block", intro_id=intro.id))])

    async def contacts(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"])
        if intro is None or intro.status != "accepted" or intro.target_id is None \
                or to.user_id not in (intro.requester_id, intro.target_id):
            return None
        other_id = intro.target_id if to.user_id == intro.requester_id else intro.requester_id
        reach = await reach_text(other_id, profiles, TelegramChats(app.bot))
        if to.user_id == intro.requester_id:
            text = _("🤝 She agreed to meet you. Write to her: {contact}").format(contact=reach)
        else:
            text = _("🤝 Here is the contact of the member you agreed to meet: {contact}. "
                     "She will write to you.").format(contact=reach)
        return Protected(text)

    async def next_people(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"]) if payload["intro_id"] else None
        lead = _("That introduction did not work out this time.")
        if intro is None or intro.requester_id != to.user_id or not intro.candidates:
            return lead + " " + _("Nobody else who fits this request can be asked right now. "
                                  "/introduce starts a new one."), None
        text, keyboard = await candidates_message(intro, profiles, ref, to.locale)
        return lead + "\n\n" + text, keyboard

    return {MessageKind.INTRO_REQUEST: request, MessageKind.INTRO_CONTACTS: contacts,
            MessageKind.INTRO_NEXT: next_people}


def create_router() -> Router:
    router = Router(name="introductions")
    private = F.chat.type == "private"
    router.message.register(cmd_introduce, Command("introduce"), private)
    router.message.register(on_reason, StateFilter(IntroForm.reason), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(ask_for_text, StateFilter(IntroForm.reason), private,
                            ~F.text.startswith("/"))
    router.callback_query.register(cb_intro_ask, IntroCb.filter(F.action == "ask"))
    router.callback_query.register(cb_intro_answer,
                                   IntroCb.filter(F.action.in_({"agree", "decline", "block"})))
    router.callback_query.register(cb_intro_form, IntroCb.filter(F.action.in_({
        "toggle", "unblock", "new", *STEPS})))
    return router
