"""The `faq-eval` command: score the FAQ matcher against a labelled CSV of customer questions."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bot.content.errors import ContentError
from bot.content.loader import load_content
from bot.services.faq import FaqMatcher

NONE = "none"
HEADER = ["question", "expected"]


class EvalRow(NamedTuple):
    """A question and the FAQ id it should get, or "none" when the bot must not answer."""

    question: str
    expected: str


@dataclass(frozen=True)
class Miss:
    """A row the matcher got wrong: `got` is the answered id, or None when it declined."""

    question: str
    expected: str
    got: str | None
    best: str | None
    score: float


@dataclass(frozen=True)
class EvalResult:
    """Top-1 accuracy on in-scope rows, rejection rate on out-of-scope rows, and the misses."""

    accuracy: float
    rejection: float
    n: int
    misses: list[Miss] = field(default_factory=list)

    def summary(self) -> str:
        """The one-line result, e.g. "accuracy=0.93 rejection=0.95 n=150"."""
        return f"accuracy={self.accuracy:.2f} rejection={self.rejection:.2f} n={self.n}"


class EvalFileError(Exception):
    """The evaluation CSV is malformed; the message names the file and row."""


def evaluate(matcher: FaqMatcher, rows: Iterable[EvalRow | tuple[str, str]]) -> EvalResult:
    """Run every row through the matcher; an unconfident answer counts as declining."""
    in_scope = correct = out_of_scope = rejected = n = 0
    misses: list[Miss] = []
    for question, expected in rows:
        n += 1
        found = matcher.match(question)
        got = found.entry_id if found is not None and found.confident else None
        if expected == NONE:
            out_of_scope += 1
            rejected += got is None
        else:
            in_scope += 1
            correct += got == expected
        if (got or NONE) != expected:
            best = found.entry_id if found is not None else None
            score = found.score if found is not None else 0.0
            misses.append(Miss(question, expected, got, best, score))
    # An empty category has nothing to get wrong.
    accuracy = correct / in_scope if in_scope else 1.0
    rejection = rejected / out_of_scope if out_of_scope else 1.0
    return EvalResult(accuracy, rejection, n, misses)


def read_rows(csv_path: Path, known_ids: Iterable[str]) -> list[EvalRow]:
    """Read and check the CSV; raise EvalFileError naming the file and row on any fault."""
    valid = {*known_ids, NONE}
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header != HEADER:
                raise EvalFileError(f"{csv_path}: row 1: header must be {','.join(HEADER)}")
            rows = []
            for number, record in enumerate(reader, start=2):
                if len(record) != 2 or not record[0].strip():
                    raise EvalFileError(f"{csv_path}: row {number}: expected question,expected")
                question, expected = record[0].strip(), record[1].strip()
                if expected not in valid:
                    raise EvalFileError(
                        f"{csv_path}: row {number}: unknown FAQ id {expected!r} "
                        f"(use an id from faq.yaml or {NONE!r})"
                    )
                rows.append(EvalRow(question, expected))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalFileError(f"{csv_path}: cannot read: {exc}") from None
    return rows


def main(csv_path: Path, content_dir: Path) -> int:
    """Print each miss and the summary line; 0 on success, 2 on a bad CSV or content."""
    try:
        content = load_content(content_dir)
        rows = read_rows(csv_path, (entry.id for entry in content.faq))
    except (ContentError, EvalFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    matcher = FaqMatcher.from_content(content)
    result = evaluate(matcher, rows)
    for miss in result.misses:
        got = miss.got or f"{NONE} (best {miss.best or '-'})"
        print(f"miss: {miss.question!r} expected={miss.expected} got={got} score={miss.score:.2f}")
    print(result.summary())
    return 0
