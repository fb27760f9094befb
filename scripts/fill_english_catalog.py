#!/usr/bin/env python3
"""The English catalog: msgids are English sentences, so each translation is its msgid.

Run after `make catalogs`; keeps ``locales/en`` complete so the catalog test covers it too.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PATH = Path(__file__).resolve().parents[1] / "locales/en/LC_MESSAGES/bot.po"


def main() -> None:
    with PATH.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id
        message.flags.discard("fuzzy")
    with PATH.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    main()
