"""Who is acting: administrator, country coordinator, member, applicant or stranger.

Roles are read from the database (and ``ADMIN_IDS``) for every update, never from button
data; services check them again inside the transaction that performs a privileged action.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import AccountRow


@dataclass(frozen=True)
class Actor:
    user_id: int
    locale: str
    is_registered: bool = False
    is_admin: bool = False
    coordinator_country: str | None = None
    status: str | None = None
    country_code: str | None = None

    @classmethod
    def from_account(cls, user_id: int, locale: str, account: AccountRow | None,
                     admin_ids: frozenset[int]) -> Actor:
        return cls(
            user_id=user_id,
            locale=locale,
            is_registered=account is not None,
            is_admin=user_id in admin_ids,
            coordinator_country=account.coordinator_country if account else None,
            status=account.status if account else None,
            country_code=account.country_code if account else None,
        )

    @property
    def is_coordinator(self) -> bool:
        return self.coordinator_country is not None

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.is_coordinator

    @property
    def is_member(self) -> bool:
        """An approved member (staff count as members for member features)."""
        return self.status == "approved" or self.is_staff

    def manages(self, country_code: str | None) -> bool:
        """Whether she may act on members of that country."""
        if self.is_admin:
            return True
        return country_code is not None and self.coordinator_country == country_code


class Authority:
    """The one answer to "may she do this, now?", read from the database when she acts.

    Administrators are ``ADMIN_IDS``. A coordinator has staff rights only while she is
    appointed *and* her own membership is approved (``CoordinatorRepo`` joins her profile),
    so suspending, re-verifying or erasing her ends her powers at once, on every command,
    button and scheduled follow-up that asks here. Staff are managed only by administrators.
    """

    def __init__(self, coordinators: CoordinatorRepo, admin_ids: frozenset[int]) -> None:
        self._coordinators = coordinators
        self._admin_ids = admin_ids

    @property
    def admin_ids(self) -> frozenset[int]:
        return self._admin_ids

    def is_admin(self, user_id: int) -> bool:
        return user_id in self._admin_ids

    async def coordinated_country(self, user_id: int) -> str | None:
        return await self._coordinators.active_country_of(user_id)

    async def appointed_country(self, user_id: int) -> str | None:
        """The country she is appointed for, whatever her own status (the staff's view of
        her card; her rights are :meth:`coordinated_country`)."""
        return await self._coordinators.country_of(user_id)

    async def publishes_region(self, user_id: int) -> bool:
        """Whether an administrator let her publish events region-wide (and she may act)."""
        return await self._coordinators.may_publish_region(user_id)

    async def coordinators_of(self, country_code: str) -> list[int]:
        """That country's coordinators who may act now."""
        return await self._coordinators.of_country(country_code)

    async def appointments(self) -> list[tuple[int, str]]:
        """Every appointed coordinator and her country, whatever her own status."""
        return await self._coordinators.all()

    async def is_staff(self, user_id: int) -> bool:
        return self.is_admin(user_id) or await self.coordinated_country(user_id) is not None

    async def reviewers_of(self, country_code: str | None) -> list[int]:
        """Who reviews that country's applications now: its coordinators and the admins."""
        coordinators = await self._coordinators.of_country(country_code) if country_code else []
        return sorted(set(coordinators) | set(self._admin_ids))

    async def may_manage(self, actor_id: int, country_code: str | None) -> bool:
        """Whether she may act on that country's members and applications now."""
        if self.is_admin(actor_id):
            return True
        own = await self.coordinated_country(actor_id)
        return own is not None and own == country_code

    async def may_decide_on(self, actor_id: int, member_id: int, country_code: str | None
                            ) -> bool:
        """A decision on a person: never on herself, and staff only by an administrator."""
        if actor_id == member_id or not await self.may_manage(actor_id, country_code):
            return False
        if self.is_admin(actor_id):
            return True
        is_staff = self.is_admin(member_id) or await self._coordinators.country_of(
            member_id) is not None
        return not is_staff

    async def may_reach(self, actor_id: int, countries: tuple[str, ...] | None,
                        expertise: str | None = None) -> bool:
        """Whether she may publish to that audience (None: every country)."""
        if self.is_admin(actor_id):
            return True
        own = await self.coordinated_country(actor_id)
        if own is None or expertise:
            return False
        if countries is not None:
            return set(countries) == {own}
        return await self._coordinators.may_publish_region(actor_id)

    async def may_manage_event(self, actor_id: int, created_by: int | None,
                               countries: tuple[str, ...] | None, expertise: str | None
                               ) -> bool:
        """Any administrator; the organiser only while she is still staff of its audience."""
        if self.is_admin(actor_id):
            return True
        return actor_id == created_by and await self.may_reach(actor_id, countries, expertise)
