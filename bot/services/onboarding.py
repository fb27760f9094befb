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
Every answer is written to the draft at once (:meth:`OnboardingService.answer`, ``pick_agency``,
``toggle``, ``leave_empty``), so /cancel, a restart or /start later lose nothing; Back walks
the same list in reverse and changes nothing. Which question is open lives in one place, the
dialog (``handlers.onboarding``, aiogram-dialog, its stack in the FSM storage).

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
from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES, Profile, ProfileRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import UserRepo
from bot.services.chat_access import ChatAccessService
from bot.services.profile_input import (
    AGENCY_MAX,
    BIO_MAX,
    NAME_MAX,
    POSITION_MAX,
    YEARS_MAX,
    InputProblem,
    check_bio,
    check_name,
    check_short_text,
    check_years,
)
from bot.services.invites import InviteService
from bot.services.roles import Authority

STEPS: tuple[str, ...] = (
    "name", "country", "agency", "agency_other", "position", "years", "expertise",
    "languages", "bio", "visibility", "summary",
)
OPTIONAL_STEPS = frozenset({"position", "bio"})
TEXT_STEPS = frozenset({"name", "agency_other", "position", "years", "bio"})
CHOICE_STEPS = frozenset({"country", "agency"})
MULTI_STEPS = frozenset({"expertise", "languages", "visibility"})
EDITABLE = ("name", "country", "agency", "position", "years", "expertise", "languages", "bio",
            "visibility")
VISIBLE_FIELDS = VISIBLE_FIELD_NAMES  # the order "visible to others" is always shown in
TEXT_COLUMNS = {"name": "full_name", "agency_other": "agency_other", "position": "position",
                "bio": "bio", "years": "years_of_service"}


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


def wizard_steps(profile: Profile, other_agencies: frozenset[str]) -> list[str]:
    """The questions she goes through, in order (what "Step 3 of 9" counts)."""
    return [s for s in STEPS[:-1] if applies(s, profile, other_agencies)]


def resume_step(profile: Profile, other_agencies: frozenset[str]) -> str:
    """Where a draft continues after /cancel or days later: the first unanswered question."""
    return missing_required(profile, other_agencies) or "summary"


def may_edit(step: str, profile: Profile) -> bool:
    """An invited applicant's country is her invitation's; everything else she may edit."""
    if step not in EDITABLE:
        return False
    return not (step == "country" and profile.invite_code_id and profile.status == "draft")


def current_answer(step: str, profile: Profile) -> object:
    """What she answered to ``step`` (None or empty when nothing yet)."""
    return {
        "name": profile.full_name, "country": profile.country_code,
        "agency": profile.agency_code, "agency_other": profile.agency_other,
        "position": profile.position, "years": profile.years_of_service,
        "expertise": profile.expertise, "languages": profile.languages, "bio": profile.bio,
        "visibility": sorted(profile.visible_fields),
    }.get(step)


def check_answer(step: str, text: str | None) -> tuple[object, InputProblem | None, int]:
    """A typed answer to ``step``, normalised, or the problem with it and the limit it broke."""
    if step == "name":
        value, problem = check_name(text)
        return value, problem, NAME_MAX
    if step == "agency_other":
        value, problem = check_name(text, AGENCY_MAX)
        return value, problem, AGENCY_MAX
    if step == "position":
        value, problem = check_short_text(text, POSITION_MAX)
        return value, problem, POSITION_MAX
    if step == "bio":
        value, problem = check_bio(text)
        return value, problem, BIO_MAX
    years, problem = check_years(text)
    return years, problem, YEARS_MAX


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
class Answer:
    """What became of an answer: refused (``problem``), or saved over ``before``."""

    problem: InputProblem | None = None
    limit: int = 0
    before: Profile | None = None
    changed: bool = False  # the saved value differs from what she had


class InvitationOutcome(Enum):
    ADMITTED = "admitted"
    NOT_PENDING = "not_pending"
    OTHER_COUNTRY = "other_country"
    CREATOR_GONE = "creator_gone"
    LAPSED = "lapsed"


@dataclass(frozen=True)
class Submission:
    status: str  # "pending", "approved", or "lapsed" (nothing sent: she checks her country)
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
                 chat_access: ChatAccessService, users: UserRepo, *,
                 invitations: InviteService | None = None):
        self._chat_access = chat_access
        self._users = users
        self._invitations = invitations  # tells the creator when her invitation is used
        self._db = db
        self._profiles = profiles
        self._invites = invites
        self._coordinators = coordinators
        self._audit = audit
        self._authority = authority

    async def profile(self, user_id: int) -> Profile | None:
        return await self._profiles.get(user_id)

    async def choose_language(self, user_id: int, locale: str, now: datetime) -> None:
        """Her language, from the picker of the first /start or of /language."""
        await self._users.set_locale(user_id, locale, now)

    async def drop_abandoned_drafts(self, idle_since: datetime) -> list[int]:
        """Sign-ups never finished and untouched since ``idle_since`` are forgotten (her
        language stays); returns whose drafts went."""
        return await self._profiles.delete_abandoned_drafts(idle_since)

    async def accept_privacy(self, user_id: int, now: datetime,
                             invite: InviteCode | None = None) -> bool:
        """She agreed to the notice: her draft starts (with the invitation she came with).
        False if she has a profile already (an old notice pressed again)."""
        async with self._db.transaction():
            if await self._profiles.get(user_id) is not None:
                return False
            await self._profiles.create_draft(
                user_id, now, invite_code_id=invite.id if invite else None,
                country_code=invite.country_code if invite else None)
            return True

    async def answer(self, user_id: int, step: str, text: str | None, now: datetime) -> Answer:
        """A typed answer: checked, then saved at once."""
        if step not in TEXT_STEPS:
            return Answer(InputProblem.EMPTY)
        value, problem, limit = check_answer(step, text)
        if problem is not None:
            return Answer(problem, limit)
        before = await self._profiles.get(user_id)
        if before is None:
            return Answer(InputProblem.EMPTY)
        await self._profiles.update(user_id, now, **{TEXT_COLUMNS[step]: value})
        return Answer(before=before, changed=current_answer(step, before) != value)

    async def pick_agency(self, user_id: int, code: str, now: datetime) -> Answer:
        before = await self._profiles.get(user_id)
        if before is None:
            return Answer(InputProblem.EMPTY)
        if before.agency_code != code:
            await self._profiles.update(user_id, now, agency_code=code)
        return Answer(before=before, changed=before.agency_code != code)

    async def toggle(self, user_id: int, step: str, code: str, now: datetime) -> bool:
        """One choice of a multiple-choice answer on or off; False if it is not one."""
        if step == "expertise":
            await self._profiles.toggle_choice(user_id, "profile_expertise", code)
            return True
        if step == "languages":
            await self._profiles.toggle_choice(user_id, "profile_languages", code)
            return True
        if step == "visibility" and code in VISIBLE_FIELDS:
            profile = await self._profiles.get(user_id)
            if profile is None:
                return False
            shown = set(profile.visible_fields) ^ {code}
            await self._profiles.update(user_id, now, visible_fields=",".join(
                n for n in VISIBLE_FIELDS if n in shown))
            return True
        return False

    async def leave_empty(self, user_id: int, step: str, now: datetime) -> bool:
        """She pressed "Leave empty" on an optional question: only then is it cleared."""
        if step not in OPTIONAL_STEPS:
            return False
        await self._profiles.update(user_id, now, **{TEXT_COLUMNS[step]: None})
        return True

    async def change_notice_recipients(self, before: Profile) -> list[int]:
        """Who hears that an approved (or suspended) member renamed herself or changed
        agency: her country's coordinators, never herself."""
        if before.status not in ("approved", "suspended"):
            return []
        return [c for c in await self.reviewers_of(before.country_code) if c != before.user_id]

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
                # Withdrawn, used up or expired meanwhile: her country was the invitation's,
                # not her choice, so she checks it before anything is sent.
                await self._profiles.detach_invitation(user_id, now)
                return Submission("lapsed", [], invitation_lapsed=True)
            await self._profiles.set_status(user_id, now, "pending", submitted=True)
        return Submission("pending", await self.reviewers_of(profile.country_code))

    async def creator_may_admit(self, invite: InviteCode) -> bool:
        """Whoever made the invitation is still staff for its country (checked now)."""
        return invite.created_by is not None and await self._authority.may_manage(
            invite.created_by, invite.country_code)

    async def admit_pending(self, user_id: int, invite: InviteCode, now: datetime
                            ) -> InvitationOutcome:
        """She sent her application before she got the invitation: it admits her now, by
        the same rules as at sending (valid, for her country, its creator still staff)."""
        async with self._db.transaction():
            profile = await self._profiles.get(user_id)
            if profile is None or profile.status != "pending":
                return InvitationOutcome.NOT_PENDING
            if invite.country_code != profile.country_code:
                return InvitationOutcome.OTHER_COUNTRY
            if not await self.creator_may_admit(invite):
                return InvitationOutcome.CREATOR_GONE
            usable = await self.usable_invitation(invite.id, profile.country_code, now)
            if usable is None or not await self._invites.take_use(usable.id, now):
                return InvitationOutcome.LAPSED
            # (one transaction holds the database: nobody decides on her in between)
            await self._profiles.set_status(user_id, now, "approved", expected=("pending",),
                                            note="invitation")
            await self._audit.record(now, user_id, "approve_by_invitation", target_id=user_id,
                                     country_code=profile.country_code,
                                     details=f"code #{usable.id}; was pending")
            if self._invitations is not None:
                await self._invitations.tell_creator(usable, user_id)
            return InvitationOutcome.ADMITTED

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
