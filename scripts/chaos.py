"""Run the process-level faults N times each and print what was stored, relayed, lost, doubled.

    .venv/bin/python scripts/chaos.py --runs 10                        # SQLite
    .venv/bin/python scripts/chaos.py --runs 10 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test  # PostgreSQL
    .venv/bin/python scripts/chaos.py --runs 2 --faults kill-polling-50ms disk-full

Each run: the real `python -m bot run` / `python -m bot webhook` in a subprocess against the
emulator, a fresh database (on PostgreSQL a new database on the server given), five
customers in a conversation with staff, a burst, one fault (tests/e2e/chaos.py). The
duplicates column counts extra copies in the staff topics (a kill between Telegram's answer
and the commit of "sent" sends one again) plus messages stored twice (never allowed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.chaos import FAULTS, Skip, Tally, run_fault, summarise, table


async def main_async(args: argparse.Namespace) -> int:
    """Run every chosen fault `runs` times; print the table; non-zero if anything was lost."""
    tallies: list[Tally] = []
    skipped: dict[str, str] = {}
    errors: list[str] = []
    log_dir = Path(args.log_dir) if args.log_dir else None
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for fault in args.faults:
        for run in range(1, args.runs + 1):
            try:
                tally = await run_fault(fault, args.database_url, log_dir)
            except Skip as reason:
                skipped[fault] = str(reason)
                break
            except Exception as error:  # the harness failed (a start-up timeout): no verdict
                errors.append(f"{fault} run {run}: {type(error).__name__}: {error}")
                print(f"{fault} run {run}: harness error {type(error).__name__}: {error}")
                continue
            tallies.append(tally)
            verdict = "; ".join(tally.problems()) or "ok"
            print(
                f"{fault} run {run}: sent {tally.sent} stored {tally.stored} relayed "
                f"{tally.relayed} lost {tally.lost} duplicated {tally.duplicated} "
                f"deadlines {tally.deadlines_due - tally.deadlines_unfired}/{tally.deadlines_due}"
                f"{' refused meanwhile' if tally.refused else ''} -> {verdict}",
                flush=True,
            )
            for note in tally.notes:
                print(f"    {note}", flush=True)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print()
    print(
        f"{backend}, {args.runs} run(s) per fault, {time.monotonic() - started:.0f} s, "
        f"{platform.platform()}, {platform.processor() or platform.machine()}"
    )
    print(table(summarise(tallies)))
    for fault, reason in skipped.items():
        print(f"skipped {fault}: {reason}")
    for error in errors:
        print(f"harness error (run not counted): {error}")
    return 1 if errors or any(t.problems() for t in tallies) else 0


def main() -> int:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (else SQLite)")
    parser.add_argument("--faults", nargs="+", default=list(FAULTS), choices=FAULTS)
    parser.add_argument("--log-dir", default=None, help="keep each run's bot log here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
