"""Events on the members' side: the card members answer, /events (with the organiser's
past events), /start event-<id> from a chat post, calendar files, and the organiser's buttons
under her events (report, attendee list, chats, edit, cancel). The cards and notices are
drawn in ``handlers.event_cards``, the organiser's report in ``handlers.event_report``.

/newevent and changing or cancelling a published event are dialogs of their own
(``handlers.event_form``). Members get the card in their language with the time in their own
zone, answer Going / Maybe / Can't (and can change it), get reminders 24 hours and 1 hour
before, and a one-tap "How was it?" afterwards: a mark says she was there ("I wasn't there"
says she was not), and after it she may add an anonymous comment (her next text message).
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.callbacks import EventAction, EventCb
from bot.clock import Clock
from bot.db.repositories.chats import ChatRepo, KnownChat, chat_locale
from bot.db.repositories.events import ANSWERS, Event, EventRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.i18n import use_locale
from bot.keyboards import button, rows
from bot.services.calendar import calendar_file
from bot.services.events import Audience, EventService
from bot.services.profile_input import check_long_text
from bot.services.reference import ReferenceData
from bot.services.roles import Actor
from bot.services.verification import VerificationService
from bot.texts import problem_text
from handlers import event_cards, event_report
from handlers.event_cards import COMMENT_MAX, answer_keyboard, answer_label, card_text
from handlers.ui import ask_for_text, edit_text, query_message, stale_button

renderers = event_cards.renderers  # what the delivery engine sends for events


# ---- members ---------------------------------------------------------------------------------

async def chats_for(audience: Audience, chats: ChatRepo) -> list[KnownChat]:
    """The bound chats whose people the event is for (none for an expertise audience)."""
    if audience.expertise:
        return []
    bound = await chats.bound()
    if audience.countries is None:
        return [c for c in bound if c.country_code is None]
    return [c for c in bound if c.country_code in audience.countries]


def may_see(actor: Actor, event: Event, expertise: list[str]) -> bool:
    if actor.is_admin or actor.user_id == event.created_by:
        return True
    audience = Audience.parse(event.audience)
    return actor.is_member and (audience.includes(actor.country_code, expertise)
                                or audience.includes(actor.coordinator_country, expertise))


async def may_manage_event(actor: Actor, event: Event,
                           verification: VerificationService) -> bool:
    """Asked now, of the current role: any administrator, or the organiser while she is
    still staff of the event's audience (not whoever ``created_by`` names)."""
    audience = Audience.parse(event.audience)
    return await verification.authority.may_manage_event(
        actor.user_id, event.created_by, audience.countries, audience.expertise)


async def cb_event_member(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                          events: EventRepo, event_service: EventService,
                          profiles: ProfileRepo, ref: ReferenceData, clock: Clock) -> None:
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    profile = await profiles.get(actor.user_id)
    if event is None or not may_see(actor, event, profile.expertise if profile else []):
        await stale_button(query)
        return
    if callback_data.action == "ics":
        # In her language, cancelled if it was (from an old card too); she gets the new
        # file whenever it changes.
        await query.answer()
        await event_service.took_calendar_file(event.id, actor.user_id)
        if message is not None:
            await message.answer_document(BufferedInputFile(
                calendar_file(event, actor.locale, clock.now()),
                filename=f"event-{event.id}.ics"))
        return
    if event.status != "published":
        await query.answer(_("This event has been cancelled."), show_alert=True)
        return
    if callback_data.action == "rsvp" and callback_data.value in ANSWERS:
        if event.starts_at <= clock.now():
            await query.answer(_("This event has already started."), show_alert=True)
            return
        await events.answer(event.id, actor.user_id, callback_data.value, clock.now())
        await query.answer(_("Your answer: {answer}").format(
            answer=answer_label(callback_data.value)))
        if message is not None:
            keyboard = answer_keyboard(event.id, callback_data.value, event, actor.locale,
                                       join_link=(message.text or "").startswith("⏰"))
            if (message.text or "").startswith("📅"):  # the card itself: its counts too
                zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
                await edit_text(message, card_text(event.payload(), actor.locale, zone,
                                                   await events.going_maybe(event.id)),
                                keyboard)
            else:
                await message.edit_reply_markup(reply_markup=keyboard)
        return
    await stale_button(query)


# ---- after the event: "How was it?", "I wasn't there", an anonymous comment ------------------

class EventFeedback(StatesGroup):
    comment = State()  # she pressed "Add a comment": her next text is it


async def feedback_event(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                         events: EventRepo, profiles: ProfileRepo) -> Event | None:
    """The event of a "How was it?" button, if it is hers to answer (else the popup)."""
    event = await events.get(callback_data.event_id)
    profile = await profiles.get(actor.user_id)
    if event is None or event.status != "published" \
            or not may_see(actor, event, profile.expertise if profile else []):
        await stale_button(query)
        return None
    return event


async def cb_rate(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                  events: EventRepo, event_service: EventService,
                  profiles: ProfileRepo) -> None:
    """A mark says she was there; then she may add a comment."""
    event = await feedback_event(query, callback_data, actor, events, profiles)
    if event is None:
        return
    mark = int(callback_data.value) if callback_data.value in {"1", "2", "3", "4", "5"} else 0
    # not stored if forged, before the event, or she had not answered Going or Maybe
    await feedback_taken(query, await event_service.rate(event, actor.user_id, mark),
                         *event_cards.rated_view(event, mark, actor.locale))


async def cb_not_there(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                       events: EventRepo, event_service: EventService,
                       profiles: ProfileRepo) -> None:
    event = await feedback_event(query, callback_data, actor, events, profiles)
    if event is not None:
        await feedback_taken(query, await event_service.not_there(event, actor.user_id),
                             event_cards.not_there_text(event, actor.locale), None)


async def feedback_taken(query: CallbackQuery, done: bool, text: str,
                         keyboard: InlineKeyboardMarkup | None) -> None:
    """Thanks, and the question becomes what she answered; a refused one: the popup."""
    if not done:
        await stale_button(query)
        return
    await query.answer(_("Thank you!"))
    if (message := query_message(query)) is not None:
        await edit_text(message, text, keyboard)


async def cb_comment(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                     events: EventRepo, event_service: EventService, profiles: ProfileRepo,
                     state: FSMContext) -> None:
    """"Add a comment": her next text message is it (/cancel leaves it)."""
    event = await feedback_event(query, callback_data, actor, events, profiles)
    if event is None:
        return
    if not await event_service.may_comment(event, actor.user_id):
        await stale_button(query)
        return
    await query.answer()
    await state.set_state(EventFeedback.comment)
    await state.update_data(event_comment=event.id)
    if (message := query_message(query)) is not None:
        await edit_text(message, event_cards.comment_prompt(event, actor.locale), None)


async def on_comment(message: Message, actor: Actor, state: FSMContext, events: EventRepo,
                     event_service: EventService) -> None:
    value, problem = check_long_text(message.text, COMMENT_MAX)
    if problem is not None:
        await message.answer(problem_text(problem, COMMENT_MAX))
        return
    event_id = int((await state.get_data()).get("event_comment") or 0)
    await state.set_state(None)
    await state.update_data(event_comment=None)
    event = await events.get(event_id)
    if event is None or not await event_service.comment(event, actor.user_id, value or ""):
        await message.answer(_("This event is no longer open."))
        return
    await message.answer(_("Thank you! Your comment is saved: the organiser reads it without "
                           "your name."))


async def cmd_events(message: Message, actor: Actor, events: EventRepo, profiles: ProfileRepo,
                     verification: VerificationService, ref: ReferenceData,
                     clock: Clock) -> None:
    if not actor.is_member:
        await message.answer(_("Events are open to members once their application is "
                               "approved."))
        return
    profile = await profiles.get(actor.user_id)
    expertise = profile.expertise if profile else []
    upcoming = [e for e in await events.upcoming(clock.now()) if may_see(actor, e, expertise)]
    past = [e for e in await events.past(clock.now())
            if actor.is_staff and await may_manage_event(actor, e, verification)]
    if not upcoming:
        await message.answer(_("No upcoming events."))
    zone = ref.country_timezones.get(actor.country_code or "", "Asia/Almaty")
    for event in upcoming[:20]:
        chosen = await events.answer_of(event.id, actor.user_id)
        keyboard = answer_keyboard(event.id, chosen, event, actor.locale)
        if actor.is_staff and await may_manage_event(actor, event, verification):
            keyboard.inline_keyboard.append([
                button(_("Answers"), EventCb(action=EventAction.STATS, event_id=event.id)),
                button(_("Attendee list"), EventCb(action=EventAction.CSV, event_id=event.id))])
            keyboard.inline_keyboard.append([
                button(_("Edit"), EventCb(action=EventAction.EDIT, event_id=event.id)),
                button(_("Cancel event"), EventCb(action=EventAction.CANCEL, event_id=event.id))])
        await message.answer(card_text(event.payload(), actor.locale, zone,
                                       await events.going_maybe(event.id)),
                             reply_markup=keyboard)
    if past:  # the organiser's past events stay reachable: the report and the list
        text, keyboard = event_report.past_events_view(past, actor.locale, zone)
        await message.answer(text, reply_markup=keyboard)


async def cmd_start_event(message: Message, command: CommandObject, actor: Actor,
                          events: EventRepo, profiles: ProfileRepo, ref: ReferenceData,
                          clock: Clock) -> None:
    """``/start event-<id>``: the button under a card posted to a chat opens it here, with
    the answer buttons."""
    event = await events.get(int((command.args or "0").removeprefix("event-")))
    if not actor.is_member:
        await message.answer(_("Events are open to members once their application is "
                               "approved."))
        return
    profile = await profiles.get(actor.user_id)
    if event is None or not may_see(actor, event, profile.expertise if profile else []) \
            or event.status != "published" or event.starts_at <= clock.now():
        await message.answer(_("This event is no longer open."))
        return
    zone = ref.country_timezones.get(actor.country_code or "", event.timezone)
    await message.answer(card_text(event.payload(), actor.locale, zone,
                                   await events.going_maybe(event.id)),
                         reply_markup=answer_keyboard(
                             event.id, await events.answer_of(event.id, actor.user_id), event,
                             actor.locale))


def create_deep_link_router() -> Router:
    """Before /start's own router: ``/start event-<id>`` is an event, not an invitation."""
    router = Router(name="event_links")
    router.message.register(cmd_start_event, CommandStart(
        deep_link=True, magic=F.args.regexp(r"^event-\d{1,12}$")), F.chat.type == "private")
    return router


async def managed_event(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                        events: EventRepo, verification: VerificationService
                        ) -> tuple[Event, Message] | None:
    """The event of an organiser's button, if she may manage it now (else a popup)."""
    message = query_message(query)
    event = await events.get(callback_data.event_id)
    if event is None or message is None or not await may_manage_event(actor, event,
                                                                       verification):
        await query.answer(_("You are not allowed to do this."), show_alert=True)
        return None
    return event, message


async def cb_stats(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                   events: EventRepo, event_service: EventService, ref: ReferenceData,
                   verification: VerificationService, clock: Clock) -> None:
    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    event, message = found
    await query.answer()
    zone = ref.country_timezones.get(actor.country_code or "", event.timezone)
    after = event_report.AfterEvent(await events.ratings(event.id),
                                    await events.attendance(event.id),
                                    await events.comments(event.id))
    await message.answer(event_report.report_text(
        event, await events.counts(event.id), after, ref, actor.locale, zone, clock.now()),
        reply_markup=event_report.report_keyboard(event))
    if event_service.has_ended(event):
        for text in event_report.comment_messages(after, actor.locale):
            await message.answer(text)


async def cb_csv(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                 events: EventRepo, ref: ReferenceData,
                 verification: VerificationService) -> None:
    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    event, message = found
    await query.answer()
    zone = ref.country_timezones.get(actor.country_code or "", event.timezone)
    await message.answer_document(BufferedInputFile(  # hers to keep and forward: not protected
        event_report.attendee_csv(await events.attendee_rows(event.id), ref, actor.locale,
                                  zone), filename=f"event-{event.id}-attendees.csv"))


async def cb_to_chats(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                      events: EventRepo, event_service: EventService, chats: ChatRepo,
                      bot: Bot, ref: ReferenceData, verification: VerificationService,
                      clock: Clock, i18n: I18n) -> None:
    """Post the card to the event's chats, each once (``EventService.post_to_chats``): a
    chat that failed is tried again by "Try again", and only that chat. The posts are kept
    live: a change edits them, a cancel says so there."""
    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    event, message = found
    if event.status != "published" or event.starts_at <= clock.now():
        # the button stays under "Published." after a cancel and after the event
        await query.answer(_("This event is no longer open."), show_alert=True)
        return
    link = f"https://t.me/{(await bot.me()).username}?start=event-{event.id}"
    targets = {chat.chat_id: chat for chat in await chats_for(Audience.parse(event.audience),
                                                              chats)}

    async def post(chat_id: int) -> int | None:
        chat = targets[chat_id]
        locale = chat_locale(chat)
        zone = ref.country_timezones.get(chat.country_code or "", event.timezone)
        with use_locale(i18n, locale):  # the chat's language, not the organiser's
            text, keyboard = event_cards.chat_post_view(event, locale, zone, link)
        try:
            return (await bot.send_message(chat_id, text, reply_markup=keyboard)).message_id
        except TelegramAPIError:
            return None

    done = await event_service.post_to_chats(event, list(targets), post)
    posted = [escape(targets[chat_id].title) for chat_id in done.posted]
    failed = [escape(targets[chat_id].title) for chat_id in done.failed]
    if not posted and not failed:
        await query.answer(_("This has already been handled."), show_alert=True)
        return
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    lines = [_("Posted to: {chats}").format(chats=", ".join(posted))] if posted else []
    if failed:
        lines.append(_("Not posted to: {chats}. The button below will try again for those "
                       "chats only.").format(chats=", ".join(failed)))
    await message.answer("\n".join(lines), reply_markup=rows([button(
        _("Try again"), EventCb(action=EventAction.TO_CHATS, event_id=event.id))])
        if failed else None)


async def open_event_dialog(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                            events: EventRepo, verification: VerificationService,
                            dialog_manager: DialogManager, clock: Clock, *,
                            cancel: bool) -> None:
    """The edit dialog (handlers.event_form) of an event still to come: what to change, or
    "Cancel «…» and tell N people?"; from an old card of one cancelled or begun, a popup (what
    took place is neither changed nor cancelled, and nobody is told anew)."""
    from handlers.event_form.editing import open_edit

    found = await managed_event(query, callback_data, actor, events, verification)
    if found is None:
        return
    if found[0].status != "published":
        await query.answer(_("This event has been cancelled."), show_alert=True)
        return
    if found[0].starts_at <= clock.now():
        await query.answer(_("This event has already started."), show_alert=True)
        return
    await open_edit(dialog_manager, callback_data.event_id, found[1], cancel=cancel)


async def cb_edit(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                  events: EventRepo, verification: VerificationService,
                  dialog_manager: DialogManager, clock: Clock) -> None:
    await open_event_dialog(query, callback_data, actor, events, verification,
                            dialog_manager, clock, cancel=False)


async def cb_cancel(query: CallbackQuery, callback_data: EventCb, actor: Actor,
                    events: EventRepo, verification: VerificationService,
                    dialog_manager: DialogManager, clock: Clock) -> None:
    await open_event_dialog(query, callback_data, actor, events, verification,
                            dialog_manager, clock, cancel=True)


def create_router() -> Router:
    router = Router(name="events")
    private = F.chat.type == "private"
    router.message.register(cmd_events, Command("events"), private)
    router.callback_query.register(
        cb_event_member, EventCb.filter(F.action.in_({EventAction.RSVP, EventAction.ICS})))
    router.message.register(on_comment, StateFilter(EventFeedback.comment), private, F.text,
                            ~F.text.startswith("/"))
    router.message.register(ask_for_text, StateFilter(EventFeedback.comment), private,
                            ~F.text.startswith("/"))
    for action, handler in ((EventAction.RATE, cb_rate), (EventAction.NOT_THERE, cb_not_there),
                            (EventAction.COMMENT, cb_comment),
                            (EventAction.STATS, cb_stats), (EventAction.CSV, cb_csv),
                            (EventAction.TO_CHATS, cb_to_chats), (EventAction.EDIT, cb_edit),
                            (EventAction.CANCEL, cb_cancel)):
        router.callback_query.register(handler, EventCb.filter(F.action == action))
    return router
