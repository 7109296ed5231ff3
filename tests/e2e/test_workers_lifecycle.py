"""`python -m bot webhook --workers 2`: the workers stop with their parent, however it ends."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import MANAGER_ID, free_port
from tgemulator import Emulator

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; the workers ask Linux"),
]


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (orphans may wait long to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _listeners(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port."""
    local = f"0100007F:{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1] == local and line.split()[3] == "0A")


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


async def _until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout} s")
        await asyncio.sleep(0.1)


async def _start_two_workers(
    emu: Emulator, tmp_path: Path
) -> tuple[subprocess.Popen[bytes], int, list[int], Path]:
    """Start the webhook with two workers on SQLite; return it, its port, its children, its log."""
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": emu.token,
        "TELEGRAM_API_URL": emu.api_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "STAFF_CHAT_ID": str(emu.group_id),
        "MANAGER_IDS": str(MANAGER_ID),
        "CONTENT_DIR": str(ROOT / "content"),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": "workers-" + uuid.uuid4().hex,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        # Required with several workers; nothing here reaches Redis (no update is handled).
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15",
        "LOG_LEVEL": "INFO",
        "CONSOLE_PORT": "0",
    }
    log = tmp_path / "webhook.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "webhook", "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        await emu.wait_for_call("setWebhook", timeout=90)
        await _until(lambda: _listeners(port) == 2, 90, "two workers listening")
    except BaseException:
        process.kill()
        process.wait(10)
        raise
    return process, port, _children(process.pid), log


def _end(process: subprocess.Popen[bytes], children: list[int]) -> None:
    """Leave nothing running whatever the test found."""
    for pid in [process.pid, *children]:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)


async def test_workers_stop_when_the_parent_is_killed(emu: Emulator, tmp_path: Path) -> None:
    process, port, children, log = await _start_two_workers(emu, tmp_path)
    try:
        assert children  # the second worker (and perhaps multiprocessing's resource tracker)
        process.kill()  # SIGKILL: the parent runs no clean-up at all
        process.wait(10)
        await _until(lambda: not any(_alive(pid) for pid in children), 30, "workers gone")
        assert _listeners(port) == 0
        assert "webhook worker 1 stopping" in log.read_text()  # SIGTERM from Linux: clean
    finally:
        _end(process, children)


async def test_sigterm_stops_the_parent_and_its_workers_cleanly(
    emu: Emulator, tmp_path: Path
) -> None:
    process, port, children, log = await _start_two_workers(emu, tmp_path)
    try:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
        # multiprocessing's resource tracker leaves a moment after its parent: wait, briefly.
        await _until(lambda: not any(_alive(pid) for pid in children), 10, "workers gone")
        assert _listeners(port) == 0
        text = log.read_text()
        assert "webhook worker 0 stopping" in text and "webhook worker 1 stopping" in text
        assert "Traceback" not in text
    finally:
        _end(process, children)
