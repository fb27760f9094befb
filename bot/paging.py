"""Lists that fit Telegram: lengths measured as Telegram measures them, cuts that keep HTML valid.

Telegram refuses a message whose text is longer than 4,096 characters *after entity parsing*
(a caption: 1,024), so a list of profiles cut by item count breaks as soon as the items are
long. Everything here measures the rendered text (tags dropped, ``&amp;`` counted as one
character, in UTF-16 code units as Telegram counts) and shortens only where it must, never
inside a tag or an entity, closing the tags left open.
"""

from __future__ import annotations

import html
import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def _units(text: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts two, as in Telegram)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def rendered_length(markup: str) -> int:
    """How long Telegram counts ``markup`` (HTML parse mode) to be."""
    length = 0
    for token in _TOKEN.findall(markup):
        if token.startswith("<") and len(token) > 1:
            continue
        length += _units(html.unescape(token))
    return length


def shorten(markup: str, limit: int) -> str:
    """``markup`` cut to at most ``limit`` rendered characters, ending in "…" when cut; never
    inside a tag or an entity, and every tag opened before the cut is closed after it."""
    if rendered_length(markup) <= limit:
        return markup
    room = max(0, limit - _units(ELLIPSIS))
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for token in _TOKEN.findall(markup):
        if token.startswith("<") and len(token) > 1:
            name = _TAG_NAME.match(token)
            if name is None:
                continue
            tag = name.group(1).lower()
            if token.startswith("</"):
                if tag in open_tags:
                    # close what was opened inside it too (well-formed input has none)
                    while open_tags:
                        inner = open_tags.pop()
                        out.append(f"</{inner}>")
                        if inner == tag:
                            break
                continue
            if not token.endswith("/>"):
                open_tags.append(tag)
            out.append(token)
            continue
        if token.startswith("&"):  # an entity is one character or nothing
            size = _units(html.unescape(token))
            if used + size > room:
                break
            out.append(token)
            used += size
            continue
        for ch in token:
            size = _units(ch)
            if used + size > room:
                break
            out.append(ch)
            used += size
        else:
            continue
        break
    while out and not out[-1].startswith("<") and out[-1].isspace():
        out.pop()
    out.append(ELLIPSIS)
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)


def fit(header: str, items: list[str], limit: int = MESSAGE_LIMIT, separator: str = "\n\n"
        ) -> list[str]:
    """``items`` shortened so that ``header`` and all of them, joined by ``separator``, fit in
    ``limit``: items shorter than an equal share are kept whole and what they leave is shared
    among the longer ones (each of which is then cut at its end)."""
    budget = limit - rendered_length(header) - _units(separator) * len(items)
    lengths = [rendered_length(item) for item in items]
    if sum(lengths) <= budget:
        return list(items)
    long = sorted(range(len(items)), key=lambda i: lengths[i])
    share = budget
    for done, index in enumerate(long):
        fair = share // (len(items) - done)
        if lengths[index] > fair:
            break
        share -= lengths[index]
    else:  # unreachable: the sum did not fit
        return list(items)
    remaining = set(long[done:])
    cap = share // len(remaining)
    return [shorten(item, cap) if i in remaining else item for i, item in enumerate(items)]


def pack(items: list[str], limit: int = MESSAGE_LIMIT, separator: str = "\n\n",
         header_room: int = 0) -> list[list[str]]:
    """Items in order, grouped into pages whose joined text fits in ``limit`` (minus
    ``header_room`` for a page heading); an item too long for a page alone is shortened."""
    room = limit - header_room
    pages: list[list[str]] = []
    page: list[str] = []
    used = 0
    gap = _units(separator)
    for item in items:
        item = shorten(item, room)
        size = rendered_length(item)
        if page and used + gap + size > room:
            pages.append(page)
            page, used = [], 0
        used += size + (gap if page else 0)
        page.append(item)
    if page:
        pages.append(page)
    return pages
