"""What users do, step by step, shared by the end-to-end tests.

Button labels are looked up through the bot's own catalogs in the user's language, so a test
presses exactly the label she reads, whatever the translation says.
"""

from __future__ import annotations

import secrets

from bot.callbacks import ReviewAction, ReviewCb
from bot.clock import to_db
from bot.i18n import LANGUAGE_NAMES, use_locale
from tests.emulator.server import UserHandle
from tests.harness import ADMIN_ID, BotHarness


def t(harness: BotHarness, locale: str, msgid: str, **values: object) -> str:
    assert harness.app is not None
    with use_locale(harness.app.i18n, locale):
        from aiogram.utils.i18n import gettext

        text = gettext(msgid)
    return text.format(**values) if values else text


def nt(harness: BotHarness, locale: str, singular: str, plural: str, n: int,
       **values: object) -> str:
    """A plural message as she reads it for ``n``; ``{n}``-style values go in ``values``."""
    assert harness.app is not None
    with use_locale(harness.app.i18n, locale):
        from aiogram.utils.i18n import ngettext

        return ngettext(singular, plural, n).format(**values)


def ref_label(harness: BotHarness, kind: str, code: str, locale: str) -> str:
    assert harness.app is not None
    return harness.app.reference.label(kind, code, locale)


async def seed_member(harness: BotHarness, user_id: int, country: str, *, locale: str = "en",
                      status: str = "approved", coordinator: bool = False,
                      name: str = "Seeded Member", username: str | None = None,
                      agency: str = "police", years: int = 10,
                      languages: tuple[str, ...] = ("ru",),
                      expertise: tuple[str, ...] = ("cybercrime",),
                      hidden: tuple[str, ...] = ()) -> UserHandle:
    """A member who joined earlier (written straight to the database)."""
    user = harness.user(user_id, "Member", language_code=locale, username=username)
    user.user.started = True
    now = to_db(harness.clock.now())
    visible = ",".join(f for f in ("name", "agency", "position", "years", "expertise",
                                   "languages", "bio") if f not in hidden)
    await harness.db.execute("INSERT INTO users (id, locale, created_at, last_seen_at) "
                             "VALUES (?, ?, ?, ?)", (user_id, locale, now, now))
    await harness.db.execute(
        "INSERT INTO profiles (user_id, status, full_name, country_code, agency_code, "
        "years_of_service, visible_fields, created_at, updated_at, decided_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (user_id, status, name, country, agency, years, visible, now, now, now))
    await harness.db.execute_many("INSERT INTO profile_languages (user_id, code) VALUES (?, ?)",
                                  [(user_id, code) for code in languages])
    await harness.db.execute_many("INSERT INTO profile_expertise (user_id, code) VALUES (?, ?)",
                                  [(user_id, code) for code in expertise])
    if coordinator:
        await harness.db.execute("INSERT INTO coordinators (user_id, country_code, appointed_at)"
                                 " VALUES (?, ?, ?)", (user_id, country, now))
    return user


async def start_and_accept(harness: BotHarness, user: UserHandle, locale: str,
                           start: str = "/start") -> None:
    await user.send(start)
    await user.press(LANGUAGE_NAMES[locale])
    await user.press(t(harness, locale, "I agree"))


async def fill_profile(harness: BotHarness, user: UserHandle, locale: str, *,
                       name: str = "Aigul Bekova", country: str | None = "KG",
                       agency: str = "border_guard", years: str = "12",
                       expertise: str = "cybercrime", language: str = "ky",
                       bio: str | None = "Border officer") -> None:
    """From the name question to the summary."""
    await user.send(name)
    if country is not None:
        await user.press(ref_label(harness, "country", country, locale))
    await user.press(ref_label(harness, "agency", agency, locale))
    await user.press(t(harness, locale, "Leave empty"))
    await user.send(years)
    await user.press(ref_label(harness, "expertise", expertise, locale))
    await user.press(t(harness, locale, "Done"))
    await user.press(ref_label(harness, "language", language, locale))
    await user.press(t(harness, locale, "Done"))
    if bio is None:
        await user.press(t(harness, locale, "Leave empty"))
    else:
        await user.send(bio)
    await user.press(t(harness, locale, "Done"))


async def onboard(harness: BotHarness, user: UserHandle, locale: str, **answers: object) -> None:
    await start_and_accept(harness, user, locale)
    await fill_profile(harness, user, locale, **answers)  # type: ignore[arg-type]
    await user.press(t(harness, locale, "Send application"))


async def draft_event(harness: BotHarness, organiser: UserHandle, title: str = "Seminar",
                      country: str = "KZ") -> None:
    """/newevent up to the preview, for one country (the administrator confirms it), in the
    zone of her country (preselected: Keep)."""
    await organiser.send("/newevent")
    await organiser.send(title)
    await organiser.send("Two days on joint patrols")
    await organiser.press("Keep")  # the time zone of her country
    await organiser.send("20.01.2026 14:00")  # a day with its time: on to the duration
    await organiser.press("2 hours")
    await organiser.send("Almaty")
    await organiser.press(ref_label(harness, "country", country, "en"))
    if organiser.id == ADMIN_ID:
        await organiser.press("Done")


async def publish_draft(organiser: UserHandle, locale: str = "en",
                        harness: BotHarness | None = None) -> None:
    """Publish from the preview, and confirm it (the confirmation names the recipients)."""
    label = (lambda msgid: t(harness, locale, msgid)) if harness else (lambda msgid: msgid)
    await organiser.press(label("Publish"))
    await organiser.press(label("Yes, publish"))


def card_press(action: ReviewAction, member_id: int) -> str:
    """The data of a member-card button as a forger would make it: a fresh one-press token
    (tokens are not secrets; they only make one rendering of a card work once), so the press
    reaches the server's own check of her role."""
    return ReviewCb(action=action, member_id=member_id, value=secrets.token_hex(3)).pack()
