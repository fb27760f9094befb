"""Every consequential button works once, even when pressed twice quickly (../shared/UX.md).

A handler names the press (``"post:<user>:<draft>"``); the first to take the name goes on, a
repeat or a concurrent second press finds it taken (one atomic insert, see
:class:`bot.db.repositories.claims.ClaimRepo`). A press that failed before it took effect gives
the name back, so she may try again.
"""

from __future__ import annotations

from datetime import datetime

from bot.db.repositories.claims import ClaimRepo


class OnceOnly:
    def __init__(self, claims: ClaimRepo) -> None:
        self._claims = claims

    async def first(self, key: str, now: datetime) -> bool:
        """True for the first press of ``key`` only."""
        return await self._claims.claim(key, now)

    async def give_back(self, key: str) -> None:
        """The press did nothing after all: the button works again."""
        await self._claims.release(key)
