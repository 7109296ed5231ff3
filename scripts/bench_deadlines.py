"""Deadline precision: how late reply-rule deadlines fire with many pending rows.

    .venv/bin/python scripts/bench_deadlines.py                     # 10,000 and 100,000 pending
    .venv/bin/python scripts/bench_deadlines.py --pending 100000 --due 300 --window 10
    .venv/bin/python scripts/bench_deadlines.py --database-url postgres
    .venv/bin/python scripts/bench_deadlines.py --pending 10000 --default-limits   # Telegram pace

For each size: a fresh database (a temporary SQLite file, or a fresh PostgreSQL database with
--database-url postgres) migrated with `python -m bot migrate`; --pending `reply_sla` rows due
in 1-7 days (bulk insert, subjects of conversations that do not exist); the real bot
(`python -m bot run`, its APScheduler sweeper every SWEEP_INTERVAL_SECONDS, default 0.5 s)
against the emulator in this process. Once the bot polls, --due customers with a conversation
waiting for staff and a `reply_sla` deadline each are inserted, due at known times spread
evenly over --window seconds starting 3 s later. When one fires, the reply action
(bot/timers/reply.py) records a `reply_breach` event and queues the topic alert, the manager's
DM and the customer's holding message in the outbox, which sends them after the sweep commits.

Lateness is measured two ways: fired_at - due_at from the deadlines table (fired_at is the
sweeper's clock when it started that deadline's action), and the arrival of the customer's
holding message in the emulator - due_at (the alert actually delivered). A deadline waits
for the next sweep: up to the sweep interval (0.5 s by default) by design.

The outgoing limiter is lifted unless --default-limits: a burst of breaches sends one DM per
breach to the same manager chat, which Telegram's pace (about 1 a second per chat) throttles.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import benchlib as bl
from scripts.benchlib import ReplyProbe

FIRST_CUSTOMER = 600_001
LEAD_SECONDS = 3.0


async def insert_background(url: str, pending: int) -> float:
    """Bulk-insert pending reply_sla rows due in 1-7 days; return the seconds it took."""
    from bot.db import create_engine
    from models import Deadline

    engine = create_engine(url)
    rnd = random.Random(1)
    now = datetime.now(UTC)
    started = time.perf_counter()
    chunk = 20_000
    try:
        for first in range(0, pending, chunk):
            rows = [
                {
                    "kind": "reply_sla",
                    "subject": f"conversation:{50_000_000 + i}",
                    "due_at": now + timedelta(seconds=rnd.uniform(86_400, 7 * 86_400)),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
                for i in range(first, min(first + chunk, pending))
            ]
            async with engine.begin() as conn:
                await conn.execute(Deadline.__table__.insert(), rows)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def insert_due(
    url: str, count: int, first_due: datetime, window: float
) -> dict[int, datetime]:
    """Insert customers, conversations waiting for staff and their deadlines at known times.

    Returns due_at by the customer's Telegram id.
    """
    from sqlalchemy import insert, select

    from bot.db import create_engine
    from models import Conversation, Customer, Deadline

    engine = create_engine(url)
    now = datetime.now(UTC)
    due: dict[int, datetime] = {}
    try:
        async with engine.begin() as conn:
            customer_rows = [
                {
                    "telegram_id": FIRST_CUSTOMER + i,
                    "first_name": f"Late {i}",
                    "language": "en",
                    "language_chosen": False,
                    "blocked": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ]
            await conn.execute(insert(Customer), customer_rows)
            ids = dict(
                (
                    await conn.execute(
                        select(Customer.telegram_id, Customer.id).where(  # type: ignore[call-overload]
                            Customer.telegram_id >= FIRST_CUSTOMER,
                            Customer.telegram_id < FIRST_CUSTOMER + count,
                        )
                    )
                ).all()
            )
            conversation_rows = [
                {
                    "customer_id": ids[FIRST_CUSTOMER + i],
                    "status": "waiting_staff",
                    "abusive": False,
                    "language": "en",
                    "opened_at": now - timedelta(minutes=5),
                    "waiting_since": now - timedelta(minutes=3),
                    "last_message_at": now - timedelta(minutes=3),
                    "updated_at": now,
                }
                for i in range(count)
            ]
            await conn.execute(insert(Conversation), conversation_rows)
            conv = dict(
                (
                    await conn.execute(
                        select(Conversation.customer_id, Conversation.id).where(  # type: ignore[call-overload]
                            Conversation.customer_id.in_(list(ids.values()))  # type: ignore[union-attr]
                        )
                    )
                ).all()
            )
            deadline_rows = []
            for i in range(count):
                telegram_id = FIRST_CUSTOMER + i
                at = first_due + timedelta(seconds=window * i / max(count, 1))
                due[telegram_id] = at
                deadline_rows.append(
                    {
                        "kind": "reply_sla",
                        "subject": f"conversation:{conv[ids[telegram_id]]}",
                        "due_at": at,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                    }
                )
            await conn.execute(insert(Deadline), deadline_rows)
    finally:
        await engine.dispose()
    return due


async def fired_rows(url: str) -> list[tuple[datetime, datetime | None, str]]:
    """Return (due_at, fired_at, status) of the deadlines due within the next hour."""
    from sqlalchemy import select

    from bot.db import create_engine
    from models import Deadline

    engine = create_engine(url)
    horizon = datetime.now(UTC) + timedelta(hours=1)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(Deadline.due_at, Deadline.fired_at, Deadline.status).where(  # type: ignore[call-overload]
                        Deadline.kind == "reply_sla", Deadline.due_at < horizon
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def outbox_waits(url: str) -> list[float]:
    """Seconds each outbox message waited between being queued and being sent."""
    from sqlalchemy import select

    from bot.db import create_engine
    from models import OutboxMessage

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            stmt = select(OutboxMessage.created_at, OutboxMessage.sent_at).where(  # type: ignore[call-overload]
                OutboxMessage.sent_at.is_not(None)  # type: ignore[union-attr]
            )
            rows = (await conn.execute(stmt)).all()
    finally:
        await engine.dispose()
    return [(sent - queued).total_seconds() for queued, sent in rows]


async def time_claim_query(url: str, repeat: int = 20) -> float:
    """Median time of the sweeper's claim query (nothing due), bot stopped."""
    from bot.db import create_engine, create_sessionmaker
    from bot.services.deadlines import claim_due

    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    timings = []
    try:
        for _ in range(repeat + 1):
            async with sessions() as session:
                started = time.perf_counter()
                await claim_due(session, datetime.now(UTC), 100)
                timings.append(time.perf_counter() - started)
                await session.rollback()
    finally:
        await engine.dispose()
    return bl.percentile(timings[1:], 50)


async def run_size(pending: int, args: argparse.Namespace) -> dict[str, Any]:
    """One database size: seed, start the bot, insert the due deadlines, watch them fire."""
    emu = await bl.start_emulator()
    probe = ReplyProbe(emu)
    workdir = bl.temp_dir("bench_deadlines_")
    pg_name = None
    if args.database_url == "postgres":
        pg_name, url = await bl.pg_create("bench_deadlines")
    else:
        url = f"sqlite+aiosqlite:///{workdir}/bot.db"
    for i in range(args.due):
        emu.add_user(FIRST_CUSTOMER + i, f"Late {i}", language_code="en")
    out: dict[str, Any] = {"pending": pending}
    proc = None
    try:
        bl.migrate_db(url)
        out["insert_s"] = await insert_background(url, pending)
        extra = {"SWEEP_INTERVAL_SECONDS": str(args.sweep_interval), "CONSOLE_PORT": "0"}
        env = bl.bot_env(emu, url, lifted_limits=not args.default_limits, extra=extra)
        proc = bl.BotProcess([bl.PYTHON, "-m", "bot", "run"], env, workdir / "bot.log")
        proc.start()
        await bl.wait_for(
            lambda: emu.calls_to("getUpdates") or not proc.alive(), 90, what="first getUpdates"
        )
        if not proc.alive():
            raise RuntimeError(f"bot exited:\n{proc.tail()}")
        await asyncio.sleep(2.0)  # past the start-up sweep
        wall_offset = time.time() - time.perf_counter()
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
        due = await insert_due(url, args.due, first_due, args.window)
        waiters = {uid: probe.expect(uid) for uid in due}
        deadline = time.monotonic() + LEAD_SECONDS + args.window + args.timeout
        pending_waiters = set(waiters.values())
        while pending_waiters and time.monotonic() < deadline:
            _, pending_waiters = await asyncio.wait(
                pending_waiters, timeout=max(0.1, deadline - time.monotonic())
            )
        arrivals = {
            uid: datetime.fromtimestamp(w.result() + wall_offset, UTC)
            for uid, w in waiters.items()
            if w.done()
        }
        out["alert_lateness"] = [(arrivals[uid] - due[uid]).total_seconds() for uid in arrivals]
        out["missing_alerts"] = len(due) - len(arrivals)
        out["manager_alerts"] = probe.counts.get(bl.MANAGER_ID, 0)
        out["bot_rss_mb"] = bl.proc_status(proc.pid).get("VmRSS", 0) / 1024
        await asyncio.sleep(2 * args.sweep_interval + 1)  # let the last sweep commit
    finally:
        if proc is not None:
            proc.stop(20)
            out["log_tail"] = proc.tail(5)
        await emu.stop()
    try:
        rows = await fired_rows(url)
        out["db_lateness"] = [
            (fired - due_at).total_seconds()
            for due_at, fired, status in rows
            if fired is not None and status == "fired"
        ]
        out["not_fired"] = sum(1 for _, fired, status in rows if status != "fired")
        waits = sorted(await outbox_waits(url))
        if waits:
            print(
                f"# {pending:,} pending: outbox queued->sent p50 "
                f"{waits[len(waits) // 2] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms, "
                f"{len(waits)} messages"
            )
        out["claim_ms"] = await time_claim_query(url) * 1000
    finally:
        if pg_name:
            await bl.pg_drop(pg_name)
        bl.remove_dir(workdir)
    return out


def row(out: dict[str, Any], args: argparse.Namespace) -> list[Any]:
    db = out.get("db_lateness", [])
    alert = out.get("alert_lateness", [])
    p99 = bl.percentile(alert, 99)
    return [
        f"{out['pending']:,}",
        f"{out['insert_s']:.1f}",
        f"{out.get('claim_ms', float('nan')):.2f}",
        f"{len(db)}/{args.due}",
        bl.ms(bl.percentile(db, 50)),
        bl.ms(bl.percentile(db, 99)),
        bl.ms(max(db) if db else float("nan")),
        f"{len(alert)}/{args.due}",
        bl.ms(bl.percentile(alert, 50)),
        bl.ms(p99),
        bl.ms(max(alert) if alert else float("nan")),
        "met" if p99 < 1.0 and not out.get("missing_alerts") else "NOT met",
    ]


async def main_async(args: argparse.Namespace) -> None:
    bl.print_machine("bench_deadlines: lateness of reply-rule deadlines")
    limits = "Telegram's default pace" if args.default_limits else "limiter lifted"
    print(
        f"# {args.due} deadlines due over {args.window:g} s, sweep every "
        f"{args.sweep_interval:g} s, database {args.database_url or 'SQLite (temporary file)'}, "
        f"{limits}",
        flush=True,
    )
    rows = []
    for pending in args.pending:
        started = time.perf_counter()
        out = await run_size(pending, args)
        print(
            f"# {pending:,} pending: done in {time.perf_counter() - started:.0f} s; "
            f"not fired {out.get('not_fired')}, manager DMs {out.get('manager_alerts')}, "
            f"bot RSS {out.get('bot_rss_mb', 0):.0f} MiB",
            flush=True,
        )
        rows.append(row(out, args))
    print()
    print(
        bl.table(
            [
                "pending rows",
                "bulk insert s",
                "claim query ms",
                "fired",
                "fired_at-due p50 ms",
                "p99 ms",
                "max ms",
                "alerts arrived",
                "alert-due p50 ms",
                "p99 ms",
                "max ms",
                "p99 < 1 s",
            ],
            rows,
        )
    )
    print(f"\n# load after: {bl.loadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--due", type=int, default=300, help="deadlines due at known times")
    parser.add_argument("--window", type=float, default=10.0, help="seconds they are spread over")
    parser.add_argument("--sweep-interval", type=float, default=0.5)
    parser.add_argument("--timeout", type=float, default=60.0, help="extra wait for stragglers")
    parser.add_argument("--database-url", help="default: a temporary SQLite file; 'postgres'")
    parser.add_argument(
        "--default-limits",
        action="store_true",
        help="keep the bot's default outgoing limits (Telegram's pace)",
    )
    args = parser.parse_args()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
