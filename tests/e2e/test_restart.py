"""A deadline written before the bot is killed fires exactly once after it restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.db import create_sessionmaker, transaction
from models import Deadline, DeadlineStatus, Direction, Event, Message
from tests.conftest import ROOT
from tests.e2e.conftest import MANAGER_ID, eventually
from tgemulator import Emulator

pytestmark = pytest.mark.timeout(240)


def launch(emu: Emulator, database_url: str) -> subprocess.Popen[bytes]:
    """Start `python -m bot run` against the emulator as a separate process."""
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.api_url,
        "DATABASE_URL": database_url,
        "STAFF_CHAT_ID": str(emu.group_id),
        "MANAGER_IDS": str(MANAGER_ID),
        "CONTENT_DIR": str(ROOT / "content"),
        "REPLY_SLA_SECONDS": "3",
        "SECOND_ALERT_SECONDS": "3600",
        "SWEEP_INTERVAL_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
        "CONSOLE_PORT": "0",  # the console has its own tests; keep ports free
    }
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT)


async def test_deadline_fires_once_after_a_kill_and_restart(
    emu: Emulator, engine, database_url
) -> None:
    sessions = create_sessionmaker(engine)
    since = len(emu.calls)
    first = launch(emu, database_url)
    try:
        await emu.wait_for_call("getUpdates", timeout=120, since=since)
        emu.add_user(740001, "Maria", language_code="en")
        await emu.send_text(740001, "👤 Talk to a person")
        await emu.wait_for_bot_message(
            740001, lambda m: "passed your conversation" in m["text"], timeout=30
        )
        await emu.wait_until_delivered(timeout=30)

        async def written() -> Deadline | None:
            async with transaction(sessions) as session:
                stmt = select(Deadline).where(Deadline.kind == "reply_sla")
                return (await session.exec(stmt)).first()

        assert await eventually(written, timeout=10)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    await asyncio.sleep(4)  # the promise falls due while the bot is down
    assert not [m for m in emu.bot_messages(MANAGER_ID) if "Reply promise" in m["text"]]

    second = launch(emu, database_url)
    try:
        await emu.wait_for_bot_message(
            MANAGER_ID, lambda m: "Reply promise" in m["text"], timeout=120
        )
        await asyncio.sleep(2)  # would a second sweep fire it again?
        alerts = [m for m in emu.bot_messages(MANAGER_ID) if "Reply promise" in m["text"]]
        assert len(alerts) == 1
        async with transaction(sessions) as session:
            deadline = (
                await session.exec(select(Deadline).where(Deadline.kind == "reply_sla"))
            ).one()
            breaches = (await session.exec(select(Event).where(Event.kind == "reply_breach"))).all()
        assert deadline.status == DeadlineStatus.FIRED and deadline.attempts == 1
        assert len(breaches) == 1
    finally:
        second.terminate()
        second.wait(timeout=30)


async def test_a_stopped_bot_finishes_the_updates_it_started(
    emu: Emulator, engine: AsyncEngine, database_url: str
) -> None:
    sessions = create_sessionmaker(engine)
    since = len(emu.calls)
    bot = launch(emu, database_url)
    user = 740101
    try:
        await emu.wait_for_call("getUpdates", timeout=120, since=since)
        emu.add_user(user, "Olga", language_code="en")
        await emu.send_text(user, "/start")
        await emu.wait_for_bot_message(user, timeout=30)
        # The answer is slow to reach Telegram; the bot is told to stop meanwhile (a deploy).
        slow = emu.inject_fault("sendMessage", "slow", count=1, delay=2.0)
        await emu.send_text(user, "How long does delivery take?")

        async def answer_in_flight() -> bool:
            return slow not in emu.faults.active()

        assert await eventually(answer_in_flight, timeout=30)
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bot.wait, 60) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=30)
    # It stopped only after the update was done: the answer went out and was logged.
    assert len(emu.bot_messages(user)) == 2
    async with transaction(sessions) as session:
        rows = await session.exec(
            select(Message).where(Message.chat_id == user, Message.direction == Direction.OUT)
        )
        logged = rows.all()
    assert len(logged) == 2, [m.text for m in logged]
