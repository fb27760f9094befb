"""Wiring shared by ``python -m bot`` and the tests: one place builds the dispatcher.

:func:`open_app` opens the database (applying migrations), compiles the catalogs and builds
the long-lived services; :func:`create_dispatcher` hands them to the handlers by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import ExceptionTypeFilter
from aiogram.utils.i18n import I18n
from aiogram_dialog import setup_dialogs
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState

from bot.clock import Clock, SystemClock
from bot.commands import set_menus
from bot.config import Settings
from bot.db import Database, apply_migrations
from bot.db.fsm_storage import SQLiteStorage
from bot.chat_removals import RemovalRunner
from bot.db.repositories.announcements import AnnouncementRepo
from bot.db.repositories.audit import AuditRepo
from bot.db.repositories.chats import ChatRepo
from bot.db.repositories.claims import ClaimRepo
from bot.db.repositories.coffee import CoffeeRepo
from bot.db.repositories.digest import DigestRepo
from bot.db.repositories.events import EventRepo
from bot.db.repositories.mentorship import MentorshipRepo
from bot.db.repositories.outbox import OutboxRepo
from bot.db.repositories.introductions import IntroRepo
from bot.db.repositories.invites import InviteRepo
from bot.db.repositories.jobs import JobRunRepo
from bot.db.repositories.personal_data import PersonalDataRepo
from bot.db.repositories.profiles import ProfileRepo
from bot.db.repositories.reference import ReferenceRepo
from bot.db.repositories.review_cards import ReviewCardRepo
from bot.db.repositories.roles import CoordinatorRepo
from bot.db.repositories.users import UserRepo
from bot.dialogs import (
    DialogMessageManager, LiveMessageOnly, guard_dialog_messages, stale_dialog_button,
)
from bot.i18n import create_i18n, localized
from bot.services.message_kinds import MessageKind
from bot.speed import freeze_long_lived, inline_sync_filters, provide_services
from bot.telegram_delivery import ProgressReporter, TelegramSender
from bot.telegram_session import BotSession
from bot.throttle import FloodThrottle
from bot.inflight import InFlightUpdates, TrackingDispatcher
from bot.jobs import JobServices, register_jobs
from bot.middlewares import ActorMiddleware, CommandEndsFlow
from bot.services.audit_log import AuditLog
from bot.services.chat_access import ChatAccessService
from bot.services.chats import ChatRegistry
from bot.services.coffee import CoffeeService
from bot.services.delivery import DeliveryService, Pacer
from bot.services.digest import DigestService
from bot.services.announcements import AnnouncementService
from bot.services.events import EventOrganiser, EventService
from bot.services.introductions import IntroductionService
from bot.services.invites import InviteService
from bot.services.members import MemberService
from bot.services.mentorship import MentorshipService
from bot.services.once import OnceOnly
from bot.services.privacy import PrivacyService
from bot.services.onboarding import OnboardingService
from bot.services.reference import ReferenceData
from bot.services.review_cards import ReviewCardService
from bot.services.roles import Authority
from bot.services.scheduler import JobScheduler
from bot.services.verification import Decision, VerificationService

SHUTDOWN_GRACE = timedelta(seconds=30)


@dataclass
class App:
    """Everything long-lived. Handlers receive by name only the parts
    :meth:`workflow_data` hands out: services, never this object."""

    settings: Settings
    db: Database
    clock: Clock
    i18n: I18n
    reference: ReferenceData
    users: UserRepo
    profiles: ProfileRepo
    members: MemberService
    coordinators: CoordinatorRepo
    authority: Authority
    claims: ClaimRepo
    once: OnceOnly
    review_cards: ReviewCardRepo
    review_card_service: ReviewCardService
    audit: AuditRepo
    audit_log: AuditLog
    personal_data: PersonalDataRepo
    invites: InviteService
    invite_codes: InviteRepo
    onboarding: OnboardingService
    verification: VerificationService
    chats: ChatRepo
    chat_access: ChatAccessService
    chat_registry: ChatRegistry
    removals: RemovalRunner
    privacy: PrivacyService
    outbox: OutboxRepo
    delivery: DeliveryService
    events: EventRepo
    event_service: EventService
    event_organiser: EventOrganiser
    announcements: AnnouncementService
    digest: DigestRepo
    digest_service: DigestService
    mentorship: MentorshipRepo
    mentorship_service: MentorshipService
    intros: IntroRepo
    intro_service: IntroductionService
    coffee: CoffeeRepo
    coffee_service: CoffeeService
    jobs: JobScheduler
    fsm_storage: SQLiteStorage
    start_scheduler: bool = True
    in_flight: InFlightUpdates = field(default_factory=InFlightUpdates)
    bot: Bot | None = None  # known once the dispatcher starts; jobs that message people need it
    sender: TelegramSender | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def workflow_data(self) -> dict[str, object]:
        """What handlers may ask for by name: services, reference data and the clock.

        The handlers of the conversation issue (start, onboarding, privacy, invitations,
        chats, directory, help, reviews and roles) take services only
        (``tests/test_wiring.py``). The repositories below the line are still asked for by
        the handlers that later issues rebuild (events, announce, digest, mentorship).
        """
        return {
            "clock": self.clock,
            "i18n": self.i18n,
            "ref": self.reference,
            "admin_ids": self.settings.admin_ids,
            "authority": self.authority,
            "members": self.members,
            "once": self.once,
            "invites": self.invites,
            "onboarding": self.onboarding,
            "verification": self.verification,
            "review_card_service": self.review_card_service,
            "audit_log": self.audit_log,
            "chat_access": self.chat_access,
            "chat_registry": self.chat_registry,
            "removals": self.removals,
            "privacy": self.privacy,
            "delivery": self.delivery,
            "event_service": self.event_service,
            "event_organiser": self.event_organiser,
            "announcements": self.announcements,
            "mentorship_service": self.mentorship_service,
            "intro_service": self.intro_service,
            "coffee_service": self.coffee_service,
            # ---- only for the handlers named above, until they are rebuilt
            "profiles": self.profiles,
            "claims": self.claims,
            "audit": self.audit,
            "chats": self.chats,
            "outbox": self.outbox,
            "events": self.events,
            "digest": self.digest,
            **self.extras,
        }

    async def close(self) -> None:
        await self.delivery.stop()
        await self.jobs.stop()
        await self.db.close()


async def open_app(settings: Settings, clock: Clock | None = None, *,
                   start_scheduler: bool = True, pacer: Pacer | None = None) -> App:
    clock = clock or SystemClock()
    db = await Database.open(settings.database_path)
    await apply_migrations(db)
    i18n = create_i18n(settings.default_locale)
    users = UserRepo(db)
    profiles = ProfileRepo(db)
    coordinators = CoordinatorRepo(db)
    authority = Authority(coordinators, settings.admin_ids)
    audit = AuditRepo(db)
    invite_codes = InviteRepo(db)
    admins = settings.admin_ids
    chats = ChatRepo(db)
    chat_access = ChatAccessService(chats, users, coordinators, admins,
                                    auto_remove=settings.reconcile_auto_remove)
    personal_data = PersonalDataRepo(db)
    outbox = OutboxRepo(db)
    delivery = DeliveryService(outbox, users, clock, rate=settings.delivery_rate, pacer=pacer,
                               default_locale=settings.default_locale)
    events = EventRepo(db)
    digest = DigestRepo(db)
    reference = await ReferenceData.load(ReferenceRepo(db))
    mentorship = MentorshipRepo(db)
    mentorship_service = MentorshipService(db, mentorship, audit, delivery, clock)
    intros = IntroRepo(db)
    intro_service = IntroductionService(db, intros, delivery, clock)
    invite_service = InviteService(invite_codes, audit, delivery)
    coffee = CoffeeRepo(db)
    claims = ClaimRepo(db)
    review_cards = ReviewCardRepo(db)
    app = App(
        settings=settings,
        db=db,
        clock=clock,
        i18n=i18n,
        reference=reference,
        users=users,
        profiles=profiles,
        members=MemberService(profiles),
        coordinators=coordinators,
        authority=authority,
        claims=claims,
        once=OnceOnly(claims),
        review_cards=review_cards,
        review_card_service=ReviewCardService(delivery, review_cards, profiles),
        audit=audit,
        audit_log=AuditLog(audit),
        personal_data=personal_data,
        invites=invite_service,
        invite_codes=invite_codes,
        onboarding=OnboardingService(db, profiles, invite_codes, coordinators, audit, authority,
                                     chat_access, users, invitations=invite_service),
        verification=VerificationService(
            db, profiles, coordinators, audit, authority, chat_access, invite_codes,
            side_effects={Decision.SUSPEND: (mentorship_service.hold_for,
                                             intro_service.member_suspended),
                          Decision.REINSTATE: (mentorship_service.resume_for,)}),
        chats=chats,
        chat_access=chat_access,
        chat_registry=ChatRegistry(chats, audit, chat_access),
        removals=RemovalRunner(chat_access, delivery, clock, names=profiles.name_of),
        privacy=PrivacyService(db, personal_data, users, coordinators, chat_access,
                               before_erasure=(mentorship_service.partner_leaves,
                                               intro_service.requester_leaves)),
        outbox=outbox,
        delivery=delivery,
        events=events,
        event_service=EventService(db, events, delivery, claims, clock),
        event_organiser=EventOrganiser(db, events, profiles, delivery, audit, authority,
                                       ClaimRepo(db), clock),
        announcements=AnnouncementService(db, AnnouncementRepo(db), profiles, delivery, audit,
                                          authority, ClaimRepo(db), clock),
        digest=digest,
        digest_service=DigestService(db, digest, events, delivery, reference.country_timezones),
        mentorship=mentorship,
        mentorship_service=mentorship_service,
        intros=intros,
        intro_service=intro_service,
        coffee=coffee,
        coffee_service=CoffeeService(db, coffee, delivery),
        jobs=JobScheduler(JobRunRepo(db), clock),
        fsm_storage=SQLiteStorage(db, clock),
        start_scheduler=start_scheduler,
    )
    register_jobs(app.jobs, JobServices(
        onboarding=app.onboarding, verification=app.verification, delivery=delivery,
        removals=app.removals, chat_access=chat_access,
        fsm_storage=app.fsm_storage, event_service=app.event_service,
        digest_service=app.digest_service, mentorship_service=app.mentorship_service,
        intro_service=app.intro_service, coffee_service=app.coffee_service,
        announcements=app.announcements,
        bot=lambda: app.bot), mentor_round_days=settings.mentor_round_days)
    return app


# aiogram parses every answer as ``Response[<return type>]``; pydantic keeps such generic
# classes only weakly, so under a burst of updates the collector can drop one and the next
# call rebuilds it (about 15 ms each). Holding them for the life of the process avoids that.
_RESPONSE_MODELS: list[type] = []


def _keep_response_models() -> None:
    if _RESPONSE_MODELS:
        return
    from aiogram import methods
    from aiogram.client.session.base import Response

    used = [
        methods.GetUpdates, methods.GetMe, methods.SendMessage, methods.EditMessageText,
        methods.EditMessageReplyMarkup, methods.AnswerCallbackQuery, methods.SendDocument,
        methods.SetMyCommands, methods.DeleteWebhook, methods.SetWebhook,
        methods.CreateChatInviteLink, methods.GetChatMember, methods.BanChatMember,
        methods.UnbanChatMember, methods.ApproveChatJoinRequest, methods.DeclineChatJoinRequest,
        methods.GetChat,
    ]
    _RESPONSE_MODELS.extend(Response[m.__returning__] for m in used)  # type: ignore[misc]


def create_bot(settings: Settings) -> Bot:
    _keep_response_models()
    session = BotSession()
    if settings.bot_api_url.rstrip("/") != "https://api.telegram.org":
        session = BotSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def feature_renderers(app: App) -> list[dict[str, Any]]:
    """What each feature sends through the delivery engine: its renderers by kind. (The
    features that later issues rebuild still read what they need from the App.)"""
    from handlers import (
        admin, announce, chats, coffee, digest, events, introductions, invites,
        mentorship_messages, verification,
    )
    from handlers.onboarding import handoff

    features = [invites.renderers(app.invites, app.members, app.reference, app.clock),
                verification.renderers(app.members, app.reference),
                admin.renderers(app.members, app.reference),
                chats.renderers(app.chat_registry, app.reference),
                handoff.renderers(app.profiles, app.reference)]
    return features + [feature.renderers(app) for feature in (
        announce, events, digest, mentorship_messages, introductions, coffee)]


def create_dispatcher(app: App) -> Dispatcher:
    from handlers import get_routers

    # Each feature registers what it sends through the delivery engine.
    for renderers in feature_renderers(app):
        for kind, renderer in renderers.items():
            app.delivery.register(kind, localized(app.i18n, renderer))
    app.delivery.require_renderers(MessageKind)
    services = app.workflow_data()
    dp = TrackingDispatcher(app.in_flight, storage=app.fsm_storage)
    dp.update.outer_middleware(ActorMiddleware(app.users, app.i18n, app.settings.admin_ids,
                                               audit=app.audit, clock=app.clock))
    dp.update.outer_middleware(FloodThrottle())  # after the actor: her language for a notice
    dp.message.outer_middleware(CommandEndsFlow(services))
    dp.include_routers(*get_routers())
    # Dialogs (aiogram-dialog): their stacks live in the FSM storage above, so a restart keeps
    # them; only a dialog's live message drives it; a closed dialog's buttons get a popup.
    setup_dialogs(dp, message_manager=DialogMessageManager(),
                  stack_access_validator=LiveMessageOnly())
    guard_dialog_messages(dp)
    dp.errors.register(stale_dialog_button,
                       ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState))
    inline_sync_filters(dp)  # after every router, the dialogs' included
    provide_services(dp, services)  # likewise: handlers get the services by name

    async def on_startup(bot: Bot) -> None:
        app.bot = bot
        await set_menus(bot, app.i18n)
        await app.fsm_storage.preload()
        app.sender = TelegramSender(bot)
        app.delivery.attach(app.sender)  # what a person waits for goes out at once
        app.delivery.on_progress(ProgressReporter(bot, app.outbox, app.users, app.i18n))
        await app.delivery.recover()
        if app.start_scheduler:
            app.jobs.start()
            app.delivery.start(app.sender)
        freeze_long_lived()

    async def on_shutdown() -> None:
        await app.in_flight.wait_idle(timeout=SHUTDOWN_GRACE.total_seconds())
        await app.delivery.stop()
        await app.jobs.stop()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp
