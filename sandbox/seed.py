"""The demo association the sandbox starts with, built through the bot's own services.

Every member goes the way a real one does (language, privacy notice, answers, submission,
a reviewer's approval); chats are added to the bot in the emulator and bound by the
administrator's own button press; the event goes out through the delivery engine. So what the
page shows afterwards is what the bot would have shown, not rows written behind its back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.callbacks import ChatAction, ChatCb
from bot.db.repositories.invites import InviteCode
from bot.db.repositories.profiles import VISIBLE_FIELD_NAMES
from bot.services.events import Audience
from bot.services.message_kinds import MessageKind
from bot.services.verification import Decision
from sandbox.emulator.server import Chat, UserHandle
from sandbox.runner import BotRunner

ADMIN_ID = 100001


@dataclass(frozen=True)
class Persona:
    """Someone the visitor can be: her Telegram account and the profile she filled in."""

    id: int
    first_name: str
    last_name: str
    patronymic: str
    country: str
    locale: str
    agency: str
    years: int
    expertise: tuple[str, ...]
    languages: tuple[str, ...]
    role: str = "member"  # admin, coordinator, member, applicant
    bio: str | None = None
    username: str | None = None
    hidden: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.patronymic} {self.last_name}"


PEOPLE: tuple[Persona, ...] = (
    Persona(ADMIN_ID, "Saule", "Zhaksylykova", "Omarovna", "KZ", "ru", "interior", 24,
            ("training_leadership", "hr_gender_policy"), ("kk", "ru", "en"), role="admin",
            bio="Regional secretariat, Almaty", username="saule_secretariat"),
    Persona(100002, "Aigerim", "Bekova", "Nurlanovna", "KZ", "kk", "border_guard", 17,
            ("border_management", "counter_trafficking"), ("kk", "ru"), role="coordinator"),
    Persona(100003, "Cholpon", "Toktogulova", "Asanovna", "KG", "ru", "interior", 19,
            ("gbv_response", "community_policing"), ("ky", "ru"), role="coordinator",
            bio="Coordinator of the Kyrgyz network since 2021"),
    Persona(100004, "Manizha", "Nazarova", "Rustamovna", "TJ", "tg", "national_security", 15,
            ("counter_terrorism", "drug_control"), ("tg", "ru"), role="coordinator"),
    Persona(100005, "Jeren", "Orazova", "Atayevna", "TM", "tk", "customs_migration", 14,
            ("customs_migration", "border_management"), ("tk", "ru"), role="coordinator"),
    Persona(100006, "Dilnoza", "Yusupova", "Akmalovna", "UZ", "uz", "prosecutor", 16,
            ("legal_prosecution", "counter_trafficking"), ("uz", "ru", "en"),
            role="coordinator"),
    Persona(100011, "Zhanna", "Kassymova", "Bolatovna", "KZ", "kk", "border_guard", 21,
            ("border_management", "training_leadership"), ("kk", "ru", "en"),
            bio="Trains young officers at the Khorgos crossing; mentors gladly"),
    Persona(100012, "Aliya", "Mukhametova", "Serikovna", "KZ", "ru", "police", 9,
            ("cybercrime", "criminal_investigation"), ("ru", "kk")),
    Persona(100013, "Madina", "Tulegenova", "Yerlanovna", "KZ", "en", "customs_migration", 6,
            ("customs_migration",), ("kk", "ru", "en"), hidden=("years",)),
    Persona(100014, "Aizada", "Mamatova", "Bakytovna", "KG", "ky", "interior", 11,
            ("gbv_response",), ("ky", "ru")),
    Persona(100015, "Nurzat", "Alieva", "Kubanychbekovna", "KG", "ru", "prosecutor", 13,
            ("legal_prosecution", "counter_trafficking"), ("ky", "ru", "en")),
    Persona(100016, "Farangis", "Karimova", "Davlatovna", "TJ", "tg", "police", 8,
            ("drug_control", "community_policing"), ("tg", "ru", "fa")),
    Persona(100017, "Zarina", "Rahimova", "Sharipovna", "TJ", "ru", "border_guard", 12,
            ("border_management",), ("tg", "ru", "uz")),
    Persona(100018, "Maral", "Annayeva", "Gurbanovna", "TM", "tk", "customs_migration", 10,
            ("customs_migration", "drug_control"), ("tk", "ru", "tr")),
    Persona(100019, "Aynur", "Hojayeva", "Myratovna", "TM", "ru", "border_guard", 7,
            ("border_management", "forensics"), ("tk", "ru")),
    Persona(100020, "Malika", "Ergasheva", "Shavkatovna", "UZ", "uz", "interior", 14,
            ("counter_trafficking", "gbv_response"), ("uz", "ru", "en")),
    Persona(100021, "Shahnoza", "Karimova", "Bakhodirovna", "UZ", "en", "national_security",
            18, ("forensics", "cybercrime"), ("uz", "ru", "en")),
    Persona(100022, "Gulnora", "Saidova", "Ilhomovna", "UZ", "uz", "police", 5,
            ("community_policing",), ("uz", "tg", "ru")),
    Persona(100031, "Sitora", "Odinaeva", "Jamshedovna", "TJ", "tg", "customs_migration", 4,
            ("customs_migration",), ("tg", "ru"), role="applicant",
            bio="Migration officer at Dushanbe airport"),
)

MENTOR_ID = 100011  # Zhanna: mentors up to two, none taken yet

CHATS: tuple[tuple[int, str, str | None], ...] = (
    (-1001938400001, "Association · Kazakhstan", "KZ"),
    (-1001938400002, "Association · Kyrgyzstan", "KG"),
    (-1001938400003, "Association · Tajikistan", "TJ"),
    (-1001938400004, "Association · Turkmenistan", "TM"),
    (-1001938400005, "Association · Uzbekistan", "UZ"),
    (-1001938400009, "Association · Central Asia", None),
)

EVENT_TITLE = "Regional seminar: women at the border posts"
EVENT_TEXTS = {
    "ru": {"title": "Региональный семинар: женщины на погранпостах",
           "description": "Два дня об опыте совместных смен, наставничестве и безопасности "
                          "на пунктах пропуска. Синхронный перевод на русский и английский."},
}
EVENT_DESCRIPTION = ("Two days on joint shifts, mentoring and safety at the crossings. "
                     "Interpreting into Russian and English.")


@dataclass
class Seeded:
    people: dict[int, Persona] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    event_id: int | None = None


async def seed(runner: BotRunner) -> Seeded:
    """The whole demo association, at the runner's clock."""
    app = runner.app
    assert app is not None
    result = Seeded()
    # The administrator joins last, with an invitation from her country's coordinator (staff
    # are decided on only by another administrator, and she is the only one).
    admin = next(p for p in PEOPLE if p.id == ADMIN_ID)
    for person in (*(p for p in PEOPLE if p.id != ADMIN_ID), admin):
        invite = None
        if person is admin:
            coordinator = next(p.id for p in PEOPLE if p.role == "coordinator"
                               and p.country == admin.country)
            invite = (await app.invites.create(coordinator, admin.country, 1, timedelta(days=7),
                                               app.clock.now())).record
        await _join(runner, person, invite)
        result.people[person.id] = person
    await runner.deliver()
    admin_user = runner.emu.user(ADMIN_ID)
    for chat_id, title, country in CHATS:
        result.chats[chat_id] = await _bind_chat(runner, admin_user, chat_id, title, country)
    await _fill_chats(runner, result)
    now = app.clock.now()
    await app.mentorship.save_offer(MENTOR_ID, 2, "monthly",
                                    ["border_management", "training_leadership"], now)
    result.event_id = await _announce_event(runner, now)
    await _send_application_cards(runner)
    await runner.deliver()
    return result


async def _join(runner: BotRunner, person: Persona, invite: InviteCode | None = None
                ) -> UserHandle:
    """Her sign-up, answer by answer, as the wizard records it."""
    app = runner.app
    assert app is not None
    user = runner.emu.user(person.id, person.first_name, language_code=person.locale,
                           username=person.username, last_name=person.last_name)
    user.user.started = True
    now = app.clock.now()
    onboarding = app.onboarding
    await onboarding.choose_language(person.id, person.locale, now)
    await onboarding.accept_privacy(person.id, now, invite)
    await onboarding.answer(person.id, "name", person.full_name, now)
    await onboarding.change_country(person.id, person.country, now)
    await onboarding.pick_agency(person.id, person.agency, now)
    await onboarding.answer(person.id, "years", str(person.years), now)
    for code in person.expertise:
        await onboarding.toggle(person.id, "expertise", code, now)
    for code in person.languages:
        await onboarding.toggle(person.id, "languages", code, now)
    if person.bio:
        await onboarding.answer(person.id, "bio", person.bio, now)
    for name in VISIBLE_FIELD_NAMES:
        profile = await onboarding.profile(person.id)
        assert profile is not None
        if (name in person.hidden) == (name in profile.visible_fields):
            await onboarding.toggle(person.id, "visibility", name, now)
    await onboarding.submit(person.id, now)
    if person.role not in ("applicant", "admin"):
        await _approve(runner, ADMIN_ID, person.id)
    if person.role == "coordinator":
        await app.verification.appoint_coordinator(ADMIN_ID, person.id, person.country, now)
    return user


async def _approve(runner: BotRunner, reviewer: int, member_id: int) -> None:
    app = runner.app
    assert app is not None
    profile = await app.onboarding.profile(member_id)
    assert profile is not None
    await app.verification.decide(reviewer, member_id, Decision.APPROVE, app.clock.now(),
                                  version=profile.version)


async def _bind_chat(runner: BotRunner, admin: UserHandle, chat_id: int, title: str,
                     country: str | None) -> Chat:
    """Added to the bot as an administrator; the administrator presses the chat's place."""
    chat = runner.emu.group(chat_id, title)
    await runner.emu.add_bot(chat, admin)
    await admin.press_data(ChatCb(action=ChatAction.SCOPE, chat_id=chat_id,
                                  value=country or "R").pack())
    return chat


async def _fill_chats(runner: BotRunner, seeded: Seeded) -> None:
    """The approved members are in their country's chat and the regional one already."""
    app = runner.app
    assert app is not None
    now = app.clock.now()
    for person in seeded.people.values():
        if person.role == "applicant":
            continue
        for chat_id, _title, country in CHATS:
            if country in (None, person.country):
                seeded.chats[chat_id].members[person.id] = "member"
                await app.chat_registry.note_member(chat_id, person.id, "member", now)


async def _announce_event(runner: BotRunner, now: datetime) -> int:
    """An event for the whole region tomorrow afternoon, its card sent to every member."""
    app = runner.app
    assert app is not None
    starts = (now + timedelta(hours=30)).replace(minute=0, second=0, microsecond=0)
    audience = Audience()
    event_id = await app.events.create(ADMIN_ID, audience.encode(), EVENT_TITLE,
                                       EVENT_DESCRIPTION, starts, "Asia/Bishkek", 120,
                                       "Bishkek, Ala-Too conference hall", now, EVENT_TEXTS)
    event = await app.events.get(event_id)
    assert event is not None
    recipients = [m for m in await app.profiles.approved_members(None) if m != ADMIN_ID]
    await app.delivery.enqueue(MessageKind.EVENT, event.payload(), recipients, ADMIN_ID)
    return event_id


async def _send_application_cards(runner: BotRunner) -> None:
    """The waiting applicant's card reaches her reviewers, as after her own submission."""
    app = runner.app
    assert app is not None
    for person in PEOPLE:
        if person.role == "applicant":
            reviewers = await app.onboarding.reviewers_of(person.country)
            await app.review_card_service.notify_reviewers(person.id, reviewers)
