"""The `faq-eval` command: score the FAQ matcher and small talk against labelled CSV files.

Questions: `question,expected[,lang]` (expected is an FAQ id or "none"); top-1 accuracy on
in-scope rows and rejection on out-of-scope rows, per language and overall. Small talk:
`text,intent[,lang]` (greeting, thanks, goodbye, ack, human, question); the share of each
intent handled right. `--content DIR` may hold only a faq.yaml: the rest comes from the
bot's own content. `--cut N` keeps N phrasings per language and drops keywords and shop
words, the way a busy owner writes an FAQ. `--curve` also prints, per language, the accuracy
at fixed rejections (0.85, 0.90, 0.95) with the threshold each needs: it compares two matchers
by how well their scores separate, whatever their calibration.
"""

from __future__ import annotations

import asyncio
import csv
import math
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, Protocol

from bot.content.load_errors import ContentError
from bot.content.loader import Content, load_content
from bot.content.schema import LANGUAGES, LocalizedList
from bot.encoders import encoder_for
from bot.services.faq import FaqMatch
from bot.services.faq_meaning import FaqService, language_of
from bot.services.smalltalk import SmallTalk

NONE = "none"
HEADER = ["question", "expected"]
SMALLTALK_HEADER = ["text", "intent"]
REPLY_INTENTS = ("greeting", "thanks", "goodbye", "ack")
PERSON = "human"
QUESTION = "question"


class EvalRow(NamedTuple):
    """A question and the FAQ id it should get, or "none" when the bot must not answer."""

    question: str
    expected: str
    lang: str = ""


class Matcher(Protocol):
    """Anything with the lexical matcher's `match`."""

    def match(self, text: str, lang: str | None = None) -> FaqMatch | None:
        """The best entry for `text`."""
        ...


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


class Point(NamedTuple):
    """Accuracy when the threshold declines at least `rejection` of the out-of-scope rows."""

    rejection: float
    accuracy: float
    threshold: float | None  # None: unreachable by any threshold


def at_rejection(found: Sequence[tuple[EvalRow, FaqMatch | None]], target: float) -> Point:
    """The best accuracy whose threshold declines at least `target` of out-of-scope rows.

    Only scores by meaning move with the threshold (their `topical` is set); a match the
    word matcher is sure of is answered at any threshold, as the service does.
    """

    def answers(match: FaqMatch | None, threshold: float) -> bool:
        if match is None:
            return False
        return match.score >= threshold if match.topical is not None else match.confident

    outside = [match for row, match in found if row.expected == NONE]
    inside = [(row, match) for row, match in found if row.expected != NONE]
    # Above every movable score nothing movable is answered; each lower candidate answers one
    # more out-of-scope row, so the lowest candidate still meeting the target is the best.
    movable = sorted({m.score for m in outside if m is not None and m.topical is not None})
    candidates = [*(score + 1e-9 for score in movable), math.inf]
    best: float | None = None
    for threshold in reversed(candidates):
        declined = sum(not answers(match, threshold) for match in outside)
        if outside and declined / len(outside) < target:
            break
        best = threshold
    if best is None:
        return Point(target, 0.0, None)
    right = sum(answers(m, best) and m is not None and m.entry_id == r.expected for r, m in inside)
    return Point(target, right / len(inside) if inside else 1.0, best)


def ranked_first(found: Sequence[tuple[EvalRow, FaqMatch | None]]) -> float:
    """The share of in-scope rows whose best entry is the right one, confident or not.

    No threshold answers more than this: it is the ranking's ceiling on accuracy.
    """
    inside = [(row, match) for row, match in found if row.expected != NONE]
    right = sum(match is not None and match.entry_id == row.expected for row, match in inside)
    return right / len(inside) if inside else 1.0


class EvalFileError(Exception):
    """The evaluation CSV is malformed; the message names the file and row."""


class _Answers:
    """Matches computed beforehand (in one batch), served through `match`."""

    def __init__(self, found: dict[str, FaqMatch | None]) -> None:
        self._found = found

    def match(self, text: str, lang: str | None = None) -> FaqMatch | None:
        return self._found[text]


def evaluate(matcher: Matcher, rows: Iterable[EvalRow | tuple[str, str]]) -> EvalResult:
    """Run every row through the matcher; an unconfident answer counts as declining."""
    in_scope = correct = out_of_scope = rejected = n = 0
    misses: list[Miss] = []
    for row in rows:
        question, expected = row[0], row[1]
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


async def evaluate_service(service: FaqService, rows: Sequence[EvalRow]) -> EvalResult:
    """`evaluate` for the FAQ service, encoding every question in one batch."""
    texts = [row.question for row in rows]
    found = dict(zip(texts, await service.match_many(texts), strict=True))
    return evaluate(_Answers(found), rows)


def by_language(rows: Sequence[EvalRow]) -> dict[str, list[EvalRow]]:
    """Rows per language: the `lang` column, or the script the question is written in."""
    groups: dict[str, list[EvalRow]] = defaultdict(list)
    for row in rows:
        groups[row.lang or language_of(row.question)].append(row)
    return dict(sorted(groups.items()))


def read_rows(csv_path: Path, known_ids: Iterable[str]) -> list[EvalRow]:
    """Read and check the CSV; raise EvalFileError naming the file and row on any fault."""
    valid = {*known_ids, NONE}
    rows = []
    for number, record in _records(csv_path, HEADER):
        question, expected = record[0], record[1]
        if expected not in valid:
            raise EvalFileError(
                f"{csv_path}: row {number}: unknown FAQ id {expected!r} "
                f"(use an id from faq.yaml or {NONE!r})"
            )
        rows.append(EvalRow(question, expected, record[2] if len(record) > 2 else ""))
    return rows


def _records(csv_path: Path, header: list[str]) -> list[tuple[int, list[str]]]:
    """The stripped records after a header of `header` plus an optional `lang` column."""
    allowed = (header, [*header, "lang"])
    found = []
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            first = next(reader, None)
            if first not in allowed:
                raise EvalFileError(f"{csv_path}: row 1: header must be {','.join(header)}")
            assert first is not None
            for number, record in enumerate(reader, start=2):
                if len(record) != len(first) or not record[0].strip():
                    raise EvalFileError(f"{csv_path}: row {number}: expected {','.join(first)}")
                found.append((number, [value.strip() for value in record]))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalFileError(f"{csv_path}: cannot read: {exc}") from None
    return found


def cut(content: Content, phrasings: int) -> Content:
    """The FAQ as a busy owner writes it: `phrasings` per language, no keywords or shop words."""
    empty = LocalizedList(en=[], ru=[])
    entries = []
    for entry in content.faq:
        questions = entry.questions.model_copy(
            update={lang: entry.questions.get(lang)[:phrasings] for lang in LANGUAGES}
        )
        entries.append(entry.model_copy(update={"questions": questions, "keywords": empty}))
    return replace(content, faq=entries, shop_words=empty)


def load_eval_content(content_dir: Path, defaults: Path) -> Content:
    """Content from `content_dir`, taking files it lacks (policy, flows...) from `defaults`."""
    if (content_dir / "policy.yaml").exists():
        return load_content(content_dir)
    with tempfile.TemporaryDirectory() as merged:
        shutil.copytree(defaults, merged, dirs_exist_ok=True)
        for path in content_dir.glob("*.yaml"):
            shutil.copy(path, Path(merged) / path.name)
        return load_content(Path(merged))


@dataclass(frozen=True)
class Options:
    """How to run the evaluation."""

    content_dir: Path
    defaults: Path
    encoder: str = "builtin"
    threshold: float | None = None
    cut: int | None = None
    smalltalk: bool = False
    encoder_model: str = ""
    encoder_key: str | None = None
    curve: bool = False


def main(csv_path: Path, content_dir: Path, options: Options | None = None) -> int:
    """Print each miss and the summary lines; 0 on success, 2 on a bad CSV or content."""
    options = options or Options(content_dir, content_dir, encoder="lexical")
    try:
        content = load_eval_content(options.content_dir, options.defaults)
        if options.cut is not None:
            content = cut(content, options.cut)
        if options.smalltalk:
            return _smalltalk(csv_path, content)
        rows = read_rows(csv_path, (entry.id for entry in content.faq))
    except (ContentError, EvalFileError) as exc:
        print(exc, file=sys.stderr)
        return 2
    return asyncio.run(_questions(rows, content, options))


async def _questions(rows: list[EvalRow], content: Content, options: Options) -> int:
    started = time.perf_counter()
    encoder = encoder_for(options.encoder, options.encoder_model, options.encoder_key)
    service = FaqService(content, encoder, None, options.threshold)
    await service.start()
    took = time.perf_counter() - started
    try:
        return await _report(service, rows, options, took)
    finally:
        await service.close()


async def _report(service: FaqService, rows: list[EvalRow], options: Options, took: float) -> int:
    """Print the misses, the thresholds and the per-language results."""
    result = await evaluate_service(service, rows)
    for miss in result.misses:
        got = miss.got or f"{NONE} (best {miss.best or '-'})"
        print(f"miss: {miss.question!r} expected={miss.expected} got={got} score={miss.score:.2f}")
    thresholds = " ".join(f"{lang}={service.threshold_for(lang):.3f}" for lang in LANGUAGES)
    how = (
        "words only, calibrated"
        if service.index is None
        else "FAQ_THRESHOLD"
        if options.threshold is not None
        else "calibrated"
    )
    print(f"engine={service.engine} threshold {thresholds} ({how}) start={took:.2f}s")
    groups = by_language(rows)
    if len(groups) > 1:
        for lang, subset in groups.items():
            print(f"{lang}: {(await evaluate_service(service, subset)).summary()}")
    print(result.summary())
    if options.curve:
        for lang, subset in groups.items():
            matches = await service.match_many([row.question for row in subset])
            found = list(zip(subset, matches, strict=True))
            points = [at_rejection(found, target) for target in CURVE]
            ceiling = f"top-1 {ranked_first(found):.2f} (no threshold answers more)"
            print(f"{lang}: " + "; ".join([*(_point(point) for point in points), ceiling]))
    return 0


# Rejections at which `--curve` reports the accuracy.
CURVE = (0.85, 0.90, 0.95)


def _point(point: Point) -> str:
    """One point of the curve, e.g. "at rejection>=0.90 accuracy=0.72 (threshold 0.331)"."""
    if point.threshold is None:
        return f"at rejection>={point.rejection:.2f} unreachable"
    bar = "none" if math.isinf(point.threshold) else f"{point.threshold:.3f}"
    return f"at rejection>={point.rejection:.2f} accuracy={point.accuracy:.2f} (threshold {bar})"


def _smalltalk(csv_path: Path, content: Content) -> int:
    """Score small talk: replies for greetings and the like, a person, questions left alone."""
    talk = SmallTalk(content.smalltalk)
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for _, record in _records(csv_path, SMALLTALK_HEADER):
        text, intent = record[0], record[1]
        found = talk.classify(text)
        if intent == PERSON:
            ok = found is not None and found.wants_person
        elif intent == QUESTION:
            ok = found is None
        else:
            ok = found is not None and not found.wants_person
        total[intent] += 1
        right[intent] += ok
        if not ok:
            got = "question" if found is None else found.intent.id
            print(f"miss: {text!r} expected={intent} got={got}")
    for intent in sorted(total):
        print(f"{intent}: {right[intent] / total[intent]:.2f} n={total[intent]}")
    replies = [i for i in total if i in REPLY_INTENTS]
    answered = sum(right[i] for i in replies) / max(1, sum(total[i] for i in replies))
    print(
        f"small talk answered={answered:.2f} person={_share(right, total, PERSON)} "
        f"questions kept={_share(right, total, QUESTION)}"
    )
    return 0


def _share(right: dict[str, int], total: dict[str, int], intent: str) -> str:
    return f"{right[intent] / total[intent]:.2f}" if total.get(intent) else "-"
