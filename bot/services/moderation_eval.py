"""moderation-eval: score the insult detector on a labelled CSV of customer messages."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content.load_errors import ContentError
from bot.services.moderation import Lexicon, Moderator

LABELS = ("insult", "ok")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


class EvalFileError(Exception):
    """The evaluation CSV is malformed; the message names the file and the row."""


@dataclass(frozen=True, slots=True)
class EvalRow:
    """One labelled message; `line` is where it starts in the file."""

    text: str
    insult: bool
    line: int

    @property
    def language(self) -> str:
        """The script's language: ru when mostly Cyrillic letters, otherwise en."""
        cyrillic = len(_CYRILLIC.findall(self.text))
        return "ru" if cyrillic > len(_LATIN.findall(self.text)) else "en"


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision and recall of the `insult` class."""

    tp: int
    fp: int
    fn: int
    n: int

    @property
    def precision(self) -> float:
        """Share of flagged messages that are insults (1.0 when nothing was flagged)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of insults that were flagged (1.0 when there are none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self) -> str:
        """The summary line: `precision=0.97 recall=0.96 n=200`."""
        return f"precision={self.precision:.2f} recall={self.recall:.2f} n={self.n}"


def read_rows(csv_path: Path) -> list[EvalRow]:
    """Read a `text,label` CSV; raise EvalFileError naming the file and the line of the row."""
    name = str(csv_path)
    try:
        with Path(csv_path).open(encoding="utf-8", newline="") as handle:
            return _parse_rows(name, csv.reader(handle))
    except OSError as exc:
        raise EvalFileError(f"{name}: cannot read: {exc.strerror or exc}") from None


def _parse_rows(name: str, reader: Any) -> list[EvalRow]:
    """Validate the header and every row of an open CSV reader."""
    rows: list[EvalRow] = []
    try:
        header = next(reader, None)
        if header != ["text", "label"]:
            raise EvalFileError(f"{name}: line 1: header must be 'text,label', got {header!r}")
        line = reader.line_num + 1
        for record in reader:
            if not record:
                line = reader.line_num + 1
                continue
            if len(record) != 2:
                raise EvalFileError(
                    f"{name}: line {line}: expected 2 columns (text,label), got {len(record)}"
                )
            text, label = record
            if label.strip() not in LABELS:
                raise EvalFileError(
                    f"{name}: line {line}: label must be 'insult' or 'ok', got {label!r}"
                )
            if not text.strip():
                raise EvalFileError(f"{name}: line {line}: text is empty")
            rows.append(EvalRow(text, label.strip() == "insult", line))
            line = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{name}: line {reader.line_num}: {exc}") from None
    return rows


def score(rows: Iterable[EvalRow], flagged: Iterable[bool]) -> Scores:
    """Count true positives, false positives and false negatives."""
    tp = fp = fn = n = 0
    for row, hit in zip(rows, flagged, strict=True):
        n += 1
        tp += hit and row.insult
        fp += hit and not row.insult
        fn += row.insult and not hit
    return Scores(tp=tp, fp=fp, fn=fn, n=n)


def evaluate(rows: list[EvalRow], moderator: Moderator) -> dict[str, Scores]:
    """Scores overall ("all") and per script ("ru", "en")."""
    flagged = [moderator.check(row.text).is_insult for row in rows]
    result = {"all": score(rows, flagged)}
    for language in ("ru", "en"):
        pairs = [(r, f) for r, f in zip(rows, flagged, strict=True) if r.language == language]
        result[language] = score([r for r, _ in pairs], [f for _, f in pairs])
    return result


def main(csv_path: Path, content_dir: Path, *, stress: bool = False, disguise: bool = False) -> int:
    """Print each mistake, then the per-script figures, then one `precision= recall= n=` line.

    `disguise` adds recall per kind of disguise, `stress` the false-positive rate over
    dictionaries (bot.services.moderation_stress); each prints its own lines before the last.
    """
    try:
        rows = read_rows(Path(csv_path))
        moderator = Moderator(Lexicon.load(Path(content_dir) / "moderation.yaml"))
    except (EvalFileError, ContentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        result = moderator.check(row.text)
        if result.is_insult and not row.insult:
            print(f"false positive (line {row.line}, {result.matched!r}): {row.text}")
        elif row.insult and not result.is_insult:
            print(f"false negative (line {row.line}): {row.text}")
    scores = evaluate(rows, moderator)
    for language in ("ru", "en"):
        s = scores[language]
        print(f"{language}: p={s.precision:.2f} r={s.recall:.2f} n={s.n}")
    if disguise:
        _print_disguises(rows, moderator)
    if stress:
        _print_stress(moderator, Path(csv_path).parent)
    print(scores["all"].line())
    return 0


def _print_disguises(rows: list[EvalRow], moderator: Moderator) -> None:
    """Each missed disguise, then recall per kind and language."""
    from bot.services.moderation_stress import disguise_scores

    results = disguise_scores(rows, moderator)
    for result in results:
        for text in result.missed:
            print(f"missed disguise ({result.kind}, {result.language}): {text}")
    for result in results:
        print(f"disguise {result.kind} {result.language}: recall={result.recall:.2f} n={result.n}")


def _print_stress(moderator: Moderator, data_dir: Path) -> None:
    """Each flagged innocent word, then the false-positive rate per language."""
    from bot.services.moderation_stress import (
        ABUSIVE_LIST,
        english_words,
        read_abusive,
        russian_words,
        stress,
    )

    abusive = read_abusive(data_dir / ABUSIVE_LIST)
    results = [
        stress(moderator, "ru", russian_words(), abusive),
        stress(moderator, "en", english_words(), abusive),
    ]
    for result in results:
        for word in result.false_positives:
            print(f"stress false positive ({result.language}): {word}")
    for result in results:
        print(
            f"stress {result.language}: false_positive_rate={result.rate:.4%} "
            f"flagged={len(result.false_positives)} abusive={result.known} "
            f"checked={result.checked}"
        )
