"""Memory of one bot process with 100,000 customers in the database.

    .venv/bin/python scripts/bench_memory.py
    .venv/bin/python scripts/bench_memory.py --customers 100000 --rounds 1000 1000 1000
    .venv/bin/python scripts/bench_memory.py --database-url postgres

A fresh database (temporary SQLite file, or PostgreSQL with --database-url postgres) is
migrated with `python -m bot migrate` and bulk-filled with --customers customers, each with a
resolved conversation and two messages. The bot (`python -m bot run`) starts against the
emulator in this process; its VmRSS (and peak VmHWM) from /proc/<pid>/status is read when
idle, then after each round of traffic: a round is N different customers from the database
(the emulator knows them by the same Telegram ids) each writing an FAQ question, 50 at a
time, waiting for every answer. The same rounds against the bare aiogram echo bot of
bench_pipeline.py give the floor. The outgoing limiter is lifted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import benchlib as bl
from scripts.benchlib import ReplyProbe

FIRST_CUSTOMER = 2_000_001


async def fill(url: str, customers: int) -> float:
    """Customers, one resolved conversation each, a question and an answer in it."""
    from sqlalchemy import insert

    from bot.db import create_engine
    from models import Conversation, Customer, Message

    engine = create_engine(url)
    started = time.perf_counter()
    base = datetime.now(UTC) - timedelta(days=30)
    chunk = 10_000
    try:
        for first in range(0, customers, chunk):
            last = min(first + chunk, customers)
            async with engine.begin() as conn:
                await conn.execute(
                    insert(Customer),
                    [
                        {
                            "id": i + 1,
                            "telegram_id": FIRST_CUSTOMER + i,
                            "first_name": f"Customer {i}",
                            "language": "en" if i % 3 else "ru",
                            "language_chosen": False,
                            "blocked": False,
                            "created_at": base,
                            "updated_at": base,
                        }
                        for i in range(first, last)
                    ],
                )
                await conn.execute(
                    insert(Conversation),
                    [
                        {
                            "id": i + 1,
                            "customer_id": i + 1,
                            "status": "resolved",
                            "abusive": False,
                            "language": "en",
                            "opened_at": base,
                            "resolved_at": base,
                            "last_message_at": base,
                            "updated_at": base,
                        }
                        for i in range(first, last)
                    ],
                )
                await conn.execute(
                    insert(Message),
                    [
                        {
                            "id": 2 * i + k + 1,
                            "conversation_id": i + 1,
                            "customer_id": i + 1,
                            "chat_id": FIRST_CUSTOMER + i,
                            "telegram_message_id": k + 1,
                            "direction": "in" if k == 0 else "out",
                            "author_kind": "customer" if k == 0 else "bot",
                            "content_type": "text",
                            "text": "How long does delivery take?" if k == 0 else "Within 2 hours.",
                            "created_at": base,
                        }
                        for i in range(first, last)
                        for k in (0, 1)
                    ],
                )
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                from sqlalchemy import text

                for table in ("customers", "conversations", "messages"):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
    finally:
        await engine.dispose()
    return time.perf_counter() - started


STAGES = r"""
import asyncio, gc, os, sys
from pathlib import Path
def rss():
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
print("interpreter", rss())
import aiogram, aiogram.types, aiogram.methods
print("aiogram imported (types and methods)", rss())
import sqlalchemy.ext.asyncio, sqlmodel, aiosqlite, asyncpg, redis, apscheduler
print("+ SQLAlchemy, SQLModel, drivers, redis, APScheduler", rss())
import bot.factory, handlers, models
print("+ the bot's modules and handlers", rss())
from bot.config import Settings
from bot.factory import create_services
async def main():
    settings = Settings.load(env_file=None)
    services = await create_services(settings)
    print("+ create_services (content, Fluent, FAQ matcher, moderation lexicon, engine)", rss())
    await services.engine.dispose()
asyncio.run(main())
"""


def import_stages(url: str) -> list[tuple[str, float]]:
    """RSS of a fresh interpreter at each stage of the bot's start-up, in MiB."""
    import subprocess

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BOT_TOKEN": bl.DEFAULT_TOKEN,
        "CONTENT_DIR": str(bl.ROOT / "content"),
        "LOG_LEVEL": "WARNING",
    }
    text = subprocess.run(
        [bl.PYTHON, "-c", STAGES],
        env=env,
        cwd=bl.ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    stages = []
    for line in text.splitlines():
        label, _, value = line.rpartition(" ")
        stages.append((label, float(value)))
    return stages


async def measure(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Start one bot, read its memory idle and after each round of traffic."""
    emu = await bl.start_emulator()
    probe = ReplyProbe(emu)
    workdir = bl.temp_dir(f"bench_memory_{kind}_")
    total = sum(args.rounds)
    for i in range(total):
        emu.add_user(FIRST_CUSTOMER + i, f"Customer {i}", language_code="en" if i % 3 else "ru")
    env = bl.bot_env(emu, url)
    cmd = (
        [bl.PYTHON, str(bl.ROOT / "scripts" / "bench_pipeline.py"), "--echo-bot"]
        if kind == "echo"
        else [bl.PYTHON, "-m", "bot", "run"]
    )
    proc = bl.BotProcess(cmd, env, workdir / "bot.log")
    out: dict[str, Any] = {"kind": kind, "points": []}
    proc.start()
    try:
        await bl.wait_for(
            lambda: emu.calls_to("getUpdates") or not proc.alive(), 90, what="first getUpdates"
        )
        if not proc.alive():
            raise RuntimeError(f"{kind} exited:\n{proc.tail()}")
        await asyncio.sleep(3.0)
        out["points"].append(("idle after start", 0, bl.proc_status(proc.pid), 0.0))
        sem = asyncio.Semaphore(50)
        question = "How long does delivery take?"

        async def one(uid: int) -> None:
            async with sem:
                waiter = probe.expect(uid)
                bl.post_text(emu, uid, question if uid % 3 else "Сколько идёт доставка?")
                await asyncio.wait_for(waiter, 30)

        served = 0
        for n in args.rounds:
            started = time.perf_counter()
            results = await asyncio.gather(
                *(one(FIRST_CUSTOMER + served + i) for i in range(n)), return_exceptions=True
            )
            failed = sum(isinstance(r, BaseException) for r in results)
            served += n
            await asyncio.sleep(1.0)
            out["points"].append(
                (
                    f"after {served:,} customers wrote",
                    failed,
                    bl.proc_status(proc.pid),
                    n / (time.perf_counter() - started),
                )
            )
    finally:
        proc.stop(20)
        await emu.stop()
        bl.remove_dir(workdir)
    return out


async def main_async(args: argparse.Namespace) -> None:
    bl.print_machine("bench_memory: RSS of the bot process")
    print(
        f"# {args.customers:,} customers in the database, rounds {args.rounds}, "
        f"database {args.database_url or 'SQLite (temporary file)'}, limiter lifted",
        flush=True,
    )
    workdir = bl.temp_dir("bench_memory_db_")
    pg_name = None
    if args.database_url == "postgres":
        pg_name, url = await bl.pg_create("bench_memory")
    else:
        url = f"sqlite+aiosqlite:///{workdir}/bot.db"
    empty_workdir = bl.temp_dir("bench_memory_empty_")
    empty_url = f"sqlite+aiosqlite:///{empty_workdir}/bot.db"
    rows = []
    try:
        bl.migrate_db(url)
        took = await fill(url, args.customers)
        print(f"# filled {args.customers:,} customers in {took:.1f} s", flush=True)
        stages = import_stages(url)
        runs = [("full", url, f"bot, {args.customers:,} customers")]
        if not args.skip_baselines:
            bl.migrate_db(empty_url)
            runs += [("full", empty_url, "bot, empty database"), ("echo", url, "echo bot")]
        for kind, db, label in runs:
            out = await measure(kind, db, args)
            for what, failed, status, rate in out["points"]:
                rows.append(
                    [
                        label,
                        what,
                        f"{status.get('VmRSS', 0) / 1024:.0f}",
                        f"{status.get('VmHWM', 0) / 1024:.0f}",
                        failed or "",
                        f"{rate:.0f}" if rate else "",
                    ]
                )
            print(f"# {label}: done", flush=True)
    finally:
        if pg_name:
            await bl.pg_drop(pg_name)
        bl.remove_dir(workdir)
        bl.remove_dir(empty_workdir)
    print()
    print(
        bl.table(
            ["process", "when", "VmRSS MiB", "VmHWM MiB", "unanswered", "round updates/s"], rows
        )
    )
    print()
    previous = 0.0
    stage_rows = []
    for label, value in stages:
        stage_rows.append([label, f"{value:.0f}", f"+{value - previous:.0f}" if previous else ""])
        previous = value
    print(bl.table(["start-up stage (fresh interpreter)", "VmRSS MiB", "added"], stage_rows))
    print(f"\n# load after: {bl.loadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--rounds",
        type=int,
        nargs="+",
        default=[1000, 1000, 1000],
        help="customers writing in each round (different ones every round)",
    )
    parser.add_argument("--database-url", help="default: a temporary SQLite file; 'postgres'")
    parser.add_argument(
        "--skip-baselines", action="store_true", help="skip the empty-database bot and the echo bot"
    )
    args = parser.parse_args()
    if sum(args.rounds) > args.customers:
        parser.error("the rounds need more customers than the database has")
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
