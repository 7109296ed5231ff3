"""Faults at process level: the real CLI in a subprocess, killed or starved, against the emulator.

Each run starts a fresh emulator and database, puts five customers in a conversation with
staff, sends a burst (each customer several messages at once) and applies one fault: a
SIGKILL some milliseconds after the burst and a restart (polling or webhook), a full disk, a
read-only database, or a 70-second database outage under the webhook (Telegram's redelivery
is the emulator's: an update is posted again until the webhook answers 2xx). Then it counts,
for every customer message, the copies stored in the database and relayed to the staff topic,
and checks that every deadline that fell due fired once.

Used by tests/e2e/test_chaos.py (one run per fault) and scripts/chaos.py (N runs, a table).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from bot.db import create_engine, create_sessionmaker, transaction
from models import Deadline, DeadlineStatus, Direction, Event, Message, OutboxMessage
from models.inbox_update import InboxUpdate
from tests.e2e.faults import TcpProxy
from tgemulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
STAFF_ID = 900001
MANAGER_ID = 900002
CUSTOMERS = 5
BURST = 5
KILL_DELAYS_MS = (0, 20, 50, 100, 300)
OUTAGE_SECONDS = 70.0
HOLD_SECONDS = 6.0  # how long a full disk or a read-only file lasts
SETTLE_SECONDS = 60.0
FAULTS = (
    *(f"kill-polling-{ms}ms" for ms in KILL_DELAYS_MS),
    *(f"kill-webhook-{ms}ms" for ms in KILL_DELAYS_MS),
    "disk-full",
    "read-only",
    "outage-webhook-70s",
)


class Skip(Exception):
    """The fault cannot be staged here (no tmpfs, no chattr, not this backend)."""


@dataclass
class Tally:
    """What one run of a fault left behind."""

    fault: str
    sent: int = 0
    stored: int = 0  # customer messages stored at least once
    relayed: int = 0  # customer messages copied to the staff topic at least once
    lost: int = 0  # not stored or not relayed
    duplicated: int = 0  # extra stored rows (never allowed) plus extra copies in the topic
    stored_twice: int = 0
    topic_extra: int = 0  # extra copies in the staff topics, all customers together
    kills: int = 0
    deadlines_due: int = 0
    deadlines_unfired: int = 0
    alerts_extra: int = 0  # manager alerts beyond one per fired deadline
    alerts_missing: int = 0  # fired deadlines whose manager alert never came
    refused: bool = False  # the fault bit: something was refused or not confirmed meanwhile
    notes: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """What breaks the promise: a loss, a stored duplicate, too many copies, a missed alert."""
        found = []
        if self.lost:
            found.append(f"{self.lost} message(s) lost")
        if self.stored_twice:
            found.append(f"{self.stored_twice} message(s) stored twice")
        # A kill can catch the staff group's one send in flight between Telegram's answer and
        # the commit of "sent": one copy again per kill, never more.
        if self.topic_extra > self.kills:
            found.append(f"{self.topic_extra} extra copies in the topics for {self.kills} kill(s)")
        if self.deadlines_unfired:
            found.append(f"{self.deadlines_unfired} due deadline(s) not fired")
        if self.alerts_extra > self.kills:
            found.append(f"{self.alerts_extra} extra alert(s) for {self.kills} kill(s)")
        if self.alerts_missing:
            found.append(f"{self.alerts_missing} fired deadline(s) without a manager alert")
        return found


class BotProcess:
    """`python -m bot run` or `python -m bot webhook` in a subprocess, logging to a file."""

    def __init__(self, emu: Emulator, database_url: str, mode: str, log: Path) -> None:
        self.emu = emu
        self.mode = mode
        self.log = log
        self.port = _free_port()
        self.env = {
            **os.environ,
            "BOT_TOKEN": emu.token,
            "TELEGRAM_API_URL": emu.api_url,
            "DATABASE_URL": database_url,
            "STAFF_CHAT_ID": str(emu.group_id),
            "MANAGER_IDS": str(MANAGER_ID),
            "CONTENT_DIR": str(ROOT / "content"),
            "WORKING_HOURS": "mon-sun 00:00-24:00",
            "TIMEZONE": "Europe/Moscow",
            "REPLY_SLA_SECONDS": "3",
            "SECOND_ALERT_SECONDS": "3600",
            "SWEEP_INTERVAL_SECONDS": "0.2",
            "RATE_LIMIT_CHAT": "1000/second",
            "RATE_LIMIT_GROUP": "1000/second",
            "RATE_LIMIT_OVERALL": "100000/second",
            "LOG_LEVEL": os.environ.get("CHAOS_LOG_LEVEL", "WARNING"),
            "CONSOLE_PORT": "0",
            "WEBHOOK_URL": f"http://127.0.0.1:{self.port}",
            "WEBHOOK_SECRET": "chaos-" + uuid.uuid4().hex,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(self.port),
        }
        self.env.pop("REDIS_URL", None)  # one process: FSM state in memory
        self.process: subprocess.Popen[bytes] | None = None
        self._migrated = False

    async def start(self) -> None:
        """Launch the bot and wait until it asks Telegram for updates (or sets its webhook)."""
        if not self._migrated and not self.env["DATABASE_URL"].startswith("sqlite"):
            # Only the embedded database migrates itself at start-up.
            with self.log.open("ab") as out:
                migrate = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "migrate",
                    env=self.env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
                if await migrate.wait() != 0:
                    raise RuntimeError(f"python -m bot migrate failed; see {self.log}")
        self._migrated = True
        since = len(self.emu.calls)
        # A killed process's long poll is recorded when it ends, after this launch: only a
        # call begun after the launch says this process is up.
        launched = time.time()
        command = "run" if self.mode == "polling" else "webhook"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", command],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        ready = "getUpdates" if self.mode == "polling" else "setWebhook"
        await self.emu.wait_for_call(
            ready, lambda call: call.timestamp >= launched, timeout=120, since=since
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, nothing."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    async def stop(self) -> None:
        """SIGTERM and wait; SIGKILL if it does not stop."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        for _ in range(300):
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        else:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process is not None and self.process.poll() is None


def _die_with_parent() -> None:
    """In the child: be killed when the harness dies, so an aborted run leaves no bot polling."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _database(
    server_url: str | None, directory: Path, tablespace: Path | None = None
) -> AsyncIterator[str]:
    """A fresh database: a SQLite file in `directory` (or `tablespace`), or a new database on
    the server (in a tablespace at `tablespace`, when given: a full disk for PostgreSQL)."""
    if not server_url:
        yield f"sqlite+aiosqlite:///{(tablespace or directory) / 'bot.db'}"
        return
    name = "chaos_" + uuid.uuid4().hex[:12]
    admin = create_engine(server_url.replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            where = ""
            if tablespace is not None:
                await conn.execute(text(f"CREATE TABLESPACE \"{name}\" LOCATION '{tablespace}'"))
                where = f' TABLESPACE "{name}"'
            await conn.execute(text(f'CREATE DATABASE "{name}"{where}'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if tablespace is not None:
                await conn.execute(text(f'DROP TABLESPACE IF EXISTS "{name}"'))
        await admin.dispose()


@contextlib.contextmanager
def _tmpfs(directory: Path, size: str) -> Any:
    """Mount a small tmpfs on `directory`, or raise Skip where mounting is not permitted."""
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def _fill(directory: Path) -> Path:
    """Fill the filesystem to the last byte with one file; return it."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return filler


def _complained(log: Path) -> bool:
    """Whether the bot said it could not store or handle updates (its one ERROR line)."""
    said = log.read_text(errors="replace")
    return "cannot store incoming updates" in said or "stored updates cannot be handled" in said


def _chattr(flag: str, paths: list[Path]) -> None:
    done = subprocess.run(
        ["chattr", flag, *map(str, paths)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Skip(f"chattr {flag} is not possible here ({done.stderr.strip()})")


class World:
    """The emulator, the customers and what the bot did with their messages."""

    def __init__(self, emu: Emulator, database_url: str) -> None:
        self.emu = emu
        self.database_url = database_url
        self.customers = [760001 + i for i in range(CUSTOMERS)]
        self.sent: list[tuple[int, str]] = []

    async def hand_over(self) -> None:
        """Each customer asks for a person; staff answer in the topic: a conversation."""
        emu = self.emu
        for user in self.customers:
            emu.add_user(user, f"Chaos{user % 100}", language_code="en")
            mark = emu.mark()
            await emu.send_text(user, "👤 Talk to a person")
            await emu.wait_for_bot_message(user, since=mark, timeout=60)
        mark = emu.mark()
        for user in self.customers:
            thread = await self._topic(user)
            await emu.staff_send(STAFF_ID, thread, f"Hello {user}, how can I help?")
        await emu.wait_until_delivered(timeout=60)
        for user in self.customers:  # the staff answer reached the customer
            await emu.wait_for_bot_message(user, since=mark, timeout=60)

    async def _topic(self, user: int) -> int:
        for _ in range(600):
            for topic in self.emu.topics():
                if topic["name"].endswith(f"· {user}"):
                    return int(topic["message_thread_id"])
            await asyncio.sleep(0.1)
        raise AssertionError(f"no topic for {user}")

    async def burst(self, per_customer: int = BURST, size: int = 0, tag: str = "m") -> None:
        """Every customer sends `per_customer` messages at once (interleaved, as they arrive)."""
        pad = "x" * max(size - 40, 0)
        texts = [
            (user, f"{tag}{i} from {user} {uuid.uuid4().hex[:8]} {pad}".strip())
            for i in range(per_customer)
            for user in self.customers
        ]
        await asyncio.gather(*(self.emu.send_text(user, body) for user, body in texts))
        self.sent += texts

    def relayed(self) -> Counter[str]:
        """Texts copied into the customers' topics, counted."""
        found: Counter[str] = Counter()
        for topic in self.emu.topics():
            thread = int(topic["message_thread_id"])
            for message in self.emu.bot_messages(self.emu.group_id, thread):
                found[message.get("text") or message.get("caption") or ""] += 1
        return found

    async def stored(self) -> Counter[str]:
        """Customer messages stored in the database, counted."""
        engine = create_engine(self.database_url)
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                rows = await session.exec(
                    select(Message.text).where(
                        Message.direction == Direction.IN,
                        col(Message.chat_id).in_(self.customers),
                    )
                )
                return Counter(t or "" for t in rows.all())
        finally:
            await engine.dispose()

    async def deadlines(self) -> tuple[int, int, int]:
        """(fired, due but still pending, breach events) for the reply clocks."""
        engine = create_engine(self.database_url)
        now = datetime.now(UTC)
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                rows = (
                    await session.exec(select(Deadline).where(Deadline.kind == "reply_sla"))
                ).all()
                breaches = (
                    await session.exec(select(Event).where(Event.kind == "reply_breach"))
                ).all()
        finally:
            await engine.dispose()
        fired = sum(1 for d in rows if d.status == DeadlineStatus.FIRED)
        # Due a few seconds ago and still pending: the sweeper (every 0.2 s) missed it.
        late = sum(
            1
            for d in rows
            if d.status == DeadlineStatus.PENDING and d.due_at < now - timedelta(seconds=3)
        )
        return fired, late, len(breaches)

    def alerts(self) -> int:
        """The managers' broken-promise alerts."""
        return sum(
            1
            for m in self.emu.bot_messages(MANAGER_ID)
            # Texts queued together to one chat go out as one message: count each alert.
            for _ in range((m.get("text") or "").count("⏱ Reply promise (3 seconds) broken"))
        )

    async def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until every sent message is stored and relayed, then a little longer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            relayed, stored = self.relayed(), await self.stored()
            if all(relayed[t] and stored[t] for _, t in self.sent):
                break
            await asyncio.sleep(0.25)
        # Would anything come twice? And the burst's reply clocks (3 s) fall due meanwhile.
        await asyncio.sleep(4.5)

    async def tally(self, fault: str, kills: int) -> Tally:
        """Count what was kept, lost and doubled."""
        relayed, stored = self.relayed(), await self.stored()
        result = Tally(fault, sent=len(self.sent), kills=kills)
        for _user, body in self.sent:
            result.topic_extra += max(relayed[body] - 1, 0)
            result.stored += stored[body] > 0
            result.relayed += relayed[body] > 0
            result.lost += not (stored[body] and relayed[body])
            result.stored_twice += stored[body] > 1
            result.duplicated += max(stored[body] - 1, 0) + max(relayed[body] - 1, 0)
        # Let any deadline that fell due during the settle fire before judging.
        for _ in range(40):
            fired, late, breaches = await self.deadlines()
            if not late:
                break
            await asyncio.sleep(0.25)
        result.deadlines_due = fired + late
        result.deadlines_unfired = late + max(fired - breaches, 0)
        for _ in range(40):  # each fired deadline's alert goes out through the outbox
            if self.alerts() >= fired:
                break
            await asyncio.sleep(0.25)
        result.alerts_extra = max(self.alerts() - fired, 0)
        result.alerts_missing = max(fired - self.alerts(), 0)
        if result.problems():
            result.notes.append(await self.state())
        return result

    async def state(self) -> str:
        """What the database and the emulator hold, to tell a failed run's cause afterwards."""
        tables = {"inbox": InboxUpdate, "outbox": OutboxMessage, "deadlines": Deadline}
        said = [f"pending at Telegram: {len(self.emu.pending_updates())}"]
        engine = create_engine(self.database_url)
        try:
            async with transaction(create_sessionmaker(engine)) as session:
                for name, table in tables.items():
                    rows = await session.exec(
                        select(table.status, func.count()).group_by(table.status)  # type: ignore[attr-defined]
                    )
                    said.append(f"{name} {dict(rows.all())}")
        finally:
            await engine.dispose()
        calls = Counter(c.method for c in self.emu.calls)
        said.append(f"calls {dict(calls)}")
        return "; ".join(said)


async def run_fault(
    fault: str, server_url: str | None = None, log_dir: Path | None = None
) -> Tally:
    """Run one fault once against a fresh emulator and database; return its tally."""
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    log = (log_dir or work) / f"{fault}-{uuid.uuid4().hex[:6]}.log"
    emu = Emulator(webhook_retry_delay=0.2, webhook_max_retry_delay=2.0)
    await emu.start()
    emu.add_user(STAFF_ID, "Anna", "Duty", staff=True)
    emu.add_user(MANAGER_ID, "Boris", "Manager", staff=True)
    emu.set_member_status(MANAGER_ID, "administrator")
    try:
        if fault.startswith("kill-"):
            _, mode, delay = fault.split("-")
            return await _kill(emu, server_url, work, log, fault, mode, int(delay[:-2]) / 1000)
        if fault == "disk-full":
            return await _disk_full(emu, server_url, work, log)
        if fault == "read-only":
            return await _read_only(emu, server_url, work, log)
        return await _outage(emu, server_url, work, log)
    finally:
        await emu.stop()
        shutil.rmtree(work, ignore_errors=True)


async def _kill(
    emu: Emulator,
    server_url: str | None,
    work: Path,
    log: Path,
    fault: str,
    mode: str,
    delay: float,
) -> Tally:
    async with _database(server_url, work) as url:
        bot = BotProcess(emu, url, mode, log)
        world = World(emu, url)
        await bot.start()
        try:
            await world.hand_over()
            await world.burst()
            await asyncio.sleep(delay)
            bot.kill()
            await bot.start()
            await world.settle()
            return await world.tally(fault, kills=1)
        finally:
            await bot.stop()


async def _disk_full(emu: Emulator, server_url: str | None, work: Path, log: Path) -> Tally:
    with _tmpfs(work / "disk", "48m") as disk, _owned_by_server(disk, server_url):
        async with _database(server_url, work, tablespace=disk) as url:
            bot = BotProcess(emu, url, "polling", log)
            world = World(emu, url)
            await bot.start()
            try:
                await world.hand_over()
                filler = _fill(disk)
                # Sixty messages of about 3.9 kB, as in the audit: SQLite's WAL or PostgreSQL's
                # tables and their TOAST must grow, and cannot.
                await world.burst(per_customer=12, size=3900)
                await asyncio.sleep(HOLD_SECONDS)
                tally_refused = bool(emu.pending_updates()) or _complained(log)
                alive = bot.alive()
                filler.unlink()
                await world.settle()
                result = await world.tally("disk-full", kills=0)
                result.refused = tally_refused
                if not alive:
                    result.notes.append("the bot died on the full disk")
                return result
            finally:
                await bot.stop()


@contextlib.contextmanager
def _owned_by_server(directory: Path, server_url: str | None) -> Any:
    """Hand the tmpfs to the local PostgreSQL server's account, so it can hold a tablespace."""
    if server_url is None:
        yield
        return
    import pwd

    host = make_url(server_url).host or "localhost"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise Skip(f"the PostgreSQL server at {host} is not on this machine's disks")
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise Skip("no local `postgres` account to own a tablespace") from None
    if os.geteuid() != 0:
        raise Skip("handing a tmpfs to the postgres account needs root")
    os.chown(directory, account.pw_uid, account.pw_gid)
    os.chmod(directory, 0o700)
    os.chmod(directory.parent, 0o711)  # the run's temporary folder: the server must pass it
    yield


async def _read_only(emu: Emulator, server_url: str | None, work: Path, log: Path) -> Tally:
    async with _database(server_url, work) as url:
        bot = BotProcess(emu, url, "polling", log)
        world = World(emu, url)
        await bot.start()
        try:
            await world.hand_over()
            async with _read_only_database(url, server_url):
                await world.burst()
                await asyncio.sleep(HOLD_SECONDS)
                refused = bool(emu.pending_updates()) or _complained(log)
            await world.settle()
            result = await world.tally("read-only", kills=0)
            result.refused = refused
            return result
        finally:
            await bot.stop()


@contextlib.asynccontextmanager
async def _read_only_database(url: str, server_url: str | None) -> AsyncIterator[None]:
    """SQLite: the file and its WAL made immutable; PostgreSQL: the database read-only."""
    if server_url is None:
        database = Path(make_url(url).database or "")
        files = [p for p in (database, Path(f"{database}-wal")) if p.exists()]
        _chattr("+i", files)  # even root cannot write them, through open descriptors too
        try:
            yield
        finally:
            _chattr("-i", files)
        return
    name = make_url(url).database
    admin = create_engine(server_url.replace("postgresql://", "postgresql+asyncpg://"))

    async def switch(on: bool) -> None:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            value = "on" if on else "off"
            await conn.execute(
                text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}')
            )
            # Sessions keep the setting they started with: end them, the bot reconnects.
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
            )

    try:
        await switch(True)
        yield
    finally:
        await switch(False)
        await admin.dispose()


async def _outage(emu: Emulator, server_url: str | None, work: Path, log: Path) -> Tally:
    async with _database(server_url, work) as url:
        proxy: TcpProxy | None = None
        bot_url = url
        if server_url:
            parsed = make_url(url)
            proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
            await proxy.start()
            bot_url = proxy.url_for(url)
        bot = BotProcess(emu, bot_url, "webhook", log)
        world = World(emu, url)
        await bot.start()
        try:
            await world.hand_over()
            refused = False
            async with _down(url, proxy):
                # One customer's seven messages in a row, the others' five each.
                await world.burst()
                await world.burst(per_customer=2, tag="n")
                started = time.monotonic()
                while time.monotonic() - started < OUTAGE_SECONDS:
                    error = emu.world.webhook.last_error_message or ""
                    refused = refused or "503" in error
                    await asyncio.sleep(0.5)
            await world.settle(timeout=120)
            result = await world.tally("outage-webhook-70s", kills=0)
            result.refused = refused or _complained(log)
            return result
        finally:
            await bot.stop()
            if proxy is not None:
                await proxy.close()


@contextlib.asynccontextmanager
async def _down(url: str, proxy: TcpProxy | None) -> AsyncIterator[None]:
    """PostgreSQL: the proxy cut; SQLite: the write lock held by another connection."""
    if proxy is not None:
        await proxy.cut()
        try:
            yield
        finally:
            await proxy.restore()
        return
    conn = sqlite3.connect(make_url(url).database or "", timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def summarise(tallies: list[Tally]) -> list[list[str]]:
    """One row per fault: runs, sent, stored, relayed, lost, duplicated, deadlines, verdict."""
    rows = []
    by_fault: dict[str, list[Tally]] = {}
    for tally in tallies:
        by_fault.setdefault(tally.fault, []).append(tally)
    for fault, runs in by_fault.items():
        problems = [p for t in runs for p in t.problems()]
        rows.append(
            [
                fault,
                str(len(runs)),
                str(sum(t.sent for t in runs)),
                str(sum(t.stored for t in runs)),
                str(sum(t.relayed for t in runs)),
                str(sum(t.lost for t in runs)),
                str(sum(t.duplicated for t in runs)),
                f"{sum(t.deadlines_due - t.deadlines_unfired for t in runs)}"
                f"/{sum(t.deadlines_due for t in runs)}",
                "ok" if not problems else "; ".join(sorted(set(problems))),
            ]
        )
    return rows


HEADER = ["fault", "runs", "sent", "stored", "relayed", "lost", "duplicated", "deadlines", ""]


def table(rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
