"""Cluster mode: several webhook workers behind one port, sharing PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT, database_backend
from tests.e2e.conftest import MANAGER_ID, free_port
from tgemulator import Emulator

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        database_backend() != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="cluster mode needs DATABASE_URL on PostgreSQL and REDIS_URL",
    ),
]


async def test_two_workers_share_one_webhook_port(emu: Emulator, engine, database_url) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.api_url,
        "DATABASE_URL": database_url,
        "STAFF_CHAT_ID": str(emu.group_id),
        "MANAGER_IDS": str(MANAGER_ID),
        "CONTENT_DIR": str(ROOT / "content"),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": "cluster-" + uuid.uuid4().hex,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "CONSOLE_PORT": "0",  # the console has its own tests; keep ports free
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "webhook", "--workers", "2"], env=env, cwd=ROOT
    )
    try:
        await emu.wait_for_call("setWebhook", timeout=120)
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) >= 1  # the second worker runs beside the first
        await asyncio.sleep(5)  # let the spawned worker finish importing and listen too
        users = list(range(750001, 750021))
        for user in users:
            emu.add_user(user, f"C{user}", language_code="en")
            await emu.send_text(user, "/start")
        for user in users:
            reply = await emu.wait_for_bot_message(user, timeout=60)
            assert reply["text"].startswith(f"Hello, C{user}!")
        assert emu.rejected_calls == []
    finally:
        process.terminate()
        process.wait(timeout=30)
