"""Reviewer notification: an application's card to its reviewers, every later change of those
cards (withdrawn, decided, the reviewer lost her role, opened again), and the outcome to the
applicant — all through the delivery engine, at once (a person waits for each of them).

Which message is whose card is kept in ``review_cards``, recorded when the card went out,
whether at once or on a retry later (the engine's after-sent hook), so a decision edits every
copy that reached a reviewer. What the cards say is the verification feature's (its renderers
in ``handlers/verification.py``), rendered at send time in each reviewer's language; a card
whose application changed or was decided before it could go out is not sent at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.clock import to_db
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.review_cards import ReviewCardRepo
from bot.services.delivery import DeliveryService, Outgoing
from bot.services.message_kinds import MessageKind
from bot.services.verification import Decision


class ReviewCardService:
    def __init__(self, delivery: DeliveryService, cards: ReviewCardRepo,
                 profiles: ProfileRepo) -> None:
        self._delivery = delivery
        self._cards = cards
        self._profiles = profiles
        delivery.after_sent(MessageKind.REVIEW_CARD, self._card_sent)

    async def _card_sent(self, payload: dict[str, Any], reviewer: int, message_id: int) -> None:
        await self._cards.record(int(payload["member_id"]), int(payload["version"]),
                                 [(reviewer, message_id)])

    async def notify_reviewers(self, member_id: int, reviewers: Iterable[int]) -> None:
        """Her application's card to its reviewers, any earlier card withdrawn first."""
        await self.withdraw_cards(member_id)
        profile = await self._profiles.get(member_id)
        if profile is None:
            return
        payload = {"member_id": member_id, "version": profile.version}
        await self._delivery.send_now(MessageKind.REVIEW_CARD, [
            Outgoing(reviewer, payload, about=member_id) for reviewer in dict.fromkeys(reviewers)
            if reviewer != member_id])

    async def withdraw_cards(self, member_id: int, *, named: bool = True) -> None:
        """Earlier cards of an application that changed or moved lose their buttons and say
        why (with her name, unless ``named`` is False)."""
        await self._edit(MessageKind.REVIEW_WITHDRAWN, await self._cards.take_all(member_id),
                         {"member_id": member_id, "named": named})

    async def withdraw_reviewer_cards(self, reviewer_id: int) -> None:
        """A reviewer who lost her role: the cards she holds keep the application and lose
        their buttons, with a line saying why."""
        await self._delivery.send_now(MessageKind.REVIEW_LOST_ROLE, [
            Outgoing(reviewer_id, {"member_id": member_id}, message_id, about=member_id)
            for member_id, message_id in await self._cards.take_by_reviewer(reviewer_id)])

    async def withdraw_own_copies(self, member_id: int, reviewer_id: int) -> None:
        """She opened the application again (from /pending): her older copies say so."""
        await self._delivery.send_now(MessageKind.REVIEW_REOPENED, [
            Outgoing(reviewer_id, {"member_id": member_id}, message_id, about=member_id)
            for message_id in await self._cards.take_of_reviewer(member_id, reviewer_id)])

    async def show_decision(self, decider: int, decider_is_admin: bool, member_id: int,
                            decision: Decision, note: str | None, at: datetime,
                            pressed: tuple[int, int] | None) -> dict[tuple[int, int], bool]:
        """Every reviewer's copy (the decider's too, ``pressed``) shows the outcome, who and
        when, and loses its buttons. Says which copies were edited."""
        copies = await self._cards.take_all(member_id)
        if pressed is not None and pressed not in copies:
            copies.append(pressed)
        payload = {"member_id": member_id, "decision": decision.value, "note": note,
                   "decider": decider, "decider_is_admin": decider_is_admin, "at": to_db(at)}
        results = await self._edit(MessageKind.REVIEW_DECIDED, copies, payload)
        edited = {copy: False for copy in copies}
        for result in results:
            if result.edit_of is not None:
                edited[(result.recipient_id, result.edit_of)] = result.status == "sent"
        return edited

    async def tell_applicant(self, member_id: int, decision: Decision,
                             note: str | None) -> None:
        """The outcome, in her language (a question with the button to answer it)."""
        await self._delivery.notify(MessageKind.REVIEW_OUTCOME, {
            "member_id": member_id, "decision": decision.value, "note": note}, [member_id],
            about=member_id)

    async def record_reply(self, member_id: int, version: int, reviewer_id: int,
                           message_id: int) -> None:
        """A card sent as a direct reply to the reviewer (from /pending, or the newer card
        after she pressed an old one)."""
        await self._cards.record(member_id, version, [(reviewer_id, message_id)])

    async def question_message(self, member_id: int) -> int | None:
        """The message that asked her the reviewer's question (its "Answer the coordinator"
        button goes once she has answered by typing)."""
        return await self._delivery.last_sent(MessageKind.REVIEW_OUTCOME, member_id, member_id)

    async def holds(self, member_id: int, reviewer_id: int, message_id: int) -> bool:
        return await self._cards.holds(member_id, reviewer_id, message_id)

    async def _edit(self, kind: MessageKind, copies: list[tuple[int, int]],
                    payload: dict[str, Any]):  # type: ignore[no-untyped-def]
        return await self._delivery.send_now(kind, [
            Outgoing(reviewer, payload, message_id, about=payload["member_id"])
            for reviewer, message_id in copies])
