"""Photos in the transcript come from Telegram through getFile, via the console's own route."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.console.files import sniff_type
from bot.console.server import create_console_app
from models import Message, Ticket
from tests.console.conftest import sign_in
from tests.console.helpers import app_settings, console_config
from tests.console.world import World
from tgemulator import Emulator


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator()
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def media_client(engine, database_url, clock, emulator: Emulator):
    settings = app_settings(database_url, emulator.api_url, emulator.token)
    app = create_console_app(settings, engine, console_config(), clock)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_photo_is_fetched_from_telegram(
    media_client, emulator: Emulator, sessions, world: World
) -> None:
    emulator.add_user(710002, "Ivan")
    sent = await emulator.send_photo(710002, caption="вот фото")
    file_id = sent["photo"][-1]["file_id"]
    async with sessions() as session:
        message = await session.get(Message, world.photo_message)
        message.file_ids = [file_id]
        ticket = await session.get(Ticket, world.return_ticket)
        ticket.photo_file_ids = [file_id]
        await session.commit()
    await sign_in(media_client)
    for path in (
        f"/media/message/{world.photo_message}/0",
        f"/media/ticket/{world.return_ticket}/0",
    ):
        response = await media_client.get(path)
        assert response.status == 200
        assert await response.read() == emulator.file_bytes(file_id)
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline")


async def test_missing_and_unavailable_files(media_client, world: World) -> None:
    await sign_in(media_client)
    assert (await media_client.get(f"/media/message/{world.photo_message}/1")).status == 404
    assert (await media_client.get("/media/message/99999/0")).status == 404
    # The world's photo id is unknown to Telegram: the page says so, the token stays hidden.
    unknown = await media_client.get(f"/media/message/{world.photo_message}/0")
    assert unknown.status == 502
    assert "Emulator" not in await unknown.text() and "bot" not in await unknown.text()


def test_content_types_are_sniffed_not_trusted() -> None:
    assert sniff_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert sniff_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_type(b"%PDF-1.4") == "application/pdf"
    assert sniff_type(b"<svg onload=alert(1)>") == "application/octet-stream"
