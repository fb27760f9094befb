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
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.users import UserRepo
from bot.i18n import LANGUAGE_NAMES, use_locale
from bot.keyboards import language_picker
from bot.services.invites import InviteService
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import code_problem_text
from handlers.common import help_text
from handlers.ui import edit_text, stale_button
from handlers.onboarding import INVITE_KEY, WizardDeps, resume_wizard, show_privacy


def welcome_text() -> str:
    return _(
        "Welcome to the bot of the Regional Association of Women in Border and Law "
        "Enforcement Agencies in Central Asia."
    )


async def cmd_start(message: Message, command: CommandObject, actor: Actor, state: FSMContext,
                    profiles: ProfileRepo, ref: ReferenceData, invites: InviteService,
                    clock: Clock, wizard: WizardDeps) -> None:
    profile = await profiles.get(actor.user_id) if actor.is_registered else None
    if command.args:
        record, problem = await invites.check(command.args.strip(), clock.now())
        if problem is not None or record is None:
            await message.answer(code_problem_text(problem))  # type: ignore[arg-type]
        elif profile is None:
            await state.update_data(**{INVITE_KEY: command.args.strip()})
        elif profile.status == "draft" and await wizard.onboarding.attach_invitation(
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
    await continue_registration(message, actor, state, profiles, ref, clock, wizard)


async def continue_registration(message: Message, actor: Actor, state: FSMContext,
                                profiles: ProfileRepo, ref: ReferenceData, clock: Clock,
                                wizard: WizardDeps) -> None:
    profile = await profiles.get(actor.user_id)
    if profile is None:
        await show_privacy(message)
        return
    if profile.status == "draft":
        await message.answer(_("Let's continue where you stopped."))
        await resume_wizard(wizard.for_message(message, actor, state), profile)
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
                      users: UserRepo, clock: Clock, i18n: I18n, state: FSMContext,
                      profiles: ProfileRepo, ref: ReferenceData, wizard: WizardDeps) -> None:
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
            await continue_registration(query.message, chosen, state, profiles, ref, clock,
                                        wizard)


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(cb_language, LanguageCb.filter())
    return router
