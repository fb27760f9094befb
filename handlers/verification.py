"""Reviewing applications: Approve / Reject (with a reason) / Ask for more information, /pending.

```mermaid
stateDiagram-v2
    pending --> approved: Approve
    pending --> rejected: Reject, reason (picked or typed)
    pending --> needs_info: Ask, question (typed)
    needs_info --> pending: she types her answer, or edits and sends again
    approved --> suspended: Suspend (handlers/admin.py)
    suspended --> approved: Reinstate
```
One card per reviewer, edited in place: Reject and Ask turn the card into the reason or
question prompt (with Back); a decision turns every reviewer's copy into the outcome, who
made it and when ("Approved by Aigerim, 20:07"), without buttons. A refusal is one popup.

The role is checked by :class:`VerificationService` when the button is pressed, not when the
card was sent. A card carries the profile version it shows: after she edits her application
the old card is withdrawn and its buttons refuse, so a reviewer decides on what she saw.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PageCb, ReviewAction, ReviewCb
from bot.chat_removals import RemovalRunner
from bot.clock import Clock, from_db
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.dialogs import no_open_dialog
from bot.i18n import format_date, format_time
from bot.keyboards import button, rows
from bot.middlewares import CARD_RESTORERS, RESTORE_CARD
from bot.services.profile_input import check_short_text
from bot.services.delivery import Recipient
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.review_cards import ReviewCardService
from bot.services.roles import Actor
from bot.services.verification import (
    AnswerOutcome,
    Decision,
    DecisionResult,
    Outcome,
    VerificationService,
)
from bot.texts import note_text, preset_reason, problem_text, profile_card
from handlers.ui import drop_keyboard, edit_by_id, edit_text, query_message, show

REASON_MAX = 300
ANSWER_MAX = 1000
PRESET_REASONS = ("1", "2", "3")


class ReviewForm(StatesGroup):
    reason = State()
    question = State()


# ---- texts ------------------------------------------------------------------------------

def reason_label(code: str) -> str:
    """The same reason, short enough for a button on a phone (≤ 24 characters)."""
    return {
        "1": _("Service not confirmed"),
        "2": _("Profile unclear"),
        "3": _("Second application"),
    }[code]


def outcome_text(outcome: Outcome) -> str:
    if outcome is Outcome.FORBIDDEN:
        return _("You are not allowed to do this.")
    if outcome is Outcome.ALREADY_DECIDED:
        return _("This has already been handled.")
    if outcome is Outcome.MOVED:
        return _("This application was changed or moved after this card was sent. Any newer "
                 "card replaces it.")
    if outcome is Outcome.STALE:
        return _("This card is out of date: the application changed after it was sent. "
                 "Please decide on the newer card.")
    return _("This member no longer exists.")


async def zone_of(profiles: ProfileRepo, ref: ReferenceData, user_id: int) -> str:
    """Her country's time zone (UTC for someone without a profile, e.g. an administrator)."""
    profile = await profiles.get(user_id)
    code = profile.country_code if profile else None
    return ref.country_timezones.get(code or "", "UTC")


def decider_name(profile: Profile | None, is_admin: bool) -> str:
    if profile is not None and profile.full_name:
        return escape(profile.full_name)
    return _("an administrator") if is_admin else _("a coordinator")


def decided_line(decision: Decision, name: str, when: str, note: str | None) -> str:
    """What happened, by whom and when: the end of every reviewer's copy of the card."""
    if decision is Decision.APPROVE:
        return _("✅ Approved by {name}, {time}").format(name=name, time=when)
    if decision is Decision.REJECT:
        return _("❌ Rejected by {name}, {time}").format(name=name, time=when) + "\n" + _(
            "Reason: {reason}").format(reason=note_text(note))
    return _("❓ {name} asked for more information, {time}:").format(
        name=name, time=when) + "\n" + escape(note or "")


# ---- the card ---------------------------------------------------------------------------

def review_keyboard(member_id: int, version: int) -> InlineKeyboardMarkup:
    def review(action: ReviewAction) -> ReviewCb:
        return ReviewCb(action=action, member_id=member_id, version=version)

    return rows(
        [button(_("Approve"), review(ReviewAction.APPROVE)),
         button(_("Reject"), review(ReviewAction.REJECT))],
        [button(_("Ask for more information"), review(ReviewAction.ASK))],
    )


def card_text(profile: Profile, ref: ReferenceData, locale: str) -> str:
    """The application as reviewers see it: new, answered, or sent again after a note."""
    body = profile_card(profile, ref, locale)
    if profile.status == "pending" and profile.review_answer:
        return (_("<b>She answered your question</b>") + "\n\n" + body + "\n\n"
                + _("Question: {question}").format(question=escape(profile.decision_note or ""))
                + "\n" + _("Her answer: {answer}").format(answer=escape(profile.review_answer)))
    if profile.status == "pending" and profile.decision_note:
        return (_("<b>Application sent again</b>") + "\n\n" + body + "\n\n"
                + _("Earlier note: {note}").format(note=note_text(profile.decision_note)))
    return _("<b>New application</b>") + "\n\n" + body


async def application_card(profiles: ProfileRepo, ref: ReferenceData, member_id: int,
                           locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    profile = await profiles.get(member_id)
    if profile is None:
        return _("This application no longer exists."), None
    return card_text(profile, ref, locale), review_keyboard(member_id, profile.version)


def named(name: str | None, line: str) -> str:
    """A withdrawn card: the applicant's name (escaped) above the line saying why."""
    return f"<b>{escape(name)}</b>\n{line}" if name else line


def outcome_for_applicant(member_id: int, decision: Decision, note: str | None
                          ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The outcome, in her language; a question comes with the button to answer it."""
    if decision is Decision.APPROVE:
        return _("Your application has been approved. Welcome to the association! "
                 "/help shows what you can do now.") + "\n" + _(
            "Join the association's chats with /chats."), None
    if decision is Decision.REJECT:
        return _("Your application was not approved. Reason: {reason}\n"
                 "You can correct your profile with /profile and send it again."
                 ).format(reason=note_text(note)), None
    return (_("The coordinator asks for more information: {question}").format(
        question=escape(note or "")) + "\n" + _(
        "Type your answer in a message here, or update your profile with /profile and "
        "send it again."),
        rows([button(_("Answer the coordinator"),
                     ReviewCb(action=ReviewAction.ANSWER, member_id=member_id))]))


def renderers(profiles: ProfileRepo, ref: ReferenceData) -> dict[str, Any]:
    """What reviewers and applicants receive through the delivery engine (sent by
    :class:`bot.services.review_cards.ReviewCardService`), rendered in each one's language."""

    async def card(payload: dict[str, Any], to: Recipient) -> Any:
        profile = await profiles.get(payload["member_id"])
        if profile is None or profile.version != payload["version"] \
                or profile.status not in ("pending", "needs_info"):
            return None  # changed or decided before it could go out: a newer card says it
        return card_text(profile, ref, to.locale), review_keyboard(profile.user_id,
                                                                   profile.version)

    async def withdrawn(payload: dict[str, Any], to: Recipient) -> Any:
        name = await profiles.name_of(payload["member_id"]) if payload.get("named") else None
        return named(name, _("This application was changed or moved after this card was "
                             "sent. Any newer card replaces it.")), None

    async def reopened(payload: dict[str, Any], to: Recipient) -> Any:
        return named(await profiles.name_of(payload["member_id"]),
                     _("You opened this application again below.")), None

    async def lost_role(payload: dict[str, Any], to: Recipient) -> Any:
        profile = await profiles.get(payload["member_id"])
        lost = _("You can no longer decide on this application.")
        if profile is None:
            return lost, None
        return profile_card(profile, ref, to.locale) + "\n\n" + lost, None

    async def decided(payload: dict[str, Any], to: Recipient) -> Any:
        """The outcome, who and when, in the reviewer's language and zone; no buttons."""
        profile = await profiles.get(payload["member_id"])
        name = decider_name(await profiles.get(payload["decider"]),
                            bool(payload["decider_is_admin"]))
        zone = await zone_of(profiles, ref, to.user_id)
        body = profile_card(profile, ref, to.locale) + "\n\n" if profile else ""
        when = format_time(from_db(payload["at"]), to.locale, zone)
        return (_("<b>Application</b>") + "\n\n" + body
                + decided_line(Decision(payload["decision"]), name, when, payload["note"])), None

    def outcome(payload: dict[str, Any], to: Recipient) -> Any:
        return outcome_for_applicant(payload["member_id"], Decision(payload["decision"]),
                                     payload["note"])

    def reminder(payload: dict[str, Any], to: Recipient) -> Any:
        count = int(payload["count"])
        return _("{count} application from {country} has waited more than 7 days. "
                 "/pending shows it.",
                 "{count} applications from {country} have waited more than 7 days. "
                 "/pending shows them.", count).format(
            count=count, country=ref.country(payload["country"], to.locale)), None

    return {
        MessageKind.REVIEW_CARD: card,
        MessageKind.REVIEW_WITHDRAWN: withdrawn,
        MessageKind.REVIEW_REOPENED: reopened,
        MessageKind.REVIEW_LOST_ROLE: lost_role,
        MessageKind.REVIEW_DECIDED: decided,
        MessageKind.REVIEW_OUTCOME: outcome,
        MessageKind.REVIEW_REMINDER: reminder,
    }


# ---- reviewers' buttons: one handler per action ------------------------------------------

class Review:
    """What every review handler needs, received by name from the dispatcher."""

    def __init__(self, bot: Bot, actor: Actor, verification: VerificationService,
                 cards: ReviewCardService, profiles: ProfileRepo, ref: ReferenceData,
                 clock: Clock, removals: RemovalRunner) -> None:
        self.bot, self.actor, self.verification = bot, actor, verification
        self.cards, self.profiles, self.ref, self.clock = cards, profiles, ref, clock
        self.removals = removals
        self.edited_cards: dict[tuple[int, int], bool] = {}

    async def decide(self, member_id: int, decision: Decision, note: str | None,
                     version: int | None, pressed: tuple[int, int] | None) -> DecisionResult:
        """Decide; on success every reviewer's copy shows it and she is told."""
        now = self.clock.now()
        result = await self.verification.decide(self.actor.user_id, member_id, decision, now,
                                                note, version=version)
        if result.outcome is Outcome.DONE:
            self.edited_cards = await self.cards.show_decision(
                self.actor.user_id, self.actor.is_admin, member_id, decision, note, now,
                pressed)
            await self.cards.tell_applicant(member_id, decision, note)
            await self.removals.flush(self.bot)
        return result

    async def may_open(self, query: CallbackQuery, data: ReviewCb) -> Profile | None:
        """A prompt (reason, question) opens only on a card she may still decide on."""
        profile = await self.profiles.get(data.member_id)
        country = profile.country_code if profile else None
        if not await self.verification.authority.may_decide_on(self.actor.user_id,
                                                               data.member_id, country):
            await query.answer(outcome_text(Outcome.FORBIDDEN), show_alert=True)
            return None
        if profile is None:
            await query.answer(outcome_text(Outcome.NOT_FOUND), show_alert=True)
            return None
        if profile.status not in ("pending", "needs_info"):
            await query.answer(outcome_text(Outcome.ALREADY_DECIDED), show_alert=True)
            await show_decision_here(query, self, profile.user_id)
            return None
        if data.version != profile.version:
            await show_current_card(query, self, profile)
            return None
        return profile


async def show_current_card(query: CallbackQuery, review: Review, profile: Profile) -> None:
    """She pressed a card of an older version: the popup, and the application as it is now
    to decide on (the old card was already withdrawn)."""
    await query.answer(outcome_text(Outcome.STALE), show_alert=True)
    message = query_message(query)
    if message is None or profile.status not in ("pending", "needs_info"):
        return
    text, keyboard = await application_card(review.profiles, review.ref, profile.user_id,
                                            review.actor.locale)
    sent = await message.answer(text, reply_markup=keyboard)
    await review.cards.record_reply(profile.user_id, profile.version, review.actor.user_id,
                                    sent.message_id)


def pressed_card(query: CallbackQuery) -> tuple[int, int] | None:
    message = query_message(query)
    return (message.chat.id, message.message_id) if message is not None else None


async def refuse(query: CallbackQuery, review: Review, result: DecisionResult) -> None:
    if result.outcome is Outcome.STALE:
        profile = await review.profiles.get(result.member_id)
        if profile is not None:
            await show_current_card(query, review, profile)
            return
    await query.answer(outcome_text(result.outcome), show_alert=True)
    if result.outcome is Outcome.ALREADY_DECIDED:
        await show_decision_here(query, review, result.member_id)


async def show_decision_here(query: CallbackQuery, review: Review, member_id: int) -> None:
    """A copy that still has its buttons although the application was decided (its edit
    failed, or is still being retried): it shows the decision now."""
    message = query_message(query)
    if message is None or message.reply_markup is None:  # it shows the outcome already
        return
    decided = await review.verification.last_review(member_id)
    if decided is not None:
        await review.cards.show_decision(decided.decider, decided.decider_is_admin, member_id,
                                         decided.decision, decided.note, decided.at,
                                         pressed_card(query))


async def cb_approve(query: CallbackQuery, callback_data: ReviewCb, review: Review) -> None:
    result = await review.decide(callback_data.member_id, Decision.APPROVE, None,
                                 callback_data.version, pressed_card(query))
    if result.outcome is not Outcome.DONE:
        await refuse(query, review, result)
        return
    await query.answer(_("Approved."))


async def cb_reject(query: CallbackQuery, callback_data: ReviewCb, review: Review) -> None:
    """The card becomes the choice of reason: short labels, the full text goes to her."""
    message = query_message(query)
    profile = await review.may_open(query, callback_data)
    if profile is None or message is None:
        return
    await query.answer()

    def reason(code: str) -> ReviewCb:
        return ReviewCb(action=ReviewAction.REASON, member_id=profile.user_id, value=code,
                        version=profile.version)

    lines = [f"• {reason_label(code)}: {preset_reason(code)}" for code in PRESET_REASONS]
    text = (card_text(profile, review.ref, review.actor.locale) + "\n\n"
            + _("<b>Why is the application rejected?</b> She will read the full reason.")
            + "\n" + "\n".join(lines))
    await edit_text(message, text, rows(
        *[[button(reason_label(code), reason(code))] for code in PRESET_REASONS],
        [button(_("Type a reason"), reason("t"))],
        [button(_("« Back"), ReviewCb(action=ReviewAction.BACK, member_id=profile.user_id,
                                      version=profile.version))],
    ))


def prompt_text(form_state: str | None) -> str:
    if form_state == ReviewForm.question.state:
        return _("Type your question for the applicant.")
    return _("Type the reason for rejecting the application. She will read it.")


def prompt_card(profile: Profile, review: Review, form_state: str | None,
                problem: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The card while she types a reason or question: the prompt, and why the last text
    was refused (on the card, as the wizard does, not as another message)."""
    back = ReviewCb(action=ReviewAction.BACK, member_id=profile.user_id,
                    version=profile.version)
    text = (card_text(profile, review.ref, review.actor.locale) + "\n\n<b>"
            + prompt_text(form_state) + "</b> " + _("(/cancel to stop)"))
    if problem:
        text += "\n⚠️ " + problem
    return text, rows([button(_("« Back"), back)])


async def cb_reason(query: CallbackQuery, callback_data: ReviewCb, review: Review,
                    state: FSMContext) -> None:
    if callback_data.value in PRESET_REASONS:
        result = await review.decide(callback_data.member_id, Decision.REJECT,
                                     callback_data.value, callback_data.version,
                                     pressed_card(query))
        if result.outcome is not Outcome.DONE:
            await refuse(query, review, result)
            return
        await query.answer(_("Rejected."))
        return
    await open_prompt(query, callback_data, review, state, ReviewForm.reason)


async def cb_ask(query: CallbackQuery, callback_data: ReviewCb, review: Review,
                 state: FSMContext) -> None:
    await open_prompt(query, callback_data, review, state, ReviewForm.question)


async def open_prompt(query: CallbackQuery, callback_data: ReviewCb, review: Review,
                      state: FSMContext, form: State) -> None:
    message = query_message(query)
    profile = await review.may_open(query, callback_data)
    if profile is None or message is None:
        return
    if form is ReviewForm.question and profile.status != "pending":
        await query.answer(outcome_text(Outcome.ALREADY_DECIDED), show_alert=True)
        return
    await query.answer()
    await state.set_state(form)
    await state.update_data(member_id=profile.user_id, version=profile.version,
                            card=message.message_id,
                            **{RESTORE_CARD: {"kind": "review", "message": message.message_id,
                                              "member": profile.user_id,
                                              "version": profile.version}})
    await edit_text(message, *prompt_card(profile, review, form.state))


async def cb_back(query: CallbackQuery, callback_data: ReviewCb, review: Review,
                  state: FSMContext) -> None:
    """From the reason or question prompt back to the card, nothing decided."""
    message = query_message(query)
    profile = await review.may_open(query, callback_data)
    if profile is None or message is None:
        return
    await query.answer()
    if await state.get_state() in (ReviewForm.reason.state, ReviewForm.question.state):
        await state.clear()
    await edit_text(message, card_text(profile, review.ref, review.actor.locale),
                    review_keyboard(profile.user_id, profile.version))


async def restore_review_card(data: dict, card: dict) -> None:  # type: ignore[type-arg]
    """A command ended the reason or question prompt: the card gets its buttons back, unless
    it was decided or withdrawn meanwhile (then it already says so)."""
    actor: Actor | None = data.get("actor")
    profiles: ProfileRepo = data["profiles"]
    cards: ReviewCardService = data["review_card_service"]
    ref: ReferenceData = data["ref"]
    member_id, message_id = int(card["member"]), int(card["message"])
    profile = await profiles.get(member_id)
    if actor is None or profile is None or profile.version != int(card["version"]) \
            or profile.status not in ("pending", "needs_info") \
            or not await cards.holds(member_id, actor.user_id, message_id):
        return
    await edit_by_id(data["bot"], actor.user_id, message_id,
                     card_text(profile, ref, actor.locale),
                     review_keyboard(member_id, profile.version))


CARD_RESTORERS["review"] = restore_review_card


async def refuse_note(message: Message, state: FSMContext, review: Review, problem: str
                      ) -> None:
    data = await state.get_data()
    profile = await review.profiles.get(int(data.get("member_id", 0)))
    card = data.get("card")
    if profile is not None and card and await edit_by_id(
            review.bot, message.chat.id, int(card),
            *prompt_card(profile, review, await state.get_state(), problem)):
        return
    await message.answer(problem + " " + _("(/cancel to stop)"))


async def on_typed_note(message: Message, state: FSMContext, review: Review) -> None:
    value, problem = check_short_text(message.text, REASON_MAX)
    if problem is not None:
        await refuse_note(message, state, review, problem_text(problem, REASON_MAX))
        return
    current = await state.get_state()
    data = await state.get_data()
    await state.clear()
    member_id = int(data.get("member_id", 0))
    decision = Decision.ASK_INFO if current == ReviewForm.question.state else Decision.REJECT
    card = (message.chat.id, int(data["card"])) if data.get("card") else None
    version = int(data.get("version", 0))
    result = await review.decide(member_id, decision, value, version, card)
    if result.outcome is Outcome.FORBIDDEN and result.version not in (None, version):
        # she was allowed when the prompt opened: the application has moved since
        await message.answer(outcome_text(Outcome.MOVED))
        return
    if result.outcome is not Outcome.DONE:
        await message.answer(outcome_text(result.outcome))
        return
    if decision is Decision.REJECT and card is not None and review.edited_cards.get(card):
        return  # the card says it ("Rejected by …, reason"): no second message
    profile = await review.profiles.get(member_id)
    name = escape(profile.full_name or "") if profile else ""
    await message.answer(_("Your question has been sent to {name}.").format(name=name)
                         if decision is Decision.ASK_INFO
                         else _("Rejected. {name} has been told the reason.").format(name=name))


async def on_non_text_note(message: Message, state: FSMContext, review: Review) -> None:
    await refuse_note(message, state, review, _("Please answer with a text message."))


PENDING_PAGE = 10


async def cmd_pending(message: Message, actor: Actor, profiles: ProfileRepo,
                      ref: ReferenceData) -> None:
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    await show_pending(message, actor, profiles, ref, 0, edit=False)


async def show_pending(message: Message, actor: Actor, profiles: ProfileRepo,
                       ref: ReferenceData, page: int, *, edit: bool) -> None:
    """One message: the applications waiting (name, country, since when), a page at a time,
    each with a button that brings up its card."""
    country = None if actor.is_admin else actor.coordinator_country
    total = await profiles.count_waiting(country)
    if not total:
        await show(message, _("No applications are waiting. 🎉"), None, edit=edit)
        return
    pages = (total + PENDING_PAGE - 1) // PENDING_PAGE
    page = min(page, pages - 1)
    waiting = (await profiles.waiting_for_review(country, limit=(page + 1) * PENDING_PAGE)
               )[page * PENDING_PAGE:]
    zone = await zone_of(profiles, ref, actor.user_id)
    lines, buttons = [], []
    for number, member_id in enumerate(waiting, start=page * PENDING_PAGE + 1):
        profile = await profiles.get(member_id)
        if profile is None:
            continue
        full = profile.full_name or _("this member")
        since = format_date(from_db(profile.submitted_at), actor.locale, zone) \
            if profile.submitted_at else "—"
        lines.append(_("{number}. {name}, {country}, waiting since {date}").format(
            number=number, name=escape(full),
            country=escape(ref.country(profile.country_code, actor.locale))
            if profile.country_code else "—", date=since))
        label = f"{number}. {full}"
        buttons.append([button(label if len(label) <= 24 else label[:23] + "…",
                               ReviewCb(action=ReviewAction.SHOW, member_id=member_id))])
    head = _("{count} application is waiting for review.",
             "{count} applications are waiting for review.", total).format(count=total)
    if pages > 1:
        head += " " + _("Page {page} of {pages}.").format(page=page + 1, pages=pages)
    nav = []
    if page > 0:
        nav.append(button(_("« Previous"), PageCb(view="pending", page=page - 1)))
    if page + 1 < pages:
        nav.append(button(_("Next »"), PageCb(view="pending", page=page + 1)))
    if nav:
        buttons.append(nav)
    await show(message, head + "\n\n" + "\n".join(lines), rows(*buttons), edit=edit)


async def cb_pending_page(query: CallbackQuery, callback_data: PageCb, actor: Actor,
                          profiles: ProfileRepo, ref: ReferenceData) -> None:
    message = query_message(query)
    if actor is None or not actor.is_staff or message is None:
        await query.answer(_("This command is for coordinators."), show_alert=True)
        return
    await query.answer()
    await show_pending(message, actor, profiles, ref, max(0, callback_data.page), edit=True)


async def cb_show(query: CallbackQuery, callback_data: ReviewCb, review: Review) -> None:
    """From /pending: the application's one current card (her older copies are withdrawn)."""
    message = query_message(query)
    profile = await review.profiles.get(callback_data.member_id)
    country = profile.country_code if profile else None
    if not await review.verification.authority.may_decide_on(review.actor.user_id,
                                                             callback_data.member_id, country):
        await query.answer(outcome_text(Outcome.FORBIDDEN), show_alert=True)
        return
    if profile is None:
        await query.answer(outcome_text(Outcome.NOT_FOUND), show_alert=True)
        return
    if profile.status not in ("pending", "needs_info"):
        await query.answer(outcome_text(Outcome.ALREADY_DECIDED), show_alert=True)
        return
    await query.answer()
    if message is None:
        return

    await review.cards.withdraw_own_copies(profile.user_id, review.actor.user_id)
    text, keyboard = await application_card(review.profiles, review.ref, profile.user_id,
                                            review.actor.locale)
    sent = await message.answer(text, reply_markup=keyboard)
    await review.cards.record_reply(profile.user_id, profile.version, review.actor.user_id,
                                    sent.message_id)


# ---- the applicant answers the question -------------------------------------------------

class AnswerForm(StatesGroup):
    answer = State()  # she pressed "Answer the coordinator": what she types is the answer
    confirm = State()  # she typed without pressing it: send this as her answer?


async def cb_answer(query: CallbackQuery, callback_data: ReviewCb, actor: Actor,
                    profiles: ProfileRepo, state: FSMContext) -> None:
    """"Answer the coordinator": what she types next is her answer."""
    message = query_message(query)
    if callback_data.member_id != actor.user_id:
        await query.answer(_("This button is not meant for you."), show_alert=True)
        return
    profile = await profiles.get(actor.user_id)
    if profile is None or profile.open_question is None or message is None:
        await query.answer(_("This question is no longer open."), show_alert=True)
        return
    await query.answer()
    await state.set_state(AnswerForm.answer)
    await edit_text(message, (message.html_text or "") + "\n\n<b>"
                    + _("Type your answer in one message below.") + "</b> "
                    + _("(/cancel to stop)"), None)


async def has_open_question(message: Message, actor: Actor) -> bool:
    return actor.status == "needs_info"


async def on_answer(message: Message, actor: Actor, state: FSMContext, answers: Answers) -> None:
    """After "Answer the coordinator": the text goes to the review at once."""
    value, problem = check_short_text(message.text, ANSWER_MAX)
    if problem is not None:
        await message.answer(problem_text(problem, ANSWER_MAX) + " " + _("(/cancel to stop)"))
        return
    await state.clear()
    await answers.send(message, actor, value)


async def on_typed_answer(message: Message, actor: Actor, state: FSMContext) -> None:
    """She simply typed while a question is open: asked once whether it is her answer."""
    value, problem = check_short_text(message.text, ANSWER_MAX)
    if problem is not None:
        await message.answer(problem_text(problem, ANSWER_MAX))
        return
    await state.set_state(AnswerForm.confirm)
    await state.update_data(answer=value)

    def act(action: ReviewAction) -> ReviewCb:
        return ReviewCb(action=action, member_id=actor.user_id)

    await message.answer(
        _("Send this to the coordinator as your answer?") + "\n\n<i>" + escape(value) + "</i>",
        reply_markup=rows([button(_("Send answer"), act(ReviewAction.ANSWER_SEND)),
                           button(_("Don't send"), act(ReviewAction.ANSWER_DROP))]))


async def cb_answer_send(query: CallbackQuery, callback_data: ReviewCb, actor: Actor,
                         state: FSMContext, answers: Answers, claims: ClaimRepo,
                         clock: Clock) -> None:
    message = query_message(query)
    data = await state.get_data()
    if callback_data.member_id != actor.user_id or message is None \
            or await state.get_state() != AnswerForm.confirm.state or not data.get("answer"):
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    # two presses at once both pass the check above: the first one claims this question
    if not await claims.claim(f"answer:{message.chat.id}:{message.message_id}", clock.now()):
        await query.answer(_("This has already been handled."), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await edit_text(message, message.html_text or "", None)
    await answers.send(message, actor, str(data["answer"]))


async def cb_answer_drop(query: CallbackQuery, callback_data: ReviewCb, actor: Actor,
                         state: FSMContext) -> None:
    message = query_message(query)
    if callback_data.member_id != actor.user_id or message is None \
            or await state.get_state() != AnswerForm.confirm.state:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    await state.clear()
    await query.answer()
    await edit_text(message, (message.html_text or "") + "\n\n" + _("Not sent."), None)


class Answers:
    """Her answer to the review: stored, and a new card to the reviewers."""

    def __init__(self, review: Review) -> None:
        self._review = review

    async def send(self, message: Message, actor: Actor, answer: str) -> None:
        r = self._review
        result = await r.verification.answer_question(actor.user_id, answer, r.clock.now())
        if result.outcome is not AnswerOutcome.SENT:
            await message.answer(_("This question is no longer open."))
            return
        await message.answer(_("Thank you! Your answer has been sent to the coordinator. "
                               "I will let you know the outcome here."))
        # typed rather than through the button: the question's button goes all the same
        await drop_keyboard(r.bot, message.chat.id, await r.cards.question_message(actor.user_id))
        await r.cards.notify_reviewers(actor.user_id, result.reviewers)


async def on_non_text_answer(message: Message) -> None:
    await message.answer(_("Please answer with a text message."))


class ReviewDeps(BaseMiddleware):
    """Hands this router's handlers one :class:`Review` instead of nine dependencies."""

    async def __call__(self, handler, event, data):  # type: ignore[no-untyped-def]
        data["review"] = Review(data["bot"], data.get("actor"), data["verification"],
                                data["review_card_service"], data["profiles"], data["ref"],
                                data["clock"], data["removals"])
        data["answers"] = Answers(data["review"])
        return await handler(event, data)


def create_router() -> Router:
    router = Router(name="verification")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_pending, Command("pending"))
    router.callback_query.middleware(ReviewDeps())
    router.message.middleware(ReviewDeps())
    router.callback_query.register(cb_approve, ReviewCb.filter(F.action == ReviewAction.APPROVE))
    router.callback_query.register(cb_reject, ReviewCb.filter(F.action == ReviewAction.REJECT))
    router.callback_query.register(cb_reason, ReviewCb.filter(F.action == ReviewAction.REASON))
    router.callback_query.register(cb_ask, ReviewCb.filter(F.action == ReviewAction.ASK))
    router.callback_query.register(cb_back, ReviewCb.filter(F.action == ReviewAction.BACK))
    router.callback_query.register(cb_show, ReviewCb.filter(F.action == ReviewAction.SHOW))
    router.callback_query.register(cb_pending_page, PageCb.filter(F.view == "pending"))
    router.callback_query.register(cb_answer, ReviewCb.filter(F.action == ReviewAction.ANSWER))
    router.callback_query.register(cb_answer_send,
                                   ReviewCb.filter(F.action == ReviewAction.ANSWER_SEND))
    router.callback_query.register(cb_answer_drop,
                                   ReviewCb.filter(F.action == ReviewAction.ANSWER_DROP))
    notes = StateFilter(ReviewForm.reason, ReviewForm.question)
    router.message.register(on_typed_note, notes, F.text, ~F.text.startswith("/"))
    router.message.register(on_non_text_note, notes, ~F.text.startswith("/"))
    answering = StateFilter(AnswerForm.answer)
    router.message.register(on_answer, answering, F.text, ~F.text.startswith("/"))
    router.message.register(on_non_text_answer, answering, ~F.text.startswith("/"))
    router.message.register(on_typed_answer, StateFilter(None, AnswerForm.confirm),
                            no_open_dialog, has_open_question, F.text, ~F.text.startswith("/"))
    router.message.register(on_non_text_answer, StateFilter(None, AnswerForm.confirm),
                            no_open_dialog, has_open_question, ~F.text)
    return router
