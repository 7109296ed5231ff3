"""The database goes away for a few seconds while customers write: nothing is lost or doubled.

On PostgreSQL the bot talks to the server through a TCP proxy that the test cuts (live
connections dropped, new ones refused) and restores. On SQLite another connection holds the
write lock for longer than the bot's busy timeout, as a backup or a manual session would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import factory, runner
from bot.db import transaction
from bot.telegram import webhook
from models import Deadline, DeadlineStatus, Direction, Event, Message
from tests.conftest import database_backend
from tests.e2e.conftest import (
    MANAGER_ID,
    STAFF_ID,
    FakeClock,
    Harness,
    bot_settings,
    eventually,
    start_polling,
    start_webhook,
)
from tests.e2e.faults import TcpProxy, proxied, shorten_busy_timeout, sqlite_write_lock
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(90)
NOON = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 12:00 in Moscow
OUTAGE_SECONDS = 5.0
on_postgresql = pytest.mark.skipif(
    database_backend() != "postgresql",
    reason="cuts a TCP connection to PostgreSQL; set DATABASE_URL=postgresql+asyncpg://...",
)


@dataclass
class Outage:
    """Make the bot's database unavailable, the way this backend fails in real life."""

    database_url: str  # the database itself, not through the proxy
    proxy: TcpProxy | None

    @contextlib.asynccontextmanager
    async def down(self) -> AsyncIterator[None]:
        """The database is unreachable inside the block."""
        if self.proxy is not None:
            await self.proxy.cut()
            try:
                yield
            finally:
                await self.proxy.restore()
            return
        async with sqlite_write_lock(self.database_url):
            yield


@contextlib.asynccontextmanager
async def fragile_database(database_url: str) -> AsyncIterator[tuple[str, Outage]]:
    """Yield the URL the bot should use and the outage that applies to it."""
    if database_backend() == "postgresql":
        async with proxied(database_url) as (proxy, through):
            yield through, Outage(database_url, proxy)
    else:
        yield database_url, Outage(database_url, None)


@pytest.fixture(autouse=True)
def quick_to_give_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite, the bot gives up on a locked file after 1 s instead of 30 s."""
    if database_backend() != "sqlite":
        return
    original = factory.create_engine

    def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
        engine = original(url, **kwargs)
        shorten_busy_timeout(engine, 1000)
        return engine

    monkeypatch.setattr(factory, "create_engine", create_engine)


@pytest.fixture
async def outage(emu: Emulator, database_url: str) -> AsyncIterator[tuple[Harness, Outage]]:
    """The bot polling on a clock the test moves, with a database the test can take away."""
    clock = FakeClock(NOON)
    async with fragile_database(database_url) as (url, fault):
        services, bot, dp, stop = await start_polling(bot_settings(emu, url), clock)
        harness = Harness(emu, services, bot, dp, stop, {"clock": clock})
        try:
            yield harness, fault
        finally:
            await stop()


async def until(check: Callable[[], bool], timeout: float = 30) -> bool:
    """Wait until a plain condition on the emulator's state holds."""

    async def probe() -> bool:
        return check()

    return bool(await eventually(probe, timeout))


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def copies(h: Harness, user: int) -> list[str]:
    """Texts the bot put in the customer's staff topic, in order."""
    return [text_of(m) for m in h.emu.bot_messages(h.staff_chat, h.topic_id(user))]


def alerts(h: Harness, user: int) -> list[str]:
    """The managers' broken-promise alerts about one customer."""
    return [
        text_of(m)
        for m in h.emu.bot_messages(MANAGER_ID)
        if "Reply promise" in text_of(m) and f"id {user}" in text_of(m)
    ]


async def stored_inbound(sessions: Any, user: int) -> list[str]:
    """The customer's messages stored in the database, in order of arrival."""
    async with transaction(sessions) as session:
        rows = await session.exec(
            select(Message)
            .where(Message.chat_id == user, Message.direction == Direction.IN)
            .order_by(col(Message.telegram_message_id))
        )
        return [m.text or "" for m in rows.all()]


async def hand_over(h: Harness, users: list[int]) -> None:
    """Each customer asks for a person and waits in their topic; the 3-minute clock runs."""
    for user in users:
        await h.say(user, "👤 Talk to a person")
        await h.wait_topic(user)

    async def promised() -> bool:
        async with transaction(h.services.sessions) as session:
            pending = await session.exec(
                select(func.count()).where(
                    Deadline.kind == "reply_sla", Deadline.status == DeadlineStatus.PENDING
                )
            )
            return pending.one() == len(users)

    assert await eventually(promised)


async def test_customers_keep_writing_through_a_database_outage(
    outage: tuple[Harness, Outage], sessions: async_sessionmaker[AsyncSession]
) -> None:
    h, fault = outage
    clock: FakeClock = h.extra["clock"]
    # Two customers in a live conversation (staff answered them), one still waiting for staff.
    talking = [h.customer(760001 + i, f"Talk{i}") for i in range(2)]
    waiting = h.customer(760010, "Waiting")
    await hand_over(h, [*talking, waiting])
    for user in talking:
        mark = h.emu.mark()
        await h.emu.staff_send(STAFF_ID, h.topic_id(user), "Hello, how can I help?")
        await h.emu.wait_for_bot_message(user, since=mark)
    assert await until_pending_replies(h, 1)
    written = {user: [f"message {n} from {user}" for n in range(3)] for user in talking}
    before = {user: len(copies(h, user)) for user in talking}

    async with fault.down():
        for n in range(3):
            for user in talking:
                await h.emu.send_text(user, written[user][n])
        clock.advance(seconds=200)  # the waiting customer's 3 minutes run out meanwhile
        await asyncio.sleep(OUTAGE_SECONDS)
        # The fault is real: nothing could be handled or fired meanwhile.
        assert {user: len(copies(h, user)) for user in talking} == before
        assert not alerts(h, waiting)
    # Time goes on: the outbox's backoff for anything it could not send meanwhile runs out.
    clock.advance(seconds=30)

    def all_relayed() -> bool:
        return all(set(written[u]) <= set(copies(h, u)) for u in talking)

    assert await until(all_relayed, timeout=60), {u: copies(h, u) for u in talking}
    assert await until(lambda: bool(alerts(h, waiting)))

    # The bot works again: a new customer is greeted, staff reach the waiting one.
    hello = await h.say(h.customer(760099, "Late"), "/start")
    assert hello["text"].startswith("Hello, Late")
    mark = h.emu.mark()
    await h.emu.staff_send(STAFF_ID, h.topic_id(waiting), "We are here, sorry for the wait")
    answer = await h.emu.wait_for_bot_message(
        waiting, lambda m: text_of(m) == "We are here, sorry for the wait", since=mark
    )
    assert answer
    await asyncio.sleep(1)  # a few more sweeps: would the deadline fire twice?

    for user in talking:
        relayed = [t for t in copies(h, user) if t.startswith("message ")]
        assert relayed == written[user], f"each once and in order in the topic of {user}"
        assert (await stored_inbound(sessions, user))[-3:] == written[user]
        assert not alerts(h, user)
    assert len(alerts(h, waiting)) == 1
    holding = [m for m in h.emu.bot_messages(waiting) if "Thank you for waiting" in text_of(m)]
    assert len(holding) == 1
    async with transaction(sessions) as session:
        rows = (await session.exec(select(Deadline).where(Deadline.kind == "reply_sla"))).all()
        breaches = (await session.exec(select(Event).where(Event.kind == "reply_breach"))).all()
    fired = [d for d in rows if d.status == DeadlineStatus.FIRED]
    assert len(fired) == 1 and fired[0].attempts == 1, [(d.status, d.attempts) for d in rows]
    assert len(breaches) == 1


@pytest.fixture
def three_polling_slots(monkeypatch: pytest.MonkeyPatch) -> int:
    """Let the polling bot handle only three updates at a time (before it starts)."""
    monkeypatch.setattr(runner, "POLLING_CONCURRENCY", 3)
    return 3


async def test_through_an_outage_polling_leaves_what_it_cannot_handle_at_telegram(
    three_polling_slots: int,
    outage: tuple[Harness, Outage],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    h, fault = outage
    await h.say(h.customer(770000, "First"), "/start")  # the bot is up and polling
    users = [h.customer(770001 + i, f"Queue{i}") for i in range(2 * three_polling_slots)]
    async with fault.down():
        for user in users:
            await h.emu.send_text(user, f"question from {user}")
        await asyncio.sleep(OUTAGE_SECONDS)
        # Three updates wait inside the bot for the database; it fetched no more, so the
        # rest are still unconfirmed at Telegram, which would deliver them after a restart.
        assert len(h.emu.pending_updates()) >= three_polling_slots
        assert not any(h.emu.bot_messages(user) for user in users)

    def all_answered() -> bool:
        return all(h.emu.bot_messages(user) for user in users)

    assert await until(all_answered, timeout=60)
    assert await until(lambda: not h.emu.pending_updates())
    for user in users:  # each message kept once
        assert await stored_inbound(sessions, user) == [f"question from {user}"]


async def until_pending_replies(h: Harness, count: int) -> bool:
    """Wait until exactly `count` 3-minute promises are pending (staff replies committed)."""

    async def pending() -> bool:
        async with transaction(h.services.sessions) as session:
            rows = await session.exec(
                select(func.count()).where(
                    Deadline.kind == "reply_sla", Deadline.status == DeadlineStatus.PENDING
                )
            )
            return rows.one() == count

    return bool(await eventually(pending))


async def cut_during(
    h: Harness, fault: Outage, method: str, act: Callable[[], Awaitable[Any]]
) -> None:
    """Take the database away for 3 s while the next `method` call, made slow, is in flight."""
    # The call succeeds; the transaction around it cannot commit.
    slow = h.emu.inject_fault(method, "slow", count=1, delay=1.5)
    await act()
    assert await until(lambda: slow not in h.emu.faults.active(), timeout=10)
    async with fault.down():
        await asyncio.sleep(3)


@on_postgresql
async def test_a_connection_cut_mid_update_is_retried_without_repeating_sends(
    outage: tuple[Harness, Outage], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Telegram got a call, then the commit failed: the retry must not make the call again."""
    h, fault = outage
    user = h.customer(761001, "Mid")
    connecting = "I've passed your conversation to our staff"
    # The handoff committed and its answer went out, then the database went away before the
    # answer was recorded: the record waits and is written once, when the database is back.
    await cut_during(h, fault, "sendMessage", lambda: h.emu.send_text(user, "👤 Talk to a person"))
    assert await until_pending_replies(h, 1)  # the retry committed the handoff
    await h.wait_topic(user)
    # The outbox copied a message into the topic, then could not record that it had.
    await cut_during(h, fault, "copyMessage", lambda: h.emu.send_text(user, "my parcel is late"))
    assert await until(lambda: "my parcel is late" in copies(h, user))
    clock: FakeClock = h.extra["clock"]
    clock.advance(seconds=30)  # past the outbox's backoff for the message it could not mark

    async def copy_logged() -> bool:
        return bool(await logged_out(sessions, "my parcel is late"))

    assert await eventually(copy_logged)
    await h.say(user, "/start")  # handled after both: the customer's updates are in order
    await asyncio.sleep(1)  # a few more outbox rounds: would the copy be sent again?

    answers = [m for m in h.emu.bot_messages(user) if text_of(m).startswith(connecting)]
    assert len(answers) == 1
    assert len(h.emu.topics()) == 1
    assert len([t for t in copies(h, user) if "Why here" in t]) == 1  # the staff card
    assert copies(h, user).count("my parcel is late") == 1
    assert len(h.emu.calls_to("copyMessage")) == 1
    assert "my parcel is late" in await stored_inbound(sessions, user)
    # Each logged once, by the attempt that committed.
    assert [m.chat_id for m in await logged_out(sessions, "my parcel is late")] == [h.staff_chat]
    assert [m.chat_id for m in await logged_out(sessions, connecting, prefix=True)] == [user]


async def logged_out(
    sessions: async_sessionmaker[AsyncSession], text: str, prefix: bool = False
) -> list[Message]:
    """Messages the bot sent with this text (or text prefix), as the outbound log has them."""
    condition = col(Message.text).startswith(text) if prefix else col(Message.text) == text
    async with transaction(sessions) as session:
        rows = await session.exec(
            select(Message).where(Message.direction == Direction.OUT, condition)
        )
        return list(rows.all())


@on_postgresql
async def test_a_connection_cut_while_a_deadline_fires_alerts_once(
    outage: tuple[Harness, Outage], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The 3-minute promise broke and its messages were being sent when the database went away."""
    h, fault = outage
    clock: FakeClock = h.extra["clock"]
    user = h.customer(763001, "Sweep")
    await hand_over(h, [user])
    # The next message the bot sends is one of the three the fired deadline queued.
    await cut_during(h, fault, "sendMessage", lambda: _advance(clock, 200))
    clock.advance(seconds=30)  # past the outbox's backoff for anything it could not send
    assert await until(lambda: bool(alerts(h, user)))
    await asyncio.sleep(1)  # a few more sweeps: would the deadline fire again?

    holding = [m for m in h.emu.bot_messages(user) if "Thank you for waiting" in text_of(m)]
    assert len(holding) == 1
    assert len(alerts(h, user)) == 1
    assert len([t for t in copies(h, user) if "without an answer" in t]) == 1  # topic alert
    async with transaction(sessions) as session:
        rows = (await session.exec(select(Deadline).where(Deadline.kind == "reply_sla"))).all()
        breaches = (await session.exec(select(Event).where(Event.kind == "reply_breach"))).all()
    assert [(d.status, d.attempts) for d in rows] == [(DeadlineStatus.FIRED, 1)]
    assert len(breaches) == 1


async def _advance(clock: FakeClock, seconds: float) -> None:
    clock.advance(seconds=seconds)


async def test_webhook_answers_503_until_the_update_can_be_stored(
    emu: Emulator, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update the webhook cannot store is refused, and Telegram delivers it again."""
    monkeypatch.setattr(webhook, "STORE_SECONDS", 0.5)
    async with fragile_database(database_url) as (url, fault):
        h = await start_webhook(emu, url)
        try:
            user = h.customer(762001, "Hook")
            await h.say(user, "👤 Talk to a person")
            await h.wait_topic(user)
            # The handoff's update is acknowledged only once its answers are sent and logged:
            # an outage cutting into that log would hold it, and the next update behind it.
            assert await until(lambda: not emu.pending_updates())
            async with fault.down():
                await emu.send_text(user, "hello through the webhook")

                def refused() -> bool:
                    error = emu.world.webhook.last_error_message or ""
                    return "503" in error

                assert await until(refused, timeout=20), (
                    "the webhook acknowledged an update it lost"
                )
            assert await until(lambda: "hello through the webhook" in copies(h, user))
            await h.say(user, "/start")
            assert copies(h, user).count("hello through the webhook") == 1
        finally:
            await h.stop()
