"""Service rules end to end: the 3-minute reply rule in seconds, alerts in the right chats."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.db import transaction
from models import Deadline, DeadlineStatus, Event
from tests.e2e.conftest import (
    MANAGER_ID,
    STAFF_ID,
    Harness,
    bot_settings,
    eventually,
    start_polling,
)

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def fast(emu, database_url, monkeypatch):
    """The bot with a 2-second reply promise and a 2-second second alert."""
    monkeypatch.setenv("REPLY_SLA_SECONDS", "2")
    monkeypatch.setenv("SECOND_ALERT_SECONDS", "2")
    services, bot, dp, stop = await start_polling(bot_settings(emu, database_url))
    yield Harness(emu, services, bot, dp, stop)
    await stop()


async def events(h: Harness, kind: str) -> list[Event]:
    async with transaction(h.services.sessions) as session:
        return list((await session.exec(select(Event).where(Event.kind == kind))).all())


async def test_reply_rule_alerts_topic_managers_and_customer(fast: Harness) -> None:
    h = fast
    h.emu.add_user(900003, "Oleg", staff=True)
    await h.emu.staff_send(STAFF_ID, None, "/duty on")
    await h.emu.wait_for_bot_message(h.staff_chat, lambda m: "on duty" in (m.get("text") or ""))
    user = h.customer(720001, "Maria")
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)

    alert = await h.emu.wait_for_bot_message(
        h.staff_chat, lambda m: "waited" in (m.get("text") or ""), thread_id=topic, timeout=8
    )
    mentions = [e for e in alert.get("entities", []) if e["type"] == "text_mention"]
    assert [e["user"]["id"] for e in mentions] == [STAFF_ID]
    manager = await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "Reply promise" in m["text"])
    assert "Reply promise (2 seconds) broken" in manager["text"]  # REPLY_SLA_SECONDS, not "3"
    assert f"/c/{str(h.staff_chat)[4:]}/{topic}" in manager["text"]
    holding = await h.emu.wait_for_bot_message(user, lambda m: "Thank you for waiting" in m["text"])
    assert holding
    louder = await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "STILL" in m["text"], timeout=8)
    assert louder
    # Alerts go out inside the sweeper's transaction: read the events once it has committed.
    assert len(await eventually(lambda: events(h, "reply_breach"))) == 1
    assert len(await eventually(lambda: events(h, "reply_breach_second"))) == 1
    holds = [m for m in h.emu.bot_messages(user) if "Thank you for waiting" in m["text"]]
    assert len(holds) == 1  # one holding message per wait

    await h.emu.staff_send(STAFF_ID, topic, "So sorry, checking now!")
    await h.emu.wait_for_bot_message(user, lambda m: m["text"] == "So sorry, checking now!")
    stopped = await eventually(lambda: events(h, "reply_clock_stopped"))
    assert stopped[0].data["breached"] is True and stopped[0].actor_telegram_id == STAFF_ID


async def test_staff_reply_in_time_stops_the_clock(fast: Harness) -> None:
    h = fast
    user = h.customer(720002)
    await h.say(user, "👤 Talk to a person")
    topic = await h.wait_topic(user)
    await h.emu.staff_send(STAFF_ID, topic, "Hi! Here to help.")
    await h.emu.wait_for_bot_message(user, lambda m: m["text"] == "Hi! Here to help.")
    stopped = await eventually(lambda: events(h, "reply_clock_stopped"))
    assert stopped[0].data["breached"] is False

    async def cancelled() -> list[Deadline] | None:
        async with transaction(h.services.sessions) as session:
            rows = list(
                (await session.exec(select(Deadline).where(Deadline.kind == "reply_sla"))).all()
            )
        return rows if rows and all(r.status == DeadlineStatus.CANCELLED for r in rows) else None

    assert await eventually(cancelled)
    with pytest.raises(TimeoutError):
        await h.emu.wait_for_bot_message(
            MANAGER_ID, lambda m: "Reply promise" in m["text"], timeout=3
        )


async def test_breach_alerts_once_when_the_customer_blocked_the_bot(fast: Harness) -> None:
    h = fast
    user = h.customer(720003, "Gone")
    await h.say(user, "👤 Talk to a person")
    await h.wait_topic(user)
    await h.emu.block_bot(user)
    await h.emu.wait_for_bot_message(MANAGER_ID, lambda m: "Reply promise" in m["text"], timeout=8)
    await asyncio.sleep(1.5)  # a failed action would be retried by the next sweeps
    alerts = [m for m in h.emu.bot_messages(MANAGER_ID) if "Reply promise" in m["text"]]
    assert len(alerts) == 1
    assert len(await eventually(lambda: events(h, "reply_breach"))) == 1
