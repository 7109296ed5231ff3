"""Time the console's pages on a large database, through the real aiohttp app.

    .venv/bin/python scripts/bench_console.py                 # SQLite, and PostgreSQL if up
    .venv/bin/python scripts/bench_console.py --conversations 20000 --messages 200000
    .venv/bin/python scripts/bench_console.py --reuse --pages figures   # iterate on one page

Seeds 100,000 conversations and 1,000,000 messages (scripts/seed.py) into a fresh SQLite
file and, when it answers, a fresh PostgreSQL database; signs in like a manager; and prints
the median (and slowest) of several requests per page. Targets: list, search and transcript
under 300 ms, figures under 1 s.

With --reuse, the SQLite file and a PostgreSQL database named by --reuse-database are seeded
only when they are not there yet and are kept afterwards (migrated to head each run; drop the
database with --drop-reused when done). Their history ends when they were seeded, so reused
numbers drift slightly from a fresh run's as the days pass.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot.config import Settings
from bot.console.server import create_console_app
from bot.console.settings import ConsoleSettings
from bot.console.web import CONTEXT
from bot.db import create_engine, migrate
from scripts.seed import STAFF, Plan, seed

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
MANAGER = 900201
TARGETS = {"list": 0.3, "search": 0.3, "transcript": 0.3, "figures": 1.0}
PAGES = ("list", "search", "figures", "transcript", "export")


@dataclass
class Result:
    """One page's timings."""

    backend: str
    page: str
    kind: str
    timings: list[float]
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def worst(self) -> float:
        return max(self.timings)

    @property
    def verdict(self) -> str:
        target = TARGETS.get(self.kind)
        if target is None:
            return ""
        return "ok" if self.median < target else f"over {target * 1000:.0f} ms"


async def _pg_database(admin_url: str, name: str | None = None) -> str | None:
    """Create a PostgreSQL database (a fresh name unless given; kept if it exists).

    None when the server does not answer.
    """
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = name or f"bench_{uuid.uuid4().hex[:8]}"
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to create it means "not reachable"
        print(f"PostgreSQL not reachable ({type(exc).__name__}); skipping it", flush=True)
        return None
    finally:
        await admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


async def _drop_pg(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await admin.dispose()


async def _seeded(url: str, plan: Plan) -> bool:
    """Tell whether a kept database already holds the whole plan (a cut-short seed does not)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(text("SELECT count(*) FROM conversations"))
    except Exception:  # no tables yet
        return False
    finally:
        await engine.dispose()
    return count == plan.conversations


async def _bring_up_to_date(url: str) -> None:
    """Apply new migrations to a kept database, and refresh the planner's statistics if any."""
    engine = create_engine(url)
    version = "SELECT version_num FROM alembic_version"
    async with engine.connect() as conn:
        before = await conn.scalar(text(version))
    await migrate(engine)
    async with engine.connect() as conn:
        after = await conn.scalar(text(version))
        if after != before:  # a new index needs statistics, as a fresh seed's ANALYZE gives
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    await engine.dispose()
    print(f"reusing the seeded database at revision {after} (was {before})", flush=True)


async def _timed(client: TestClient[Any, Any], path: str, repeat: int) -> list[float]:
    timings = []
    for n in range(repeat + 1):
        started = time.perf_counter()
        response = await client.get(path)
        await response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {(await response.text())[:300]}")
        if n:  # the first request warms the caches
            timings.append(elapsed)
    return timings


async def _sample_ids(engine: Any, sql: str, count: int) -> list[int]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(sql))).all()
    ids = [int(r[0]) for r in rows]
    random.Random(1).shuffle(ids)
    return ids[:count]


async def bench(
    backend: str, url: str, plan: Plan, repeat: int, pages: Sequence[str], *, kept: bool = False
) -> list[Result]:
    """Seed one database (unless it is a kept one that holds the plan) and time its pages."""
    if kept:
        await _bring_up_to_date(url)
    else:
        print(
            f"[{backend}] seeding {plan.conversations:,} conversations, "
            f"{plan.messages:,} messages…",
            flush=True,
        )
        started = time.perf_counter()
        written = await seed(url, plan)
        seeded = time.perf_counter() - started
        print(
            f"[{backend}] seeded in {seeded:.0f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in written.items()),
            flush=True,
        )
    settings = Settings.load(
        env_file=None,
        database_url=url,
        bot_token="1:bench",
        manager_ids=frozenset({MANAGER}),
        timezone="Europe/Moscow",
    )
    console = ConsoleSettings(_env_file=None, console_secret="bench-secret-" + "b" * 24)
    engine = create_engine(url)
    app = create_console_app(settings, engine, console)
    results: list[Result] = []
    async with TestClient(TestServer(app)) as client:
        token = app[CONTEXT].keys.issue_link_token(MANAGER)
        await client.post("/login", data={"t": token})
        deep = "/conversations"
        # Follow the "next" link 50 pages deep (2,500 conversations in).
        for _ in range(50):
            page = await client.get(deep)
            found = re.search(r'href="(/conversations\?[^"]*after=[^"]+)"', await page.text())
            if not found:
                break
            deep = found.group(1).replace("&amp;", "&")
        staff = STAFF[0][0]
        transcripts = await _sample_ids(
            engine, "SELECT id FROM conversations ORDER BY id DESC LIMIT 2000", repeat + 1
        )
        big = await _sample_ids(
            engine,
            "SELECT conversation_id FROM messages GROUP BY conversation_id "
            "ORDER BY count(*) DESC LIMIT 1",
            1,
        )
        cases: list[tuple[str, str, str]] = [
            ("list", "list, first page", "/conversations"),
            ("list", "list, page 51 (keyset)", deep),
            ("list", "list, 3-minute breach + has return", "/conversations?breach=1&has_return=1"),
            ("list", "list, one staff member, Russian", f"/conversations?staff={staff}&lang=ru"),
            ("list", "list, waiting now", "/conversations?waiting=1"),
            (
                "search",
                "search, common word (чайник)",
                "/conversations?q=%D1%87%D0%B0%D0%B9%D0%BD%D0%B8%D0%BA",
            ),
            ("search", "search, two words (courier late)", "/conversations?q=courier+late"),
            ("search", "search, rare (an order number)", "/conversations?q=471147"),
            (
                "search",
                "search + filter (refund, resolved)",
                "/conversations?q=refunded&status=resolved",
            ),
            ("figures", "figures, last 7 days", "/figures"),
            ("figures", "figures, last 30 days", "/figures?from={d30}&to={today}"),
            ("figures", "figures, last 90 days", "/figures?from={d90}&to={today}"),
        ]
        today = datetime.now(UTC).date()
        dates = {
            "today": today.isoformat(),
            "d30": (today.fromordinal(today.toordinal() - 29)).isoformat(),
            "d90": (today.fromordinal(today.toordinal() - 89)).isoformat(),
        }
        for kind, name, path in cases:
            if kind not in pages:
                continue
            timings = await _timed(client, path.format(**dates), repeat)
            results.append(Result(backend, name, kind, timings))
            print(
                f"[{backend}] {name}: {statistics.median(timings) * 1000:.0f} ms "
                f"(slowest {max(timings) * 1000:.0f} ms)",
                flush=True,
            )
        if "transcript" in pages:
            timings = []
            for cid in transcripts:
                timings.extend(await _timed(client, f"/conversations/{cid}", 1))
            results.append(Result(backend, "transcript, typical", "transcript", timings))
            timings = await _timed(client, f"/conversations/{big[0]}", repeat)
            results.append(Result(backend, "transcript, the longest", "transcript", timings))
        if "export" in pages:
            started = time.perf_counter()
            response = await client.get("/export/messages.csv")
            size = len(await response.read())
            elapsed = time.perf_counter() - started
            results.append(
                Result(
                    backend,
                    "export, all messages (CSV)",
                    "export",
                    [elapsed],
                    note=f"{size / 1e6:.0f} MB",
                )
            )
    await engine.dispose()
    return results


def table(results: Sequence[Result]) -> str:
    """Format the results as a Markdown table."""
    lines = ["| backend | page | median | slowest | target |", "|---|---|---:|---:|---|"]
    for r in results:
        target = r.verdict or r.note
        lines.append(
            f"| {r.backend} | {r.page} | {r.median * 1000:.0f} ms | "
            f"{r.worst * 1000:.0f} ms | {target} |"
        )
    return "\n".join(lines)


def _fresh_file(name: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


async def main_async(args: argparse.Namespace) -> int:
    if args.drop_reused:
        _fresh_file(args.sqlite_path)
        url = args.postgres.rsplit("/", 1)[0] + f"/{args.reuse_database}"
        await _drop_pg(args.postgres, url)
        print(f"removed {args.sqlite_path} and dropped {args.reuse_database}")
        return 0
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = set(pages) - set(PAGES)
    if unknown:
        raise SystemExit(f"unknown pages {sorted(unknown)}; choose from {', '.join(PAGES)}")
    plan = Plan(args.conversations, args.messages, args.days, end=datetime.now(UTC), seed=7)
    results: list[Result] = []
    if "sqlite" in args.backends:
        path = Path(args.sqlite_path)
        url = f"sqlite+aiosqlite:///{path}"
        kept = args.reuse and path.exists() and await _seeded(url, plan)
        if not kept:
            _fresh_file(args.sqlite_path)  # also when a kept seed was cut short
        results += await bench("SQLite", url, plan, args.repeat, pages, kept=kept)
    if "postgresql" in args.backends:
        url = await _pg_database(args.postgres, args.reuse_database if args.reuse else None)
        if url is not None:
            try:
                kept = args.reuse and await _seeded(url, plan)
                if args.reuse and not kept:  # a cut-short seed: start again
                    await _drop_pg(args.postgres, url)
                    await _pg_database(args.postgres, args.reuse_database)
                results += await bench("PostgreSQL", url, plan, args.repeat, pages, kept=kept)
            finally:
                if not args.reuse:
                    await _drop_pg(args.postgres, url)
    print()
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {args.repeat} requests per page after a warm-up; "
        f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}"
    )
    print(table(results))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sqlite-path", default="data/bench-console.db")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", PG_ADMIN),
        help="an admin URL; a fresh database is made beside it and dropped",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pages", default=",".join(PAGES), help=f"which pages to time, of {', '.join(PAGES)}"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the seeded SQLite file and PostgreSQL database, and use them if already seeded",
    )
    parser.add_argument("--reuse-database", default="bench_console_kept")
    parser.add_argument(
        "--drop-reused", action="store_true", help="remove the kept file and database, then stop"
    )
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
