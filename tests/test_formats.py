"""Dates, times, zones and language names in all seven languages (issue 11, item 5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.config import SUPPORTED_LOCALES
from bot.i18n import (
    date_pattern, format_date, format_datetime, format_range, format_time, use_locale, zone_name,
)
from bot.texts import language_names, lower_case_language_names, profile_card
from tests.flows import seed_member, t
from tests.harness import BotHarness

# 05:00 UTC is 10:00 in Almaty (UTC+5), a Tuesday.
MOMENT = datetime(2026, 12, 15, 5, 0, 30, tzinfo=UTC)
LATER = datetime(2026, 12, 15, 7, 30, tzinfo=UTC)
NEXT_DAY = datetime(2026, 12, 16, 7, 30, tzinfo=UTC)
ZONE = "Asia/Almaty"
SECONDS = re.compile(r"\d:\d\d:\d\d")

EXPECTED_DATETIME = {
    "ru": "15 дек. 2026, 10:00",
    "en": "Dec 15, 2026, 10:00\u202fAM",
    "kk": "2026\u202fж. 15 желтоқсан, 10:00",
    "ky": "2026-ж., 15-декабрь 10:00",
    "tg": "15 Дек 2026 10:00",
    "tk": "15 dek 2026 10:00",
    "uz": "15-dek, 2026, 10:00",
}
ALMATY = {"ru": "Алматы", "en": "Almaty", "kk": "Алматы", "ky": "Алматы", "tg": "Алмаато",
          "tk": "Almaty", "uz": "Almati"}


def test_every_locale_is_covered() -> None:
    assert set(EXPECTED_DATETIME) == set(SUPPORTED_LOCALES) == set(ALMATY)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_medium_date_and_short_time_without_seconds(locale: str) -> None:
    text = format_datetime(MOMENT, locale, ZONE)
    assert text == EXPECTED_DATETIME[locale]
    assert not SECONDS.search(text)
    assert format_time(MOMENT, locale, ZONE) in text
    assert format_date(MOMENT, locale, ZONE) in text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("weekday", [False, True])
def test_a_date_never_ends_with_a_full_stop(locale: str, weekday: bool) -> None:
    """"valid until {date}." must not read "9 дек. 2026 г.."."""
    for month in range(1, 13):
        moment = datetime(2026, month, 9, 12, 0, tzinfo=UTC)
        assert not format_date(moment, locale, ZONE, weekday=weekday).endswith(".")
    assert "'г'" not in date_pattern(locale, weekday)


def test_the_invitation_date_that_was_seen() -> None:
    expires = datetime(2026, 12, 8, 20, 4, tzinfo=UTC)  # 9 Dec in Almaty
    assert format_date(expires, "ru", ZONE) == "9 дек. 2026"
    assert format_datetime(expires, "ru", "UTC") == "8 дек. 2026, 20:04"
    assert format_datetime(expires, "en", ZONE) == "Dec 9, 2026, 1:04\u202fAM"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_range_within_a_day_shows_its_date_once(locale: str) -> None:
    text = format_range(MOMENT, LATER, locale, ZONE)
    assert text.count("2026") == 1
    assert format_time(MOMENT, locale, ZONE) in text and format_time(LATER, locale, ZONE) in text
    assert format_date(MOMENT, locale, ZONE, weekday=True) in text
    assert not SECONDS.search(text)
    over_two_days = format_range(MOMENT, NEXT_DAY, locale, ZONE, weekday=False)
    assert over_two_days.count("2026") == 2
    assert format_datetime(NEXT_DAY, locale, ZONE) in over_two_days


def test_the_weekday_where_it_helps() -> None:
    assert format_range(MOMENT, LATER, "en", ZONE) == \
        "Tue, Dec 15, 2026, 10:00\u202fAM\u2009–\u200912:30\u202fPM"
    assert format_range(MOMENT, LATER, "ru", ZONE) == "вт, 15 дек. 2026, 10:00 — 12:30"
    assert format_datetime(MOMENT, "ru", ZONE, weekday=True) == "вт, 15 дек. 2026, 10:00"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_zones_are_cities_in_her_language(locale: str) -> None:
    assert zone_name(ZONE, locale) == ALMATY[locale]
    for zone in ("Asia/Bishkek", "Asia/Dushanbe", "Asia/Ashgabat", "Asia/Tashkent"):
        name = zone_name(zone, locale)
        assert name and "/" not in name and "Asia" not in name
    assert zone_name("UTC", locale) == "UTC"


def test_unknown_zone_and_locale_fall_back() -> None:
    assert zone_name("America/Argentina/Buenos_Aires", "tk") in ("Buenos Aires", "Buenos-Aýres",
                                                                 "Buenos-Aires")
    assert zone_name("Nowhere/Some_City", "ru") == "Some City"
    assert format_datetime(MOMENT, "xx", ZONE) == format_datetime(MOMENT, "en", ZONE)


# ---- language names inside a sentence ------------------------------------------------------

IN_TEXT = {"ru": ["казахский", "русский"], "en": ["Kazakh", "Russian"],
           "kk": ["қазақ тілі", "орыс тілі"], "ky": ["казак тили", "орус тили"],
           "tg": ["қазоқӣ", "русӣ"], "tk": ["gazak dili", "rus dili"],
           "uz": ["qozoq tili", "rus tili"]}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_language_names_are_lower_case_mid_sentence_where_the_language_wants_it(
        harness: BotHarness, locale: str) -> None:
    assert harness.app is not None
    ref = harness.app.reference
    assert language_names(("kk", "ru"), ref, locale) == IN_TEXT[locale]
    assert lower_case_language_names(locale) is (locale != "en")
    # The stored labels stay as they are for buttons.
    assert ref.language("ru", locale)[0].isupper()


@pytest.mark.parametrize("locale", ("ru", "kk", "en"))
async def test_the_profile_card_lists_her_languages_as_text(harness: BotHarness,
                                                           locale: str) -> None:
    assert harness.app is not None
    await seed_member(harness, 601, "KZ", locale=locale, languages=("kk", "ru"))
    profile = await harness.app.profiles.get(601)
    assert profile is not None
    with use_locale(harness.app.i18n, locale):
        card = profile_card(profile, harness.app.reference, locale)
        label = t(harness, locale, "Languages: {languages}", languages="")
    line = next(line for line in card.splitlines() if line.startswith(label))
    assert sorted(line[len(label):].split(", ")) == sorted(IN_TEXT[locale])


@pytest.mark.parametrize(("locale", "weekday"), [("ru", "пн, 19 янв. 2026"),
                                                 ("en", "Mon, Jan 19, 2026"),
                                                 ("tk", "19 ýan 2026, duş")])
async def test_the_coffee_round_shows_its_weekday(harness: BotHarness, locale: str,
                                                  weekday: str) -> None:
    member = await seed_member(harness, 601, "KZ", locale=locale)
    await member.send("/coffee")
    await member.press(t(harness, locale, "Join coffee rounds"))
    assert weekday in member.last_text  # Monday 19 January (the clock starts on Thursday)
    assert not SECONDS.search(member.last_text)


# ---- words with a context ------------------------------------------------------------------

def test_pgettext_picks_the_translation_of_its_context(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from bot.i18n import create_i18n, npgettext, pgettext

    catalog = Catalog(locale="kk")
    catalog.add("active", "белсенді")
    catalog.add("active", "жалғасуда", context="mentoring pair")
    catalog.add(("{n} place", "{n} places"), ("{n} орын", "{n} орын"), context="offer")
    folder = tmp_path / "kk" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "bot.po").open("wb") as handle:
        write_po(handle, catalog)
    i18n = create_i18n("kk", tmp_path)
    with use_locale(i18n, "kk"):
        assert pgettext("mentoring pair", "active") == "жалғасуда"
        assert pgettext("mentoring offer", "active") == "active"  # not translated: the msgid
        assert npgettext("offer", "{n} place", "{n} places", 3) == "{n} орын"
    with use_locale(i18n, "en"):  # no catalog: the msgid
        assert pgettext("mentoring pair", "active") == "active"
        assert npgettext("offer", "{n} place", "{n} places", 3) == "{n} places"
    assert pgettext("mentoring pair", "active") == "active"  # outside any update
