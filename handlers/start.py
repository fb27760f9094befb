"""/start and /language: she picks her language first, then continues where she stopped.

```mermaid
stateDiagram-v2
    [*] --> PickLanguage: /start (first time; an invitation code in the link is kept)
    PickLanguage --> Privacy: language button
    [*] --> Privacy: /start, no profile yet
    [*] --> Wizard: /start, draft (resumes at the open question)
    [*] --> Status: /start, application sent / member
    Privacy --> Wizard: I agree
    Privacy --> [*]: I do not agree
```
The wizard is the profile dialog (``handlers.onboarding``); this module opens it.
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.callbacks import LanguageCb, WizardAction, WizardCb
from bot.clock import Clock
from bot.config import SUPPORTED_LOCALES
from bot.db.repositories.invites import InviteCode
from bot.i18n import LANGUAGE_NAMES, use_locale
from bot.keyboards import button, language_picker, rows
from bot.services.invites import CodeProblem, InviteService
from bot.services.onboarding import InvitationOutcome, OnboardingService
from bot.services.once import OnceOnly
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import code_problem_text
from handlers.common import help_text
from handlers.onboarding import ProfileDialog, open_profile_dialog
from handlers.onboarding.entry import resume_draft
from handlers.ui import drop_keyboard, edit_text, query_message, stale_button

INVITE_KEY = "invite_code"  # an invitation from /start, kept until she accepts the notice


def welcome_text() -> str:
    return _(
        "Welcome to the bot of the Regional Association of Women in Border and Law "
        "Enforcement Agencies in Central Asia."
    )


def privacy_view() -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "<b>Before we start: your data</b>\n"
        "We store the profile you fill in (name, country, agency, position, years of service, "
        "expertise, languages, a short bio) and your language. We never ask for your phone "
        "number.\n"
        "Your country's coordinators and the regional administrators see your profile to "
        "verify you. Other members see only the fields you choose. Your contact is shared "
        "only when you agree to an introduction.\n"
        "You can download your data with /mydata, and leave and delete everything at any time "
        "with /delete_me."
    )
    keyboard = rows([
        button(_("I agree"), WizardCb(action=WizardAction.ACCEPT, step="privacy")),
        button(_("I do not agree"), WizardCb(action=WizardAction.DECLINE, step="privacy")),
    ])
    return text, keyboard


NOTICE_KEY = "privacy_notice"  # the one notice (or hint) whose buttons are live


async def show_privacy(target: Message, state: FSMContext, text: str | None = None) -> None:
    """The notice (or, when she typed on it, the hint) with its buttons; an earlier copy
    loses its own, so one pair of I agree / I do not agree stays live."""
    notice, keyboard = privacy_view()
    earlier = (await state.get_data()).get(NOTICE_KEY)
    sent = await target.answer(text or notice, reply_markup=keyboard)
    await state.update_data(**{NOTICE_KEY: sent.message_id})
    if earlier and target.bot is not None:
        await drop_keyboard(target.bot, target.chat.id, earlier)


async def cmd_start(message: Message, command: CommandObject, actor: Actor, state: FSMContext,
                    ref: ReferenceData, invites: InviteService, clock: Clock,
                    onboarding: OnboardingService,
                    dialog_manager: DialogManager | None = None) -> None:
    profile = await onboarding.profile(actor.user_id) if actor.is_registered else None
    if command.args:
        code = command.args.strip()
        record, problem_text = await checked_invitation(code, clock, invites, onboarding)
        if profile is not None and profile.status == "pending":
            # one answer: she is already under review, the invitation may take her in
            await message.answer(problem_text or await admit_pending_text(
                actor, record, clock, onboarding, ref))  # type: ignore[arg-type]
            return
        if problem_text is not None or record is None:
            await message.answer(problem_text or code_problem_text(CodeProblem.UNKNOWN))
        elif profile is None:
            await state.update_data(**{INVITE_KEY: code})
        elif profile.status == "draft" and await onboarding.attach_invitation(
                actor.user_id, record, clock.now()):
            await message.answer(_("Your invitation is valid: once your profile is complete, "
                                   "you are a member right away."))
        else:
            await message.answer(_("You already have a profile, so the invitation is not "
                                   "needed."))
    if not actor.is_registered:
        await message.answer(
            welcome_text() + "\n\n" + _("Please choose your language."),
            reply_markup=language_picker(actor.locale),
        )
        return
    await continue_registration(message, actor, state, onboarding, ref, dialog_manager)


def creator_gone_text() -> str:
    return _("The person who made this invitation can no longer admit members; your "
             "coordinator will review your application.")


async def checked_invitation(code: str, clock: Clock, invites: InviteService,
                             onboarding: OnboardingService
                             ) -> tuple[InviteCode | None, str | None]:
    """The invitation and what is wrong with it, by the rules that apply when she sends her
    profile: valid now, and its creator still staff for its country (a dismissed
    coordinator's invitations are withdrawn with her: that is the reason she is told)."""
    record, problem = await invites.check(code, clock.now())
    if record is not None and problem in (None, CodeProblem.REVOKED) \
            and not await onboarding.creator_may_admit(record):
        return None, creator_gone_text()
    if problem is not None or record is None:
        return None, code_problem_text(problem or CodeProblem.UNKNOWN)
    return record, None


async def admit_pending_text(actor: Actor, record: InviteCode, clock: Clock,
                             onboarding: OnboardingService, ref: ReferenceData) -> str:
    outcome = await onboarding.admit_pending(actor.user_id, record, clock.now())
    if outcome is InvitationOutcome.ADMITTED:
        return _("Welcome to the association! Your invitation confirmed your membership. "
                 "/help shows what you can do now.")
    if outcome is InvitationOutcome.OTHER_COUNTRY:
        return _("This invitation is for {country}, but your application is for another "
                 "country, so your coordinator will review it as before.").format(
            country=escape(ref.country(record.country_code, actor.locale)))
    if outcome is InvitationOutcome.CREATOR_GONE:
        return creator_gone_text()
    if outcome is InvitationOutcome.LAPSED:
        return code_problem_text(CodeProblem.USED_UP)
    return _("You already have a profile, so the invitation is not needed.")


async def continue_registration(message: Message, actor: Actor, state: FSMContext,
                                onboarding: OnboardingService, ref: ReferenceData,
                                dialog_manager: DialogManager | None = None) -> None:
    """(``dialog_manager`` is missing only where aiogram-dialog has no chat or sender.)"""
    profile = await onboarding.profile(actor.user_id)
    if profile is None:
        await show_privacy(message, state)
        return
    if profile.status == "draft" and dialog_manager is not None:
        await open_profile_dialog(dialog_manager, profile, ref, note="continue")
        return
    texts = {
        "pending": _("Your application is under review. I will let you know the outcome here."),
        "needs_info": _("The coordinator asked for more information. Update your profile with "
                        "/profile and send it again."),
        "rejected": _("Your application was not approved. You can correct your profile with "
                      "/profile and send it again."),
        "suspended": _("Your membership is suspended. Please contact your country's "
                       "coordinator."),
    }
    if profile.status in texts:
        await message.answer(texts[profile.status])
        return
    await message.answer(welcome_text() + "\n\n" + help_text(actor))


async def cmd_language(message: Message, actor: Actor) -> None:
    await message.answer(_("Please choose your language."),
                         reply_markup=language_picker(actor.locale))


async def cb_language(query: CallbackQuery, callback_data: LanguageCb, actor: Actor,
                      state: FSMContext, clock: Clock, i18n: I18n, ref: ReferenceData,
                      onboarding: OnboardingService, once: OnceOnly,
                      dialog_manager: DialogManager | None = None) -> None:
    message = query_message(query)
    if callback_data.code not in SUPPORTED_LOCALES or message is None:
        await stale_button(query)
        return
    # a picker answered already (its buttons are gone), or a double tap on it
    if message.reply_markup is None or not await once.first(
            f"language:{message.chat.id}:{message.message_id}", clock.now()):
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        return
    await onboarding.choose_language(actor.user_id, callback_data.code, clock.now())
    with use_locale(i18n, callback_data.code):
        await query.answer()
        if not isinstance(query.message, Message):
            return
        chosen_name = LANGUAGE_NAMES[callback_data.code]
        await edit_text(query.message, _("Language: {language}").format(language=chosen_name),
                        None)
        if not actor.is_registered:
            chosen = Actor(**{**actor.__dict__, "locale": callback_data.code,
                              "is_registered": True})
            await continue_registration(query.message, chosen, state, onboarding, ref,
                                        dialog_manager)
        elif actor.status == "draft" and dialog_manager is not None:
            # /language mid-wizard: her question comes back, in the language she chose
            dialog_manager.middleware_data["actor"] = Actor(
                **{**actor.__dict__, "locale": callback_data.code})
            await resume_draft(dialog_manager, onboarding, ref, actor.user_id)


async def cb_privacy(query: CallbackQuery, callback_data: WizardCb, actor: Actor,
                     state: FSMContext, clock: Clock, invites: InviteService,
                     onboarding: OnboardingService,
                     dialog_manager: DialogManager | None = None) -> None:
    """I agree: her draft starts and the notice becomes the wizard's first question."""
    message = query_message(query)
    if message is None or dialog_manager is None or not actor.is_registered:  # forged
        await stale_button(query)
        return
    if await onboarding.profile(actor.user_id) is not None:
        await query.answer(_("This button is from an earlier message."))
        return
    if callback_data.action is WizardAction.DECLINE:
        await query.answer()
        await state.clear()
        await edit_text(message, _(
            "Understood. We keep nothing but your language. If you change your mind, "
            "press /start."), None)
        return
    invite = await pending_invitation(message, state, clock, invites, onboarding)
    if not await onboarding.accept_privacy(actor.user_id, clock.now(), invite):
        await query.answer(_("This button is from an earlier message."))
        return
    await query.answer()
    # the notice stays readable above; its buttons go when the first question is sent
    await dialog_manager.start(ProfileDialog.name, data={"mode": "signup"},
                               mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def pending_invitation(message: Message, state: FSMContext, clock: Clock,
                             invites: InviteService, onboarding: OnboardingService
                             ) -> InviteCode | None:
    """The invitation she started with, checked (its use is taken when she sends her profile)."""
    code = (await state.get_data()).get(INVITE_KEY)
    if not code:
        return None
    await state.update_data(**{INVITE_KEY: None})
    record, problem_text = await checked_invitation(code, clock, invites, onboarding)
    if problem_text is not None or record is None:
        await message.answer(problem_text or code_problem_text(CodeProblem.UNKNOWN))
        return None
    await message.answer(_("Your invitation is valid: once your profile is complete, you are "
                           "a member right away."))
    return record


async def on_privacy_pending(message: Message, actor: Actor | None, state: FSMContext
                             ) -> None:
    """She chose a language but has not answered the notice: what she sends gets the way on,
    with the notice's buttons (its account is already read for every update: no query)."""
    if actor is None or not actor.is_registered or actor.status is not None:
        raise SkipHandler
    await show_privacy(message, state, _("Please press “I agree” or “I do not agree” below."))


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(cb_language, LanguageCb.filter())
    router.callback_query.register(
        cb_privacy, WizardCb.filter(F.action.in_({WizardAction.ACCEPT, WizardAction.DECLINE})
                                    & (F.step == "privacy")))
    router.message.register(on_privacy_pending, StateFilter(None), ~F.text.startswith("/"))
    return router
