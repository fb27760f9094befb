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
from bot.db.repositories.invites import InviteCode
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.users import UserRepo
from bot.i18n import LANGUAGE_NAMES, use_locale
from bot.keyboards import language_picker
from bot.services.invites import CodeProblem, InviteService
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from handlers.common import help_text
from handlers.ui import edit_text, stale_button
from handlers.onboarding import Onboarding, show_privacy, show_step

INVITE_KEY = "invite_code"


def welcome_text() -> str:
    return _(
        "Welcome to the bot of the Regional Association of Women in Border and Law "
        "Enforcement Agencies in Central Asia."
    )


def code_problem_text(problem: CodeProblem) -> str:
    return {
        CodeProblem.UNKNOWN: _("This invitation link is not valid. Check the link, or apply "
                               "without it: your coordinator will verify you."),
        CodeProblem.EXPIRED: _("This invitation link has expired. Ask your coordinator for a "
                               "new one, or apply without it."),
        CodeProblem.REVOKED: _("This invitation link has been withdrawn. Ask your coordinator "
                               "for a new one, or apply without it."),
        CodeProblem.USED_UP: _("This invitation link has already been used. Ask your "
                               "coordinator for a new one, or apply without it."),
    }[problem]


async def cmd_start(message: Message, command: CommandObject, actor: Actor, state: FSMContext,
                    profiles: ProfileRepo, ref: ReferenceData, invites: InviteService,
                    clock: Clock) -> None:
    profile = await profiles.get(actor.user_id) if actor.is_registered else None
    if command.args:
        if profile is not None:
            await message.answer(_("You already have a profile, so the invitation is not "
                                   "needed."))
        else:
            _record, problem = await invites.check(command.args.strip(), clock.now())
            if problem is not None:
                await message.answer(code_problem_text(problem))
            else:
                await state.update_data(**{INVITE_KEY: command.args.strip()})
    if not actor.is_registered:
        await message.answer(
            welcome_text() + "\n\n" + _("Please choose your language."),
            reply_markup=language_picker(actor.locale),
        )
        return
    await continue_registration(message, actor, state, profiles, ref, clock)


async def continue_registration(message: Message, actor: Actor, state: FSMContext,
                                profiles: ProfileRepo, ref: ReferenceData, clock: Clock) -> None:
    profile = await profiles.get(actor.user_id)
    if profile is None:
        await show_privacy(message)
        return
    if profile.status == "draft":
        await state.set_state(Onboarding.filling)
        if profile.wizard_step is None:
            await profiles.update(actor.user_id, clock.now(), wizard_step="summary")
            profile.wizard_step = "summary"
        await message.answer(_("Let's continue where you stopped."))
        await show_step(message, profile, ref, actor.locale)
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


async def take_pending_invite(message: Message, state: FSMContext, clock: Clock,
                              invites: InviteService) -> InviteCode | None:
    """Take a use of the invitation she started with, now that she creates her profile."""
    data = await state.get_data()
    code = data.get(INVITE_KEY)
    if not code:
        return None
    await state.update_data(**{INVITE_KEY: None})
    record, problem = await invites.take(code, clock.now())
    if problem is not None:
        await message.answer(code_problem_text(problem))
        return None
    await message.answer(_("Your invitation is valid: once your profile is complete, you are "
                           "a member right away."))
    return record


async def cmd_language(message: Message, actor: Actor) -> None:
    await message.answer(_("Please choose your language."),
                         reply_markup=language_picker(actor.locale))


async def cb_language(query: CallbackQuery, callback_data: LanguageCb, actor: Actor,
                      users: UserRepo, clock: Clock, i18n: I18n, state: FSMContext,
                      profiles: ProfileRepo, ref: ReferenceData) -> None:
    if callback_data.code not in SUPPORTED_LOCALES:
        await stale_button(query)
        return
    await users.set_locale(actor.user_id, callback_data.code, clock.now())
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
            await continue_registration(query.message, chosen, state, profiles, ref, clock)


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(cb_language, LanguageCb.filter())
    return router
