"""Time the insult detector per message: cold (every word new to the caches) and warm.

    flock /tmp/bench.lock .venv/bin/python scripts/bench_moderation.py
    flock /tmp/bench.lock .venv/bin/python scripts/bench_moderation.py --rounds 3

The messages are the rows of tests/data/moderation_eval.csv, every disguise that
`moderation-eval --disguise` makes of them, and ordinary customer messages built from
numbered orders, so that most words are new. The first pass runs with the word caches just
emptied (the worst case: each word is read, looked up and typo-checked for the first time);
later passes are warm, as in a running bot. Prints one row per pass: messages, p50, p90, p99
and max in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.services import moderation
from bot.services.moderation_eval import read_rows
from bot.services.moderation_stress import disguised

ROOT = Path(__file__).resolve().parent.parent
EVAL_CSV = ROOT / "tests" / "data" / "moderation_eval.csv"
TEMPLATES = (
    "Hello, where is my order R-{n:06d}? It was due on {d}.12, tracking {n}{n}.",
    "Здравствуйте, заказ C-{n:06d} пришёл без зарядки, верните {n} рублей, пожалуйста.",
    "Hi team, item SKU-{n} size EU-{d} is damaged, can courier pick it up tomorrow?",
    "Добрый день! Курьер опоздал на {d} минут, а посылка {n} мокрая. Что делать?",
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _clear_caches(moderator: moderation.Moderator) -> None:
    """Forget every word, as after a restart (the dictionaries stay loaded)."""
    for function in (
        moderation._readings,
        moderation._read_chunk,
        moderation._keys,
        moderation._verb_person,
        moderation._inanimate_noun,
        moderation.is_dictionary_word,
        moderation.is_known_word,
        moderation.transliterate,
    ):
        function.cache_clear()
    moderator._findings.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes; the first is cold")
    args = parser.parse_args()
    moderator = moderation.load_moderator(ROOT / "content")
    rows = read_rows(EVAL_CSV)
    messages = [row.text for row in rows]
    messages += [text for _kind, _language, text in disguised(rows, moderator)]
    messages += [t.format(n=n, d=n % 28 + 1) for n in range(500) for t in TEMPLATES]
    moderation.is_known_word("warm")  # load the dictionaries before timing anything
    moderator.check("warm up")
    _clear_caches(moderator)
    print("| pass | messages | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for round_ in range(args.rounds):
        times = []
        for text in messages:
            started = time.perf_counter()
            moderator.check(text)
            times.append((time.perf_counter() - started) * 1000)
        label = "cold" if round_ == 0 else "warm"
        print(
            f"| {label} | {len(times)} | {_percentile(times, 0.5):.3f} | "
            f"{_percentile(times, 0.9):.3f} | {_percentile(times, 0.99):.3f} | {max(times):.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
