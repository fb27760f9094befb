"""The review cards sent for each application, so that old ones can be withdrawn."""

from __future__ import annotations

from bot.db.database import Database


class ReviewCardRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, member_id: int, version: int, sent: list[tuple[int, int]]) -> None:
        await self._db.execute_many(
            "INSERT OR IGNORE INTO review_cards (member_id, reviewer_id, message_id, version) "
            "VALUES (?, ?, ?, ?)", [(member_id, reviewer, message, version)
                                    for reviewer, message in sent])

    async def holds(self, member_id: int, reviewer_id: int, message_id: int) -> bool:
        """Is this card of hers still out (not decided on, withdrawn or replaced)?"""
        return await self._db.fetch_value(
            "SELECT 1 FROM review_cards WHERE member_id = ? AND reviewer_id = ? "
            "AND message_id = ?", (member_id, reviewer_id, message_id)) is not None

    async def take_all(self, member_id: int) -> list[tuple[int, int]]:
        """(reviewer, message id) of every card out for her, forgetting them."""
        async with self._db.transaction():
            rows = await self._db.fetch_all(
                "SELECT reviewer_id, message_id FROM review_cards WHERE member_id = ?",
                (member_id,))
            await self._db.execute("DELETE FROM review_cards WHERE member_id = ?", (member_id,))
        return [(row["reviewer_id"], row["message_id"]) for row in rows]

    async def take_of_reviewer(self, member_id: int, reviewer_id: int) -> list[int]:
        """Message ids of the cards of one application a reviewer holds, forgetting them (a
        newer card replaces them)."""
        async with self._db.transaction():
            rows = await self._db.fetch_all(
                "SELECT message_id FROM review_cards WHERE member_id = ? AND reviewer_id = ?",
                (member_id, reviewer_id))
            await self._db.execute(
                "DELETE FROM review_cards WHERE member_id = ? AND reviewer_id = ?",
                (member_id, reviewer_id))
        return [row["message_id"] for row in rows]

    async def take_by_reviewer(self, reviewer_id: int) -> list[tuple[int, int]]:
        """(member, message id) of every card a reviewer holds, forgetting them (she lost
        the role)."""
        async with self._db.transaction():
            rows = await self._db.fetch_all(
                "SELECT member_id, message_id FROM review_cards WHERE reviewer_id = ?",
                (reviewer_id,))
            await self._db.execute("DELETE FROM review_cards WHERE reviewer_id = ?",
                                   (reviewer_id,))
        return [(row["member_id"], row["message_id"]) for row in rows]
