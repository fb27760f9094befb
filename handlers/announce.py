"""/announce: a coordinator's message to members, previewed, then sent by the delivery engine.

```mermaid
stateDiagram-v2
    [*] --> Audience: /announce (administrators: all or one country; coordinators: theirs)
    Audience --> Text: audience button
    Text --> Preview: her text (formatting kept)
    Preview --> [*]: Send (outbox, live progress) or Cancel
```
"""

from __future__ import annotations

import secrets

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AnnounceCb
from bot.clock import Clock
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.outbox import OutboxRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.keyboards import button, rows
from bot.services.delivery import DeliveryService, Recipient
from bot.services.message_kinds import MessageKind
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import VerificationService
from bot.telegram_delivery import progress_text
from handlers.ui import query_message, stale_button

ANNOUNCEMENT_MAX = 3500  # leaves room for the header in every language
ALL = "*"


class AnnounceForm(StatesGroup):
    text = State()


def renderers(app: Any) -> dict[MessageKind, Any]:
    return {MessageKind.ANNOUNCEMENT: render_announcement}


def render_announcement(payload: dict, recipient: Recipient | None) -> tuple[str, None]:  # type: ignore[type-arg]
    """What a member receives, rendered at send time in her language."""
    return _("📢 <b>Announcement from the association</b>") + "\n\n" + payload["html"], None


async def cmd_announce(message: Message, actor: Actor, ref: ReferenceData) -> None:
    if not actor.is_staff:
        await message.answer(_("This command is for coordinators."))
        return
    choices = []
    if actor.is_admin:
        choices.append([button(_("All members"), AnnounceCb(action="audience", value=ALL))])
        choices += [[button(ref.country(c, actor.locale), AnnounceCb(action="audience", value=c))]
                    for c in ref.country_codes]
    else:
        assert actor.coordinator_country is not None
        choices.append([button(ref.country(actor.coordinator_country, actor.locale),
                               AnnounceCb(action="audience", value=actor.coordinator_country))])
    await message.answer(_("Who should receive the announcement?"), reply_markup=rows(*choices))


async def may_address(actor: Actor, audience: str, verification: VerificationService) -> bool:
    if audience == ALL:
        return actor.user_id in verification.admin_ids
    return await verification.may_manage(actor.user_id, audience)


async def cb_announce(query: CallbackQuery, callback_data: AnnounceCb, actor: Actor,
                      state: FSMContext, bot: Bot, ref: ReferenceData,
                      verification: VerificationService, profiles: ProfileRepo,
                      delivery: DeliveryService, outbox: OutboxRepo, audit: AuditRepo,
                      clock: Clock, claims: ClaimRepo) -> None:
    message = query_message(query)
    if message is None:
        await stale_button(query)
        return
    if callback_data.action == "audience":
        audience = callback_data.value
        if (audience != ALL and audience not in ref.country_codes) or not await may_address(
                actor, audience, verification):
            await query.answer(_("You are not allowed to do this."), show_alert=True)
            return
        await state.set_state(AnnounceForm.text)
        await state.update_data(announce_audience=audience, announce_html=None,
                                announce_draft=secrets.token_hex(8))
        await query.answer()
        await message.answer(_("Send the text of the announcement (formatting is kept). "
                               "/cancel to stop."))
        return
    data = await state.get_data()
    audience, html = data.get("announce_audience"), data.get("announce_html")
    if not audience or not html or await state.get_state() != AnnounceForm.text.state:
        await query.answer(_("This button is from an earlier message."), show_alert=True)
        return
    # one draft sends once, whichever of its previews is pressed and however often
    if not await claims.claim(f"announce:{actor.user_id}:{data.get('announce_draft')}",
                              clock.now()):
        await query.answer(_("This has already been handled."))
        return  # a double tap: the first press sends
    await state.clear()
    await query.answer()
    if callback_data.action != "send":
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Nothing was sent."))
        return
    if not await may_address(actor, audience, verification):  # the role, checked again now
        await message.answer(_("You are not allowed to do this."))
        return
    recipients = [r for r in await profiles.approved_members(
        None if audience == ALL else [audience]) if r != actor.user_id]
    await message.edit_reply_markup(reply_markup=None)
    if not recipients:
        await message.answer(_("Nobody matches these filters yet."))
        return
    broadcast_id = await delivery.enqueue(MessageKind.ANNOUNCEMENT, {"html": html}, recipients,
                                          actor.user_id)
    progress = await message.answer(progress_text(await delivery.counts(broadcast_id), False,
                                                  actor.locale))
    await outbox.set_progress_message(broadcast_id, actor.user_id, progress.message_id)
    await audit.record(clock.now(), actor.user_id, "announce",
                       country_code=None if audience == ALL else audience,
                       details=f"broadcast #{broadcast_id}, {len(recipients)} recipients")


async def on_announcement_text(message: Message, state: FSMContext) -> None:
    html = message.html_text if message.text else None
    if not html or len(html) > ANNOUNCEMENT_MAX:
        await message.answer(_("Please send a text message of up to {limit} characters.").format(
            limit=ANNOUNCEMENT_MAX))
        return
    await state.update_data(announce_html=html)
    text, _keyboard = render_announcement({"html": html}, None)
    await message.answer(_("This is how it will look:"))
    await message.answer(text, reply_markup=rows([
        button(_("Send"), AnnounceCb(action="send")),
        button(_("Cancel"), AnnounceCb(action="drop")),
    ]))


def create_router() -> Router:
    router = Router(name="announce")
    private = F.chat.type == "private"
    router.message.register(cmd_announce, Command("announce"), private)
    router.message.register(on_announcement_text, StateFilter(AnnounceForm.text), private,
                            ~F.text.startswith("/"))
    router.callback_query.register(cb_announce, AnnounceCb.filter())
    return router


