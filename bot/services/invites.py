"""Invitation codes: 96 random bits each, stored only as a hash, one use taken atomically."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.invites import InviteCode, InviteRepo
from bot.services.message_kinds import MessageKind

if TYPE_CHECKING:
    from bot.services.delivery import DeliveryService


CODE_BYTES = 12  # 96 bits; token_urlsafe gives 16 characters, fine for a /start payload


class CodeProblem(Enum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


@dataclass(frozen=True)
class NewCode:
    code: str
    record: InviteCode


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class InviteService:
    def __init__(self, repo: InviteRepo, audit: AuditRepo,
                 delivery: DeliveryService | None = None) -> None:
        self._repo = repo
        self._audit = audit
        self._delivery = delivery

    async def create(self, actor_id: int, country_code: str, max_uses: int, valid_for: timedelta,
                     now: datetime) -> NewCode:
        code = secrets.token_urlsafe(CODE_BYTES)
        code_id = await self._repo.create(hash_code(code), code[:4], country_code, actor_id,
                                          max_uses, now + valid_for, now)
        await self._audit.record(now, actor_id, "create_invitation", country_code=country_code,
                                 details=f"code #{code_id}, uses {max_uses}")
        record = await self._repo.get(code_id)
        assert record is not None
        return NewCode(code, record)

    async def check(self, code: str, now: datetime) -> tuple[InviteCode | None, CodeProblem | None]:
        if not code or len(code) > 64:
            return None, CodeProblem.UNKNOWN
        record = await self._repo.find(hash_code(code))
        if record is None:
            return None, CodeProblem.UNKNOWN
        if record.revoked:
            return record, CodeProblem.REVOKED
        if record.expires_at <= now:
            return record, CodeProblem.EXPIRED
        if record.used_count >= record.max_uses:
            return record, CodeProblem.USED_UP
        return record, None

    async def take(self, code: str, now: datetime) -> tuple[InviteCode | None, CodeProblem | None]:
        """Check and take one use; two people racing for the last use cannot both win."""
        record, problem = await self.check(code, now)
        if problem is not None or record is None:
            return record, problem
        if not await self._repo.take_use(record.id, now):
            return record, CodeProblem.USED_UP
        return record, None

    async def get(self, code_id: int) -> InviteCode | None:
        return await self._repo.get(code_id)

    async def revoke(self, actor_id: int, code_id: int, now: datetime) -> bool:
        done = await self._repo.revoke(code_id, now)
        await self._audit.record(now, actor_id, "revoke_invitation",
                                 outcome="done" if done else "already_decided",
                                 details=f"code #{code_id}")
        return done

    async def recent(self, country_code: str | None, limit: int = 20) -> list[InviteCode]:
        return await self._repo.recent(country_code, limit)

    async def tell_creator(self, invite: InviteCode, member_id: int) -> None:
        """Queue "she joined with your invitation" for whoever made it (in the caller's
        transaction, so the notice goes out only if her approval stays). The text is
        rendered at send time: her name and the uses left as they are then."""
        if self._delivery is None or invite.created_by is None:
            return
        await self._delivery.enqueue(MessageKind.INVITATION_USED, {"invite_id": invite.id,
                                                   "member_id": member_id},
                                     [invite.created_by], None)
