"""Profiles: drafts being filled in, applications waiting for review, and members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.db.database import Database

EDITABLE_COLUMNS = frozenset({
    "privacy_accepted_at", "full_name", "country_code", "agency_code",
    "agency_other", "position", "years_of_service", "bio", "visible_fields",
})
VISIBLE_FIELD_NAMES = ("name", "agency", "position", "years", "expertise", "languages", "bio")


@dataclass
class Profile:
    user_id: int
    status: str
    privacy_accepted_at: str | None
    full_name: str | None
    country_code: str | None
    agency_code: str | None
    agency_other: str | None
    position: str | None
    years_of_service: int | None
    bio: str | None
    visible_fields: frozenset[str]
    invite_code_id: int | None
    submitted_at: str | None
    decision_note: str | None
    version: int = 1
    expertise: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    review_answer: str | None = None  # her answer to the reviewer's question (decision_note)

    def shows(self, name: str) -> bool:
        return name in self.visible_fields

    @property
    def open_question(self) -> str | None:
        """The reviewer's question while she is asked for more information."""
        return self.decision_note if self.status == "needs_info" else None


def _profile(row: Any, expertise: list[str], languages: list[str]) -> Profile:
    return Profile(
        user_id=row["user_id"],
        status=row["status"],
        privacy_accepted_at=row["privacy_accepted_at"],
        full_name=row["full_name"],
        country_code=row["country_code"],
        agency_code=row["agency_code"],
        agency_other=row["agency_other"],
        position=row["position"],
        years_of_service=row["years_of_service"],
        bio=row["bio"],
        visible_fields=frozenset(filter(None, (row["visible_fields"] or "").split(","))),
        invite_code_id=row["invite_code_id"],
        submitted_at=row["submitted_at"],
        decision_note=row["decision_note"],
        version=row["version"],
        expertise=expertise,
        languages=languages,
        review_answer=row["review_answer"],
    )


@dataclass(frozen=True)
class DirectoryFilter:
    country: str | None = None
    agency: str | None = None
    expertise: str | None = None
    language: str | None = None


class ProfileRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> Profile | None:
        row = await self._db.fetch_one("SELECT * FROM profiles WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        expertise = await self._db.fetch_all(
            "SELECT pe.code FROM profile_expertise pe JOIN expertise_areas e ON e.code = pe.code "
            "WHERE pe.user_id = ? ORDER BY e.position", (user_id,))
        languages = await self._db.fetch_all(
            "SELECT pl.code FROM profile_languages pl JOIN spoken_languages l ON l.code = pl.code "
            "WHERE pl.user_id = ? ORDER BY l.position", (user_id,))
        return _profile(row, [r["code"] for r in expertise], [r["code"] for r in languages])

    async def name_of(self, user_id: int) -> str | None:
        """Her full name as she typed it (None once her data is erased)."""
        return await self._db.fetch_value(
            "SELECT full_name FROM profiles WHERE user_id = ?", (user_id,))

    async def create_draft(self, user_id: int, now: datetime, *,
                           invite_code_id: int | None = None,
                           country_code: str | None = None) -> None:
        stamp = to_db(now)
        await self._db.execute(
            "INSERT INTO profiles (user_id, status, privacy_accepted_at, "
            "invite_code_id, country_code, created_at, updated_at) "
            "VALUES (?, 'draft', ?, ?, ?, ?, ?)",
            (user_id, stamp, invite_code_id, country_code, stamp, stamp),
        )

    async def update(self, user_id: int, now: datetime, **values: Any) -> None:
        unknown = set(values) - EDITABLE_COLUMNS
        if unknown:
            raise ValueError(f"not editable: {unknown}")
        assignments = ", ".join(f"{name} = ?" for name in values)
        # every change is a new version: a review card of an older one no longer decides
        await self._db.execute(
            f"UPDATE profiles SET {assignments}, version = version + 1, updated_at = ? "
            "WHERE user_id = ?",
            (*values.values(), to_db(now), user_id),
        )

    async def attach_invitation(self, user_id: int, invite_id: int, country_code: str,
                                now: datetime) -> None:
        await self._db.execute(
            "UPDATE profiles SET invite_code_id = ?, country_code = ?, version = version + 1, "
            "updated_at = ? WHERE user_id = ?", (invite_id, country_code, to_db(now), user_id))

    async def detach_invitation(self, user_id: int, now: datetime) -> None:
        """Her invitation can no longer admit her: the country it set becomes hers to edit."""
        await self._db.execute(
            "UPDATE profiles SET invite_code_id = NULL, version = version + 1, updated_at = ? "
            "WHERE user_id = ?", (to_db(now), user_id))

    async def toggle_choice(self, user_id: int, table: str, code: str) -> None:
        if table not in {"profile_expertise", "profile_languages"}:
            raise ValueError(table)
        async with self._db.transaction():
            removed = await self._db.execute(
                f"DELETE FROM {table} WHERE user_id = ? AND code = ?", (user_id, code))
            if not removed:
                await self._db.execute(
                    f"INSERT INTO {table} (user_id, code) VALUES (?, ?)", (user_id, code))
            await self._db.execute(
                "UPDATE profiles SET version = version + 1 WHERE user_id = ?", (user_id,))

    async def decision_of(self, user_id: int) -> tuple[str, int | None, datetime | None,
                                                        str | None] | None:
        """(status, decided_by, decided_at, decision_note) as the last decision left them."""
        row = await self._db.fetch_one(
            "SELECT status, decided_by, decided_at, decision_note FROM profiles "
            "WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        at = from_db(row["decided_at"]) if row["decided_at"] else None
        return row["status"], row["decided_by"], at, row["decision_note"]

    async def set_status(self, user_id: int, now: datetime, status: str, *,
                         expected: tuple[str, ...] | None = None, decided_by: int | None = None,
                         note: str | None = None, submitted: bool = False,
                         version: int | None = None) -> bool:
        """Move to ``status`` if she is in one of the ``expected`` states (and, when given,
        still at the profile ``version`` the decider saw); False otherwise.

        A resubmission (``submitted`` without a ``note``) after a question or a rejection
        keeps the reviewer's note and her answer, so the next card shows them; a decision
        replaces the note and clears the answer."""
        stamp = to_db(now)
        sql = ("UPDATE profiles SET status = ?, updated_at = ?, decided_by = ?, "
               "decision_note = CASE WHEN ? AND ? IS NULL AND status IN ('needs_info', "
               "'rejected') THEN decision_note ELSE ? END, "
               "review_answer = CASE WHEN ? THEN review_answer ELSE NULL END, "
               "review_answered_at = CASE WHEN ? THEN review_answered_at ELSE NULL END, "
               "decided_at = CASE WHEN ? THEN decided_at ELSE ? END, "
               "submitted_at = CASE WHEN ? THEN ? ELSE submitted_at END, "
               "review_reminded_at = CASE WHEN ? THEN NULL ELSE review_reminded_at END "
               "WHERE user_id = ?")
        params: list[Any] = [status, stamp, decided_by, submitted, note, note, submitted,
                             submitted, submitted, stamp, submitted, stamp, submitted, user_id]
        if expected:
            sql += f" AND status IN ({','.join('?' * len(expected))})"
            params += list(expected)
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        return await self._db.execute(sql, params) == 1

    async def record_answer(self, user_id: int, answer: str, now: datetime) -> bool:
        """Her answer to the open question: the application goes back to its reviewers
        (the question stays as the note). False when no question is open."""
        stamp = to_db(now)
        return await self._db.execute(
            "UPDATE profiles SET status = 'pending', review_answer = ?, review_answered_at = ?, "
            "submitted_at = ?, review_reminded_at = NULL, updated_at = ? "
            "WHERE user_id = ? AND status = 'needs_info'",
            (answer, stamp, stamp, stamp, user_id)) == 1

    async def waiting_for_review(self, country_code: str | None, limit: int = 20) -> list[int]:
        sql = "SELECT user_id FROM profiles WHERE status = 'pending'"
        params: list[Any] = []
        if country_code is not None:
            sql += " AND country_code = ?"
            params.append(country_code)
        rows = await self._db.fetch_all(sql + " ORDER BY submitted_at LIMIT ?", (*params, limit))
        return [row["user_id"] for row in rows]

    async def count_waiting(self, country_code: str | None) -> int:
        if country_code is None:
            return int(await self._db.fetch_value(
                "SELECT COUNT(*) FROM profiles WHERE status = 'pending'"))
        return int(await self._db.fetch_value(
            "SELECT COUNT(*) FROM profiles WHERE status = 'pending' AND country_code = ?",
            (country_code,)))

    async def overdue_reviews(self, submitted_before: datetime, reminded_before: datetime
                              ) -> dict[str, int]:
        """Countries with applications waiting too long and not reminded lately -> count."""
        rows = await self._db.fetch_all(
            "SELECT country_code, COUNT(*) AS n FROM profiles WHERE status = 'pending' "
            "AND submitted_at < ? AND (review_reminded_at IS NULL OR review_reminded_at < ?) "
            "GROUP BY country_code",
            (to_db(submitted_before), to_db(reminded_before)))
        return {row["country_code"]: row["n"] for row in rows}

    async def mark_reminded(self, country_code: str, submitted_before: datetime, now: datetime
                            ) -> None:
        await self._db.execute(
            "UPDATE profiles SET review_reminded_at = ? WHERE status = 'pending' "
            "AND country_code = ? AND submitted_at < ?",
            (to_db(now), country_code, to_db(submitted_before)))

    async def search(self, flt: DirectoryFilter, offset: int, limit: int,
                     include_suspended: bool | str = False) -> tuple[list[int], int]:
        """Approved members matching the filter, only on fields each member made visible.

        ``include_suspended``: True adds every suspended member (administrators), a country
        code only that country's (its coordinators); nobody else learns of a suspension."""
        params: list[Any] = []
        if include_suspended is True:
            where = ["p.status IN ('approved', 'suspended')"]
        elif include_suspended:
            where = ["(p.status = 'approved' OR (p.status = 'suspended' "
                     "AND p.country_code = ?))"]
            params.append(include_suspended)
        else:
            where = ["p.status = 'approved'"]
        if flt.country:
            where.append("p.country_code = ?")
            params.append(flt.country)
        if flt.agency:
            where.append("p.agency_code = ? AND instr(',' || p.visible_fields || ',', ',agency,')")
            params.append(flt.agency)
        if flt.expertise:
            where.append("instr(',' || p.visible_fields || ',', ',expertise,') AND EXISTS "
                         "(SELECT 1 FROM profile_expertise x WHERE x.user_id = p.user_id "
                         "AND x.code = ?)")
            params.append(flt.expertise)
        if flt.language:
            where.append("instr(',' || p.visible_fields || ',', ',languages,') AND EXISTS "
                         "(SELECT 1 FROM profile_languages x WHERE x.user_id = p.user_id "
                         "AND x.code = ?)")
            params.append(flt.language)
        clause = " AND ".join(where)
        total = int(await self._db.fetch_value(
            f"SELECT COUNT(*) FROM profiles p WHERE {clause}", params))
        rows = await self._db.fetch_all(
            f"SELECT p.user_id FROM profiles p WHERE {clause} ORDER BY p.decided_at, p.user_id "
            "LIMIT ? OFFSET ?", (*params, limit, offset))
        return [row["user_id"] for row in rows], total

    async def approved_members(self, countries: list[str] | None) -> list[int]:
        """Approved members of these countries (all countries when None)."""
        sql = "SELECT user_id FROM profiles WHERE status = 'approved'"
        params: list[Any] = []
        if countries is not None:
            sql += f" AND country_code IN ({','.join('?' * len(countries))})"
            params += countries
        return [row["user_id"] for row in await self._db.fetch_all(sql + " ORDER BY user_id",
                                                                    params)]

    async def approved_with_expertise(self, code: str) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT p.user_id FROM profiles p JOIN profile_expertise x ON x.user_id = p.user_id "
            "WHERE p.status = 'approved' AND x.code = ? ORDER BY p.user_id", (code,))
        return [row["user_id"] for row in rows]

    async def delete_abandoned_drafts(self, idle_since: datetime) -> list[int]:
        """Forget sign-ups never finished and untouched since ``idle_since``; keeps the language.

        Returns whose drafts went."""
        async with self._db.transaction():
            stale = await self._db.fetch_all(
                "SELECT user_id FROM profiles WHERE status = 'draft' AND updated_at < ?",
                (to_db(idle_since),),
            )
            ids = [row["user_id"] for row in stale]
            if ids:
                marks = ",".join("?" * len(ids))
                await self._db.execute(f"DELETE FROM profiles WHERE user_id IN ({marks})", ids)
                await self._db.execute(f"DELETE FROM fsm_states WHERE user_id IN ({marks})", ids)
        return ids
