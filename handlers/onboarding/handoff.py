"""What the profile dialog hands on to other people: review cards to the reviewers, the
coordinators' notice of a renamed member, the chats she leaves after a country change.

The one place the dialog reaches the review cards (:class:`ReviewCardService`) and the
delivery engine, so the dialog's actions stay small.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.chat_removals import RemovalRunner
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.services.delivery import DeliveryService, Recipient
from bot.services.message_kinds import MessageKind
from bot.services.onboarding import OnboardingService
from bot.services.reference import ReferenceData
from bot.services.review_cards import ReviewCardService


async def send_to_reviewers(data: dict[str, Any], member_id: int, reviewers: list[int]) -> None:
    """Her application's card to its reviewers (an earlier card is withdrawn first)."""
    cards: ReviewCardService = data["review_card_service"]
    await cards.notify_reviewers(member_id, reviewers)


async def resend_to_reviewers(data: dict[str, Any], profile: Profile) -> None:
    """A waiting application changed: the reviewers get a card of what she sends now."""
    if profile.status != "pending":
        return
    onboarding: OnboardingService = data["onboarding"]
    await send_to_reviewers(data, profile.user_id,
                            await onboarding.reviewers_of(profile.country_code))


async def withdraw_review_cards(data: dict[str, Any], member_id: int) -> None:
    cards: ReviewCardService = data["review_card_service"]
    await cards.withdraw_cards(member_id, named=False)


async def leave_old_chats(data: dict[str, Any]) -> None:
    removals: RemovalRunner = data["removals"]
    await removals.flush(data["bot"])


async def tell_coordinators_of_change(data: dict[str, Any], before: Profile, field: str) -> None:
    """An approved member renamed herself or changed agency: her coordinators are told (what
    it was before travels with the notice; what it is now is read when it goes out)."""
    onboarding: OnboardingService = data["onboarding"]
    delivery: DeliveryService = data["delivery"]
    coordinators = await onboarding.change_notice_recipients(before)
    if not coordinators or await onboarding.profile(before.user_id) is None:
        return
    await delivery.notify(MessageKind.PROFILE_CHANGED, {
        "member_id": before.user_id, "field": field, "name": before.full_name,
        "agency": before.agency_code, "agency_other": before.agency_other}, coordinators,
        about=before.user_id)


def renderers(profiles: ProfileRepo, ref: ReferenceData) -> dict[str, Any]:
    """Her coordinators' notice of a new name or agency, in each one's language."""

    def agency(code: str | None, other: str | None, locale: str) -> str:
        if code in ref.other_agency_codes and other:
            return other
        return ref.agency(code, locale) if code else "—"

    async def changed(payload: dict[str, Any], to: Recipient) -> Any:
        after = await profiles.get(payload["member_id"])
        if after is None:
            return None  # she left meanwhile
        if payload["field"] == "name":
            return _("A member of your country changed her name: {old} → {new}.").format(
                old=escape(payload["name"] or "—"), new=escape(after.full_name or "—")), None
        return _("{name} changed her agency: {old} → {new}.").format(
            name=escape(after.full_name or "—"),
            old=escape(agency(payload["agency"], payload["agency_other"], to.locale)),
            new=escape(agency(after.agency_code, after.agency_other, to.locale))), None

    return {MessageKind.PROFILE_CHANGED: changed}


async def offer_as_answer(data: dict[str, Any], message: Any) -> None:
    """She typed on her profile while the coordinator's question is open, as the profile
    tells her to: asked once whether it is her answer (as anywhere else)."""
    from handlers.verification import on_typed_answer

    await on_typed_answer(message, data["actor"], data["state"])
