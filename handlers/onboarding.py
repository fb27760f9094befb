"""The sign-up wizard and profile editing (rules and diagram: ``bot/services/onboarding.py``).

One FSM state marks "she is filling in her profile"; which question is open is kept in the
draft itself (``wizard_step``), so /cancel, a restart or /start days later resume exactly there.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import WizardAction, WizardCb
from bot.clock import Clock
from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES, Profile, ProfileRepo
from bot.db.repositories.users import UserRepo
from bot.keyboards import button, rows
from bot.chat_removals import RemovalRunner
from bot.notifier import Notifier
from bot.services.invites import InviteService
from bot.services.onboarding import (
    OPTIONAL_STEPS,
    TEXT_STEPS,
    OnboardingService,
    missing_required,
    next_step,
    previous_step,
)
from bot.services.profile_input import (
    AGENCY_MAX,
    BIO_MAX,
    NAME_MAX,
    POSITION_MAX,
    check_bio,
    check_name,
    check_short_text,
    check_years,
)
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.texts import field_label, problem_text, profile_card
from handlers.ui import edit_text, query_message, stale_button


class Onboarding(StatesGroup):
    filling = State()


# ---- rendering ---------------------------------------------------------------------------

def question(step: str) -> str:
    return {
        "name": _("What is your full name?"),
        "country": _("Which country do you serve in?"),
        "agency": _("Which agency do you work for?"),
        "agency_other": _("Please type the name of your agency."),
        "position": _("What is your position or rank? (optional)"),
        "years": _("How many years have you served? Send a number from 0 to 45."),
        "expertise": _("Choose your areas of expertise (one or more), then press Done."),
        "languages": _("Which languages do you speak? Choose one or more, then press Done."),
        "bio": _("Tell other members a little about yourself (optional, up to 500 characters)."),
        "visibility": _(
            "Which parts of your profile may other members see? Your country is always "
            "visible. Contacts are never shown without your consent. Press Done when ready."
        ),
    }[step]


def _choices(step: str, profile: Profile, ref: ReferenceData, locale: str
             ) -> list[tuple[str, WizardCb]]:
    if step == "country":
        return [(("✓ " if c == profile.country_code else "") + ref.country(c, locale),
                 WizardCb(action=WizardAction.PICK, step=step, value=c))
                for c in ref.country_codes]
    if step == "agency":
        return [(("✓ " if c == profile.agency_code else "") + ref.agency(c, locale),
                 WizardCb(action=WizardAction.PICK, step=step, value=c))
                for c in ref.agency_codes]
    if step == "expertise":
        return [(("✓ " if c in profile.expertise else "") + ref.expertise(c, locale),
                 WizardCb(action=WizardAction.TOGGLE, step=step, value=c))
                for c in ref.expertise_codes]
    if step == "languages":
        return [(("✓ " if c in profile.languages else "") + ref.language(c, locale),
                 WizardCb(action=WizardAction.TOGGLE, step=step, value=c))
                for c in ref.language_codes]
    if step == "visibility":
        return [(("✓ " if profile.shows(n) else "✗ ") + field_label(n),
                 WizardCb(action=WizardAction.TOGGLE, step=step, value=n))
                for n in VISIBLE_FIELD_NAMES]
    return []


def step_view(step: str, profile: Profile, ref: ReferenceData, locale: str
              ) -> tuple[str, InlineKeyboardMarkup]:
    if step == "summary":
        return summary_view(profile, ref, locale)
    choices = _choices(step, profile, ref, locale)
    width = 1 if step in ("agency", "expertise") else 2
    lines = [[button(t, d) for t, d in choices[i:i + width]] for i in range(0, len(choices), width)]
    if step in ("expertise", "languages", "visibility"):
        lines.append([button(_("Done"), WizardCb(action=WizardAction.DONE, step=step))])
    nav = []
    if step != "name":
        nav.append(button(_("« Back"), WizardCb(action=WizardAction.BACK, step=step)))
    if step in OPTIONAL_STEPS:
        nav.append(button(_("Skip »"), WizardCb(action=WizardAction.SKIP, step=step)))
    lines.append(nav)
    return question(step), rows(*lines)


EDITABLE = ("name", "country", "agency", "position", "years", "expertise", "languages", "bio",
            "visibility")


def edit_label(step: str) -> str:
    return {
        "name": _("Edit name"), "country": _("Edit country"), "agency": _("Edit agency"),
        "position": _("Edit position"), "years": _("Edit years"),
        "expertise": _("Edit expertise"), "languages": _("Edit languages"),
        "bio": _("Edit about me"), "visibility": _("Edit visibility"),
    }[step]


def edit_buttons(profile: Profile) -> list[list]:  # type: ignore[type-arg]
    steps = [s for s in EDITABLE if not (s == "country" and profile.invite_code_id
                                         and profile.status == "draft")]
    buttons = [button(edit_label(s), WizardCb(action=WizardAction.EDIT, step=s)) for s in steps]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def summary_view(profile: Profile, ref: ReferenceData, locale: str
                 ) -> tuple[str, InlineKeyboardMarkup]:
    text = _("Please check your profile before you send it:") + "\n\n" + profile_card(
        profile, ref, locale)
    lines = edit_buttons(profile)
    lines.append([button(_("Send application"),
                         WizardCb(action=WizardAction.SUBMIT, step="summary"))])
    return text, rows(*lines)


def profile_view(profile: Profile, ref: ReferenceData, locale: str
                 ) -> tuple[str, InlineKeyboardMarkup]:
    text = _("Your profile") + "\n\n" + profile_card(profile, ref, locale, with_status=True)
    lines = edit_buttons(profile)
    if profile.status in ("needs_info", "rejected"):
        lines.append([button(_("Send application again"),
                             WizardCb(action=WizardAction.SUBMIT, step="summary"))])
    return text, rows(*lines)


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


async def show_step(target: Message, profile: Profile, ref: ReferenceData, locale: str) -> None:
    step = profile.wizard_step or "summary"
    text, keyboard = step_view(step, profile, ref, locale)
    await target.answer(text, reply_markup=keyboard)


async def show_privacy(target: Message) -> None:
    text, keyboard = privacy_view()
    await target.answer(text, reply_markup=keyboard)


# ---- moving through the steps --------------------------------------------------------------

@dataclass
class Wizard:
    """One update's view of the wizard: who answers, where, and the services it needs."""

    message: Message
    actor: Actor
    state: FSMContext
    profiles: ProfileRepo
    ref: ReferenceData
    clock: Clock
    bot: Bot
    notifier: Notifier
    onboarding: OnboardingService
    removals: RemovalRunner

    async def show(self, profile: Profile) -> None:
        await show_step(self.message, profile, self.ref, self.actor.locale)


async def advance(wiz: Wizard, current: str) -> None:
    """After an answer: the next step, or back to the summary or profile when editing."""
    profile = await wiz.profiles.get(wiz.actor.user_id)
    assert profile is not None
    editing = bool((await wiz.state.get_data()).get("editing"))
    target = next_step(current, profile, wiz.ref.other_agency_codes)
    if editing and not (current == "agency" and target == "agency_other"):
        target = "summary"
    if profile.status != "draft" and target == "summary":
        await finish_edit(wiz, profile, current)
        return
    await wiz.profiles.update(profile.user_id, wiz.clock.now(), wizard_step=target)
    profile.wizard_step = target
    if target == "summary":
        await wiz.state.update_data(editing=False)
    await wiz.show(profile)


async def finish_edit(wiz: Wizard, profile: Profile, step: str) -> None:
    """A member's edit is saved; a new country means verification again."""
    await wiz.profiles.update(profile.user_id, wiz.clock.now(), wizard_step=None)
    old_country = (await wiz.state.get_data()).get("old_country")
    await wiz.state.clear()
    text, keyboard = profile_view(profile, wiz.ref, wiz.actor.locale)
    await wiz.message.answer(_("Saved.") + "\n\n" + text, reply_markup=keyboard)
    moved = step == "country" and old_country and old_country != profile.country_code
    if not moved or profile.status != "approved":
        return
    if not await wiz.onboarding.reverify_after_country_change(profile.user_id, old_country,
                                                              wiz.clock.now()):
        return
    from handlers.verification import notify_reviewers

    await wiz.message.answer(_(
        "You changed your country, so your membership will be verified again by that "
        "country's coordinator. Until then, member features are paused."))
    await notify_reviewers(wiz.bot, wiz.notifier, wiz.profiles, wiz.ref, profile.user_id,
                           await wiz.onboarding.reviewers_of(profile.country_code))
    await wiz.removals.flush(wiz.bot)


async def cmd_profile(message: Message, actor: Actor, profiles: ProfileRepo, state: FSMContext,
                      ref: ReferenceData) -> None:
    profile = await profiles.get(actor.user_id)
    if profile is None:
        await message.answer(_("You have no profile yet. Press /start to create one."))
        return
    if profile.status == "draft":
        await state.set_state(Onboarding.filling)
        await show_step(message, profile, ref, actor.locale)
        return
    text, keyboard = profile_view(profile, ref, actor.locale)
    await message.answer(text, reply_markup=keyboard)


async def on_text_answer(message: Message, actor: Actor, state: FSMContext, profiles: ProfileRepo,
                         ref: ReferenceData, clock: Clock, bot: Bot, notifier: Notifier,
                         onboarding: OnboardingService, removals: RemovalRunner) -> None:
    profile = await profiles.get(actor.user_id)
    if profile is None or profile.wizard_step is None:
        await state.clear()
        await message.answer(_("I didn't understand that. /help lists what you can do."))
        return
    step = profile.wizard_step
    if step not in TEXT_STEPS:
        await message.answer(_("Please use the buttons below."))
        await show_step(message, profile, ref, actor.locale)
        return
    if message.text is None:
        await message.answer(_("Please answer with a text message."))
        await show_step(message, profile, ref, actor.locale)
        return
    now = clock.now()
    if step == "name":
        value, problem = check_name(message.text)
        limit, column = NAME_MAX, "full_name"
    elif step == "agency_other":
        value, problem = check_short_text(message.text, AGENCY_MAX)
        limit, column = AGENCY_MAX, "agency_other"
    elif step == "position":
        value, problem = check_short_text(message.text, POSITION_MAX)
        limit, column = POSITION_MAX, "position"
    elif step == "bio":
        value, problem = check_bio(message.text)
        limit, column = BIO_MAX, "bio"
    else:
        value, problem = check_years(message.text)
        limit, column = 45, "years_of_service"
    if problem is not None:
        await message.answer(problem_text(problem, limit))
        await show_step(message, profile, ref, actor.locale)
        return
    await profiles.update(actor.user_id, now, **{column: value})
    await advance(Wizard(message, actor, state, profiles, ref, clock, bot, notifier, onboarding,
                         removals), step)


async def on_non_text_answer(message: Message, actor: Actor, profiles: ProfileRepo,
                             ref: ReferenceData) -> None:
    profile = await profiles.get(actor.user_id)
    if profile is None or profile.wizard_step is None:
        await message.answer(_("I didn't understand that. /help lists what you can do."))
        return
    if profile.wizard_step in TEXT_STEPS:
        await message.answer(_("Please answer with a text message."))
    else:
        await message.answer(_("Please use the buttons below."))
    await show_step(message, profile, ref, actor.locale)


async def cb_wizard(query: CallbackQuery, callback_data: WizardCb, actor: Actor,
                    state: FSMContext, profiles: ProfileRepo, users: UserRepo,
                    ref: ReferenceData, clock: Clock, bot: Bot, notifier: Notifier,
                    onboarding: OnboardingService, invites: InviteService,
                    removals: RemovalRunner) -> None:
    message = query_message(query)
    if message is None:
        await stale_button(query)
        return
    if callback_data.step == "privacy":
        await on_privacy(query, message, callback_data, actor, state, profiles, ref, clock,
                         invites)
        return
    profile = await profiles.get(actor.user_id)
    if profile is None:
        await stale_button(query)
        return
    action = callback_data.action
    now = clock.now()
    wiz = Wizard(message, actor, state, profiles, ref, clock, bot, notifier, onboarding, removals)
    if action is WizardAction.EDIT:
        if callback_data.step not in EDITABLE or (
                callback_data.step == "country" and profile.invite_code_id
                and profile.status == "draft"):
            await stale_button(query)
            return
        await profiles.update(actor.user_id, now, wizard_step=callback_data.step)
        await state.set_state(Onboarding.filling)
        await state.update_data(editing=True)
        profile.wizard_step = callback_data.step
        await query.answer()
        await show_step(message, profile, ref, actor.locale)
        return
    if action is WizardAction.SUBMIT:
        await query.answer()
        await submit(wiz, profile)
        return
    if profile.wizard_step != callback_data.step:
        await query.answer(_("This button is from an earlier message."))
        if profile.wizard_step is not None:
            await show_step(message, profile, ref, actor.locale)
        return
    step = callback_data.step
    value = callback_data.value
    if action is WizardAction.BACK:
        target = previous_step(step, profile, ref.other_agency_codes) or step
        await profiles.update(actor.user_id, now, wizard_step=target)
        profile.wizard_step = target
        await query.answer()
        await show_step(message, profile, ref, actor.locale)
        return
    if action is WizardAction.SKIP and step in OPTIONAL_STEPS:
        column = "position" if step == "position" else "bio"
        await profiles.update(actor.user_id, now, **{column: None})
        await query.answer()
        await advance(wiz, step)
        return
    if action is WizardAction.PICK and (
            (step == "country" and value in ref.country_codes)
            or (step == "agency" and value in ref.agency_codes)):
        column = "country_code" if step == "country" else "agency_code"
        if step == "country" and profile.status != "draft":
            await state.update_data(old_country=profile.country_code)
        await profiles.update(actor.user_id, now, **{column: value})
        await query.answer()
        await advance(wiz, step)
        return
    if action is WizardAction.TOGGLE:
        if step == "expertise" and value in ref.expertise_codes:
            await profiles.toggle_choice(actor.user_id, "profile_expertise", value)
        elif step == "languages" and value in ref.language_codes:
            await profiles.toggle_choice(actor.user_id, "profile_languages", value)
        elif step == "visibility" and value in VISIBLE_FIELD_NAMES:
            shown = set(profile.visible_fields) ^ {value}
            await profiles.update(actor.user_id, now, visible_fields=",".join(
                n for n in VISIBLE_FIELD_NAMES if n in shown))
        else:
            await stale_button(query)
            return
        fresh = await profiles.get(actor.user_id)
        assert fresh is not None
        text, keyboard = step_view(step, fresh, ref, actor.locale)
        await query.answer()
        await edit_text(message, text, keyboard)
        return
    if action is WizardAction.DONE and step in ("expertise", "languages", "visibility"):
        chosen = profile.expertise if step == "expertise" else profile.languages
        if step != "visibility" and not chosen:
            await query.answer(_("Please choose at least one."), show_alert=True)
            return
        await query.answer()
        await advance(wiz, step)
        return
    await stale_button(query)


async def on_privacy(query: CallbackQuery, message: Message, callback_data: WizardCb,
                     actor: Actor, state: FSMContext, profiles: ProfileRepo,
                     ref: ReferenceData, clock: Clock, invites: InviteService) -> None:
    existing = await profiles.get(actor.user_id)
    if existing is not None:
        await query.answer(_("This button is from an earlier message."))
        return
    await query.answer()
    if callback_data.action is WizardAction.DECLINE:
        await state.clear()
        await message.edit_text(_(
            "Understood. We keep nothing but your language. If you change your mind, "
            "press /start."))
        return
    if callback_data.action is not WizardAction.ACCEPT:
        return
    from handlers.start import take_pending_invite

    invite = await take_pending_invite(message, state, clock, invites)
    await profiles.create_draft(
        actor.user_id, clock.now(), step="name",
        invite_code_id=invite.id if invite else None,
        country_code=invite.country_code if invite else None)
    await message.edit_reply_markup(reply_markup=None)
    await state.set_state(Onboarding.filling)
    profile = await profiles.get(actor.user_id)
    assert profile is not None
    await show_step(message, profile, ref, actor.locale)


async def submit(wiz: Wizard, profile: Profile) -> None:
    missing = missing_required(profile, wiz.ref.other_agency_codes)
    if missing is not None:
        await wiz.message.answer(_("Some required answers are missing. Let's fill them in."))
        await wiz.profiles.update(profile.user_id, wiz.clock.now(), wizard_step=missing)
        await wiz.state.set_state(Onboarding.filling)
        profile.wizard_step = missing
        await wiz.show(profile)
        return
    result = await wiz.onboarding.submit(profile.user_id, wiz.clock.now())
    if result is None:
        await wiz.message.answer(_("This button is no longer valid."))
        return
    await wiz.state.clear()
    await wiz.message.edit_reply_markup(reply_markup=None)
    if result.status == "approved":
        await wiz.message.answer(_(
            "Welcome to the association! Your invitation confirmed your membership. "
            "/help shows what you can do now."))
        return
    await wiz.message.answer(_(
        "Thank you! Your application is under review by your country's coordinator. "
        "I will let you know the outcome here."))
    from handlers.verification import notify_reviewers

    await notify_reviewers(wiz.bot, wiz.notifier, wiz.profiles, wiz.ref, profile.user_id,
                           result.reviewers)


def create_router() -> Router:
    router = Router(name="onboarding")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_profile, Command("profile"))
    router.callback_query.register(cb_wizard, WizardCb.filter())
    router.message.register(on_text_answer, StateFilter(Onboarding.filling), F.text,
                            ~F.text.startswith("/"))
    router.message.register(on_non_text_answer, StateFilter(Onboarding.filling))
    return router
