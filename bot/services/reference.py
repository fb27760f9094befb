"""Reference data held in memory: it is read on every keyboard and changes only by migration."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.repositories.reference import ReferenceRepo


@dataclass(frozen=True)
class ReferenceData:
    country_timezones: dict[str, str]
    agency_codes: tuple[str, ...]
    other_agency_codes: frozenset[str]
    expertise_codes: tuple[str, ...]
    language_codes: tuple[str, ...]
    _labels: dict[tuple[str, str, str], str]

    @classmethod
    async def load(cls, repo: ReferenceRepo) -> ReferenceData:
        countries = await repo.countries()
        return cls(
            country_timezones=dict(countries),
            agency_codes=tuple(await repo.codes("agency_types")),
            other_agency_codes=frozenset(await repo.other_agency_codes()),
            expertise_codes=tuple(await repo.codes("expertise_areas")),
            language_codes=tuple(await repo.codes("spoken_languages")),
            _labels=await repo.labels(),
        )

    @property
    def country_codes(self) -> tuple[str, ...]:
        return tuple(self.country_timezones)

    def label(self, kind: str, code: str, locale: str) -> str:
        return self._labels.get((kind, code, locale)) or self._labels.get((kind, code, "en"), code)

    def country(self, code: str, locale: str) -> str:
        return self.label("country", code, locale)

    def agency(self, code: str, locale: str) -> str:
        return self.label("agency", code, locale)

    def expertise(self, code: str, locale: str) -> str:
        return self.label("expertise", code, locale)

    def language(self, code: str, locale: str) -> str:
        return self.label("language", code, locale)
