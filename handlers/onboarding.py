"""The sign-up wizard and profile editing (rules and diagram: ``bot/services/onboarding.py``).

The flow's state lives in one place: the FSM state names the open question (one State per
step, kept in SQLite, so a restart resumes it), and the FSM data says only whether she is
signing up or editing one answer. /cancel ends the flow; a button of a question that is not
open (an old message, a flow that ended) only says so. Answers are saved at once in her
profile, so /start after /cancel resumes at the first unanswered question.
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
from bot.db.repositories.review_cards import ReviewCardRepo
from bot.clock import Clock
from bot.db.repositories.invites import InviteCode
from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES, Profile, ProfileRepo
from bot.keyboards import button, rows
from bot.chat_removals import RemovalRunner
from bot.notifier import Notifier
from bot.services.invites import InviteService
from bot.services.onboarding import (
    OPTIONAL_STEPS,
    TEXT_STEPS,
    CountryChange,
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
from bot.texts import code_problem_text, field_label, problem_text, profile_card
from handlers.ui import edit_text, query_message, stale_button


class Onboarding(StatesGroup):
    name = State()
    country = State()
    agency = State()
    agency_other = State()
    position = State()
    years = State()
    expertise = State()
    languages = State()
    bio = State()
    visibility = State()
    summary = State()


STEP_STATES: dict[str, State] = {
    step: getattr(Onboarding, step) for step in (
        "name", "country", "agency", "agency_other", "position", "years", "expertise",
        "languages", "bio", "visibility", "summary")
}
STATE_STEPS: dict[str, str] = {state.state: step for step, state in STEP_STATES.items()}
TEXT_STATES = tuple(STEP_STATES[step] for step in sorted(TEXT_STEPS))
SIGNUP, EDIT = "signup", "edit"  # FSM data "mode": the whole wizard, or one answer
INVITE_KEY = "invite_code"  # an invitation from /start, kept until she accepts the notice


async def open_step(state: FSMContext) -> str | None:
    """The question open now, if she is in this flow."""
    return STATE_STEPS.get(await state.get_state() or "")


# ---- rendering ---------------------------------------------------------------------------

def question(step: str, profile: Profile | None = None) -> str:
    if step == "country" and profile is not None and profile.status == "approved":
        return _("Which country do you serve in?") + "\n\n" + _(
            "⚠️ If you choose another country, your membership is verified again by that "
            "country's coordinator. Until then member features are paused and you leave your "
            "current country's chats.")
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
    return question(step, profile), rows(*lines)


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


async def show_step(target: Message, profile: Profile, step: str, ref: ReferenceData,
                    locale: str) -> None:
    text, keyboard = step_view(step, profile, ref, locale)
    await target.answer(text, reply_markup=keyboard)


async def show_privacy(target: Message) -> None:
    text, keyboard = privacy_view()
    await target.answer(text, reply_markup=keyboard)


# ---- moving through the steps --------------------------------------------------------------

@dataclass(frozen=True)
class WizardDeps:
    """What the wizard needs, built once (``create_dispatcher``) and received by name."""

    profiles: ProfileRepo
    ref: ReferenceData
    clock: Clock
    notifier: Notifier
    onboarding: OnboardingService
    removals: RemovalRunner
    review_cards: ReviewCardRepo

    def for_message(self, message: Message, actor: Actor, state: FSMContext) -> Wizard:
        assert message.bot is not None
        return Wizard(message, actor, state, message.bot, self.profiles, self.ref, self.clock,
                      self.notifier, self.onboarding, self.removals, self.review_cards)


@dataclass
class Wizard:
    """One update's view of the wizard: who answers, where, and the services it needs."""

    message: Message
    actor: Actor
    state: FSMContext
    bot: Bot
    profiles: ProfileRepo
    ref: ReferenceData
    clock: Clock
    notifier: Notifier
    onboarding: OnboardingService
    removals: RemovalRunner
    review_cards: ReviewCardRepo

    async def go(self, profile: Profile, step: str, mode: str | None = None) -> None:
        """Open ``step``: the FSM state names it, and the question is shown."""
        await self.state.set_state(STEP_STATES[step])
        if mode is not None:
            await self.state.update_data(mode=mode)
        await show_step(self.message, profile, step, self.ref, self.actor.locale)


def resume_step(profile: Profile, ref: ReferenceData) -> str:
    """Where a draft continues after /cancel or days later: the first unanswered question."""
    return missing_required(profile, ref.other_agency_codes) or "summary"


async def resume_wizard(wiz: Wizard, profile: Profile) -> None:
    step = await open_step(wiz.state)
    if step is None or (await wiz.state.get_data()).get("mode") != SIGNUP:
        step = resume_step(profile, wiz.ref)
    await wiz.go(profile, step, SIGNUP)


async def advance(wiz: Wizard, current: str) -> None:
    """After an answer: the next step, or back to the summary or profile when editing."""
    profile = await wiz.profiles.get(wiz.actor.user_id)
    assert profile is not None
    editing = (await wiz.state.get_data()).get("mode") == EDIT
    target = next_step(current, profile, wiz.ref.other_agency_codes)
    if editing and not (current == "agency" and target == "agency_other"):
        target = "summary"
    if profile.status != "draft" and target == "summary":
        await finish_edit(wiz, profile)
        return
    await wiz.go(profile, target, SIGNUP if target == "summary" else None)


async def finish_edit(wiz: Wizard, profile: Profile) -> None:
    """A member's edit is saved; an application under review gets a new card."""
    await wiz.state.clear()
    text, keyboard = profile_view(profile, wiz.ref, wiz.actor.locale)
    await wiz.message.answer(_("Saved.") + "\n\n" + text, reply_markup=keyboard)
    if profile.status == "pending":
        from handlers.verification import notify_reviewers

        await notify_reviewers(wiz.bot, wiz.notifier, wiz.profiles, wiz.ref, profile.user_id,
                               await wiz.onboarding.reviewers_of(profile.country_code),
                               wiz.review_cards)


async def pick_country(wiz: Wizard, profile: Profile, country: str) -> None:
    """A country picked in the wizard or in an edit: only through the service's rules."""
    result = await wiz.onboarding.change_country(profile.user_id, country, wiz.clock.now())
    if result.outcome is CountryChange.REFUSED:
        await wiz.state.clear()
        await wiz.message.answer(_(
            "Your country can't be changed now. If your membership is suspended, please "
            "contact your country's coordinator."))
        return
    if profile.status == "draft" or result.outcome is CountryChange.UNCHANGED:
        await advance(wiz, "country")
        return
    fresh = await wiz.profiles.get(profile.user_id)
    assert fresh is not None
    from handlers.verification import notify_reviewers, withdraw_cards

    if result.outcome is CountryChange.REVERIFY:
        await wiz.state.clear()
        await wiz.message.answer(_(
            "You changed your country, so your membership will be verified again by that "
            "country's coordinator. Until then, member features are paused."))
        await notify_reviewers(wiz.bot, wiz.notifier, wiz.profiles, wiz.ref, profile.user_id,
                               result.reviewers, wiz.review_cards)
        await wiz.removals.flush(wiz.bot)
        return
    if result.outcome is CountryChange.CHANGED:
        await withdraw_cards(wiz.bot, wiz.notifier, wiz.review_cards, profile.user_id)
    await finish_edit(wiz, fresh)  # a pending application goes to the new country's reviewers


async def tell_coordinators_of_change(wiz: Wizard, before: Profile, field: str) -> None:
    """An approved member renamed herself or changed agency: her coordinators are told."""
    if before.status not in ("approved", "suspended"):
        return
    after = await wiz.profiles.get(before.user_id)
    if after is None:
        return
    coordinators = [c for c in await wiz.onboarding.reviewers_of(after.country_code)
                    if c != after.user_id]

    async def render(locale: str):  # type: ignore[no-untyped-def]
        from html import escape

        if field == "name":
            return _("A member of your country changed her name: {old} → {new}.").format(
                old=escape(before.full_name or "—"), new=escape(after.full_name or "—")), None
        def agency(profile: Profile) -> str:
            if profile.agency_code in wiz.ref.other_agency_codes and profile.agency_other:
                return profile.agency_other
            return wiz.ref.agency(profile.agency_code, locale) if profile.agency_code else "—"

        old, new = agency(before), agency(after)
        return _("{name} changed her agency: {old} → {new}.").format(
            name=escape(after.full_name or "—"), old=escape(old), new=escape(new)), None

    await wiz.notifier.send(wiz.bot, coordinators, render)


async def cmd_profile(message: Message, actor: Actor, profiles: ProfileRepo, state: FSMContext,
                      ref: ReferenceData, wizard: WizardDeps) -> None:
    profile = await profiles.get(actor.user_id)
    if profile is None:
        await message.answer(_("You have no profile yet. Press /start to create one."))
        return
    if profile.status == "draft":
        await resume_wizard(wizard.for_message(message, actor, state), profile)
        return
    if await open_step(state) is not None:
        await state.clear()  # an edit left open ends here: the card below starts afresh
    text, keyboard = profile_view(profile, ref, actor.locale)
    await message.answer(text, reply_markup=keyboard)


TEXT_COLUMNS = {"name": "full_name", "agency_other": "agency_other", "position": "position",
                "bio": "bio", "years": "years_of_service"}


def check_answer(step: str, text: str) -> tuple[object, object, int]:
    if step == "name":
        value, problem = check_name(text)
        return value, problem, NAME_MAX
    if step == "agency_other":
        value, problem = check_name(text, AGENCY_MAX)
        return value, problem, AGENCY_MAX
    if step == "position":
        value, problem = check_short_text(text, POSITION_MAX)
        return value, problem, POSITION_MAX
    if step == "bio":
        value, problem = check_bio(text)
        return value, problem, BIO_MAX
    value, problem = check_years(text)
    return value, problem, 45


async def on_text_answer(message: Message, actor: Actor, state: FSMContext, profiles: ProfileRepo,
                         ref: ReferenceData, clock: Clock, wizard: WizardDeps) -> None:
    step = await open_step(state)
    profile = await profiles.get(actor.user_id)
    if profile is None or step is None:
        await state.clear()
        await message.answer(_("I didn't understand that. /help lists what you can do."))
        return
    if step not in TEXT_STEPS:
        await message.answer(_("Please use the buttons below."))
        await show_step(message, profile, step, ref, actor.locale)
        return
    value, problem, limit = check_answer(step, message.text or "")
    if problem is not None:
        await message.answer(problem_text(problem, limit))  # type: ignore[arg-type]
        await show_step(message, profile, step, ref, actor.locale)
        return
    await profiles.update(actor.user_id, clock.now(), **{TEXT_COLUMNS[step]: value})
    wiz = wizard.for_message(message, actor, state)
    if step == "name" and value != profile.full_name:
        await tell_coordinators_of_change(wiz, profile, "name")
    if step == "agency_other" and value != profile.agency_other:
        await tell_coordinators_of_change(wiz, profile, "agency")
    await advance(wiz, step)


async def on_non_text_answer(message: Message, actor: Actor, state: FSMContext,
                             profiles: ProfileRepo, ref: ReferenceData) -> None:
    step = await open_step(state)
    profile = await profiles.get(actor.user_id)
    if profile is None or step is None:
        await message.answer(_("I didn't understand that. /help lists what you can do."))
        return
    if step in TEXT_STEPS:
        await message.answer(_("Please answer with a text message."))
    else:
        await message.answer(_("Please use the buttons below."))
    await show_step(message, profile, step, ref, actor.locale)


def may_edit(step: str, profile: Profile) -> bool:
    if step not in EDITABLE:
        return False
    return not (step == "country" and profile.invite_code_id and profile.status == "draft")


async def cb_wizard(query: CallbackQuery, callback_data: WizardCb, actor: Actor,
                    state: FSMContext, profiles: ProfileRepo, ref: ReferenceData, clock: Clock,
                    invites: InviteService, wizard: WizardDeps) -> None:
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
    wiz = wizard.for_message(message, actor, state)
    if action is WizardAction.EDIT:  # an entry point: from the summary or her profile card
        if not may_edit(callback_data.step, profile):
            await stale_button(query)
            return
        if callback_data.step == "country" and profile.status == "suspended":
            await query.answer(_("Your country can't be changed now. If your membership is "
                                 "suspended, please contact your country's coordinator."),
                               show_alert=True)
            return
        await query.answer()
        await wiz.go(profile, callback_data.step, EDIT)
        return
    if action is WizardAction.SUBMIT:  # an entry point too; the service decides atomically
        await query.answer()
        await submit(wiz, profile)
        return
    step = callback_data.step
    if await open_step(state) != step:
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        return
    value = callback_data.value
    if action is WizardAction.BACK:
        target = previous_step(step, profile, ref.other_agency_codes) or step
        await query.answer()
        await wiz.go(profile, target)
        return
    if action is WizardAction.SKIP and step in OPTIONAL_STEPS:
        column = "position" if step == "position" else "bio"
        await profiles.update(actor.user_id, now, **{column: None})
        await query.answer()
        await advance(wiz, step)
        return
    if action is WizardAction.PICK and step == "country" and value in ref.country_codes:
        await query.answer()
        await pick_country(wiz, profile, value)
        return
    if action is WizardAction.PICK and step == "agency" and value in ref.agency_codes:
        await profiles.update(actor.user_id, now, agency_code=value)
        await query.answer()
        if value != profile.agency_code and value not in ref.other_agency_codes:
            await tell_coordinators_of_change(wiz, profile, "agency")  # "Other": once typed
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
    if not actor.is_registered:  # a forged notice button: she never chose a language
        await stale_button(query)
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
    invite = await pending_invitation(message, state, clock, invites)
    await profiles.create_draft(
        actor.user_id, clock.now(),
        invite_code_id=invite.id if invite else None,
        country_code=invite.country_code if invite else None)
    await message.edit_reply_markup(reply_markup=None)
    profile = await profiles.get(actor.user_id)
    assert profile is not None
    await state.set_state(Onboarding.name)
    await state.update_data(mode=SIGNUP)
    await show_step(message, profile, "name", ref, actor.locale)


async def pending_invitation(message: Message, state: FSMContext, clock: Clock,
                             invites: InviteService) -> InviteCode | None:
    """The invitation she started with, checked (its use is taken when she sends her profile)."""
    code = (await state.get_data()).get(INVITE_KEY)
    if not code:
        return None
    await state.update_data(**{INVITE_KEY: None})
    record, problem = await invites.check(code, clock.now())
    if problem is not None or record is None:
        await message.answer(code_problem_text(problem))  # type: ignore[arg-type]
        return None
    await message.answer(_("Your invitation is valid: once your profile is complete, you are "
                           "a member right away."))
    return record


async def submit(wiz: Wizard, profile: Profile) -> None:
    missing = missing_required(profile, wiz.ref.other_agency_codes)
    if missing is not None:
        await wiz.message.answer(_("Some required answers are missing. Let's fill them in."))
        await wiz.go(profile, missing, SIGNUP)
        return
    result = await wiz.onboarding.submit(profile.user_id, wiz.clock.now())
    if result is None:
        await wiz.message.answer(_("This button is no longer valid."))
        return
    await wiz.state.clear()
    await edit_text(wiz.message, wiz.message.html_text or "", None)
    if result.status == "approved":
        await wiz.message.answer(_(
            "Welcome to the association! Your invitation confirmed your membership. "
            "/help shows what you can do now."))
        return
    if result.invitation_lapsed:
        await wiz.message.answer(_(
            "Your invitation can no longer be used (it was withdrawn, used up or has "
            "expired), so your country's coordinator will review your application."))
    await wiz.message.answer(_(
        "Thank you! Your application is under review by your country's coordinator. "
        "I will let you know the outcome here."))
    from handlers.verification import notify_reviewers

    await notify_reviewers(wiz.bot, wiz.notifier, wiz.profiles, wiz.ref, profile.user_id,
                           result.reviewers, wiz.review_cards)


def create_router() -> Router:
    router = Router(name="onboarding")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_profile, Command("profile"))
    router.callback_query.register(cb_wizard, WizardCb.filter())
    router.message.register(on_text_answer, StateFilter(*STEP_STATES.values()), F.text,
                            ~F.text.startswith("/"))
    router.message.register(on_non_text_answer, StateFilter(*STEP_STATES.values()))
    return router
