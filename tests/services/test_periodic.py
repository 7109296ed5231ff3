"""The sweeper and the outbox poll keep their pace when the wall clock steps back."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.jobs import Periodic

PERIOD = 0.02


class SteppedClock(datetime):
    """datetime whose now() runs an hour behind once the step happened."""

    behind = timedelta(0)

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
        """The wall clock, stepped back by `behind`."""
        return datetime.now(tz) - cls.behind


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> type[SteppedClock]:
    """Every wall-clock reading APScheduler and the jobs module make, steppable."""
    SteppedClock.behind = timedelta(0)
    for module in ("apscheduler.schedulers.base", "apscheduler.triggers.interval"):
        monkeypatch.setattr(f"{module}.datetime", SteppedClock)
    monkeypatch.setattr("time.time", lambda: datetime.now(UTC).timestamp() - 3600)
    return SteppedClock


async def runs_in(seconds: float, count: list[int]) -> int:
    """How many runs happen in so many seconds of real time."""
    before = count[0]
    await asyncio.sleep(seconds)
    return count[0] - before


async def test_a_clock_stepping_back_an_hour_does_not_stall_the_periodic_jobs(
    wall_clock: type[SteppedClock],
) -> None:
    ours, theirs = [0], [0]

    async def tick(counter: list[int]) -> None:
        counter[0] += 1

    periodic = Periodic("sweeper", PERIOD, tick, ours)
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(tick, "interval", seconds=PERIOD, args=(theirs,), coalesce=True)
    periodic.start()
    scheduler.start()
    try:
        assert await runs_in(0.3, ours) >= 5 and await runs_in(0.3, theirs) >= 5
        wall_clock.behind = timedelta(hours=1)  # NTP corrects the clock back by an hour
        # APScheduler, woken once more, now finds its next run an hour away: it stalls
        # (the reason the frequent jobs left it); the monotonic loop keeps its pace.
        await asyncio.sleep(0.1)
        mine, apschedulers = await asyncio.gather(runs_in(0.5, ours), runs_in(0.5, theirs))
        assert mine >= 0.5 / PERIOD / 3, mine
        assert apschedulers <= 1, apschedulers
    finally:
        scheduler.shutdown(wait=False)
        await periodic.stop()
    assert not periodic.running


async def test_a_failing_run_is_logged_and_the_next_one_comes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    periodic = Periodic("flaky", PERIOD, flaky)
    periodic.start()
    for _ in range(100):
        if len(calls) >= 3:
            break
        await asyncio.sleep(PERIOD)
    await periodic.stop()
    assert len(calls) >= 3
    assert "periodic job flaky failed" in caplog.text


async def test_a_run_longer_than_the_period_is_followed_at_once_not_piled_up() -> None:
    starts: list[float] = []
    loop = asyncio.get_running_loop()

    async def slow() -> None:
        starts.append(loop.time())
        await asyncio.sleep(PERIOD * 3)

    periodic = Periodic("slow", PERIOD, slow)
    periodic.start()
    await asyncio.sleep(PERIOD * 10)
    await periodic.stop()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert 2 <= len(starts) <= 5
    assert all(gap >= PERIOD * 3 * 0.9 for gap in gaps)  # one at a time, never overlapping
