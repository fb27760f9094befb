"""Button labels fit a phone: every catalog's translation of a button label is ≤ 24 characters.

The conversation standard (shared/UX.md) keeps labels short and puts long texts in the message.
Labels are found in the source the way a reader finds them: the first argument of `button(`,
`url_button(` or an aiogram-dialog widget (`Button(`, `Select(`, ...), including both sides of a
conditional label (`_("Pause") if active else _("Resume")`). Labels with `{placeholders}` are
left out: their length depends on what is filled in.
"""

from __future__ import annotations

import ast
import re

import pytest

from bot.config import SUPPORTED_LOCALES
from tests.test_catalogs import ROOT, load

LIMIT = 24

# (locale, msgid): why this translation may be longer than LIMIT. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {
    # The English source strings are code (msgids); shorter msgids are suggested to the lead.
    ("en", "Members with an area of expertise"): "English msgid; suggest 'By area of expertise'",
    ("en", "Switch off requests to me"): "English msgid; suggest 'Stop requests to me'",
}

CALL = re.compile(r"\b(?:button|url_button|Button|Select|Radio|Multiselect|Cancel|Back|SwitchTo"
                  r"|Next)\(")
STRING = r'"((?:[^"\\]|\\.)*)"'
GETTEXT = re.compile(r"(?:\bT\(N_\(|\b_\(|\bT\(|\bN_\(|\bpgettext\([^,]+,)\s*" + STRING)


def first_argument(src: str, start: int) -> str:
    """The text of a call's first argument, from just after its `(` to the top-level `,` or `)`."""
    depth, quote, i = 0, "", start
    while i < len(src):
        char = src[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            break
        i += 1
    return src[start:i]


def button_msgids(src: str) -> set[str]:
    """Msgids passed through gettext as the label (the first argument) of a button call."""
    found: set[str] = set()
    for call in CALL.finditer(src):
        label = first_argument(src, call.end())
        found.update(ast.literal_eval(f'"{m.group(1)}"') for m in GETTEXT.finditer(label))
    return found


# Labels that reach their buttons through a table or a dialog getter, not a button call.
BUILT_LABELS = frozenset({
    "Edit name", "Edit country", "Edit agency", "Edit position", "Edit years",
    "Edit expertise", "Edit languages", "Edit about me", "Edit visibility",  # profile edits
    "Service not confirmed", "Profile unclear", "Second application",  # reject reasons
})


def source_button_msgids() -> set[str]:
    found: set[str] = set(BUILT_LABELS)
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found |= button_msgids(path.read_text(encoding="utf-8"))
    return found


def test_collector_sees_conditional_and_dialog_labels() -> None:
    src = ('button(_("Pause") if on else _("Resume"), Cb(x=1))\n'
           'Button(T(N_("Done")), id="done")\nbutton(name, Cb())\n'
           'button(pgettext("ctx", "open"), Cb())\nbutton(_("Ask {n}").format(n=1), Cb())')
    assert button_msgids(src) == {"Pause", "Resume", "Done", "open", "Ask {n}"}
    labels = source_button_msgids()
    assert {"Allow region events", "Stop region events", "No, keep my data"} <= labels


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_button_labels_fit_a_phone(locale: str) -> None:
    labels = source_button_msgids()
    too_long = []
    for message in load(locale):
        if message.id in labels:
            text = message.string if isinstance(message.string, str) else message.string[0]
            if "{" not in text and len(text) > LIMIT and (locale, message.id) not in ALLOWED:
                too_long.append(f"{message.id!r} -> {text!r} ({len(text)})")
    assert not too_long, f"{locale}: labels over {LIMIT} characters:\n" + "\n".join(too_long)
