"""The sign-up wizard's rules: which step comes next, what may be skipped, and submission.

```mermaid
stateDiagram-v2
    [*] --> privacy: language chosen
    privacy --> [*]: decline (only the language is kept)
    privacy --> name: accept
    name --> country
    country --> agency: (skipped with an invitation code)
    agency --> agency_other: "Other"
    agency --> position
    agency_other --> position
    position --> years: answer or Skip
    years --> expertise
    expertise --> languages: Done
    languages --> bio: Done
    bio --> visibility: answer or Skip
    visibility --> summary: Done
    summary --> name: Edit (any field, back to summary after)
    summary --> [*]: Submit -> pending, or approved with a valid invitation
```
Every answer is written to the draft at once, so /cancel, a restart or /start later lose
nothing; Back walks the same list in reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Database
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.invites import InviteRepo
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.services.chat_access import ChatAccessService

STEPS: tuple[str, ...] = (
    "name", "country", "agency", "agency_other", "position", "years", "expertise",
    "languages", "bio", "visibility", "summary",
)
OPTIONAL_STEPS = frozenset({"position", "bio"})
TEXT_STEPS = frozenset({"name", "agency_other", "position", "years", "bio"})


def applies(step: str, profile: Profile, other_agencies: frozenset[str]) -> bool:
    if step == "country":
        return profile.invite_code_id is None
    if step == "agency_other":
        return profile.agency_code in other_agencies
    return True


def next_step(step: str, profile: Profile, other_agencies: frozenset[str]) -> str:
    index = STEPS.index(step)
    for candidate in STEPS[index + 1:]:
        if applies(candidate, profile, other_agencies):
            return candidate
    return "summary"


def previous_step(step: str, profile: Profile, other_agencies: frozenset[str]) -> str | None:
    index = STEPS.index(step)
    for candidate in reversed(STEPS[:index]):
        if applies(candidate, profile, other_agencies):
            return candidate
    return None


def missing_required(profile: Profile, other_agencies: frozenset[str]) -> str | None:
    """The first required step still unanswered, if any."""
    checks = {
        "name": profile.full_name,
        "country": profile.country_code,
        "agency": profile.agency_code,
        "agency_other": profile.agency_other if profile.agency_code in other_agencies else "-",
        "years": profile.years_of_service,
        "expertise": profile.expertise or None,
        "languages": profile.languages or None,
    }
    for step, value in checks.items():
        if value is None:
            return step
    return None


@dataclass(frozen=True)
class Submission:
    status: str  # "pending" or "approved"
    reviewers: list[int]


class OnboardingService:
    def __init__(self, db: Database, profiles: ProfileRepo, invites: InviteRepo,
                 coordinators: CoordinatorRepo, audit: AuditRepo, admin_ids: frozenset[int],
                 chat_access: ChatAccessService):
        self._chat_access = chat_access
        self._db = db
        self._profiles = profiles
        self._invites = invites
        self._coordinators = coordinators
        self._audit = audit
        self._admin_ids = admin_ids

    async def submit(self, user_id: int, now: datetime) -> Submission | None:
        """Send a complete draft for review; with a valid invitation she is approved at once."""
        async with self._db.transaction():
            profile = await self._profiles.get(user_id)
            if profile is None or profile.status not in ("draft", "needs_info", "rejected"):
                return None
            invite = None
            if profile.invite_code_id is not None:
                invite = await self._invites.get(profile.invite_code_id)
            if invite is not None and invite.country_code == profile.country_code \
                    and profile.status == "draft":
                await self._profiles.set_status(user_id, now, "approved", submitted=True,
                                                note="invitation")
                await self._audit.record(now, user_id, "approve_by_invitation",
                                         target_id=user_id, country_code=profile.country_code,
                                         details=f"code #{invite.id}")
                return Submission("approved", [])
            await self._profiles.set_status(user_id, now, "pending", submitted=True)
        return Submission("pending", await self.reviewers_of(profile.country_code))

    async def reviewers_of(self, country_code: str | None) -> list[int]:
        coordinators = await self._coordinators.of_country(country_code) if country_code else []
        return sorted(set(coordinators) | set(self._admin_ids))

    async def reverify_after_country_change(self, user_id: int, old_country: str | None,
                                            now: datetime) -> bool:
        """A member who moved is verified again; until then she leaves the association's chats."""
        async with self._db.transaction():
            if not await self._profiles.set_status(user_id, now, "pending",
                                                   expected=("approved",), submitted=True):
                return False
            old_coordinators = await self._coordinators.of_country(old_country) \
                if old_country else []
            await self._chat_access.queue_removals(
                user_id, "country_changed", old_coordinators[0] if old_coordinators else None,
                now)
        return True
