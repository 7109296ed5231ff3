"""Shared pieces of the pipeline benchmarks: the machine, the emulator probe, bot processes.

Used by scripts/bench_pipeline.py, bench_deadlines.py, bench_memory.py and bench_scaling.py.
Everything listens on 127.0.0.1 only; every loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tgemulator import DEFAULT_TOKEN, Emulator  # noqa: E402

PYTHON = sys.executable
PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
# The emulator enforces none of Telegram's flood limits, so throughput runs lift the bot's own
# limiter out of the way (the defaults are 5 per 5 seconds / 20/minute / 30/second).
LIFTED_LIMITS = {
    "RATE_LIMIT_CHAT": "1000/second",
    "RATE_LIMIT_GROUP": "1000/second",
    "RATE_LIMIT_OVERALL": "100000/second",
}
MANAGER_ID = 900201
# FAQ questions the default content answers with confidence (checked at the start of a run).
FAQ_QUESTIONS = [
    "How long does delivery take?",
    "How much does delivery cost?",
    "What is your delivery area?",
    "How do I track my order?",
    "What payment methods do you have?",
    "Is cash on delivery available?",
    "How do I apply a promo code?",
    "Do you have a loyalty card?",
    "What are your opening hours?",
    "Where is the pickup point?",
    "How soon will I receive my refund?",
    "Do you have gift cards?",
]

# Questions in other words than the FAQ's: on the demo content cut to two phrasings per
# language without keywords (`bench_pipeline.py --faq-cut 2`) only meaning answers them, so
# every one goes through the sentence encoder (checked at the start of a run).
FAQ_PARAPHRASES = [
    "when will my shopping get to me",
    "what does it cost to bring the order to my flat",
    "how can I see where my parcel is right now",
    "can I pay by card or apple pay",
    "can I give the courier cash",
    "where do I type my discount code",
    "how do bonus points work",
    "what time do you open tomorrow",
    "where can I collect my order myself",
    "when will the money for my return come back",
    "how long until my groceries arrive",
]


def cut_content_dir(target: Path, phrasings: int) -> Path:
    """A copy of the demo content with `phrasings` per language and no keywords or shop words."""
    import shutil

    import yaml

    from bot.content.loader import load_content
    from bot.services.faq_eval import cut

    shutil.copytree(ROOT / "content", target, dirs_exist_ok=True)
    content = cut(load_content(ROOT / "content"), phrasings)
    data = {"faq": [entry.model_dump(mode="json") for entry in content.faq]}
    (target / "faq.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


# ---- the machine ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Describe the machine: cores, CPU model, memory, load, versions."""
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "load": loadavg(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def loadavg() -> str:
    """Return the 1/5/15-minute load averages."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def print_machine(title: str) -> None:
    """Print the machine header of a benchmark."""
    info = machine()
    print(f"# {title}")
    print(
        f"# {info['nproc']} cores, {info['cpu']}, {info['memory']}, Python {info['python']}, "
        f"load {info['load']}",
        flush=True,
    )


# ---- numbers and tables --------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of values; nan when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render a Markdown table."""
    body = [[str(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(list(headers)), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in body]
    return "\n".join(out)


# ---- processes -----------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """Return VmRSS and VmHWM (kB) from /proc/<pid>/status."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """Return a process's user+system CPU time so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    """Return the direct children of a process."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def processes_with_env(marker: str) -> list[int]:
    """PIDs whose environment contains `marker` (e.g. a benchmark's unique database name)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def end_strays(marker: str) -> list[int]:
    """Stop processes a benchmark started that outlived their parent (by their own PIDs)."""
    strays = processes_with_env(marker)
    for pid in strays:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in strays):
        time.sleep(0.1)
    for pid in strays:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return strays


def self_cpu() -> float:
    """Return this process's CPU time so far."""
    t = os.times()
    return t.user + t.system


@dataclass
class BotProcess:
    """A bot (or echo bot) running as a child process, its output in a log file."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def pids(self) -> list[int]:
        """The process and its children (webhook workers)."""
        return [self.pid, *children_of(self.pid)]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGINT (graceful: profilers write their output), then SIGKILL after `timeout`."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def bot_env(
    emu: Emulator,
    database_url: str,
    *,
    lifted_limits: bool = True,
    redis_url: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a bot process talking to the emulator."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RATE_LIMIT_", "WEBHOOK_", "REDIS_URL", "DATABASE_URL"))
    }
    env.update(
        BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=emu.api_url,
        DATABASE_URL=database_url,
        STAFF_CHAT_ID=str(emu.group_id),
        MANAGER_IDS=str(MANAGER_ID),
        CONTENT_DIR=str(ROOT / "content"),
        LOG_LEVEL="WARNING",
        WORKING_HOURS="mon-sun 00:00-24:00",
        PYTHONUNBUFFERED="1",
        CONSOLE_SECRET="bench-console-secret-not-for-production",
    )
    if lifted_limits:
        env.update(LIFTED_LIMITS)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


def profiled(
    args: list[str], profiler: str | None, out: Path | None, patches: Sequence[str] = ()
) -> list[str]:
    """Run `python -m bot ...` through the launcher below when profiling or trying a patch.

    The profiler samples only between SIGUSR1 and SIGUSR2, so imports and start-up (which
    otherwise dominate a short run) stay out. pyinstrument (not a project dependency:
    `pip install --target DIR pyinstrument`, DIR on PYTHONPATH) writes a .pyisession file;
    cProfile writes pstats.
    """
    if profiler is None and not patches:
        return args
    assert args[1:3] == ["-m", "bot"], args
    return [
        PYTHON,
        str(Path(__file__).resolve()),
        "launch-bot",
        profiler or "none",
        str(out or "-"),
        ",".join(patches) or "-",
        *args[3:],
    ]


# What-if patches, applied by the launcher to the bot's process only (the bot's code is not
# changed): each one tries a proposed fix so its effect can be measured. The first series
# (pin-responses, inline-filters, sqlite-one-connection, no-pre-ping, limiter-inline-expiry,
# gc-freeze) is in the code now; see docs/benchmarks.md.
PATCHES = {
    "count": "count to_thread hops, Response[T] rebuilds, SQL statements and GC pauses",
    "gc-threshold": "gc.set_threshold(BENCH_GC_THRESHOLD or Python's 700,10,10) after start-up",
}


def _apply_patches(patches: set[str]) -> None:
    unknown = patches - set(PATCHES)
    if unknown:
        raise SystemExit(f"unknown patches {sorted(unknown)}; known: {sorted(PATCHES)}")
    if "count" in patches:
        import atexit
        import collections

        from pydantic._internal import _generics
        from sqlalchemy import event
        from sqlalchemy.ext.asyncio import AsyncEngine

        import bot.db
        import bot.metrics

        counts: collections.Counter[str] = collections.Counter()
        gc_ms: collections.defaultdict[str, float] = collections.defaultdict(float)
        original_to_thread = asyncio.to_thread

        async def to_thread(func: Any, /, *a: Any, **kw: Any) -> Any:
            counts["to_thread"] += 1
            return await original_to_thread(func, *a, **kw)

        asyncio.to_thread = to_thread  # type: ignore[assignment]
        original_set = _generics.set_cached_generic_type

        def set_cached(*a: Any, **kw: Any) -> Any:
            counts["generic_class_built"] += 1
            return original_set(*a, **kw)

        _generics.set_cached_generic_type = set_cached  # type: ignore[assignment]
        import gc

        gc_started: list[float] = []

        def gc_timer(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_started[:] = [time.perf_counter()]
            elif gc_started:
                gen = info["generation"]
                took = (time.perf_counter() - gc_started[0]) * 1000
                counts[f"gc{gen}_runs"] += 1
                gc_ms[f"gc{gen}_ms"] += took
                gc_ms[f"gc{gen}_max_ms"] = max(gc_ms[f"gc{gen}_max_ms"], took)

        gc.callbacks.append(gc_timer)
        original_engine = bot.db.create_engine

        def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
            engine = original_engine(url, **kwargs)

            @event.listens_for(engine.sync_engine, "before_cursor_execute")
            def _count(*_: Any) -> None:
                counts["sql_statements"] += 1

            return engine

        bot.db.create_engine = create_engine  # type: ignore[assignment]
        import bot.factory

        bot.factory.create_engine = create_engine  # type: ignore[attr-defined]

        def report() -> None:
            updates = sum(
                sample.value
                for metric in bot.metrics.UPDATES.collect()
                for sample in metric.samples
                if sample.name == "bot_updates_total"
            )
            print(
                f"COUNTS updates={updates:.0f} "
                + " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                + " "
                + " ".join(f"{k}={v:.0f}" for k, v in sorted(gc_ms.items()))
                + f" gc_tracked={len(gc.get_objects())} gc_frozen={gc.get_freeze_count()}",
                flush=True,
            )

        atexit.register(report)
        signal.signal(signal.SIGUSR2, lambda *_: report())  # replaced below when profiling
    if "gc-threshold" in patches:
        import gc

        import bot.runner

        chosen = os.environ.get("BENCH_GC_THRESHOLD", "700,10,10")
        thresholds = [int(x) for x in chosen.split(",")]
        original_freeze = bot.runner.freeze_startup_heap

        def freeze() -> None:
            original_freeze()
            gc.set_threshold(*thresholds)

        bot.runner.freeze_startup_heap = freeze  # type: ignore[assignment]


def _launch_bot(profiler: str, out: str, patches: str, argv: list[str]) -> int:
    """Entry point of a launched bot: patches first; SIGUSR1/SIGUSR2 start and stop sampling."""
    _apply_patches(set(patches.split(",")) - {"-", ""})
    from bot.__main__ import main as bot_main

    state: dict[str, Any] = {}

    def start(_sig: int, _frame: Any) -> None:
        if profiler == "pyinstrument":
            from pyinstrument import Profiler

            state["p"] = Profiler(interval=0.0005, async_mode="disabled")
            state["p"].start()
        elif profiler == "cprofile":
            import cProfile

            state["p"] = cProfile.Profile()
            state["p"].enable()

    def stop(_sig: int, _frame: Any) -> None:
        p = state.pop("p", None)
        if p is None:
            return
        if profiler == "pyinstrument":
            session = p.stop()
            session.save(out)
        else:
            p.disable()
            p.dump_stats(out)

    if profiler != "none":
        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)
    return bot_main(argv)


def profile_summary(path: str | Path, top: int = 25) -> str:
    """Summarise a .pyisession: wall time by library and by function (self time)."""
    import collections
    import re

    from pyinstrument.session import Session

    session = Session.load(str(path))
    root = session.root_frame()
    if root is None:
        return "(empty profile)"
    by_lib: collections.Counter[str] = collections.Counter()
    by_fn: collections.Counter[str] = collections.Counter()

    def lib(frame: Any) -> str:
        fp = frame.file_path or ""
        if found := re.search(r"site-packages/([^/]+)", fp):
            return found.group(1).removesuffix(".py")
        if found := re.search(r"/(bot|handlers|models)/(\w+)", fp):
            return f"{found.group(1)}/{found.group(2)}"
        if found := re.search(r"python3\.\d+/(\w+)", fp):
            return f"stdlib {found.group(1)}"
        return fp or frame.function

    def walk(frame: Any, parent: Any) -> None:
        own = frame.time - sum(c.time for c in frame.children)
        owner = parent if frame.function == "[self]" and parent is not None else frame
        name = lib(owner)
        if owner.function in ("epoll.poll", "select", "EpollSelector.select"):
            name = "idle: waiting in epoll (event loop has nothing to run)"
        by_lib[name] += own
        by_fn[f"{owner.function}  ({lib(owner)}:{owner.line_no})"] += own
        for child in frame.children:
            walk(child, frame)

    walk(root, None)
    total = root.time or 1.0
    lines = [f"profile {path}: {total:.2f} s of wall time on the main thread", "", "by library:"]
    lines += [f"  {v:7.2f} s {v / total:6.1%}  {k}" for k, v in by_lib.most_common(top)]
    lines += ["", "by function (self time):"]
    lines += [f"  {v:7.2f} s {v / total:6.1%}  {k}" for k, v in by_fn.most_common(top)]
    return "\n".join(lines)


# ---- the emulator --------------------------------------------------------------------------


class ReplyProbe:
    """Timestamps every message the bot stores in the emulator, per chat, and wakes waiters.

    It wraps World.add_message, so the time is taken when the emulator stores the bot's
    message (the sendMessage handler), with no polling and no O(waiters) notifier wake-ups.
    """

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.waiters: dict[int, deque[asyncio.Future[float]]] = defaultdict(deque)
        self.counts: dict[int, int] = defaultdict(int)
        self.log: list[tuple[float, int, dict[str, Any]]] = []
        self.keep_log = False
        world = emu.world
        original = world.add_message

        def add_message(chat: Any, sender: Any, content: Any, **kwargs: Any) -> Any:
            stored = original(chat, sender, content, **kwargs)
            if kwargs.get("outgoing"):
                now = time.perf_counter()
                self.counts[chat.id] += 1
                if self.keep_log:
                    self.log.append((now, chat.id, stored.data))
                queue = self.waiters.get(chat.id)
                while queue:
                    waiter = queue.popleft()
                    if not waiter.done():
                        waiter.set_result(now)
                        break
            return stored

        world.add_message = add_message  # type: ignore[method-assign]

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        """A future resolved with the time of the bot's next message in this chat."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id].append(waiter)
        return waiter


async def start_emulator(calls_limit: int = 20_000) -> Emulator:
    """Start the emulator on a free loopback port."""
    emu = Emulator(calls_limit=calls_limit)
    await emu.start("127.0.0.1", 0)
    emu.add_user(MANAGER_ID, "Boris", language_code="en", staff=True, member_status="administrator")
    return emu


def post_text(emu: Emulator, user_id: int, text: str) -> dict[str, Any]:
    """Queue a customer's text message synchronously (no event-loop round trip)."""
    return emu.people.post(user_id, emu.people.text_content(text))


async def wait_for(
    check: Callable[[], Any], timeout: float, interval: float = 0.05, what: str = "condition"
) -> Any:
    """Poll check() until it returns something truthy, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s")


@dataclass
class LoadResult:
    """What one load run measured."""

    label: str
    seconds: float
    sent: int
    answered: int
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    bot_cpu: float = math.nan
    driver_cpu: float = math.nan
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else math.nan

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


# ---- PostgreSQL and Redis ------------------------------------------------------------------


async def pg_create(prefix: str = "bench_pipe") -> tuple[str, str]:
    """Create a fresh database; return (its name, its SQLAlchemy URL)."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


async def pg_drop(name: str) -> None:
    """Drop a benchmark database."""
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def redis_clear(url: str = REDIS_URL) -> int:
    """Delete the FSM and limiter keys the bot left in the benchmark's Redis database."""
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    removed = 0
    try:
        for pattern in ("fsm:*", "LIMITS:*", "limits:*"):
            keys = [k async for k in client.scan_iter(match=pattern, count=1000)]
            for i in range(0, len(keys), 1000):
                removed += await client.delete(*keys[i : i + 1000])
    finally:
        await client.aclose()
    return removed


def migrate_db(url: str) -> None:
    """Apply the migrations with the bot's own command."""
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    subprocess.run([PYTHON, "-m", "bot", "migrate"], env=env, cwd=ROOT, check=True)


def temp_dir(prefix: str) -> Path:
    """A fresh temporary directory."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def remove_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "launch-bot":
        raise SystemExit(_launch_bot(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
    if len(sys.argv) == 3 and sys.argv[1] == "summary":
        print(profile_summary(sys.argv[2]))
        raise SystemExit(0)
    print("usage: benchlib.py summary FILE.pyisession | launch-bot PROFILER OUT PATCHES BOT-ARGS")
    raise SystemExit(2)
