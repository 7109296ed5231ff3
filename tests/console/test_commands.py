"""The manager commands in Telegram, end to end: /console, /stats and /log."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlmodel import select

from bot.db import transaction
from models import Event, Message, StaffMember
from tests.console.bot import ConsoleHarness, link_in
from tests.e2e.conftest import MANAGER_ID, STAFF_ID, eventually

pytestmark = pytest.mark.timeout(60)


async def test_a_manager_gets_a_one_time_link_without_a_preview(live: ConsoleHarness) -> None:
    reply = await live.link_for(MANAGER_ID)
    link = link_in(reply)
    assert link is not None and link.startswith(live.url + "/login?t=")
    assert "works once" in reply["text"]
    call = live.h.emu.calls_to("sendMessage")[-1]
    assert call.params["link_preview_options"]["is_disabled"] is True
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(link) as page:
            assert page.status == 200
        token = parse_qs(urlsplit(link).query)["t"][0]
        async with http.post(live.url + "/login", data={"t": token}) as signed:
            assert signed.status == 200 and "Conversations" in await signed.text()
        async with http.post(live.url + "/login", data={"t": token}) as again:
            assert again.status == 403


async def test_others_are_refused_politely(live: ConsoleHarness) -> None:
    customer = live.h.customer(710101, "Maria")
    for command in ("/console", "/stats", "/log 710101"):
        reply = await live.h.say(customer, command)
        assert reply["text"] == "Sorry, this command is for managers only."
        assert link_in(reply) is None
    russian = live.h.customer(710102, "Иван", "ru")
    reply = await live.h.say(russian, "/console")
    assert reply["text"] == "Извините, эта команда только для менеджеров."


async def test_staff_members_with_the_manager_role_get_a_link(live: ConsoleHarness) -> None:
    async with transaction(live.h.services.sessions) as session:
        session.add(StaffMember(telegram_id=STAFF_ID, name="Anna", role="manager"))
    assert link_in(await live.link_for(STAFF_ID)) is not None


async def test_stats_today_and_this_week(live: ConsoleHarness) -> None:
    customer = live.h.customer(710103, "Olga")
    await live.h.say(customer, "👤 Talk to a person")

    async def handed() -> bool:
        async with transaction(live.h.services.sessions) as session:
            return (
                await session.exec(select(Event.id).where(Event.kind == "handoff"))
            ).first() is not None

    assert await eventually(handed)
    reply = await live.h.say(MANAGER_ID, "/stats")
    text = reply["text"]
    assert text.startswith("📊 Today") and "📊 This week (since Monday)" in text
    assert "handoffs to a person: 1" in text


async def test_log_sends_the_transcript_as_a_document(live: ConsoleHarness) -> None:
    customer = live.h.customer(710104, "Pavel")
    await live.h.say(customer, "👤 Talk to a person")
    await live.h.emu.send_text(customer, "My order 4711 never came")

    async def logged() -> bool:
        async with transaction(live.h.services.sessions) as session:
            stmt = select(Message.id).where(Message.text == "My order 4711 never came")
            return (await session.exec(stmt)).first() is not None

    assert await eventually(logged)  # the bot handles updates concurrently
    reply = await live.h.say(MANAGER_ID, "/log 710104")
    assert reply["document"]["file_name"] == "log-710104.txt"
    assert reply["caption"] == "Log for 710104: 1 conversation(s)."
    body = live.h.emu.file_bytes(reply["document"]["file_id"]).decode()
    assert "Pavel [customer chat" in body and "My order 4711 never came" in body
    assert "Handed to a person" in body
    assert (await live.h.say(MANAGER_ID, "/log R-999999"))["text"] == "Nothing found for R-999999."
    assert (await live.h.say(MANAGER_ID, "/log"))["text"].startswith("Send /log with")
