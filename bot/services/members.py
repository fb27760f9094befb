"""What handlers show about other members: one profile, and the directory's search.

Reads only; what a member changes about herself goes through
:class:`bot.services.onboarding.OnboardingService`. Handlers never hold the profiles
repository: this is their way to it.
"""

from __future__ import annotations

from bot.db.repositories.profiles import DirectoryFilter, Profile, ProfileRepo


class MemberService:
    def __init__(self, profiles: ProfileRepo) -> None:
        self._profiles = profiles

    async def get(self, user_id: int) -> Profile | None:
        return await self._profiles.get(user_id)

    async def search(self, flt: DirectoryFilter, offset: int, limit: int, *,
                     include_suspended: bool | str = False) -> tuple[list[int], int]:
        """Approved members matching the filter, only on the fields each made visible (the
        ids of one page, and how many match in all)."""
        return await self._profiles.search(flt, offset, limit,
                                           include_suspended=include_suspended)
