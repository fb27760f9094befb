"""Periodic jobs on APScheduler ticks, with the database as the source of truth.

APScheduler only wakes us up every minute; whether a job is due is decided from ``job_runs``
and the injected clock. A restart therefore loses nothing (a job overdue during downtime runs
at the first tick) and repeats nothing (each job records its completion). Jobs themselves are
idempotent over the rows they touch, so a crash between work and record is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.db.repositories.jobs import JobRunRepo

logger = logging.getLogger(__name__)

JobFunc = Callable[[datetime], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: JobFunc


class JobScheduler:
    def __init__(self, repo: JobRunRepo, clock: Clock,
                 tick_every: timedelta = timedelta(minutes=1)) -> None:
        self._repo = repo
        self._clock = clock
        self._tick_every = tick_every
        self._jobs: list[PeriodicJob] = []
        self._tick_lock = asyncio.Lock()
        self._scheduler: AsyncIOScheduler | None = None

    def add(self, name: str, every: timedelta, run: JobFunc) -> None:
        self._jobs.append(PeriodicJob(name, every, run))

    @property
    def jobs(self) -> tuple[PeriodicJob, ...]:
        return tuple(self._jobs)

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self._tick_every.total_seconds()),
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=None,
        )
        self._scheduler.start()
        # First tick right away: work that fell due while the bot was down runs now.
        self._scheduler.modify_job("tick", next_run_time=datetime.now(self._scheduler.timezone))

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        async with self._tick_lock:  # let a running tick finish
            pass

    async def tick(self) -> list[str]:
        """Run every job that is due now; returns the names that ran."""
        async with self._tick_lock:
            now = self._clock.now()
            last_runs = await self._repo.last_runs()
            ran: list[str] = []
            for job in self._jobs:
                last = last_runs.get(job.name)
                if last is not None and now - last < job.every:
                    continue
                try:
                    await job.run(now)
                except Exception:
                    logger.exception("scheduled job %s failed", job.name)
                    continue
                await self._repo.record_run(job.name, now)
                ran.append(job.name)
            return ran
