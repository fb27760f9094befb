"""What the outbox sends for introductions, rendered at send time in each one's language:
the request (with its answer buttons and deadline; edited when she withdraws it, or when it
is answered from "My introductions"), the contacts (protected; a Telegram failure to read
her @username is tried again later, never sent without it), a first message to copy in a
language both speak (not protected), and the others who fit after a request did not work
out."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import IntroAction, IntroCb
from bot.config import SUPPORTED_LOCALES
from bot.db.repositories.introductions import Introduction, IntroRepo
from bot.db.repositories.profiles import Profile, ProfileRepo
from bot.i18n import format_datetime, use_locale
from bot.keyboards import button, rows
from bot.services.delivery import Protected, Recipient
from bot.services.introductions import common_language
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.telegram_chats import TelegramChats
from bot.texts import contact_text, language_names, profile_card


def request_view(intro: Introduction, requester: Profile, ref: ReferenceData, locale: str,
                 timezone: str, *, confirm_block: bool = False
                 ) -> tuple[str, InlineKeyboardMarkup]:
    """The request as its member sees it, with its deadline; Block asks first, on the same
    message."""
    until = format_datetime(intro.expires_at, locale, timezone, weekday=True) \
        if intro.expires_at else ""
    parts = [_("A member would like to meet you:"),
             profile_card(requester, ref, locale, visible_only=True),
             _("Her reason: «{reason}»").format(reason=escape(intro.reason)),
             _("If you agree, you both get each other's contacts. If not, she is not told "
               "that you declined."),
             _("Please answer by {until}.").format(until=until)]
    if confirm_block:
        parts.append(_("Block her? She is not told. She will never be proposed to you again, "
                       "in introductions, mentorship or coffee rounds; /introduce → Blocked "
                       "people can undo it."))
        return "\n\n".join(parts), rows(
            [button(_("Yes, block her"), IntroCb(action=IntroAction.BLOCK_YES,
                                                 intro_id=intro.id)),
             button(_("« Back"), IntroCb(action=IntroAction.BLOCK_NO, intro_id=intro.id))])
    return "\n\n".join(parts), rows(
        [button(_("Agree"), IntroCb(action=IntroAction.AGREE, intro_id=intro.id)),
         button(_("Not now"), IntroCb(action=IntroAction.DECLINE, intro_id=intro.id))],
        [button(_("Block this person"), IntroCb(action=IntroAction.BLOCK, intro_id=intro.id))])


def answer_note(answer: str) -> str:
    """What her answer to a request did, said under the request (the card's own buttons and
    "My introductions" say the same)."""
    if answer == "block":
        return _("Done. She will not be proposed to you again; she is not told. /introduce → "
                 "Blocked people can undo it.")
    if answer == "agree":
        return _("✓ You agreed. I am sending you both each other's contacts; /introduce → My "
                 "introductions shows them again.")
    return _("Thank you for answering. She will not be told that you declined.")


async def candidates_message(intro: Introduction, profiles: ProfileRepo, ref: ReferenceData,
                             locale: str) -> tuple[str, InlineKeyboardMarkup]:
    cards = [_("Members who fit your request:")]
    buttons = []
    for number, person_id in intro.places:
        person = await profiles.get(person_id)
        if person is None:
            continue
        cards.append(f"{number}. " + profile_card(person, ref, locale, visible_only=True))
        buttons.append(button(_("Ask member {number}").format(number=number),
                              IntroCb(action=IntroAction.ASK, value=str(number),
                                      intro_id=intro.id)))
    return "\n\n".join(cards), rows(*([b] for b in buttons))


def opener_text(requester: Profile, target: Profile, intro: Introduction, ref: ReferenceData,
                language: str) -> str:
    """The first message she could send, in ``language`` (the caller sets the locale)."""
    return _("Hello, {name}! I am {me} from {country}. I asked the association's bot to "
             "introduce us because: {reason}\nWould you have half an hour for a call in the "
             "coming days?").format(name=target.full_name or "", me=requester.full_name or "",
                             country=ref.country(requester.country_code or "", language),
                             reason=intro.reason)


def renderers(app: Any) -> dict[str, Any]:
    repo: IntroRepo = app.intros
    profiles: ProfileRepo = app.profiles
    ref: ReferenceData = app.reference

    async def approved(user_id: int | None) -> Profile | None:
        person = await profiles.get(user_id) if user_id else None
        return person if person is not None and person.status == "approved" else None

    async def request(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"])
        if intro is None or intro.status != "asked" or intro.target_id != to.user_id:
            return None
        requester = await approved(intro.requester_id)  # never an empty card
        if requester is None:
            return None
        return request_view(intro, requester, ref, to.locale, to.timezone)

    async def contacts(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"])
        if intro is None or intro.status != "accepted" or intro.target_id is None \
                or to.user_id not in (intro.requester_id, intro.target_id) \
                or not await repo.may_meet(intro.requester_id, intro.target_id):
            return None
        other_id = intro.target_id if to.user_id == intro.requester_id else intro.requester_id
        other = await approved(other_id)
        if other is None:
            return None
        # Telegram not answering is not "she has no username": the outbox tries again.
        username = await TelegramChats(app.bot).username_now(other_id)
        reach = contact_text(other_id, other.full_name, username)
        if to.user_id == intro.requester_id:
            text = _("🤝 She agreed to meet you. Write to her: {contact}").format(contact=reach)
        else:
            text = _("🤝 Here is the contact of the member you agreed to meet: {contact}. "
                     "She will write to you.").format(contact=reach)
        return Protected(text)

    async def opener(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"])
        if intro is None or intro.status != "accepted" or intro.requester_id != to.user_id:
            return None
        requester, target = await approved(intro.requester_id), await approved(intro.target_id)
        if requester is None or target is None:
            return None
        language = common_language(requester.languages, target.languages, [to.locale],
                                   SUPPORTED_LOCALES) or to.locale
        with use_locale(app.i18n, language):
            template = opener_text(requester, target, intro, ref, language)
        language_name = language_names([language], ref, to.locale)[0]
        return _("✍️ A first message you could send her, in {language}, which you both "
                 "speak (tap it to copy):").format(language=escape(language_name)) \
            + "\n\n<code>" + escape(template) + "</code>", None

    async def next_people(payload: dict[str, Any], to: Recipient) -> Any:
        intro = await repo.get(payload["intro_id"]) if payload["intro_id"] else None
        lead = _("That introduction did not work out this time.")
        if intro is None or intro.requester_id != to.user_id or not intro.candidates:
            return lead + " " + _("Nobody else who fits this request can be asked right now. "
                                  "/introduce starts a new one."), None
        text, keyboard = await candidates_message(intro, profiles, ref, to.locale)
        return lead + "\n\n" + text, keyboard

    async def answered(payload: dict[str, Any], to: Recipient) -> Any:
        """The request's own message once she answered it from "My introductions": what
        she decided, no buttons."""
        intro = await repo.get(payload["intro_id"])
        if intro is None or intro.target_id != to.user_id:
            return None
        note = answer_note(str(payload.get("answer")))
        requester = await approved(intro.requester_id)
        if requester is None:
            return note, None
        return request_view(intro, requester, ref, to.locale, to.timezone)[0] + "\n\n" \
            + note, None

    def withdrawn(_payload: dict[str, Any], _to: Recipient) -> Any:
        return _("🤝 This request to meet you was withdrawn. Nothing more is needed from "
                 "you."), None

    return {MessageKind.INTRO_REQUEST: request, MessageKind.INTRO_CONTACTS: contacts,
            MessageKind.INTRO_OPENER: opener, MessageKind.INTRO_NEXT: next_people,
            MessageKind.INTRO_WITHDRAWN: withdrawn, MessageKind.INTRO_ANSWERED: answered}
