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
nothing; Back walks the same list in reverse. Which question is open lives in one place, the
FSM state (``handlers.onboarding.Onboarding``); a button of a step that is not open refuses.

A member's country changes only through :meth:`OnboardingService.change_country`: an approved
member is verified again (and leaves her old country's chats), a pending application moves to
the new country's reviewers, a suspended member can't move. An invitation's use is taken only
when she sends her completed profile, in the same transaction that approves her.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bot.db.database import Database
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.invites import InviteCode, InviteRepo
from bot.services.invites import InviteService
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.services.chat_access import ChatAccessService
from bot.services.roles import Authority

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
    invitation_lapsed: bool = False  # she had one, but it was withdrawn, used up or expired


class CountryChange(Enum):
    UNCHANGED = "unchanged"
    REVERIFY = "reverify"    # an approved member: verified again by the new country
    REROUTED = "rerouted"    # an application waiting for review: moved to the new reviewers
    CHANGED = "changed"      # a draft, or an application not waiting (rejected, needs info)
    REFUSED = "refused"      # suspended: only her coordinator can settle that first


@dataclass(frozen=True)
class CountryChangeResult:
    outcome: CountryChange
    old_country: str | None
    reviewers: list[int]


class OnboardingService:
    def __init__(self, db: Database, profiles: ProfileRepo, invites: InviteRepo,
                 coordinators: CoordinatorRepo, audit: AuditRepo, authority: Authority,
                 chat_access: ChatAccessService, *,
                 invitations: InviteService | None = None):
        self._chat_access = chat_access
        self._invitations = invitations  # tells the creator when her invitation is used
        self._db = db
        self._profiles = profiles
        self._invites = invites
        self._coordinators = coordinators
        self._audit = audit
        self._authority = authority

    async def usable_invitation(self, invite_id: int | None, country_code: str | None,
                                now: datetime) -> InviteCode | None:
        """Her invitation, if it still works now and its creator still may invite."""
        if invite_id is None:
            return None
        invite = await self._invites.get(invite_id)
        if invite is None or invite.revoked or invite.expires_at <= now \
                or invite.used_count >= invite.max_uses or invite.country_code != country_code:
            return None
        if invite.created_by is None or not await self._authority.may_manage(
                invite.created_by, invite.country_code):
            return None
        return invite

    async def submit(self, user_id: int, now: datetime) -> Submission | None:
        """Send a complete profile for review; with a valid invitation she is approved at once.

        The invitation's use is taken here, in the transaction that approves her: an
        invitation withdrawn while she was filling in her profile sends her to review instead.
        """
        lapsed = False
        async with self._db.transaction():
            profile = await self._profiles.get(user_id)
            if profile is None or profile.status not in ("draft", "needs_info", "rejected"):
                return None
            if profile.invite_code_id is not None and profile.status == "draft":
                invite = await self.usable_invitation(profile.invite_code_id,
                                                      profile.country_code, now)
                if invite is not None and await self._invites.take_use(invite.id, now):
                    await self._profiles.set_status(user_id, now, "approved", submitted=True,
                                                    note="invitation")
                    await self._audit.record(now, user_id, "approve_by_invitation",
                                             target_id=user_id,
                                             country_code=profile.country_code,
                                             details=f"code #{invite.id}")
                    if self._invitations is not None:
                        await self._invitations.tell_creator(invite, user_id)
                    return Submission("approved", [])
                lapsed = True
            await self._profiles.set_status(user_id, now, "pending", submitted=True)
        return Submission("pending", await self.reviewers_of(profile.country_code), lapsed)

    async def attach_invitation(self, user_id: int, invite: InviteCode, now: datetime) -> bool:
        """She started on her own and then got an invitation: her draft uses it from now on."""
        async with self._db.transaction():
            profile = await self._profiles.get(user_id)
            if profile is None or profile.status != "draft":
                return False
            await self._profiles.attach_invitation(user_id, invite.id, invite.country_code, now)
            return True

    async def reviewers_of(self, country_code: str | None) -> list[int]:
        coordinators = await self._coordinators.of_country(country_code) if country_code else []
        return sorted(set(coordinators) | set(self._authority.admin_ids))

    async def change_country(self, user_id: int, country_code: str, now: datetime
                             ) -> CountryChangeResult:
        """The only way a profile's country changes (see the module docstring)."""
        async with self._db.transaction():
            profile = await self._profiles.get(user_id)
            if profile is None:
                return CountryChangeResult(CountryChange.REFUSED, None, [])
            old = profile.country_code
            if old == country_code:
                return CountryChangeResult(CountryChange.UNCHANGED, old, [])
            if profile.status == "suspended" or (profile.status == "draft"
                                                 and profile.invite_code_id is not None):
                return CountryChangeResult(CountryChange.REFUSED, old, [])
            await self._profiles.update(user_id, now, country_code=country_code)
            if await self._coordinators.remove(user_id):
                # a coordinator who moves no longer coordinates the country she left
                revoked = await self._invites.revoke_created_by(user_id, now)
                await self._audit.record(now, user_id, "remove_coordinator", target_id=user_id,
                                         country_code=old, details=f"moved; invitations "
                                                                   f"revoked: {revoked}")
            if profile.status == "approved":
                await self._profiles.set_status(user_id, now, "pending", expected=("approved",),
                                                submitted=True)
                old_coordinators = await self._coordinators.of_country(old) if old else []
                await self._chat_access.queue_removals(
                    user_id, "country_changed",
                    old_coordinators[0] if old_coordinators else None, now)
                outcome = CountryChange.REVERIFY
            elif profile.status == "pending":
                outcome = CountryChange.REROUTED
            else:
                outcome = CountryChange.CHANGED
            if profile.status != "draft":
                await self._audit.record(now, user_id, "change_country", target_id=user_id,
                                         country_code=country_code, details=outcome.value)
        reviewers = await self.reviewers_of(country_code) \
            if outcome in (CountryChange.REVERIFY, CountryChange.REROUTED) else []
        return CountryChangeResult(outcome, old, reviewers)
