"""Webhook workers on PostgreSQL and Redis: updates per second for 1 to 4 workers.

    .venv/bin/python scripts/bench_scaling.py                         # workers 1 2 3 4
    .venv/bin/python scripts/bench_scaling.py --workers 1 2 --duration 10 --customers 200

For each N: a fresh PostgreSQL database (migrated with `python -m bot migrate`, dropped
afterwards), the Redis database in BENCH_REDIS_URL (default db 11; the bot's fsm:* and
LIMITS:* keys are removed afterwards), and `python -m bot webhook --workers N` on a free
loopback port. The emulator (in this process) serves the Bot API; its own webhook delivery is
stopped, because it posts one update at a time in order. Instead this script plays
Telegram's side of a webhook with up to --connections parallel requests (Telegram's
max_connections, 40 by default, up to 100), posting each customer's update with the secret
token. Every customer writes an FAQ question, waits for the answer, and writes again
(closed loop) for --duration seconds after a warm-up.

Measured: answered updates per second, latency from posting the update to the emulator
storing the bot's reply, the time until the webhook acknowledges (HTTP 200, after commit),
the workers' CPU, and the whole machine's CPU (all of it is shared: 2 cores run the driver
and emulator, PostgreSQL, Redis and the workers). The outgoing limiter is lifted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from scripts import benchlib as bl
from scripts.benchlib import LoadResult, ReplyProbe

SECRET = "bench-scaling-secret"
FIRST_CUSTOMER = 300_001


def machine_busy() -> tuple[float, float]:
    """Return (busy, total) jiffies of all CPUs from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def listeners(port: int) -> int:
    """Count the sockets listening on a loopback port (one per worker with SO_REUSEPORT)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            count += 1
    return count


def cpu_by_command(names: tuple[str, ...]) -> dict[str, float]:
    """CPU seconds so far of every process whose command name starts with one of `names`."""
    found = dict.fromkeys(names, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        for name in names:
            if comm.startswith(name):
                found[name] += bl.cpu_seconds(int(entry.name))
    return found


def histogram_quantiles(metrics: str, q: list[float]) -> dict[float, str]:
    """Estimate quantiles of bot_update_seconds from its cumulative buckets (upper bounds)."""
    buckets: list[tuple[float, float]] = []
    for line in metrics.splitlines():
        if line.startswith("bot_update_seconds_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((math.inf if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    if not buckets or buckets[-1][1] == 0:
        return {}
    total = buckets[-1][1]
    out = {}
    for quantile in q:
        for le, count in buckets:
            if count >= quantile * total:
                out[quantile] = "> 5 s" if le == math.inf else f"≤ {le * 1000:g} ms"
                break
    return out


async def deliver(
    http: aiohttp.ClientSession, url: str, update: dict[str, Any], timeout: float
) -> float:
    """POST one update like Telegram does; return the time until the 2xx acknowledgement."""
    started = time.perf_counter()
    async with http.post(
        url,
        data=json.dumps(update, ensure_ascii=False),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as response:
        await response.read()
        if response.status // 100 != 2:
            raise RuntimeError(f"webhook answered {response.status}")
    return time.perf_counter() - started


async def run_workers(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """One cluster size: fresh database, workers, warm-up, closed loop."""
    emu = await bl.start_emulator()
    await emu.webhook.stop()  # this script delivers updates itself, in parallel
    probe = ReplyProbe(emu)
    workdir = bl.temp_dir(f"bench_scaling_{n}_")
    pg_name, url = await bl.pg_create("bench_scaling")
    await bl.redis_clear(args.redis_url)
    port = bl.free_port()
    customers = [FIRST_CUSTOMER + i for i in range(args.customers)]
    for uid in customers:
        emu.add_user(uid, f"Customer {uid}", language_code="en")
    out: dict[str, Any] = {"workers": n}
    proc = None
    try:
        bl.migrate_db(url)
        env = bl.bot_env(
            emu,
            url,
            redis_url=args.redis_url,
            extra={
                "WEBHOOK_URL": f"http://127.0.0.1:{port}",
                "WEBHOOK_SECRET": SECRET,
                "WEBHOOK_HOST": "127.0.0.1",
                "WEBHOOK_PORT": str(port),
            },
        )
        proc = bl.BotProcess(
            [bl.PYTHON, "-m", "bot", "webhook", "--workers", str(n)], env, workdir / "bot.log"
        )
        proc.start()
        hook = f"http://127.0.0.1:{port}/webhook"
        await bl.wait_for(
            lambda: emu.calls_to("setWebhook") or not proc.alive(), 90, what="setWebhook"
        )
        # Every worker must listen before the keep-alive connections are opened: the kernel
        # assigns each new connection to one of the listening sockets, for good.
        await bl.wait_for(
            lambda: listeners(port) >= n or not proc.alive(), 120, what=f"{n} listening workers"
        )
        if not proc.alive():
            raise RuntimeError(f"webhook exited:\n{proc.tail()}")
        connector = aiohttp.TCPConnector(limit=args.connections, force_close=False)
        async with aiohttp.ClientSession(connector=connector) as http:
            # Every worker must be up: ask /healthz until it answers many times in a row.
            ok = 0
            deadline = time.monotonic() + 60
            while ok < 8 * n and time.monotonic() < deadline:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                        ok = ok + 1 if r.status == 200 else 0
                except aiohttp.ClientError:
                    ok = 0
                    await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)  # workers after the first finish their start-up

            async def ask(uid: int, text: str) -> tuple[float, float]:
                waiter = probe.expect(uid)
                started = time.perf_counter()
                bl.post_text(emu, uid, text)
                update = emu.world.updates.pop()  # queued just now; we deliver it ourselves
                ack = await deliver(http, hook, update, args.timeout)
                replied = await asyncio.wait_for(waiter, args.timeout)
                return replied - started, ack

            warm = await asyncio.gather(
                *(ask(uid, bl.FAQ_QUESTIONS[0]) for uid in customers), return_exceptions=True
            )
            failed = [w for w in warm if isinstance(w, BaseException)]
            if failed:
                raise RuntimeError(
                    f"{len(failed)} warm-up updates failed: {failed[0]!r}\n{proc.tail()}"
                )
            result = LoadResult(f"{n} worker(s)", 0.0, 0, 0)
            acks: list[float] = []
            pids = proc.pids()
            per_pid0 = {p: bl.cpu_seconds(p) for p in pids}
            cpu0 = sum(per_pid0.values())
            busy0, total0 = machine_busy()
            others0 = cpu_by_command(("postgres", "redis-server"))
            driver0 = bl.self_cpu()
            stop_at = time.perf_counter() + args.duration

            async def customer(uid: int, index: int) -> None:
                i = index
                while time.perf_counter() < stop_at:
                    result.sent += 1
                    try:
                        latency, ack = await ask(uid, bl.FAQ_QUESTIONS[i % len(bl.FAQ_QUESTIONS)])
                    except (TimeoutError, aiohttp.ClientError, RuntimeError):
                        result.timeouts += 1
                        continue
                    finally:
                        i += 1
                    result.latencies.append(latency)
                    acks.append(ack)
                    result.answered += 1

            started = time.perf_counter()
            await asyncio.gather(*(customer(uid, i) for i, uid in enumerate(customers)))
            result.seconds = time.perf_counter() - started
            busy1, total1 = machine_busy()
            others1 = cpu_by_command(("postgres", "redis-server"))
            result.driver_cpu = (bl.self_cpu() - driver0) / (time.perf_counter() - started)
            for name in others1:
                result.extra[name] = (others1[name] - others0[name]) / (
                    time.perf_counter() - started
                )
            result.bot_cpu = (sum(bl.cpu_seconds(p) for p in pids) - cpu0) / result.seconds
            result.extra["per_process"] = [
                (bl.cpu_seconds(p) - per_pid0[p]) / result.seconds for p in pids
            ]
            result.extra["machine_busy"] = (busy1 - busy0) / max(total1 - total0, 1)
            result.extra["acks"] = acks
            result.extra["rss_mb"] = sum(bl.proc_status(p).get("VmRSS", 0) for p in pids) / 1024
            async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                out["metrics"] = await r.text()
            out["result"] = result
    finally:
        if proc is not None:
            out["exit"] = proc.stop(30)
            out["log_tail"] = proc.tail(5)
            # Workers that outlived the main process (seen: parent PID 1 after a SIGINT).
            out["strays"] = bl.end_strays(pg_name)
        await emu.stop()
        await bl.pg_drop(pg_name)
        await bl.redis_clear(args.redis_url)
        bl.remove_dir(workdir)
    return out


async def main_async(args: argparse.Namespace) -> None:
    bl.print_machine("bench_scaling: webhook workers on PostgreSQL + Redis")
    print(
        f"# {args.customers} customers in a closed loop for {args.duration:g} s per size, "
        f"{args.connections} parallel webhook connections, limiter lifted",
        flush=True,
    )
    rows = []
    base = None
    for n in args.workers:
        started = time.perf_counter()
        out = await run_workers(n, args)
        r: LoadResult = out["result"]
        per = " ".join(f"{c:.0%}" for c in r.extra["per_process"])
        print(
            f"# {n} worker(s): CPU per process {per}; {r.rate:.0f} updates/s, done in "
            f"{time.perf_counter() - started:.0f} s; main process exit code {out.get('exit')}; "
            f"{len(out.get('strays') or [])} process(es) outlived it and were stopped",
            flush=True,
        )
        base = base or r.rate
        acks = r.extra["acks"]
        hist = histogram_quantiles(out.get("metrics", ""), [0.5, 0.99]) if n == 1 else {}
        rows.append(
            [
                n,
                r.answered,
                r.timeouts,
                f"{r.rate:.0f}",
                f"{r.rate / base:.2f}×",
                bl.ms(r.p50),
                bl.ms(r.p99),
                bl.ms(bl.percentile(acks, 50)),
                bl.ms(bl.percentile(acks, 99)),
                f"{r.bot_cpu:.0%} ({per})",
                f"{r.driver_cpu:.0%}",
                f"{r.extra['postgres']:.0%}",
                f"{r.extra['redis-server']:.0%}",
                f"{r.extra['machine_busy']:.0%}",
                f"{r.extra['rss_mb']:.0f}",
                f"{hist.get(0.5, '—')} / {hist.get(0.99, '—')}" if hist else "—",
            ]
        )
    print()
    print(
        bl.table(
            [
                "workers",
                "answered",
                "failed",
                "updates/s",
                "vs 1",
                "reply p50 ms",
                "reply p99 ms",
                "ack p50 ms",
                "ack p99 ms",
                "workers' CPU (per process)",
                "driver+emulator CPU",
                "PostgreSQL CPU",
                "Redis CPU",
                "machine busy (2 cores)",
                "workers' RSS MiB",
                "bot_update_seconds p50/p99 (1 worker)",
            ],
            rows,
        )
    )
    print(f"\n# load after: {bl.loadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument(
        "--connections",
        type=int,
        default=40,
        help="parallel webhook requests (Telegram's max_connections)",
    )
    parser.add_argument("--timeout", type=float, default=15.0)
    parser.add_argument("--redis-url", default=bl.REDIS_URL)
    args = parser.parse_args()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
