"""Reference data (countries, agency types, expertise areas, spoken languages) and labels."""

from __future__ import annotations

from bot.db.database import Database


class ReferenceRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def countries(self) -> list[tuple[str, str]]:
        rows = await self._db.fetch_all("SELECT code, timezone FROM countries ORDER BY position")
        return [(row["code"], row["timezone"]) for row in rows]

    async def codes(self, table: str) -> list[str]:
        if table not in {"agency_types", "expertise_areas", "spoken_languages"}:
            raise ValueError(table)
        rows = await self._db.fetch_all(f"SELECT code FROM {table} ORDER BY position")
        return [row["code"] for row in rows]

    async def other_agency_codes(self) -> set[str]:
        rows = await self._db.fetch_all("SELECT code FROM agency_types WHERE is_other = 1")
        return {row["code"] for row in rows}

    async def labels(self) -> dict[tuple[str, str, str], str]:
        rows = await self._db.fetch_all("SELECT kind, code, locale, label FROM reference_labels")
        return {(row["kind"], row["code"], row["locale"]): row["label"] for row in rows}
