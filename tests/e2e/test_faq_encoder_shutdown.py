"""The bot closes the FAQ embeddings endpoint's HTTP session when it stops."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from aiohttp import web

from bot.encoders import HttpEncoder
from tests.e2e.conftest import Harness, bot_settings, start_polling
from tgemulator import Emulator


def _vector(text: str) -> list[float]:
    """A fixed pseudo-embedding per text: the test is about the session, not the meaning."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
    return np.random.default_rng(seed).standard_normal(16).tolist()


async def _embeddings(request: web.Request) -> web.Response:
    body = await request.json()
    data = [{"index": i, "embedding": _vector(t)} for i, t in enumerate(body["input"])]
    return web.json_response({"data": data})


async def test_stopping_the_bot_closes_the_embeddings_session(
    emu: Emulator, database_url: str, tmp_path: Path
) -> None:
    app = web.Application()
    app.router.add_post("/v1/embeddings", _embeddings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        settings = bot_settings(
            emu,
            database_url,
            faq_encoder=f"http://127.0.0.1:{port}/v1/embeddings",
            faq_cache_dir=tmp_path,
        )
        harness = Harness(emu, *await start_polling(settings))
        encoder = harness.services.faq.encoder
        assert isinstance(encoder, HttpEncoder)  # the endpoint answered: it is in use
        user = harness.customer(700501)
        await harness.say(user, "/start")  # the bot is up and polling before it is stopped
        session = encoder._session
        assert session is not None and not session.closed
        await harness.stop()
        assert session.closed
    finally:
        await runner.cleanup()
