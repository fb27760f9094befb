"""Her command menu: what *she* may do, in the language she chose.

The lists follow what the handlers offer (the same tiers as /help): everyone gets the basic
commands, an approved member (staff count as members) the member features, a coordinator the
staff commands, an administrator also the administration commands.

:class:`MenuUpdater` keeps, in memory, which menu each chat was last given and asks Telegram
(through a :class:`MenuSetter`) only when hers is no longer the one she should see. A stranger
— no account — sees the default menu of her Telegram language set at start-up, so no chat scope
is ever set for her; a chat scope set earlier is removed when she becomes one again (her data
erased). A failure (she blocked the bot) is logged without her id and forgotten, so the next
update tries again; it never breaks what she was doing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import IntEnum
from typing import Protocol

logger = logging.getLogger(__name__)


class Tier(IntEnum):
    BASIC = 0  # stranger, applicant, declined or suspended member
    MEMBER = 1
    COORDINATOR = 2
    ADMIN = 3


class Role(IntEnum):
    NONE = 0
    COORDINATOR = 1
    ADMIN = 2


BASIC_FIRST = ("start", "profile")
MEMBER = ("members", "chats", "events", "mentorship", "introduce", "coffee", "digest")
COORDINATOR = ("pending", "invite", "invites", "announce", "newevent", "post")
ADMIN = ("coordinators", "audit", "channels")
BASIC_LAST = ("language", "help", "mydata", "delete_me", "cancel")


def tier_of(role: Role, status: str | None) -> Tier:
    """Staff rights follow the one rule of ``Actor``: administrators always, coordinators
    while their membership is approved (the account loader already drops it otherwise)."""
    if role is Role.ADMIN:
        return Tier.ADMIN
    if role is Role.COORDINATOR:
        return Tier.COORDINATOR
    return Tier.MEMBER if status == "approved" else Tier.BASIC


def command_names(tier: Tier) -> tuple[str, ...]:
    middle: tuple[str, ...] = ()
    if tier >= Tier.MEMBER:
        middle += MEMBER
    if tier >= Tier.COORDINATOR:
        middle += COORDINATOR
    if tier >= Tier.ADMIN:
        middle += ADMIN
    return BASIC_FIRST + middle + BASIC_LAST


Translate = Callable[[str], str]


def descriptions(translate: Translate) -> dict[str, str]:
    """Each command's line in the menu (at most 256 characters; short, for phones)."""
    _ = translate
    return {
        "start": _("Begin or continue"),
        "profile": _("My profile"),
        "members": _("Member directory"),
        "chats": _("The association's chats"),
        "events": _("Upcoming events"),
        "mentorship": _("Mentoring: find or be a mentor"),
        "introduce": _("Ask to meet a member"),
        "coffee": _("Coffee rounds across borders"),
        "digest": _("The weekly digest"),
        "pending": _("Applications to review"),
        "invite": _("Create an invitation"),
        "invites": _("My invitations"),
        "announce": _("Send an announcement"),
        "newevent": _("Announce an event"),
        "post": _("Post to a country's chat"),
        "coordinators": _("Country coordinators"),
        "audit": _("Log of privileged actions"),
        "channels": _("Bind the association's chats"),
        "language": _("Change the language"),
        "help": _("What I can do"),
        "mydata": _("My stored data"),
        "delete_me": _("Delete my data"),
        "cancel": _("Stop what I am doing"),
    }


Menu = tuple[tuple[str, str], ...]


def commands_for(role: Role, status: str | None, locale: str,
                 translate: Callable[[str, str], str]) -> Menu:
    """(command, description) pairs of her menu; ``translate(msgid, locale)`` is gettext."""
    texts = descriptions(lambda msgid: translate(msgid, locale))
    return tuple((name, texts[name]) for name in command_names(tier_of(role, status)))


class MenuSetter(Protocol):
    async def set_chat_menu(self, chat_id: int, menu: Menu) -> None: ...

    async def reset_chat_menu(self, chat_id: int) -> None: ...


MenuKey = tuple[Tier, str]


class MenuUpdater:
    """Keeps each chat's menu in step with her role, status and language, at no cost when
    nothing changed (one dict look-up)."""

    def __init__(self, translate: Callable[[str, str], str]) -> None:
        self._translate = translate
        self._shown: dict[int, MenuKey] = {}

    @staticmethod
    def key_for(role: Role, status: str | None, locale: str, registered: bool
                ) -> MenuKey | None:
        """What her chat should have; None: no chat scope (the default menu fits)."""
        tier = tier_of(role, status)
        if not registered and tier is Tier.BASIC:
            return None
        return tier, locale

    def shown(self, chat_id: int) -> MenuKey | None:
        return self._shown.get(chat_id)

    async def sync(self, setter: MenuSetter, chat_id: int, role: Role, status: str | None,
                   locale: str, registered: bool) -> bool:
        """Give her chat the menu she should see, if it has another; True if it was set."""
        wanted = self.key_for(role, status, locale, registered)
        current = self._shown.get(chat_id)
        if wanted == current:
            return False
        # Written before the call: a second update of hers arriving meanwhile does not repeat it.
        if wanted is None:
            del self._shown[chat_id]
        else:
            self._shown[chat_id] = wanted
        try:
            if wanted is None:
                await setter.reset_chat_menu(chat_id)
            else:
                await setter.set_chat_menu(
                    chat_id, commands_for(role, status, locale, self._translate))
        except Exception as exc:  # noqa: BLE001 - a menu must never break what she was doing
            logger.warning("could not update a command menu: %s", type(exc).__name__)
            if self._shown.get(chat_id) == wanted:  # try again on her next update
                if current is None:
                    self._shown.pop(chat_id, None)
                else:
                    self._shown[chat_id] = current
            return False
        return True
