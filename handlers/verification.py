"""Reviewing applications: Approve / Reject (with a reason) / Ask for more information, /pending.

```mermaid
stateDiagram-v2
    pending --> approved: Approve
    pending --> rejected: Reject + reason (picked or typed)
    pending --> needs_info: Ask + question (typed)
    needs_info --> pending: she edits and sends again
    approved --> suspended: Suspend (from /members)
    suspended --> approved: Reinstate
```
The role is checked by :class:`VerificationService` when the button is pressed, not when the
card was sent. A card carries the profile version it shows: after she edits her application
the old card is withdrawn and its buttons refuse, so a reviewer decides on what she saw.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ReviewAction, ReviewCb
from bot.chat_removals import RemovalRunner
from bot.clock import Clock
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.review_cards import ReviewCardRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.keyboards import button, rows
from bot.notifier import Notifier
from bot.services.profile_input import check_short_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import Decision, DecisionResult, Outcome, VerificationService
from bot.texts import profile_card
from handlers.ui import query_message

REASON_MAX = 300
PRESET_REASONS = ("1", "2", "3")


class ReviewForm(StatesGroup):
    reason = State()
    question = State()
    suspend_reason = State()


def preset_reason(code: str) -> str:
    return {
        "1": _("We could not confirm that you serve in one of the association's agencies."),
        "2": _("The profile is incomplete or unclear."),
        "3": _("This looks like a second application from the same person."),
    }.get(code, "")


def review_keyboard(member_id: int, version: int) -> InlineKeyboardMarkup:
    def review(action: ReviewAction) -> ReviewCb:
        return ReviewCb(action=action, member_id=member_id, version=version)

    return rows(
        [button(_("Approve"), review(ReviewAction.APPROVE)),
         button(_("Reject"), review(ReviewAction.REJECT))],
        [button(_("Ask for more information"), review(ReviewAction.ASK))],
    )


async def application_card(profiles: ProfileRepo, ref: ReferenceData, member_id: int,
                           locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    profile = await profiles.get(member_id)
    if profile is None:
        return _("This application no longer exists."), None
    text = _("<b>New application</b>") + "\n\n" + profile_card(profile, ref, locale)
    if profile.decision_note and profile.status == "pending":
        text += "\n\n" + _("Earlier note: {note}").format(note=_escape(profile.decision_note))
    return text, review_keyboard(member_id, profile.version)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


async def notify_reviewers(bot: Bot, notifier: Notifier, profiles: ProfileRepo,
                           ref: ReferenceData, member_id: int, reviewers: list[int],
                           cards: ReviewCardRepo) -> None:
    """Send the application's card to its reviewers, withdrawing any earlier card first."""
    await withdraw_cards(bot, notifier, cards, member_id)
    profile = await profiles.get(member_id)
    if profile is None:
        return

    async def render(locale: str, member: int):  # type: ignore[no-untyped-def]
        return await application_card(profiles, ref, member, locale)

    sent = await notifier.send_tracked(bot, [r for r in reviewers if r != member_id], render,
                                       member_id)
    await cards.record(member_id, profile.version, sent)


async def withdraw_cards(bot: Bot, notifier: Notifier, cards: ReviewCardRepo,
                         member_id: int) -> None:
    """Earlier cards of an application that changed or moved: text replaced, no buttons."""
    async def render(locale: str):  # type: ignore[no-untyped-def]
        return _("This application was changed or moved after this card was sent. "
                 "Any newer card replaces it."), None

    for reviewer, message_id in await cards.take_all(member_id):
        await notifier.edit(bot, reviewer, message_id, render)


async def close_cards(bot: Bot, notifier: Notifier, cards: ReviewCardRepo, member_id: int,
                      decided_on: Message | None) -> None:
    """Decided: the other reviewers' cards say so, the decider's own card stays as it is."""
    async def render(locale: str):  # type: ignore[no-untyped-def]
        return _("This application has already been handled."), None

    for reviewer, message_id in await cards.take_all(member_id):
        if decided_on is not None and (reviewer, message_id) == (decided_on.chat.id,
                                                                 decided_on.message_id):
            continue
        await notifier.edit(bot, reviewer, message_id, render)


async def tell_member(bot: Bot, notifier: Notifier, member_id: int, decision: Decision,
                      note: str | None) -> None:
    """The outcome, in her language."""
    async def render(locale: str, decided: Decision):  # type: ignore[no-untyped-def]
        if decided is Decision.APPROVE:
            return _("Your application has been approved. Welcome to the association! "
                     "/help shows what you can do now.") + "\n" + _(
                "Join the association's chats with /chats."), None
        if decided is Decision.REJECT:
            reason = preset_reason(note or "") or _escape(note or "")
            return _("Your application was not approved. Reason: {reason}\n"
                     "You can correct your profile with /profile and send it again."
                     ).format(reason=reason), None
        if decided is Decision.ASK_INFO:
            return _("The coordinator asks for more information: {question}\n"
                     "Please update your profile with /profile and send it again."
                     ).format(question=_escape(note or "")), None
        if decided is Decision.SUSPEND:
            return _("Your membership has been suspended. Reason: {reason}").format(
                reason=_escape(note or "")), None
        return _("Your membership has been reinstated. Welcome back!"), None

    await notifier.send(bot, [member_id], render, decision)


def outcome_text(outcome: Outcome) -> str:
    if outcome is Outcome.FORBIDDEN:
        return _("You are not allowed to do this.")
    if outcome is Outcome.ALREADY_DECIDED:
        return _("This has already been handled.")
    if outcome is Outcome.STALE:
        return _("This card is out of date: the application changed after it was sent. "
                 "Please decide on the newer card.")
    return _("This member no longer exists.")


def decision_done_text(decision: Decision) -> str:
    return {
        Decision.APPROVE: _("Approved."),
        Decision.REJECT: _("Rejected."),
        Decision.ASK_INFO: _("Your question has been sent."),
        Decision.SUSPEND: _("Membership suspended."),
        Decision.REINSTATE: _("Membership reinstated."),
    }[decision]


async def apply_decision(bot: Bot, actor: Actor, member_id: int, decision: Decision,
                         note: str | None, verification: VerificationService,
                         notifier: Notifier, clock: Clock, version: int | None = None
                         ) -> DecisionResult:
    result = await verification.decide(actor.user_id, member_id, decision, clock.now(), note,
                                       version=version)
    if result.outcome is Outcome.DONE:
        await tell_member(bot, notifier, member_id, decision, note)
    return result


async def cb_review(query: CallbackQuery, callback_data: ReviewCb, actor: Actor,
                    state: FSMContext, bot: Bot, verification: VerificationService,
                    notifier: Notifier, removals: RemovalRunner, profiles: ProfileRepo,
                    clock: Clock, review_cards: ReviewCardRepo, ref: ReferenceData) -> None:
    member_id = callback_data.member_id
    action = callback_data.action
    version = callback_data.version
    message = query_message(query)
    profile = await profiles.get(member_id)
    country = profile.country_code if profile else None
    if not await verification.authority.may_decide_on(actor.user_id, member_id, country):
        # Refused before anything else happens; the service logs refusals of decisions.
        if action in (ReviewAction.APPROVE, ReviewAction.SUSPEND, ReviewAction.REINSTATE):
            await verification.decide(actor.user_id, member_id, _decision(action), clock.now())
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return
    if action in (ReviewAction.APPROVE, ReviewAction.REINSTATE) or (
            action is ReviewAction.REASON and callback_data.value in PRESET_REASONS):
        decision = Decision.REJECT if action is ReviewAction.REASON else _decision(action)
        note = callback_data.value if action is ReviewAction.REASON else None
        result = await apply_decision(bot, actor, member_id, decision, note, verification,
                                      notifier, clock, version)
        if result.outcome is Outcome.STALE:
            await show_current_card(query, profiles, ref, review_cards, member_id, actor)
            return
        if result.outcome is not Outcome.DONE:
            await query.answer(outcome_text(result.outcome), show_alert=True)
            return
        await query.answer(decision_done_text(decision))
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
            await message.answer(decision_done_text(decision))
        await close_cards(bot, notifier, review_cards, member_id, message)
        await removals.flush(bot)
        return
    if profile is None:
        await query.answer(outcome_text(Outcome.NOT_FOUND), show_alert=True)
        return
    expected = {"approved"} if action is ReviewAction.SUSPEND else {"pending", "needs_info"}
    if action is ReviewAction.ASK:
        expected = {"pending"}
    if profile.status not in expected:
        await query.answer(outcome_text(Outcome.ALREADY_DECIDED), show_alert=True)
        return
    if action is not ReviewAction.SUSPEND and version != profile.version:
        await show_current_card(query, profiles, ref, review_cards, member_id, actor)
        return
    await query.answer()
    if action is ReviewAction.REJECT:
        def reason(code: str) -> ReviewCb:
            return ReviewCb(action=ReviewAction.REASON, member_id=member_id, value=code,
                            version=version)

        keyboard = rows(
            *[[button(preset_reason(code), reason(code))] for code in PRESET_REASONS],
            [button(_("Type a reason"), reason("t"))],
        )
        if message is not None:
            await message.answer(_("Why is the application rejected?"), reply_markup=keyboard)
        return
    form = {ReviewAction.ASK: ReviewForm.question, ReviewAction.REASON: ReviewForm.reason,
            ReviewAction.SUSPEND: ReviewForm.suspend_reason}.get(action)
    if form is None:
        return
    await state.set_state(form)
    await state.update_data(member_id=member_id, version=version)
    if message is not None:
        prompt = {
            ReviewForm.question: _("Type your question for the applicant."),
            ReviewForm.reason: _("Type the reason for rejecting the application."),
            ReviewForm.suspend_reason: _("Type the reason for suspending the membership."),
        }[form]
        await message.answer(prompt + " " + _("(/cancel to stop)"))


async def show_current_card(query: CallbackQuery, profiles: ProfileRepo, ref: ReferenceData,
                            cards: ReviewCardRepo, member_id: int, actor: Actor) -> None:
    """She pressed a card of an older version: the application as it is now, to decide on."""
    await query.answer(outcome_text(Outcome.STALE), show_alert=True)
    message = query_message(query)
    profile = await profiles.get(member_id)
    if message is None or profile is None or profile.status not in ("pending", "needs_info"):
        return
    text, keyboard = await application_card(profiles, ref, member_id, actor.locale)
    sent = await message.answer(text, reply_markup=keyboard)
    await cards.record(member_id, profile.version, [(actor.user_id, sent.message_id)])


def _decision(action: ReviewAction) -> Decision:
    return {ReviewAction.APPROVE: Decision.APPROVE, ReviewAction.REJECT: Decision.REJECT,
            ReviewAction.REASON: Decision.REJECT, ReviewAction.ASK: Decision.ASK_INFO,
            ReviewAction.SUSPEND: Decision.SUSPEND,
            ReviewAction.REINSTATE: Decision.REINSTATE}[action]


async def on_typed_note(message: Message, actor: Actor, state: FSMContext, bot: Bot,
                        verification: VerificationService, notifier: Notifier,
                        removals: RemovalRunner, clock: Clock,
                        review_cards: ReviewCardRepo) -> None:
    current = await state.get_state()
    value, problem = check_short_text(message.text, REASON_MAX)
    if problem is not None:
        from bot.texts import problem_text

        await message.answer(problem_text(problem, REASON_MAX))
        return
    data = await state.get_data()
    member_id = int(data.get("member_id", 0))
    version = int(data.get("version", 0))
    decision = {ReviewForm.question.state: Decision.ASK_INFO,
                ReviewForm.reason.state: Decision.REJECT,
                ReviewForm.suspend_reason.state: Decision.SUSPEND}[current]
    await state.clear()
    result = await apply_decision(bot, actor, member_id, decision, value, verification, notifier,
                                  clock, version)
    if result.outcome is not Outcome.DONE:
        await message.answer(outcome_text(result.outcome))
        return
    await message.answer(decision_done_text(decision))
    if decision is Decision.SUSPEND:
        await withdraw_reviewer_cards(bot, notifier, review_cards, member_id)
    else:
        await close_cards(bot, notifier, review_cards, member_id, None)
    await removals.flush(bot)


async def on_non_text_note(message: Message) -> None:
    await message.answer(_("Please answer with a text message.") + " " + _("(/cancel to stop)"))


async def cmd_pending(message: Message, actor: Actor, profiles: ProfileRepo,
                      ref: ReferenceData, review_cards: ReviewCardRepo) -> None:
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    country = None if actor.is_admin else actor.coordinator_country
    waiting = await profiles.waiting_for_review(country, limit=10)
    total = await profiles.count_waiting(country)
    if not waiting:
        await message.answer(_("No applications are waiting. 🎉"))
        return
    await message.answer(_("{count} application is waiting for review.",
                           "{count} applications are waiting for review.", total
                           ).format(count=total))
    for member_id in waiting:
        profile = await profiles.get(member_id)
        text, keyboard = await application_card(profiles, ref, member_id, actor.locale)
        sent = await message.answer(text, reply_markup=keyboard)
        if profile is not None:
            await review_cards.record(member_id, profile.version,
                                      [(actor.user_id, sent.message_id)])


# ---- a member's card for staff: suspend, reinstate, appoint or remove a coordinator ----------

async def member_card(profiles: ProfileRepo, ref: ReferenceData, actor: Actor, member_id: int,
                      coordinator_country: str | None, may_publish_region: bool = False,
                      admin_ids: frozenset[int] = frozenset()
                      ) -> tuple[str, InlineKeyboardMarkup | None]:
    profile = await profiles.get(member_id)
    if profile is None:
        return outcome_text(Outcome.NOT_FOUND), None
    text = profile_card(profile, ref, actor.locale, with_status=True)
    if coordinator_country:
        text += "\n" + _("Coordinator for {country}").format(
            country=ref.country(coordinator_country, actor.locale))
    buttons = []
    staff = coordinator_country is not None or member_id in admin_ids
    if staff and not actor.is_admin:
        return text, None  # staff are managed by administrators only
    if profile.status == "approved":
        buttons.append([button(_("Suspend"), ReviewCb(action=ReviewAction.SUSPEND,
                                                      member_id=member_id))])
    if profile.status == "suspended":
        buttons.append([button(_("Reinstate"), ReviewCb(action=ReviewAction.REINSTATE,
                                                        member_id=member_id))])
    if actor.is_admin and profile.status == "approved":
        if coordinator_country:
            buttons.append([button(_("Remove as coordinator"),
                                   ReviewCb(action=ReviewAction.DISMISS, member_id=member_id))])
            region = ReviewAction.REGION_OFF if may_publish_region else ReviewAction.REGION_ON
            buttons.append([button(
                _("Withdraw: events for the whole region") if may_publish_region
                else _("Allow events for the whole region"),
                ReviewCb(action=region, member_id=member_id))])
        else:
            buttons.append([button(_("Make coordinator"),
                                   ReviewCb(action=ReviewAction.APPOINT, member_id=member_id))])
    return text, rows(*buttons) if buttons else None


async def tell_new_coordinator(bot: Bot, notifier: Notifier, ref: ReferenceData, member_id: int,
                               country: str) -> None:
    async def render(locale: str, code: str):  # type: ignore[no-untyped-def]
        return _("You are now a coordinator for {country}. /help shows your new commands."
                 ).format(country=ref.country(code, locale)), None

    await notifier.send(bot, [member_id], render, country)


async def tell_dismissed_coordinator(bot: Bot, notifier: Notifier, cards: ReviewCardRepo,
                                     member_id: int) -> None:
    async def render(locale: str):  # type: ignore[no-untyped-def]
        return _("You are no longer a coordinator. Your membership stays as it is; the "
                 "invitation links you created no longer work."), None

    await notifier.send(bot, [member_id], render)
    await withdraw_reviewer_cards(bot, notifier, cards, member_id)


async def withdraw_reviewer_cards(bot: Bot, notifier: Notifier, cards: ReviewCardRepo,
                                  reviewer_id: int) -> None:
    """A reviewer who lost her role: the cards she holds lose their buttons."""
    async def render(locale: str):  # type: ignore[no-untyped-def]
        return _("You can no longer decide on this application."), None

    for message_id in await cards.take_by_reviewer(reviewer_id):
        await notifier.edit(bot, reviewer_id, message_id, render)


async def cb_staff(query: CallbackQuery, callback_data: ReviewCb, actor: Actor, bot: Bot,
                   notifier: Notifier, verification: VerificationService, profiles: ProfileRepo,
                   coordinators: CoordinatorRepo, ref: ReferenceData, clock: Clock,
                   review_cards: ReviewCardRepo) -> None:
    """Manage / appoint / dismiss, all re-checked against the actor's role now."""
    member_id = callback_data.member_id
    profile = await profiles.get(member_id)
    message = query_message(query)
    if callback_data.action is ReviewAction.MANAGE:
        if profile is None or not await verification.may_manage(actor.user_id,
                                                                profile.country_code):
            await query.answer(_("You are not allowed to do this."), show_alert=True)
            return
        await query.answer()
        text, keyboard = await member_card(profiles, ref, actor, member_id,
                                           await coordinators.country_of(member_id),
                                           await coordinators.may_publish_region(member_id),
                                           verification.admin_ids)
        if message is not None:
            await message.answer(text, reply_markup=keyboard)
        return
    now = clock.now()
    if callback_data.action in (ReviewAction.REGION_ON, ReviewAction.REGION_OFF):
        allowed = callback_data.action is ReviewAction.REGION_ON
        outcome = await verification.allow_region_events(actor.user_id, member_id, allowed, now)
        if outcome is not Outcome.DONE:
            await query.answer(outcome_text(outcome), show_alert=True)
            return
        done = _("She may now publish events for the whole region.") if allowed \
            else _("She publishes events for her country only.")
        await query.answer(done)
        if message is not None:
            await message.answer(done)
        return
    if callback_data.action is ReviewAction.APPOINT:
        country = profile.country_code if profile else ""
        outcome = await verification.appoint_coordinator(actor.user_id, member_id, country or "",
                                                         now)
        done = _("She is now a coordinator.")
        if outcome is Outcome.DONE:
            await tell_new_coordinator(bot, notifier, ref, member_id, country or "")
    else:
        outcome = await verification.remove_coordinator(actor.user_id, member_id, now)
        done = _("She is no longer a coordinator.")
        if outcome is Outcome.DONE:
            await tell_dismissed_coordinator(bot, notifier, review_cards, member_id)
    if outcome is Outcome.ALREADY_DECIDED:
        await query.answer(done)
        return
    if outcome is not Outcome.DONE:
        await query.answer(outcome_text(outcome), show_alert=True)
        return
    await query.answer(done)
    if message is not None:
        await message.answer(done)


def create_router() -> Router:
    router = Router(name="verification")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_pending, Command("pending"))
    staff_actions = (ReviewAction.MANAGE, ReviewAction.APPOINT, ReviewAction.DISMISS,
                     ReviewAction.REGION_ON, ReviewAction.REGION_OFF)
    router.callback_query.register(cb_staff, ReviewCb.filter(F.action.in_(staff_actions)))
    router.callback_query.register(cb_review, ReviewCb.filter())
    notes = StateFilter(ReviewForm.reason, ReviewForm.question, ReviewForm.suspend_reason)
    router.message.register(on_typed_note, notes, F.text, ~F.text.startswith("/"))
    router.message.register(on_non_text_note, notes, ~F.text.startswith("/"))
    return router
