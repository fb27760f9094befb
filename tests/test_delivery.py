"""The delivery engine without Telegram: limits, 429/403/5xx, crash recovery, exactly-once,
retries for a day after transient failures, and how Telegram's exceptions are classified."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from aiogram.exceptions import (
    ClientDecodeError, RestartingTelegram, TelegramBadRequest, TelegramEntityTooLarge,
    TelegramForbiddenError, TelegramNetworkError, TelegramNotFound, TelegramRetryAfter,
    TelegramServerError, TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage

from bot.clock import FakeClock, from_db, to_db
from bot.db import Database
from bot.db.repositories.outbox import OUTAGE, OutboxRepo, Progress
from bot.db.repositories.users import UserRepo
from bot.i18n import create_i18n, use_locale
from bot.services.delivery import (
    BACKOFF_CAP, HEADROOM, PROGRESS_EVERY, RETRY_FOR, DeliveryError, DeliveryService,
    FailureKind, FakePacer, Outgoing, RateLimiter, backoff,
)
from bot.telegram_delivery import TelegramSender, classify, progress_text

RECIPIENTS = list(range(1000, 1100))


class FakeSender:
    """Records what each chat received; raises what the test scripts for given chats."""

    def __init__(self, pacer: FakePacer) -> None:
        self.pacer = pacer
        self.received: Counter[int] = Counter()
        self.times: dict[int, list[float]] = {}
        self.script: dict[int, list[DeliveryError]] = {}
        self.blocked: set[int] = set()
        self.last_id = 100  # message ids, as Telegram gives them
        self.edited: list[tuple[int, int, str]] = []  # (chat, message id, new text)

    async def send(self, chat_id: int, text: str, keyboard: Any | None, *,
                   protect: bool = False) -> int:
        self._fail_if_scripted(chat_id)
        self.received[chat_id] += 1
        self.times.setdefault(chat_id, []).append(self.pacer.now)
        self.last_id += 1
        return self.last_id

    async def edit(self, chat_id: int, message_id: int, text: str,
                   keyboard: Any | None) -> int:
        self._fail_if_scripted(chat_id)
        self.edited.append((chat_id, message_id, text))
        return message_id

    def _fail_if_scripted(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise DeliveryError(FailureKind.BLOCKED)
        planned = self.script.get(chat_id)
        if planned:
            raise planned.pop(0)


async def make(db: Database, clock: FakeClock, rate: float = 30.0, workers: int = 8
               ) -> tuple[DeliveryService, FakeSender, FakePacer]:
    pacer = FakePacer()
    stamp = to_db(clock.now())
    await db.execute_many("INSERT OR IGNORE INTO users (id, locale, created_at, last_seen_at) "
                          "VALUES (?, ?, ?, ?)",
                          [(r, ["ru", "en", "kk"][r % 3], stamp, stamp) for r in RECIPIENTS])
    service = DeliveryService(OutboxRepo(db), UserRepo(db), clock, rate=rate, pacer=pacer,
                              workers=workers)
    service.register("note", lambda payload, to: (f"[{to.locale}] {payload['text']}", None))
    return service, FakeSender(pacer), pacer


async def test_everyone_gets_one_copy_in_her_language_at_the_limit(db: Database) -> None:
    clock = FakeClock()
    service, sender, pacer = await make(db, clock, rate=30)
    seen: list[tuple[str, Any]] = []

    async def progress(broadcast_id: int, report: Progress) -> bool:
        seen.append((report.counts.get("sent", 0), report.finished))
        return True

    service.on_progress(progress)
    broadcast = await service.enqueue("note", {"text": "hi"}, RECIPIENTS + RECIPIENTS[:5], 1)
    assert await service.drain(sender) == 100
    assert set(sender.received.values()) == {1} and len(sender.received) == 100
    # 100 messages at 30/s (aiming slightly under) take a little over 99/30 s, never less;
    # each progress edit made while sending takes one slot of its own.
    edits = sum(not finished for _sent, finished in seen)
    assert edits >= 1
    assert pacer.now == pytest.approx((99 + edits) / (30 * HEADROOM), abs=1e-6)
    assert await service.counts(broadcast) == {"sent": 100}
    assert seen[-1] == (100, True)


async def test_rendering_uses_each_recipients_language(db: Database) -> None:
    clock = FakeClock()
    service, _, _ = await make(db, clock)
    texts: dict[int, str] = {}

    class Capture:
        async def send(self, chat_id: int, text: str, keyboard: Any | None, *,
                       protect: bool = False) -> None:
            texts[chat_id] = text

    await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:3], 1)
    await service.drain(Capture())
    assert texts == {1000: "[en] hi", 1001: "[kk] hi", 1002: "[ru] hi"}


async def test_429_pauses_the_whole_sender_and_loses_nothing(db: Database) -> None:
    clock = FakeClock()
    service, sender, pacer = await make(db, clock, rate=1000)
    for chat in (1010, 1011, 1050):
        sender.script[chat] = [DeliveryError(FailureKind.RETRY_AFTER, retry_after=5)]
    await service.enqueue("note", {"text": "hi"}, RECIPIENTS, 1)
    await service.drain(sender)
    assert sum(sender.received.values()) == 100 and set(sender.received.values()) == {1}
    # After the first 429 nobody was sent anything for 5 s: the last sends come after pauses.
    assert pacer.now >= 10  # 1010 and 1011 failed together (one pause), 1050 later
    first_after_pause = min(t for times in sender.times.values() for t in times if t >= 5)
    assert first_after_pause >= 5


async def test_403_marks_unreachable_until_she_writes_again(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock, rate=1000)
    sender.blocked = set(RECIPIENTS[::10])  # 10%
    first = await service.enqueue("note", {"text": "one"}, RECIPIENTS, 1)
    await service.drain(sender)
    assert await service.counts(first) == {"sent": 90, "unreachable": 10}
    unreachable = await db.fetch_all("SELECT id FROM users WHERE unreachable_at IS NOT NULL")
    assert sorted(r["id"] for r in unreachable) == sorted(sender.blocked)
    # The next broadcast does not even try them.
    second = await service.enqueue("note", {"text": "two"}, RECIPIENTS, 1)
    await service.drain(sender)
    assert await service.counts(second) == {"sent": 90, "unreachable": 10}
    # She writes to the bot again: she is reachable for the next one.
    await UserRepo(db).mark_reachable(1000)
    sender.blocked.discard(1000)
    third = await service.enqueue("note", {"text": "three"}, RECIPIENTS, 1)
    await service.drain(sender)
    assert (await service.counts(third))["sent"] == 91


async def run_until_settled(service: DeliveryService, sender: Any, clock: FakeClock,
                            limit: timedelta = timedelta(days=3)) -> int:
    """What the background loop does as time passes: drain, then move the clock to the next
    retry, until nothing is waiting (or ``limit`` has passed)."""
    start = clock.now()
    sent = await service.drain(sender)
    while clock.now() - start < limit:
        due = await service._outbox.next_due_at()
        if due is None:
            break
        clock.set(max(clock.now(), from_db(due)) if due else clock.now())
        sent += await service.drain(sender)
    return sent


async def test_transient_failures_back_off_and_never_fail_within_a_day(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock, rate=1000)
    sender.script[1001] = [DeliveryError(FailureKind.TRANSIENT)] * 2
    sender.script[1002] = [DeliveryError(FailureKind.TRANSIENT)] * 40  # ~3 hours of outage
    sender.script[1003] = [DeliveryError(FailureKind.PERMANENT)]
    broadcast = await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:5], 1)
    await service.drain(sender)
    assert sender.received[1001] == 0  # waiting for its backoff
    await run_until_settled(service, sender, clock)
    assert sender.received[1001] == 1 and sender.received[1002] == 1
    assert await service.counts(broadcast) == {"sent": 4, "failed": 1}  # only the 400
    attempts = await db.fetch_value("SELECT attempts FROM outbox WHERE recipient_id = 1002")
    assert attempts == 40


def test_backoff_doubles_and_is_capped_at_five_minutes() -> None:
    waits = [backoff(n).total_seconds() for n in range(1, 12)]
    assert waits[:5] == [2, 4, 8, 16, 32]
    assert max(waits) == BACKOFF_CAP == 300
    assert backoff(10_000).total_seconds() == 300


async def test_a_failure_lasting_over_a_day_ends_the_message_as_an_outage(db: Database
                                                                          ) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock, rate=1000)
    for chat in RECIPIENTS[:3]:
        sender.script[chat] = [DeliveryError(FailureKind.TRANSIENT)] * 10_000
    shown: list[Progress] = []

    async def progress(broadcast_id: int, report: Progress) -> bool:
        shown.append(report)
        return True

    service.on_progress(progress)
    start = clock.now()
    broadcast = await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:4], 1)
    await service.drain(sender)
    assert shown[-1] == Progress({"sent": 1, "pending": 3}, False, retrying=3)
    clock.advance(hours=23, minutes=50)
    await service.drain(sender)  # after almost a day: still waiting, not failed
    assert (await service.counts(broadcast)).get("failed", 0) == 0
    await run_until_settled(service, sender, clock)
    assert await service.counts(broadcast) == {"sent": 1, "failed": 3}
    rows = await db.fetch_all("SELECT error, updated_at FROM outbox WHERE status = 'failed'")
    assert {r["error"] for r in rows} == {OUTAGE}
    assert all(from_db(r["updated_at"]) - start >= RETRY_FOR for r in rows)
    assert all(from_db(r["updated_at"]) - start <= RETRY_FOR + timedelta(minutes=6)
               for r in rows)
    assert shown[-1] == Progress({"sent": 1, "failed": 3}, True, gave_up=3)


async def test_429_never_fails_a_message_within_a_day(db: Database) -> None:
    clock = FakeClock()
    service, sender, pacer = await make(db, clock, rate=1000)
    sender.script[1000] = [DeliveryError(FailureKind.RETRY_AFTER, retry_after=1)] * 30
    broadcast = await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:2], 1)
    await service.drain(sender)
    assert await service.counts(broadcast) == {"sent": 2}
    assert pacer.slept >= 30  # paused each time


async def test_a_400_ends_only_that_message(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock, rate=1000)
    sender.script[1005] = [DeliveryError(FailureKind.PERMANENT, detail="400")]
    broadcast = await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:10], 1)
    await service.drain(sender)
    assert await service.counts(broadcast) == {"sent": 9, "failed": 1}
    assert sender.received[1005] == 0


async def test_the_final_report_reaches_a_progress_message_saved_late(db: Database) -> None:
    """The broadcast can finish before the handler saved its progress message's id: the
    next run of the engine still edits it to the final report."""
    clock = FakeClock()
    service, sender, _ = await make(db, clock, rate=1000)
    outbox = OutboxRepo(db)
    shown: list[tuple[int, bool]] = []

    async def progress(broadcast_id: int, report: Progress) -> bool:
        broadcast = await outbox.get(broadcast_id)
        if broadcast is None or broadcast.progress_message_id is None:
            return False
        shown.append((broadcast.progress_message_id, report.finished))
        return True

    service.on_progress(progress)
    broadcast = await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:3], 1)
    await service.drain(sender)  # finished, but nobody could be told
    assert shown == []
    await outbox.set_progress_message(broadcast, 1, 77)
    await service.drain(sender)
    assert shown == [(77, True)]
    await service.drain(sender)
    assert shown == [(77, True)]  # once


async def test_a_slow_small_broadcast_shows_its_progress_every_few_seconds(db: Database
                                                                            ) -> None:
    """11 recipients at one a second are one batch: the progress message is still edited
    every few seconds while it goes out (issue 12), then once with the final report."""
    clock = FakeClock()
    # one worker: the fake pacer's time is then the real order of sends
    service, sender, pacer = await make(db, clock, rate=1, workers=1)
    seen: list[tuple[float, int, bool]] = []

    async def progress(broadcast_id: int, report: Progress) -> bool:
        seen.append((pacer.now, report.counts.get("sent", 0), report.finished))
        return True

    service.on_progress(progress)
    await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:11], 1)
    assert await service.drain(sender) == 11
    live = [entry for entry in seen if not entry[2]]
    assert len(live) >= 3 and all(0 < sent < 11 for _t, sent, _f in live)
    gaps = [later[0] - earlier[0] for earlier, later in zip(live, live[1:])]
    assert all(gap >= PROGRESS_EVERY - 1e-6 for gap in gaps)
    assert seen[-1][1:] == (11, True) and sum(f for _t, _s, f in seen) == 1


def _api(exc_type: type, message: str = "x", **kwargs: Any) -> Exception:
    return exc_type(method=SendMessage(chat_id=1, text="t"), message=message, **kwargs)


@pytest.mark.parametrize(("exc", "kind"), [
    (ClientDecodeError("Failed to decode object", ValueError(), "<html>502</html>"),
     FailureKind.TRANSIENT),
    (_api(TelegramServerError, "Bad Gateway"), FailureKind.TRANSIENT),
    (_api(RestartingTelegram, "restart"), FailureKind.TRANSIENT),
    (_api(TelegramNetworkError, "Request timeout error"), FailureKind.TRANSIENT),
    (_api(TelegramNotFound, "Not Found"), FailureKind.TRANSIENT),
    (_api(TelegramUnauthorizedError, "Unauthorized"), FailureKind.TRANSIENT),
    (ConnectionResetError(), FailureKind.TRANSIENT),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), FailureKind.TRANSIENT),
    (ValueError("a bug"), FailureKind.PERMANENT),
    (TimeoutError(), FailureKind.TRANSIENT),
    (_api(TelegramRetryAfter, "Too Many Requests", retry_after=3), FailureKind.RETRY_AFTER),
    (_api(TelegramForbiddenError, "bot was blocked by the user"), FailureKind.BLOCKED),
    (_api(TelegramBadRequest, "Bad Request: chat not found"), FailureKind.PERMANENT),
    (_api(TelegramBadRequest, "Bad Request: not enough rights to restrict/unrestrict chat "
          "member"), FailureKind.NO_RIGHTS),
    (_api(TelegramEntityTooLarge, "Request Entity Too Large"), FailureKind.PERMANENT),
])
def test_every_telegram_failure_has_one_kind(exc: Exception, kind: FailureKind) -> None:
    failure = classify(exc)
    assert failure.kind is kind
    assert "502" not in str(failure)  # nothing of the answer's body is kept
    if kind is FailureKind.RETRY_AFTER:
        assert failure.retry_after == 3


def test_the_report_says_what_still_waits_and_what_an_outage_ended() -> None:
    with use_locale(create_i18n("en"), "en"):
        waiting = progress_text({"sent": 48, "pending": 12}, False, "en", retrying=12)
        final = progress_text({"sent": 1, "failed": 3}, True, "en", gave_up=3)
    assert waiting == ("Sending: 48 sent, 0 failed, 0 unreachable, 12 remaining. 12 still "
                       "waiting: Telegram did not answer, retrying.")
    assert final == ("Delivery finished: 1 sent, 3 failed, 0 unreachable (blocked the bot). "
                     "3 of them failed because Telegram did not answer for 24 hours.")


async def test_a_crash_mid_broadcast_repeats_only_what_was_in_flight(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock, rate=1000)

    class Crash(BaseException):
        """Not an error the engine could handle: the process is gone."""

    class DyingSender(FakeSender):
        """The process dies during its 41st call, after Telegram got it: every call under
        way or later never returns to record anything."""

        dead = False

        async def send(self, chat_id: int, text: str, keyboard: Any | None, *,
                       protect: bool = False) -> None:
            if self.dead:
                raise Crash()
            await super().send(chat_id, text, keyboard)
            if sum(self.received.values()) == 41:
                self.dead = True
                raise Crash()

    dying = DyingSender(sender.pacer)
    await service.enqueue("note", {"text": "hi"}, RECIPIENTS, 1)
    with pytest.raises(Crash):
        await service.drain(dying)
    in_flight = await db.fetch_value("SELECT COUNT(*) FROM outbox WHERE status = 'sending'")
    assert 1 <= in_flight <= 8  # the workers' calls under way at the moment of the crash
    restarted, _, _ = await make(db, clock, rate=1000)
    assert await restarted.recover() == in_flight
    dying.dead = False
    await restarted.drain(dying)
    total = dying.received
    assert set(total) == set(RECIPIENTS)  # nobody lost
    duplicates = sum(n - 1 for n in total.values())
    assert duplicates <= in_flight


async def test_limiter_spaces_sends_overall_and_per_chat() -> None:
    pacer = FakePacer()
    limiter = RateLimiter(rate=10, pacer=pacer)
    moments: list[tuple[int, float]] = []
    for chat in (1, 2, 1, 3, 1):
        await limiter.wait_turn(chat)
        moments.append((chat, pacer.now))
    overall = [t for _, t in moments]
    assert all(b - a >= 0.1 - 1e-9 for a, b in zip(overall, overall[1:], strict=False))
    same_chat = [t for chat, t in moments if chat == 1]
    assert same_chat == pytest.approx([0.0, 1.0, 2.0])
    limiter.pause(5)
    await limiter.wait_turn(4)
    assert pacer.now == pytest.approx(7.0)  # 2.0 + the 5 s pause
    group = []
    for _ in range(3):
        await limiter.wait_turn(-100)
        group.append(pacer.now)
    assert [b - a for a, b in zip(group, group[1:], strict=False)] == pytest.approx([3.0, 3.0])


async def test_unknown_kind_is_refused(db: Database) -> None:
    service, _, _ = await make(db, FakeClock())
    with pytest.raises(ValueError):
        await service.enqueue("nonsense", {}, RECIPIENTS, 1)


async def test_a_kind_without_a_renderer_stops_start_up_not_a_send(db: Database) -> None:
    from bot.services.message_kinds import MessageKind

    service, _sender, _pacer = await make(db, FakeClock())
    with pytest.raises(RuntimeError, match="announcement"):
        service.require_renderers([MessageKind.ANNOUNCEMENT])
    with pytest.raises(ValueError):  # a second renderer for a kind is a wiring mistake
        service.register("note", lambda payload, to: ("again", None))


def test_the_app_registers_a_renderer_for_every_kind() -> None:
    """create_dispatcher() would refuse to start otherwise; every e2e test builds it, and
    this names the kinds the features register, so a new kind needs a renderer too."""
    from bot.app import feature_renderers
    from bot.services.message_kinds import MessageKind

    class AppStub:
        def __getattr__(self, name: str) -> None:
            return None

    registered: set[str] = set()
    for renderers in feature_renderers(AppStub()):  # type: ignore[arg-type]
        registered |= set(renderers)
    assert registered == set(MessageKind)


# ---- one outbound path: message ids, edits, send_now, the after-sent hook -----------------

async def sent_ids(db: Database) -> dict[int, int | None]:
    rows = await db.fetch_all("SELECT recipient_id, message_id FROM outbox")
    return {row["recipient_id"]: row["message_id"] for row in rows}


async def test_each_item_keeps_the_id_of_the_message_it_sent(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    heard: list[tuple[dict[str, Any], int, int]] = []

    async def hook(payload: dict[str, Any], recipient: int, message_id: int) -> None:
        heard.append((payload, recipient, message_id))

    service.after_sent("note", hook)
    sender.script[1001] = [DeliveryError(FailureKind.PERMANENT)]
    await service.enqueue("note", {"text": "hi"}, RECIPIENTS[:3], 1)
    await service.drain(sender)
    assert await sent_ids(db) == {1000: 101, 1001: None, 1002: 102}
    assert heard == [({"text": "hi"}, 1000, 101), ({"text": "hi"}, 1002, 102)]


async def test_an_edit_is_rendered_in_her_language_and_edits_that_message(db: Database
                                                                         ) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    results = await service.queue("note", [Outgoing(1001, {"text": "decided"}, edit_of=77)])
    assert await service.drain(sender) == 1
    assert sender.edited == [(1001, 77, "[kk] decided")] and not sender.received
    assert await sent_ids(db) == {1001: 77}
    assert len(results) == 1


async def test_an_edit_of_a_message_that_is_gone_ends_quietly(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    heard: list[int] = []

    async def hook(payload: dict[str, Any], recipient: int, message_id: int) -> None:
        heard.append(message_id)

    service.after_sent("note", hook)
    sender.script[1001] = [DeliveryError(FailureKind.GONE)]
    [result] = await service.queue("note", [Outgoing(1001, {"text": "x"}, edit_of=5)])
    await run_until_settled(service, sender, clock)
    row = await db.fetch_one("SELECT status, error, attempts FROM outbox WHERE id = ?",
                             (result,))
    assert (row["status"], row["error"], row["attempts"]) == ("failed", "gone", 1)
    assert heard == [] and sender.edited == []


async def test_an_edit_that_fails_transiently_is_tried_again(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    sender.script[1001] = [DeliveryError(FailureKind.TRANSIENT)] * 2
    await service.queue("note", [Outgoing(1001, {"text": "x"}, edit_of=5)])
    await service.drain(sender)
    assert sender.edited == []  # waiting for its backoff
    await run_until_settled(service, sender, clock)
    assert sender.edited == [(1001, 5, "[kk] x")]


class FakeBot:
    """Answers edit_message_text as Telegram would for the scripted description."""

    def __init__(self, description: str | None) -> None:
        self.description = description

    async def edit_message_text(self, **kwargs: Any) -> bool:
        if self.description is not None:
            raise TelegramBadRequest(method=SendMessage(chat_id=1, text="x"),
                                     message=f"Bad Request: {self.description}")
        return True


async def test_telegram_edits_not_modified_is_done_and_not_found_is_gone() -> None:
    assert await TelegramSender(FakeBot(None)).edit(1, 5, "x", None) == 5  # type: ignore[arg-type]
    not_modified = TelegramSender(FakeBot("message is not modified: specified new message "
                                          "content and reply markup are exactly the same"))
    assert await not_modified.edit(1, 5, "x", None) == 5
    for description in ("message to edit not found", "message can't be edited"):
        with pytest.raises(DeliveryError) as gone:
            await TelegramSender(FakeBot(description)).edit(1, 5, "x", None)  # type: ignore[arg-type]
        assert gone.value.kind is FailureKind.GONE
    with pytest.raises(DeliveryError) as other:
        await TelegramSender(FakeBot("chat not found")).edit(1, 5, "x", None)  # type: ignore[arg-type]
    assert other.value.kind is FailureKind.PERMANENT


async def test_send_now_goes_out_in_the_callers_task(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    service.attach(sender)
    results = await service.send_now("note", [Outgoing(1000, {"text": "card"}),
                                              Outgoing(1001, {"text": "card"})])
    assert [(r.recipient_id, r.status) for r in results] == [(1000, "sent"), (1001, "sent")]
    assert {r.message_id for r in results} == {101, 102}
    assert await service.drain(sender) == 0  # nothing left for the worker


async def test_send_now_leaves_a_transient_failure_to_the_worker(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    service.attach(sender)
    heard: list[tuple[int, int]] = []

    async def hook(payload: dict[str, Any], recipient: int, message_id: int) -> None:
        heard.append((recipient, message_id))

    service.after_sent("note", hook)
    sender.script[1001] = [DeliveryError(FailureKind.TRANSIENT)]
    results = await service.send_now("note", [Outgoing(1000, {"text": "card"}),
                                              Outgoing(1001, {"text": "card"})])
    assert [(r.recipient_id, r.status) for r in results] == [(1000, "sent"), (1001, "pending")]
    assert heard == [(1000, 101)]
    await run_until_settled(service, sender, clock)  # the background worker, later
    assert sender.received == Counter({1000: 1, 1001: 1})
    assert heard == [(1000, 101), (1001, 102)]
    assert await sent_ids(db) == {1000: 101, 1001: 102}


async def test_send_now_without_a_sender_leaves_them_to_the_worker(db: Database) -> None:
    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    results = await service.send_now("note", [Outgoing(1000, {"text": "card"})])
    assert [r.status for r in results] == ["pending"]
    assert await service.drain(sender) == 1


async def test_send_now_and_the_worker_never_send_an_item_twice(db: Database) -> None:
    import asyncio

    clock = FakeClock()
    service, sender, _ = await make(db, clock)
    service.attach(sender)
    await asyncio.gather(service.send_now("note", [Outgoing(r, {"text": "x"})
                                                   for r in RECIPIENTS[:20]]),
                         service.drain(sender), service.drain(sender))
    await service.drain(sender)
    assert sender.received == Counter({r: 1 for r in RECIPIENTS[:20]})
