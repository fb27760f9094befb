"""What administrators read in /audit: the log of privileged actions, newest first.

Writing to the log belongs to the services that act (each records its own attempts); this
is the one way handlers read it, a page at a time.
"""

from __future__ import annotations

from bot.db.repositories.audit import AuditEntry, AuditRepo


class AuditLog:
    def __init__(self, audit: AuditRepo) -> None:
        self._audit = audit

    async def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """One page of entries, newest first, and how many there are in all."""
        return await self._audit.page(offset, limit)
