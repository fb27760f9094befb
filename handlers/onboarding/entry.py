"""Ways into the profile dialog from outside it: /profile, and a word for what she types
when no question is open (after /cancel; on the privacy notice: ``handlers.start``)."""

from __future__ import annotations

from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.services.onboarding import OnboardingService
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from handlers.onboarding.actions import open_profile_dialog


async def cmd_profile(message: Message, actor: Actor, onboarding: OnboardingService,
                      ref: ReferenceData, dialog_manager: DialogManager | None = None
                      ) -> None:
    profile = await onboarding.profile(actor.user_id)
    if profile is None:
        await message.answer(_("You have no profile yet. Press /start to create one."))
        return
    if dialog_manager is None:  # no sender to keep a dialog for
        return
    await open_profile_dialog(dialog_manager, profile, ref,
                              note="continue" if profile.status == "draft" else None)


async def resume_draft(manager: DialogManager | None, onboarding: OnboardingService,
                       ref: ReferenceData, user_id: int) -> None:
    """A side question during the wizard (/language, /delete_me → No) closed its dialog, as
    every command does: once it is answered, the question she was on comes back."""
    profile = await onboarding.profile(user_id)
    if manager is not None and profile is not None and profile.status == "draft":
        await open_profile_dialog(manager, profile, ref, note="continue")


async def earlier_wizard_button(query: CallbackQuery) -> None:
    """A button of the wizard as it was before the dialog (still in chats, or forged), or of
    a dialog message that is no longer the live one."""
    await query.answer(_("This button is from an earlier message."), show_alert=True)


async def outside_the_dialog(message: Message, actor: Actor | None) -> None:
    """No question is open. Her account's status is already read for every update (the
    actor), so this costs no query."""
    if actor is None or not actor.is_registered:
        raise SkipHandler
    if actor.status == "draft":
        await message.answer(_("Send /start to continue your profile."))
        return
    raise SkipHandler
