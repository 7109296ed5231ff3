"""moderation-eval --stress and --disguise: the detector against dictionaries and disguises.

``--stress`` runs every word of a dictionary through the detector as a message of its own:
all pymorphy3 lemmas plus a seeded sample of its word forms, and wordfreq's most frequent
English words. A flagged word is a false positive unless it is on the reviewed list of
abusive dictionary words (``moderation_stress_abusive.txt`` beside the evaluation file).

``--disguise`` finds the word that makes each insult row an insult, disguises it the ways
customers do (spaced or doubled letters, a split, a dropped or swapped letter, a mask, Latin
letters for Russian, stretched neighbours) and reports the share still caught, per kind.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.services.moderation import Moderator, is_dictionary_word, is_known_word

if TYPE_CHECKING:
    from bot.services.moderation_eval import EvalRow

STRESS_SEED = 16
STRESS_FORMS = 300_000
ENGLISH_WORDS = 100_000
ABUSIVE_LIST = "moderation_stress_abusive.txt"

_WORD = re.compile(r"[^\W\d_]+")
_TRANSLIT = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ё": ("e", "yo"), "ж": ("zh",), "з": ("z",), "и": ("i",), "й": ("y", "i", "j"),
    "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",),
    "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",),
    "х": ("h", "kh", "x"), "ц": ("ts", "c", "tz"), "ч": ("ch",), "ш": ("sh",),
    "щ": ("sch", "shch"), "ъ": ("",), "ы": ("y", "i"), "ь": ("", "'"), "э": ("e",),
    "ю": ("yu", "iu", "ju"), "я": ("ya", "ia", "ja"),
}  # fmt: skip


# ---------------------------------------------------------------- dictionary stress


@dataclass(frozen=True, slots=True)
class StressResult:
    """Flagged innocent words out of the words checked, for one language."""

    language: str
    checked: int
    false_positives: tuple[str, ...]
    known: int  # flagged words on the reviewed abusive list

    @property
    def rate(self) -> float:
        """The false-positive rate."""
        return len(self.false_positives) / self.checked if self.checked else 0.0


def russian_words(sample: int = STRESS_FORMS, seed: int = STRESS_SEED) -> list[str]:
    """All pymorphy3 lemmas plus a seeded sample of the other word forms."""
    from bot.services.moderation import _morph

    lemmas: set[str] = set()
    forms: set[str] = set()
    for word, (_paradigm, index) in _morph().dictionary.words.iteritems(""):
        if not word.isalpha():
            continue
        (lemmas if index == 0 else forms).add(word)
    rest = sorted(forms - lemmas)
    chosen = random.Random(seed).sample(rest, min(sample, len(rest)))
    return sorted(lemmas) + chosen


def english_words(count: int = ENGLISH_WORDS) -> list[str]:
    """wordfreq's most frequent English words, letters only."""
    from wordfreq import top_n_list

    return [w for w in top_n_list("en", count) if w.isalpha()]


def read_abusive(path: Path) -> frozenset[str]:
    """The reviewed list: dictionary words that are abusive, one a line, # for comments."""
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip()[:1] not in ("", "#"))


def stress(
    moderator: Moderator, language: str, words: Iterable[str], abusive: frozenset[str]
) -> StressResult:
    """Check each word alone; flagged words not on the abusive list are false positives."""
    checked = known = 0
    wrong: list[str] = []
    for word in words:
        checked += 1
        if moderator.check(word).is_insult:
            if word.lower().replace("ё", "е") in abusive or word.lower() in abusive:
                known += 1
            else:
                wrong.append(word)
    return StressResult(language, checked, tuple(wrong), known)


# ---------------------------------------------------------------- disguises


def _key_word(moderator: Moderator, text: str) -> tuple[int, int] | None:
    """Where the word is that makes the message an insult: without it the message is clean."""
    for match in _WORD.finditer(text):
        if len(match.group()) < 3:
            continue
        rest = text[: match.start()] + "ok" + text[match.end() :]
        if not moderator.check(rest).is_insult:
            return match.span()
    return None


def _spaced(word: str, rng: random.Random) -> str | None:
    return " ".join(word)


def _doubled(word: str, rng: random.Random) -> str | None:
    return "".join(ch * 2 for ch in word)


def _split(word: str, rng: random.Random) -> str | None:
    if len(word) < 4:
        return None
    at = rng.randrange(2, len(word) - 1)
    if is_dictionary_word(word[:at].lower()) and is_dictionary_word(word[at:].lower()):
        return None  # two words ("иди от"): nobody could tell
    return word[:at] + " " + word[at:]


def _dropped(word: str, rng: random.Random) -> str | None:
    if len(word) < 5:
        return None
    at = rng.randrange(1, len(word))
    return word[:at] + word[at + 1 :]


def _swapped(word: str, rng: random.Random) -> str | None:
    if len(word) < 5:
        return None
    at = rng.randrange(1, len(word) - 1)
    if word[at] == word[at + 1]:
        return None
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _masked(word: str, rng: random.Random) -> str | None:
    if len(word) < 4:
        return None
    at = rng.randrange(1, len(word) - 1)
    return word[:at] + "*" + word[at + 1 :]


def _stretched(word: str, rng: random.Random) -> str | None:
    return word + word[-1] * 3


def transliterate(text: str, rng: random.Random) -> str:
    """Russian written in Latin letters the ways people do: one choice per letter, seeded."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TRANSLIT:
            latin = rng.choice(_TRANSLIT[low])
            out.append(latin.capitalize() if ch != low else latin)
        else:
            out.append(ch)
    return "".join(out)


Disguise = Callable[[str, random.Random], str | None]
WORD_KINDS: dict[str, Disguise] = {
    "spaced": _spaced,
    "doubled": _doubled,
    "split": _split,
    "dropped": _dropped,
    "swapped": _swapped,
    "masked": _masked,
}


@dataclass(frozen=True, slots=True)
class DisguiseScore:
    """How many disguised insults of one kind and language were generated and caught."""

    kind: str
    language: str
    n: int
    caught: int
    missed: tuple[str, ...]

    @property
    def recall(self) -> float:
        """Share caught (1.0 when none were generated)."""
        return self.caught / self.n if self.n else 1.0


def disguised(
    rows: Iterable[EvalRow], moderator: Moderator, seed: int = STRESS_SEED
) -> Iterator[tuple[str, str, str]]:
    """(kind, language, text) for every disguise of every insult row caught plainly."""
    rng = random.Random(seed)
    for row in rows:
        if not row.insult or not moderator.check(row.text).is_insult:
            continue
        span = _key_word(moderator, row.text)
        if span is None:
            continue  # several insults: no one word to disguise
        start, end = span
        word = row.text[start:end]
        if not is_known_word(word.lower().replace("ё", "е")):
            continue  # disguised already ("idoit", "debili"): a plain insult is disguised once
        for kind, make in WORD_KINDS.items():
            changed = make(word, rng)
            if changed is None:
                continue
            if kind in ("dropped", "swapped") and is_known_word(changed.lower()):
                continue  # the typo made another word: nobody could tell
            yield kind, row.language, row.text[:start] + changed + row.text[end:]
        # The word after the insult stretched: "козёл тыыы".
        after = _WORD.search(row.text, end)
        if after is not None:
            text = row.text[: after.end()] + after.group()[-1] * 3 + row.text[after.end() :]
            yield "stretched", row.language, text
        if row.language == "ru":
            yield "latin", "ru", transliterate(row.text, rng)


def disguise_scores(rows: Iterable[EvalRow], moderator: Moderator) -> list[DisguiseScore]:
    """Recall per kind of disguise and language."""
    totals: dict[tuple[str, str], int] = {}
    missed: dict[tuple[str, str], list[str]] = {}
    for kind, language, text in disguised(rows, moderator):
        key = (kind, language)
        totals[key] = totals.get(key, 0) + 1
        if not moderator.check(text).is_insult:
            missed.setdefault(key, []).append(text)
    return [
        DisguiseScore(
            kind,
            language,
            n,
            n - len(missed.get((kind, language), ())),
            tuple(missed.get((kind, language), ())),
        )
        for (kind, language), n in sorted(totals.items())
    ]
