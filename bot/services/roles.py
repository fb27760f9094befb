"""Who is acting: administrator, country coordinator, member, applicant or stranger.

Roles are read from the database (and ``ADMIN_IDS``) for every update, never from button
data; services check them again inside the transaction that performs a privileged action.
"""

from __future__ import annotations

from dataclasses import dataclass

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
