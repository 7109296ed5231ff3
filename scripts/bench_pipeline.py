"""Throughput and latency of the whole pipeline, against a bare aiogram echo bot.

    .venv/bin/python scripts/bench_pipeline.py                       # full bot + echo bot
    .venv/bin/python scripts/bench_pipeline.py --customers 200 --duration 20 --rate 100
    .venv/bin/python scripts/bench_pipeline.py --only full --handoff-slots 20
    PYTHONPATH=/tmp/pyi .venv/bin/python scripts/bench_pipeline.py --only full --rate 0 \\
        --profile pyinstrument --profile-out /tmp/bot.pyisession   # profiles the closed loop

The emulator runs in this (driver) process; the bot runs as a child process
(`python -m bot run`, long polling, SQLite in a temporary directory unless --database-url),
so each gets a core on a 2-core machine. Simulated customers write free-text FAQ questions
through the emulator's people API (the update is queued exactly as a Telegram client's
message would be). Latency is measured from the moment the update is queued to the moment
the emulator stores the bot's reply in that customer's chat (sendMessage handled), both on
this process's monotonic clock.

Phases, per bot:
  warm-up     every customer writes once (registers the customer and the conversation)
  closed loop every customer writes, waits for the answer, writes again, for --duration s
  fixed rate  --rate updates/s spread over the customers for --rate-duration s

The echo bot is a tiny aiogram Dispatcher (below) answering each text with the same text,
run by this script as a child process with `--echo-bot`, on the same emulator set-up.

The bot's outgoing limiter is lifted (RATE_LIMIT_* in benchlib.LIFTED_LIMITS): the emulator
does not enforce Telegram's flood limits, and 200 customers writing as fast as they are
answered exceed Telegram's one-message-a-second per chat by design.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


# ---- the echo bot (child process) ----------------------------------------------------------


async def echo_bot_main() -> None:
    """A bare aiogram bot: long polling, one handler answering each text with itself."""
    from aiogram import Bot, Dispatcher, F
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(message.text)

    await bot.delete_webhook(drop_pending_updates=False)
    try:
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await bot.session.close()


if __name__ == "__main__" and "--echo-bot" in sys.argv:
    # The echo bot's process imports aiogram only (not the emulator nor the project).
    asyncio.run(echo_bot_main())
    raise SystemExit(0)


from scripts import benchlib as bl  # noqa: E402
from scripts.benchlib import LoadResult, ReplyProbe  # noqa: E402

TARGET_RATE = 500.0
TARGET_SHARE = 0.40
TARGET_P99 = 0.050
FIRST_CUSTOMER = 100_001
FIRST_HANDOFF_CUSTOMER = 500_001
HANDOFF_TEXT = "My blender makes a strange grinding noise when I press button three"


# ---- load ----------------------------------------------------------------------------------


# --faq-unique: every question differs in its words (a trailing number), so none is cached.
UNIQUE = False


def question(n: int) -> str:
    """The n-th workload question."""
    text = bl.FAQ_QUESTIONS[n % len(bl.FAQ_QUESTIONS)]
    return f"{text} {n}?" if UNIQUE else text  # ~3% then fall below the bar (handoffs)


async def ask(
    emu: bl.Emulator, probe: ReplyProbe, user_id: int, text: str, timeout: float
) -> float:
    """Queue one message and return the latency to the bot's next message in that chat."""
    waiter = probe.expect(user_id)
    started = time.perf_counter()
    bl.post_text(emu, user_id, text)
    replied = await asyncio.wait_for(waiter, timeout)
    return replied - started


async def closed_loop(
    emu: bl.Emulator,
    probe: ReplyProbe,
    customers: list[int],
    duration: float,
    label: str,
    pid: int,
    *,
    handoff_slots: int = 0,
    timeout: float = 10.0,
    max_messages: int = 1_000_000,
) -> LoadResult:
    """Every customer writes, waits for the answer and writes again, for `duration` seconds."""
    result = LoadResult(label, 0.0, 0, 0)
    handoff_latencies: list[float] = []
    next_fresh = [FIRST_HANDOFF_CUSTOMER + 10_000 * (hash(label) % 50)]
    stop_at = time.perf_counter() + duration
    cpu0, drv0 = bl.cpu_seconds(pid), bl.self_cpu()

    async def customer(uid: int, index: int) -> None:
        n = index
        while time.perf_counter() < stop_at and result.sent < max_messages:
            text = question(n + uid * 1000)
            n += 1
            result.sent += 1
            try:
                result.latencies.append(await ask(emu, probe, uid, text, timeout))
                result.answered += 1
            except TimeoutError:
                result.timeouts += 1

    async def handoff_slot() -> None:
        while time.perf_counter() < stop_at and result.sent < max_messages:
            uid = next_fresh[0]
            next_fresh[0] += 1
            emu.add_user(uid, f"New {uid}", language_code="en")
            result.sent += 1
            try:
                handoff_latencies.append(await ask(emu, probe, uid, HANDOFF_TEXT, timeout))
                result.answered += 1
            except TimeoutError:
                result.timeouts += 1

    started = time.perf_counter()
    tasks = [customer(uid, i) for i, uid in enumerate(customers)]
    tasks += [handoff_slot() for _ in range(handoff_slots)]
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - started
    result.bot_cpu = (bl.cpu_seconds(pid) - cpu0) / result.seconds
    result.driver_cpu = (bl.self_cpu() - drv0) / result.seconds
    if handoff_slots:
        result.extra["handoff_latencies"] = handoff_latencies
        result.extra["faq_latencies"] = list(result.latencies)
        result.latencies += handoff_latencies
    return result


async def fixed_rate(
    emu: bl.Emulator,
    probe: ReplyProbe,
    customers: list[int],
    rate: float,
    duration: float,
    label: str,
    pid: int,
    timeout: float = 10.0,
) -> LoadResult:
    """Queue `rate` messages a second, round-robin over the customers, for `duration` s."""
    total = int(rate * duration)
    result = LoadResult(label, 0.0, 0, 0)
    pending: list[asyncio.Task[float]] = []
    cpu0, drv0 = bl.cpu_seconds(pid), bl.self_cpu()
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        uid = customers[i % len(customers)]
        result.sent += 1
        pending.append(loop.create_task(ask(emu, probe, uid, question(i), timeout)))
    sending = time.perf_counter() - started
    for task in pending:
        try:
            result.latencies.append(await task)
            result.answered += 1
        except TimeoutError:
            result.timeouts += 1
    result.seconds = time.perf_counter() - started
    result.bot_cpu = (bl.cpu_seconds(pid) - cpu0) / result.seconds
    result.driver_cpu = (bl.self_cpu() - drv0) / result.seconds
    result.extra["offered_rate"] = result.sent / sending if sending else math.nan
    return result


# ---- one bot -------------------------------------------------------------------------------


async def run_bot(kind: str, args: argparse.Namespace) -> dict[str, object]:
    """Start the emulator and one bot process, run the phases, stop both."""
    emu = await bl.start_emulator()
    if args.telegram_latency:
        # Every Bot API call waits this long in the emulator, as a round trip to Telegram would.
        emu.inject_fault(None, "slow", count=None, delay=args.telegram_latency / 1000)
    probe = ReplyProbe(emu)
    workdir = bl.temp_dir(f"bench_pipeline_{kind}_")
    customers = [FIRST_CUSTOMER + i for i in range(args.customers)]
    for uid in customers:
        emu.add_user(uid, f"Customer {uid}", language_code="en")
    pg_name = None
    database_url = args.database_url
    if database_url == "postgres":
        pg_name, database_url = await bl.pg_create()
        bl.migrate_db(database_url)
    elif database_url is None:
        database_url = f"sqlite+aiosqlite:///{workdir}/bot.db"
    extra = {"FAQ_CACHE_DIR": str(workdir / "faq-cache")}
    if args.faq_encoder:
        extra["FAQ_ENCODER"] = args.faq_encoder
    if args.faq_cut:
        extra["CONTENT_DIR"] = str(bl.cut_content_dir(workdir / "content", args.faq_cut))
    env = bl.bot_env(emu, database_url, redis_url=args.redis_url, extra=extra)
    if kind == "echo":
        cmd = [bl.PYTHON, str(Path(__file__).resolve()), "--echo-bot"]
    else:
        cmd = bl.profiled(
            [bl.PYTHON, "-m", "bot", "run"], args.profile, Path(args.profile_out), args.patch
        )
    proc = bl.BotProcess(cmd, env, workdir / "bot.log")
    out: dict[str, object] = {"kind": kind}
    proc.start()
    try:
        await bl.wait_for(
            lambda: emu.calls_to("getUpdates") or not proc.alive(), 90, what="first getUpdates"
        )
        if not proc.alive():
            raise RuntimeError(f"{kind} bot exited:\n{proc.tail()}")
        # Warm-up: every customer once (first contact registers them), plus a short loop.
        warm = await asyncio.gather(
            *(ask(emu, probe, uid, bl.FAQ_QUESTIONS[0], 30.0) for uid in customers),
            return_exceptions=True,
        )
        failed = sum(isinstance(w, BaseException) for w in warm)
        if failed:
            raise RuntimeError(f"{kind}: {failed} warm-up messages unanswered\n{proc.tail()}")
        if kind == "full":
            sample = emu.bot_messages(customers[0])[-1].get("text", "")
            if "help" not in sample.lower():
                raise RuntimeError(f"unexpected FAQ answer: {sample[:200]!r}")
        await closed_loop(emu, probe, customers, args.warmup, f"{kind}-warm", proc.pid)
        out["rss_after_warmup_kb"] = bl.proc_status(proc.pid).get("VmRSS")
        bursts = []
        for _ in range(args.bursts):
            # N customers write at the same instant: when does each answer arrive?
            await asyncio.sleep(1.0)
            group = customers[: args.burst_size]
            answers = await asyncio.gather(
                *(ask(emu, probe, uid, bl.FAQ_QUESTIONS[1], 30.0) for uid in group)
            )
            bursts.append(sorted(answers))
        out["bursts"] = bursts
        profile_closed = args.profile and not args.profile_rates
        if profile_closed:
            os.kill(proc.pid, signal.SIGUSR1)  # sample the closed loop only
        out["closed"] = await closed_loop(
            emu,
            probe,
            customers,
            args.duration,
            f"{kind} closed loop",
            proc.pid,
            handoff_slots=args.handoff_slots if kind == "full" else 0,
        )
        if profile_closed:
            os.kill(proc.pid, signal.SIGUSR2)
        await asyncio.sleep(1.0)
        if args.profile and args.profile_rates:
            os.kill(proc.pid, signal.SIGUSR1)  # sample the fixed-rate runs instead
        for rate in [r for r in args.rate if r > 0]:
            out[f"fixed {rate:g}"] = await fixed_rate(
                emu, probe, customers, rate, args.rate_duration, f"{kind} at {rate:g}/s", proc.pid
            )
            await asyncio.sleep(1.0)
        if args.profile and args.profile_rates:
            os.kill(proc.pid, signal.SIGUSR2)
        out["rss_kb"] = bl.proc_status(proc.pid)
        out["errors"] = [c.error for c in emu.rejected_calls][:5]
        out["methods"] = dict(collections.Counter(c.method for c in emu.calls).most_common())
    finally:
        code = proc.stop(timeout=60 if args.profile else 20)
        out["exit"] = code
        out["log_tail"] = proc.tail(8)
        out["counts"] = [line for line in proc.tail(50).splitlines() if line.startswith("COUNTS")]
        await emu.stop()
        if pg_name:
            await bl.pg_drop(pg_name)
        if args.keep:
            print(f"# kept {workdir}")
        else:
            bl.remove_dir(workdir)
    return out


def verdicts(full: dict[str, object], echo: dict[str, object] | None) -> list[list[str]]:
    """Compare with the targets."""
    rows = []
    closed = full.get("closed")
    if isinstance(closed, LoadResult):
        rows.append(
            [
                "full pipeline ≥ 500 updates/s",
                f"{closed.rate:.0f}/s",
                "met" if closed.rate >= TARGET_RATE else "NOT met",
            ]
        )
        if echo and isinstance(echo.get("closed"), LoadResult):
            share = closed.rate / echo["closed"].rate  # type: ignore[union-attr]
            rows.append(
                [
                    "≥ 40% of the echo bot's rate",
                    f"{share:.0%}",
                    "met" if share >= TARGET_SHARE else "NOT met",
                ]
            )
    for key, fixed in full.items():
        if key.startswith("fixed") and isinstance(fixed, LoadResult):
            rows.append(
                [
                    f"p99 < 50 ms at {fixed.extra['offered_rate']:.0f} updates/s offered",
                    f"{ms(fixed.p99)} ms ({fixed.timeouts} unanswered in 10 s)",
                    "met" if fixed.p99 < TARGET_P99 and not fixed.timeouts else "NOT met",
                ]
            )
    return rows


def ms(value: float) -> str:
    return bl.ms(value)


def report(results: list[dict[str, object]], args: argparse.Namespace) -> None:
    rows = []
    for res in results:
        for key, r in res.items():
            if not isinstance(r, LoadResult) or not key.startswith(("closed", "fixed")):
                continue
            rows.append(
                [
                    r.label,
                    f"{r.seconds:.1f}",
                    r.answered,
                    r.timeouts,
                    f"{r.rate:.0f}",
                    ms(r.p50),
                    ms(bl.percentile(r.latencies, 90)),
                    ms(r.p99),
                    ms(max(r.latencies) if r.latencies else math.nan),
                    f"{r.bot_cpu:.0%}",
                    f"{r.driver_cpu:.0%}",
                    f"{r.bot_cpu * r.seconds / r.answered * 1000:.1f}" if r.answered else "—",
                ]
            )
    print()
    print(
        bl.table(
            [
                "run",
                "s",
                "answered",
                "timeouts",
                "updates/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "bot CPU",
                "driver CPU",
                "bot CPU ms/update",
            ],
            rows,
        )
    )
    for res in results:
        closed = res.get("closed")
        if isinstance(closed, LoadResult) and "handoff_latencies" in closed.extra:
            h, f = closed.extra["handoff_latencies"], closed.extra["faq_latencies"]
            print(
                f"\n{res['kind']}: FAQ answers {len(f)} (p50 {ms(bl.percentile(f, 50))} ms, "
                f"p99 {ms(bl.percentile(f, 99))} ms); handoffs to a new topic {len(h)} "
                f"(p50 {ms(bl.percentile(h, 50))} ms, p99 {ms(bl.percentile(h, 99))} ms)"
            )
        for i, burst in enumerate(res.get("bursts") or []):  # type: ignore[arg-type]
            print(
                f"{res['kind']}: burst {i + 1} of {len(burst)} at once, answers after (ms): "
                + " ".join(f"{t * 1000:.0f}" for t in burst)
            )
        for line in res.get("counts") or []:
            print(f"{res['kind']}: {line}")
        rss = res.get("rss_kb")
        if isinstance(rss, dict):
            print(
                f"{res['kind']}: RSS {rss.get('VmRSS', 0) / 1024:.0f} MiB "
                f"(peak {rss.get('VmHWM', 0) / 1024:.0f} MiB); "
                f"rejected calls {res.get('errors')}; Bot API calls {res.get('methods')}"
            )
    full = next((r for r in results if r["kind"] == "full"), None)
    echo = next((r for r in results if r["kind"] == "echo"), None)
    if full is not None:
        print()
        print(bl.table(["target", "measured", "verdict"], verdicts(full, echo)))


def check_questions(args: argparse.Namespace) -> None:
    """Every question must be one the bot's FAQ answers with confidence (else: a handoff)."""
    from bot.content.loader import load_content
    from bot.encoders import encoder_for
    from bot.services.faq_eval import cut
    from bot.services.faq_meaning import FaqService

    content = load_content(bl.ROOT / "content")
    if args.faq_cut:
        content = cut(content, args.faq_cut)
        bl.FAQ_QUESTIONS[:] = bl.FAQ_PARAPHRASES  # only meaning answers them
    service = FaqService(content, encoder_for(args.faq_encoder or "builtin"))

    async def check() -> None:
        await service.start()
        if args.faq_cut:
            # The paraphrases the matcher declines would measure handoffs, not answers: they
            # are left out, and said so, as long as enough remain to be a workload.
            kept = [t for t in bl.FAQ_QUESTIONS if await _confident(service, t)]
            for text in sorted(set(bl.FAQ_QUESTIONS) - set(kept)):
                print(f"# left out, not answered with confidence: {text!r}")
            if len(kept) < 5:
                raise SystemExit(f"only {len(kept)} paraphrases are answered with confidence")
            bl.FAQ_QUESTIONS[:] = kept
        for text in bl.FAQ_QUESTIONS:
            match = await service.match(text, "en")
            if match is None or not match.confident:
                raise SystemExit(f"the FAQ no longer answers {text!r} with confidence")
            words = service.lexical.match(text)
            if args.faq_cut and words is not None and words.confident:
                raise SystemExit(f"words alone answer {text!r}: not an encoder workload")
        match = await service.match(HANDOFF_TEXT, "en")
        if match is not None and match.confident:
            raise SystemExit(f"the FAQ answers the handoff text {HANDOFF_TEXT!r}")

    asyncio.run(check())


async def _confident(service: Any, text: str) -> bool:
    match = await service.match(text, "en")
    return match is not None and match.confident


async def main_async(args: argparse.Namespace) -> None:
    bl.print_machine("bench_pipeline: FAQ answers through the emulator over HTTP")
    print(
        f"# {args.customers} customers, closed loop {args.duration:g} s, fixed rate "
        f"{args.rate} updates/s for {args.rate_duration:g} s each, "
        f"handoff slots {args.handoff_slots}, "
        f"database {args.database_url or 'SQLite (temporary file)'}, limiter lifted, "
        f"Bot API latency {args.telegram_latency:g} ms, "
        f"patches {args.patch or 'none'}, FAQ_ENCODER {args.faq_encoder or 'default'}, "
        f"FAQ {'cut to ' + str(args.faq_cut) + ' phrasings' if args.faq_cut else 'as shipped'}"
        f"{', every question unique' if args.faq_unique else ''}",
        flush=True,
    )
    kinds = ["full", "echo"] if args.only is None else [args.only]
    results = []
    for kind in kinds:
        started = time.perf_counter()
        res = await run_bot(kind, args)
        print(
            f"# {kind}: done in {time.perf_counter() - started:.0f} s, exit {res['exit']}",
            flush=True,
        )
        results.append(res)
    report(results, args)
    if args.profile == "pyinstrument" and Path(args.profile_out).exists():
        print()
        print(bl.profile_summary(args.profile_out))
    print(f"\n# load after: {bl.loadavg()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--echo-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--duration", type=float, default=20.0, help="closed-loop seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="closed-loop warm-up seconds")
    parser.add_argument(
        "--rate",
        type=float,
        nargs="+",
        default=[100.0],
        help="fixed rates, updates/s, one run each (0: skip)",
    )
    parser.add_argument("--rate-duration", type=float, default=20.0)
    parser.add_argument(
        "--handoff-slots",
        type=int,
        default=0,
        help="extra closed-loop slots where a new customer asks something the "
        "FAQ cannot answer (a handoff: topic, context card, copy)",
    )
    parser.add_argument(
        "--bursts",
        type=int,
        default=0,
        help="queue --burst-size updates at once this many times; print when "
        "each answer arrived (shows whether updates are handled concurrently)",
    )
    parser.add_argument("--burst-size", type=int, default=20)
    parser.add_argument("--only", choices=["full", "echo"])
    parser.add_argument(
        "--database-url",
        help="default: a temporary SQLite file; 'postgres': a fresh database on 127.0.0.1",
    )
    parser.add_argument("--redis-url", help="REDIS_URL for the bot (FSM, isolation, limiter)")
    parser.add_argument(
        "--telegram-latency",
        type=float,
        default=0.0,
        help="milliseconds every Bot API call waits in the emulator (Telegram's round trip)",
    )
    parser.add_argument("--profile", choices=["pyinstrument", "cprofile"])
    parser.add_argument(
        "--patch",
        action="append",
        default=[],
        choices=sorted(bl.PATCHES),
        help="what-if patch applied to the bot's process (not its code): "
        + "; ".join(f"{k}: {v}" for k, v in bl.PATCHES.items()),
    )
    parser.add_argument("--profile-out", default="/tmp/bench_pipeline.pyisession")
    parser.add_argument(
        "--profile-rates",
        action="store_true",
        help="profile the fixed-rate runs instead of the closed loop",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bot's log and database")
    parser.add_argument("--faq-encoder", help="FAQ_ENCODER for the bot (default: its own)")
    parser.add_argument(
        "--faq-unique",
        action="store_true",
        help="append a number to every question: no two are alike, so the bot's cache of "
        "recent questions never hits and every update is encoded",
    )
    parser.add_argument(
        "--faq-cut",
        type=int,
        default=0,
        help="run the bot on the demo FAQ cut to N phrasings per language without keywords, "
        "with questions only meaning answers (every update goes through the encoder)",
    )
    args = parser.parse_args()
    if args.echo_bot:
        asyncio.run(echo_bot_main())
        return 0
    global UNIQUE
    UNIQUE = args.faq_unique
    check_questions(args)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
