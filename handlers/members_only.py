"""Who may use the features between members (/introduce, /coffee): an approved member, with
the profile the others will see. Staff count as members elsewhere, but here the other member
sees her card, so a coordinator or administrator without an approved profile of her own is
told to complete it (otherwise she would reach members as an empty card, or wait for a
coffee partner the rounds never give her)."""

from __future__ import annotations

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.services.roles import Actor


def refusal(actor: Actor) -> str | None:
    """Why she can't use a feature between members now, or None if she can."""
    if actor.status == "approved":
        return None
    if actor.status in ("pending", "needs_info"):
        return _("This opens once your application is approved: it is still being reviewed. "
                 "I will write to you as soon as it is decided.")
    if actor.is_staff or actor.status in (None, "draft"):
        return _("Please complete your member profile first (/start): members see it "
                 "before they agree to meet you.")
    return _("This is open to approved members only.")


async def refused_button(query: CallbackQuery, actor: Actor) -> bool:
    """A button of a feature between members pressed by someone who can't use it now: a
    popup with the reason; True if so."""
    reason = refusal(actor)
    if reason is not None:
        await query.answer(reason, show_alert=True)
    return reason is not None
