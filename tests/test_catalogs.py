"""Every user-facing string is translated in all seven catalogs, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[1]
# The same keywords as `make catalogs`: one-argument and plural forms of _ and __, and the
# forms with a context (msgctxt), pgettext and npgettext.
KEYWORDS = parse_keywords(["_:1,1t", "_:1,2", "__:1,1t", "__:1,2", "N_", "pgettext:1c,2",
                           "npgettext:1c,2,3"])
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")


def source_messages() -> set[tuple[str, str | None]]:
    """(msgid, context): a message with a context is an entry of its own."""
    found: set[tuple[str, str | None]] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


def test_contexts_are_separate_entries() -> None:
    found = source_messages()
    assert ("open", "mentoring offer") in found and ("open", "mentoring request") in found
    assert ("active", "mentoring pair") in found


def load(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "bot.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_sources_have_messages() -> None:
    assert len(source_messages()) > 20


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_complete(locale: str) -> None:
    catalog = load(locale)
    problems: list[str] = []
    for msgid, context in sorted(source_messages(), key=lambda m: (m[0], m[1] or "")):
        message = catalog.get(msgid, context=context)
        if message is None:
            problems.append(f"missing: {msgid!r}" + (f" ({context})" if context else ""))
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        # A plural's singular may leave out the count ("for one person"), nothing else.
        forms = [set(PLACEHOLDER.findall(form)) for form in ids]
        allowed, required = set.union(*forms), set.intersection(*forms)
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            if not required <= found <= allowed:
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_forms_match_locale(locale: str) -> None:
    catalog = load(locale)
    for message in catalog:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == catalog.num_plurals, message.id


TAG = re.compile(r"</?[a-z]+>")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_the_markup(locale: str) -> None:
    """Texts are sent as Telegram HTML: a translation keeps the source's tags and adds no
    stray "<" or "&" that Telegram would reject."""
    problems: list[str] = []
    for message in load(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(TAG.findall(ids[0]))
        for string in strings:
            if sorted(TAG.findall(string)) != expected:
                problems.append(f"tags differ: {ids[0]!r} -> {string!r}")
            bare = TAG.sub("", string)
            if "<" in bare or re.search(r"&(?!(amp|lt|gt|quot);)", bare):
                problems.append(f"stray markup: {string!r}")
    assert not problems, "\n".join(problems)
