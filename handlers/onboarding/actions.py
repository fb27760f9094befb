"""What the profile dialog's buttons and typed answers do: call the service, switch window.

Answers are saved at once through :class:`~bot.services.onboarding.OnboardingService`; the
dialog only remembers where she is (the window), whether she edits one answer (``mode``) and
the one-line reason or note the next window shows. A refused typed answer re-renders the same
message (``ShowMode.EDIT``); an accepted one is followed by the next window as a new message,
and the old one loses its keyboard (aiogram-dialog's ``ShowMode.AUTO``).
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.clock import Clock
from bot.db.repositories.profiles import Profile
from bot.dialogs import N_, popup
from bot.services.onboarding import (
    MULTI_STEPS,
    OPTIONAL_STEPS,
    TEXT_STEPS,
    CountryChange,
    OnboardingService,
    may_edit,
    missing_required,
    next_step,
    previous_step,
    resume_step,
)
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from handlers.onboarding import handoff
from handlers.onboarding.getters import EDIT, SIGNUP
from handlers.onboarding.states import STATE_STEPS, STEP_STATES, ProfileDialog

SUSPENDED_COUNTRY = N_("Your country can't be changed now. If your membership is suspended, "
                       "please contact your country's coordinator.")


class Ctx:
    """One event's view of the dialog: who, the services, her profile as it is now."""

    def __init__(self, manager: DialogManager) -> None:
        data = manager.middleware_data
        self.manager = manager
        self.data = data
        self.actor: Actor = data["actor"]
        self.onboarding: OnboardingService = data["onboarding"]
        self.ref: ReferenceData = data["ref"]
        self.clock: Clock = data["clock"]
        manager.dialog_data.pop("error", None)
        manager.dialog_data.pop("note", None)

    @property
    def step(self) -> str:
        return STATE_STEPS[self.manager.current_context().state.state]

    @property
    def editing(self) -> bool:
        return self.manager.dialog_data.get("mode") == EDIT

    async def profile(self) -> Profile | None:
        return await self.onboarding.profile(self.actor.user_id)

    def refuse(self, code: str, limit: int = 0) -> None:
        """Ask again in the same message, with the reason on one line."""
        self.manager.dialog_data["error"] = {"code": code, "limit": limit}
        self.manager.show_mode = ShowMode.EDIT

    async def go(self, step: str, **dialog_data: Any) -> None:
        self.manager.dialog_data.update(dialog_data)
        await self.manager.switch_to(STEP_STATES[step])


async def on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict):
        manager.dialog_data.update(start_data)


def hub(profile: Profile) -> str:
    return "summary" if profile.status == "draft" else "profile"


async def advance(ctx: Ctx, answered: str) -> None:
    """After an answer: the next question, or back to the summary or profile when editing."""
    profile = await ctx.profile()
    if profile is None:
        await ctx.manager.done()
        return
    target = next_step(answered, profile, ctx.ref.other_agency_codes)
    if ctx.editing and not (answered == "agency" and target == "agency_other"):
        target = hub(profile)
    if target in ("summary", "profile"):
        ctx.manager.dialog_data["mode"] = SIGNUP
        if profile.status != "draft":
            target = "profile"
            ctx.manager.dialog_data["note"] = "saved"
            # Keep, or Done with nothing toggled: nothing changed, the reviewers' card stands
            if profile.version != ctx.manager.dialog_data.pop("edit_version", None):
                await handoff.resend_to_reviewers(ctx.data, profile)
    await ctx.go(target)


async def on_message(message: Message, _widget: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    step = ctx.step
    if step not in TEXT_STEPS:
        profile = await ctx.profile()
        if step == "profile" and message.text and profile is not None \
                and profile.open_question:
            await manager.done()  # the question's answer, not the dialog's
            await handoff.offer_as_answer(ctx.data, message)
            return
        ctx.refuse("use_buttons")
        return
    if message.text is None:
        ctx.refuse("not_text")
        return
    result = await ctx.onboarding.answer(ctx.actor.user_id, step, message.text, ctx.clock.now())
    if result.problem is not None:
        ctx.refuse(result.problem.value, result.limit)
        return
    if result.changed and result.before is not None and step in ("name", "agency_other"):
        await handoff.tell_coordinators_of_change(
            ctx.data, result.before, "name" if step == "name" else "agency")
    await advance(ctx, step)


async def on_keep(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    profile = await ctx.profile()
    if profile is None or missing_required(profile, ctx.ref.other_agency_codes) == ctx.step:
        await popup(callback, _("This button is no longer valid."))
        return
    await advance(ctx, ctx.step)


async def on_back(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """Back never changes an answer: the previous question shows the one she gave."""
    ctx = Ctx(manager)
    profile = await ctx.profile()
    if profile is None:
        await manager.done()
        return
    if ctx.editing:
        ctx.manager.dialog_data["mode"] = SIGNUP
        await ctx.go(hub(profile))
        return
    target = previous_step(ctx.step, profile, ctx.ref.other_agency_codes)
    await ctx.go(target or ctx.step)


async def on_leave_empty(callback: CallbackQuery, _button: Any, manager: DialogManager
                         ) -> None:
    ctx = Ctx(manager)
    if ctx.step not in OPTIONAL_STEPS:
        return
    await ctx.onboarding.leave_empty(ctx.actor.user_id, ctx.step, ctx.clock.now())
    await advance(ctx, ctx.step)


async def on_choice(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                    code: str) -> None:
    ctx = Ctx(manager)
    step, ref, now = ctx.step, ctx.ref, ctx.clock.now()
    user_id = ctx.actor.user_id
    if step in MULTI_STEPS:
        known = {"expertise": ref.expertise_codes, "languages": ref.language_codes}
        if code not in known.get(step, (code,)) \
                or not await ctx.onboarding.toggle(user_id, step, code, now):
            await popup(callback, _("This button is no longer valid."))
        return  # the same window again, with the mark moved
    if step == "agency" and code in ref.agency_codes:
        result = await ctx.onboarding.pick_agency(user_id, code, now)
        if result.changed and result.before is not None and code not in ref.other_agency_codes:
            await handoff.tell_coordinators_of_change(ctx.data, result.before, "agency")
        await advance(ctx, step)
        return
    if step == "country" and code in ref.country_codes:
        await pick_country(ctx, callback, code)
        return
    await popup(callback, _("This button is no longer valid."))


async def pick_country(ctx: Ctx, callback: CallbackQuery, code: str) -> None:
    profile = await ctx.profile()
    if profile is None:
        await ctx.manager.done()
        return
    if profile.status != "draft" and profile.country_code == code:
        await ctx.go("profile", mode=SIGNUP)  # the country she has: nothing to confirm
        return
    if profile.status == "draft":
        result = await ctx.onboarding.change_country(profile.user_id, code, ctx.clock.now())
        if result.outcome is CountryChange.REFUSED:
            await popup(callback, _(SUSPENDED_COUNTRY))
            return
        await advance(ctx, "country")
        return
    if profile.status == "suspended":
        await popup(callback, _(SUSPENDED_COUNTRY))
        return
    await ctx.go("country_confirm", new_country=code)  # nothing changes before she confirms


async def on_confirm_country(callback: CallbackQuery, _button: Any, manager: DialogManager
                             ) -> None:
    """Only here does an approved member's or an applicant's country change."""
    ctx = Ctx(manager)
    code = manager.dialog_data.pop("new_country", None)
    if not code or code not in ctx.ref.country_codes:
        await popup(callback, _("This button is no longer valid."))
        return
    result = await ctx.onboarding.change_country(ctx.actor.user_id, code, ctx.clock.now())
    manager.dialog_data["mode"] = SIGNUP
    if result.outcome is CountryChange.REFUSED:
        await popup(callback, _(SUSPENDED_COUNTRY))
        await ctx.go("profile")
        return
    if result.outcome is CountryChange.REVERIFY:
        await handoff.send_to_reviewers(ctx.data, ctx.actor.user_id, result.reviewers)
        await handoff.leave_old_chats(ctx.data)
        await ctx.go("profile", note="reverify", note_country=code)
        return
    if result.outcome is CountryChange.REROUTED:
        await handoff.send_to_reviewers(ctx.data, ctx.actor.user_id, result.reviewers)
        await ctx.go("profile", note="rerouted", note_country=code)
        return
    if result.outcome is CountryChange.CHANGED:
        await handoff.withdraw_review_cards(ctx.data, ctx.actor.user_id)
    await ctx.go("profile", note="country_changed", note_country=code)


async def on_keep_country(callback: CallbackQuery, _button: Any, manager: DialogManager
                          ) -> None:
    ctx = Ctx(manager)
    manager.dialog_data.pop("new_country", None)
    manager.dialog_data["mode"] = SIGNUP
    await ctx.go("profile")


async def on_done(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    ctx = Ctx(manager)
    profile = await ctx.profile()
    if profile is None:
        await manager.done()
        return
    chosen = {"expertise": profile.expertise, "languages": profile.languages}.get(ctx.step, [1])
    if not chosen:
        await popup(callback, _("Please choose at least one."))
        return
    await advance(ctx, ctx.step)


async def on_edit(callback: CallbackQuery, _widget: Any, manager: DialogManager,
                  step: str) -> None:
    """Edit one answer from the summary or her profile card; she comes back there."""
    ctx = Ctx(manager)
    profile = await ctx.profile()
    if profile is None or not may_edit(step, profile):
        await popup(callback, _("This button is no longer valid."))
        return
    if step == "country" and profile.status == "suspended":
        await popup(callback, _(SUSPENDED_COUNTRY))
        return
    await ctx.go(step, mode=EDIT, edit_version=profile.version)


async def on_submit(callback: CallbackQuery, _button: Any, manager: DialogManager) -> None:
    """Send the application; the service decides atomically (an invitation approves)."""
    ctx = Ctx(manager)
    profile = await ctx.profile()
    if profile is None:
        await popup(callback, _("This button is no longer valid."))
        return
    missing = missing_required(profile, ctx.ref.other_agency_codes)
    if missing is not None:
        await ctx.go(missing, mode=SIGNUP, note="missing")
        return
    result = await ctx.onboarding.submit(profile.user_id, ctx.clock.now())
    if result is None:
        await popup(callback, _("This button is no longer valid."))
        return
    if result.invitation_lapsed:  # nothing sent: the summary says why and asks her to check
        await ctx.go("summary", mode=SIGNUP, note="invite_lapsed",
                     note_country=profile.country_code)
        manager.show_mode = ShowMode.EDIT
        return
    await manager.done()  # the summary stays as she sent it, without its buttons
    message = callback.message
    if not isinstance(message, Message):
        return
    if result.status == "approved":
        await message.answer(_(
            "Welcome to the association! Your invitation confirmed your membership. "
            "/help shows what you can do now."))
        return
    await message.answer(_(
        "Thank you! Your application is under review by your country's coordinator. "
        "I will let you know the outcome here."))
    await handoff.send_to_reviewers(ctx.data, profile.user_id, result.reviewers)


async def open_profile_dialog(manager: DialogManager, profile: Profile, ref: ReferenceData, *,
                              note: str | None = None,
                              show_mode: ShowMode = ShowMode.SEND) -> None:
    """/start or /profile: a draft resumes at its first unanswered question, a sent
    application or a member's profile opens her card."""
    if profile.status == "draft":
        step = resume_step(profile, ref.other_agency_codes)
        data: dict[str, Any] = {"mode": SIGNUP}
        if note:
            data["note"] = note
        await manager.start(STEP_STATES[step], data=data, mode=StartMode.RESET_STACK,
                            show_mode=show_mode)
        return
    await manager.start(ProfileDialog.profile, data={"mode": SIGNUP},
                        mode=StartMode.RESET_STACK, show_mode=show_mode)
