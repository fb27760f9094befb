"""What the profile dialog hands on to other people: review cards to the reviewers, the
coordinators' notice of a renamed member, the chats she leaves after a country change.

The one place the dialog reaches the verification feature's senders (``handlers.verification``)
and the notifier, so the dialog's actions stay small.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from bot.chat_removals import RemovalRunner
from bot.db.repositories.profiles import Profile
from bot.db.repositories.review_cards import ReviewCardRepo
from bot.notifier import Notifier
from bot.services.onboarding import OnboardingService
from bot.services.reference import ReferenceData


def _deps(data: dict[str, Any]) -> tuple[Bot, Notifier, OnboardingService, ReferenceData,
                                          ReviewCardRepo]:
    return data["bot"], data["notifier"], data["onboarding"], data["ref"], data["review_cards"]


async def send_to_reviewers(data: dict[str, Any], member_id: int, reviewers: list[int]) -> None:
    """Her application's card to its reviewers (an earlier card is withdrawn first)."""
    from handlers.verification import notify_reviewers

    bot, notifier, _onboarding, ref, cards = _deps(data)
    await notify_reviewers(bot, notifier, data["profiles"], ref, member_id, reviewers, cards)


async def resend_to_reviewers(data: dict[str, Any], profile: Profile) -> None:
    """A waiting application changed: the reviewers get a card of what she sends now."""
    if profile.status != "pending":
        return
    onboarding: OnboardingService = data["onboarding"]
    await send_to_reviewers(data, profile.user_id,
                            await onboarding.reviewers_of(profile.country_code))


async def withdraw_review_cards(data: dict[str, Any], member_id: int) -> None:
    from handlers.verification import withdraw_cards

    bot, notifier, _onboarding, _ref, cards = _deps(data)
    await withdraw_cards(bot, notifier, cards, member_id)


async def leave_old_chats(data: dict[str, Any]) -> None:
    removals: RemovalRunner = data["removals"]
    await removals.flush(data["bot"])


async def tell_coordinators_of_change(data: dict[str, Any], before: Profile, field: str) -> None:
    """An approved member renamed herself or changed agency: her coordinators are told."""
    bot, notifier, onboarding, ref, _cards = _deps(data)
    coordinators = await onboarding.change_notice_recipients(before)
    after = await onboarding.profile(before.user_id)
    if not coordinators or after is None:
        return

    def agency(profile: Profile, locale: str) -> str:
        if profile.agency_code in ref.other_agency_codes and profile.agency_other:
            return profile.agency_other
        return ref.agency(profile.agency_code, locale) if profile.agency_code else "—"

    async def render(locale: str):  # type: ignore[no-untyped-def]
        if field == "name":
            return _("A member of your country changed her name: {old} → {new}.").format(
                old=escape(before.full_name or "—"), new=escape(after.full_name or "—")), None
        return _("{name} changed her agency: {old} → {new}.").format(
            name=escape(after.full_name or "—"), old=escape(agency(before, locale)),
            new=escape(agency(after, locale))), None

    await notifier.send(bot, coordinators, render)


async def offer_as_answer(data: dict[str, Any], message: Any) -> None:
    """She typed on her profile while the coordinator's question is open, as the profile
    tells her to: asked once whether it is her answer (as anywhere else)."""
    from handlers.verification import on_typed_answer

    await on_typed_answer(message, data["actor"], data["state"])
