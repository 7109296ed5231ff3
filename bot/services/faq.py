"""Match a customer's free text to an FAQ entry, or admit that nothing matches.

Pure rules code, no I/O. Words become terms (Russian: pymorphy3 lemma, then Snowball stem;
English: Snowball stem); terms sharing a long prefix form one family ("deliver"/"delivery",
"заказ"/"заказать"); misspelt words are mapped onto known word forms with rapidfuzz. An entry
scores by the share of the message's informative weight (IDF) it explains, with its keywords
counting more than words that only occur in its phrasings, blended with how well its closest
stored phrasing matches, and scaled down when the matched evidence is thin. Words the FAQ has
never seen weigh against every entry, which keeps the weather, jokes and other topics below the
threshold so that the bot hands over to a person instead of guessing. Goods the shop sells
("shop words") are neither evidence nor noise.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.loader import Content
from bot.content.schema import FaqEntry

__all__ = ["FaqMatch", "FaqMatcher", "common", "term_of", "tokens", "verbatim"]

_STOP = ("", 0.0)  # what _resolve returns for a word that says nothing about the topic


@dataclass(frozen=True)
class FaqMatch:
    """The best FAQ entry for a text, its score in 0..1, and whether it clears the threshold."""

    entry_id: str
    score: float
    confident: bool
    # How close in meaning, before the message's words are weighed (None: the score is all).
    topical: float | None = None


class FaqMatcher:
    """FAQ index built once; `match` is cheap enough to run on every customer message."""

    # Share of the score from the entry's coverage of the message; the rest comes from its
    # closest phrasing.
    COVERAGE_WEIGHT = 0.9
    # How much a phrasing's own unmatched words count against it (0 = not at all).
    PRECISION_EXP = 0.5
    # Weight of a word the FAQ never uses, relative to the highest IDF...
    UNKNOWN_WEIGHT = 2.0
    # ...growing with the square root of their number, as long messages carry more filler.
    UNKNOWN_EXP = 0.5
    # Matched weight (relative to the highest IDF) needed for full confidence.
    EVIDENCE = 2.0
    # Weight of a term an entry has only in its phrasings, not among its keywords.
    PHRASE_ONLY = 0.5
    # Terms sharing at least this many leading characters form one family.
    MIN_PREFIX = 6
    # Credit for a term matched through its family rather than exactly.
    PREFIX_SIMILARITY = 0.9
    # Minimum similarity (optimal string alignment: swapping two letters is one typo) for reading
    # a misspelt word as a known one; one typo per five letters, a hair below 0.8 because
    # rapidfuzz compares the cutoff with a rounded distance.
    FUZZY_CUTOFF = 0.79
    # A runner-up within this distance makes the match ambiguous, so not confident.
    MARGIN = 0.02

    def __init__(
        self, entries: Sequence[FaqEntry], threshold: float, shop_words: Iterable[str] = ()
    ) -> None:
        """Index the entries; `shop_words` (goods the shop sells) are neutral, not unknown."""
        self.threshold = threshold
        self._ids = [entry.id for entry in entries]
        surface: dict[str, str] = {}
        phrasings = [
            (index, _terms(text, surface))
            for index, entry in enumerate(entries)
            for text in (*entry.questions.en, *entry.questions.ru)
        ]
        keywords = [
            [term for text in (*e.keywords.en, *e.keywords.ru) for term in _terms(text, surface)]
            for e in entries
        ]
        self._family = self._families({t for _, ts in phrasings for t in ts}.union(*keywords))
        self._sorted = sorted(self._family)
        self._surface = {word: self._family[term] for word, term in surface.items()}
        # Typos rarely hit the first letter, so spelling candidates are grouped by it.
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self._surface:
            self._by_initial[word[0]].append(word)
        self._neutral = {t for word in shop_words for t in _terms(word, {})} - self._family.keys()
        self._index(len(entries), phrasings, keywords)
        self._resolved: dict[str, tuple[str, float] | None] = {}
        # A customer who types one of an entry's own phrasings gets that entry, however
        # common its words are across the FAQ ("Where do you deliver?"), unless two entries
        # share the phrasing: that stays ambiguous.
        owners: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(entries):
            for text in (*entry.questions.en, *entry.questions.ru):
                owners[verbatim(text)].add(index)
        self._verbatim = {text: min(found) for text, found in owners.items() if len(found) == 1}

    @classmethod
    def from_content(cls, content: Content, learned: Iterable[tuple[str, str]] = ()) -> FaqMatcher:
        """A matcher for loaded content plus learned (entry id, phrasing) pairs."""
        shop_words = [*content.shop_words.en, *content.shop_words.ru]
        return cls(with_phrasings(content.faq, learned), content.policy.faq_threshold, shop_words)

    def verbatim_entry(self, text: str) -> str | None:
        """The entry whose phrasing this text is, word for word, if exactly one has it."""
        index = self._verbatim.get(verbatim(text))
        return None if index is None else self._ids[index]

    def query_terms(self, text: str) -> dict[str, float]:
        """The text's known terms (typos and word forms resolved) with how sure each is.

        Words the FAQ's phrasings never use keep their own term, so that an answer's words
        still count for the word index built over answers.
        """
        found: dict[str, float] = {}
        for _, term, similarity in self.words_of(text):
            found[term] = max(found.get(term, 0.0), similarity)
        return found

    def words_of(self, text: str) -> list[tuple[str, str, float]]:
        """Each word that says something (no stop words): the word, its term, how sure."""
        found = []
        for token in tokens(text):
            resolved = self._resolve(token)
            if resolved is _STOP:
                continue
            if resolved is None:
                word = token.removeprefix(_NOT)
                term = term_of(word)
                if term is not None:
                    found.append((word, term, 1.0))
                continue
            found.append((token.removeprefix(_NOT), *resolved))
        return found

    def match(self, text: str, lang: str | None = None) -> FaqMatch | None:
        """The best entry for `text`, or None when no word of it is known to the FAQ.

        Both languages are always searched, since each word's script tells its language and
        customers mix them; `lang` (the chat language) is accepted but not needed.
        """
        exact = self._verbatim.get(verbatim(text))
        if exact is not None:
            return FaqMatch(self._ids[exact], 1.0, True)
        ranked = self._score(text)
        if not ranked:
            return None
        best_id, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        confident = best >= self.threshold and best - runner_up >= self.MARGIN
        return FaqMatch(best_id, best, confident)

    def rank(self, text: str, k: int = 5) -> list[FaqMatch]:
        """The `k` best entries with their scores, for diagnostics."""
        return [
            FaqMatch(entry_id, score, score >= self.threshold)
            for entry_id, score in self._score(text)[:k]
        ]

    # --- index ------------------------------------------------------------------------------

    def _families(self, vocabulary: set[str]) -> dict[str, str]:
        """Map each term to the shortest vocabulary term that is its prefix (or to itself)."""
        family: dict[str, str] = {}
        for term in sorted(vocabulary, key=len):
            prefixes = () if term.startswith(_NOT) else range(self.MIN_PREFIX, len(term))
            root = next((family[term[:n]] for n in prefixes if term[:n] in family), term)
            family[term] = root
        return family

    def _index(
        self, count: int, phrasings: list[tuple[int, list[str]]], keywords: list[list[str]]
    ) -> None:
        """IDF over entries, term postings for entries and phrasings, phrasing weights."""
        entry_keywords = [{self._family[t] for t in words} for words in keywords]
        entry_terms = [set(words) for words in entry_keywords]
        for index, words in phrasings:
            entry_terms[index].update(self._family[t] for t in words)
        frequency: dict[str, int] = defaultdict(int)
        for found in entry_terms:
            for term in found:
                frequency[term] += 1
        self._idf = {t: math.log((count + 1) / (df + 0.5)) for t, df in frequency.items()}
        top = math.log((count + 1) / 1.5)  # the IDF of a term only one entry uses
        self._unknown_weight = self.UNKNOWN_WEIGHT * top
        self._evidence = self.EVIDENCE * top
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, found in enumerate(entry_terms):
            for term in found:
                boost = 1.0 if term in entry_keywords[index] else self.PHRASE_ONLY
                self._postings[term].append((index, boost))
        self._phrase_entry = [index for index, _ in phrasings]
        self._phrase_weight: list[float] = []
        self._phrase_postings: dict[str, list[int]] = defaultdict(list)
        for number, (_, words) in enumerate(phrasings):
            unique = {self._family[t] for t in words}
            self._phrase_weight.append(sum(self._idf[t] for t in unique) or 1.0)
            for term in unique:
                self._phrase_postings[term].append(number)

    # --- scoring ----------------------------------------------------------------------------

    def _score(self, text: str) -> list[tuple[str, float]]:
        """Entries sharing a term with `text`, scored, best first."""
        weights: dict[str, float] = {}
        unknown: set[str] = set()
        for token in tokens(text):
            resolved = self._resolve(token)
            if resolved is None:
                unknown.add(token)
            elif resolved is not _STOP:
                term, similarity = resolved
                weights[term] = max(weights.get(term, 0.0), self._idf[term] * similarity)
        total = sum(weights.values()) + self._unknown_weight * len(unknown) ** self.UNKNOWN_EXP
        if not weights or total <= 0:
            return []
        coverage: dict[int, float] = defaultdict(float)
        recall: dict[int, float] = defaultdict(float)
        precision: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            for index, boost in self._postings[term]:
                coverage[index] += weight * boost
            for number in self._phrase_postings[term]:
                recall[number] += weight
                precision[number] += self._idf[term]
        closeness: dict[int, float] = defaultdict(float)
        for number, matched in recall.items():
            fit = precision[number] / self._phrase_weight[number]
            value = matched / total * fit**self.PRECISION_EXP
            entry = self._phrase_entry[number]
            closeness[entry] = max(closeness[entry], value)
        share = self.COVERAGE_WEIGHT
        ranked = sorted(
            (
                (share * covered / total + (1 - share) * closeness[index])
                * min(1.0, covered / self._evidence),
                closeness[index],
                -index,
            )
            for index, covered in coverage.items()
        )
        # Best first; an exact tie goes to the closer phrasing, then to the earlier entry. The
        # square root spreads the low raw scores so thresholds read naturally (0.25 -> 0.5).
        return [(self._ids[-neg], math.sqrt(score)) for score, _, neg in reversed(ranked)]

    def _resolve(self, token: str) -> tuple[str, float] | None:
        """The known term for a word and how sure we are; _STOP for noise, None if unknown."""
        if token in self._resolved:
            return self._resolved[token]
        result = self._lookup(token)
        if len(self._resolved) < 100_000:  # customers are inventive: bound the cache
            self._resolved[token] = result
        return result

    def _lookup(self, token: str) -> tuple[str, float] | None:
        """The exact term, then its family, then a known word form within a typo or two."""
        if token.startswith(_NOT):
            negated = term_of(token)
            if negated in self._family:
                return self._family[negated], 1.0
            token = token.removeprefix(_NOT)  # no negated form in the FAQ: read the word itself
        term = term_of(token)
        if term is None or term in self._neutral:
            return _STOP
        if term in self._family:
            return self._family[term], 1.0
        if len(term) >= self.MIN_PREFIX:
            for size in range(len(term) - 1, self.MIN_PREFIX - 1, -1):
                if term[:size] in self._family:
                    return self._family[term[:size]], self.PREFIX_SIMILARITY
            position = bisect.bisect_left(self._sorted, term)
            if position < len(self._sorted) and self._sorted[position].startswith(term):
                return self._family[self._sorted[position]], self.PREFIX_SIMILARITY
        if len(token) >= 4 and not is_dictionary_word(token) and not common(token):
            return self._misspelt(token)
        return None

    def _misspelt(self, token: str) -> tuple[str, float] | None:
        """The closest known word form with the same first letter, if close enough."""
        best = process.extractOne(
            token,
            self._by_initial.get(token[0], ()),
            scorer=OSA.normalized_similarity,
            score_cutoff=self.FUZZY_CUTOFF,
        )
        return None if best is None else (self._surface[best[0]], best[1])


def with_phrasings(
    entries: Sequence[FaqEntry], learned: Iterable[tuple[str, str]]
) -> list[FaqEntry]:
    """The entries with learned phrasings added to their questions in the phrasing's language."""
    extra: dict[str, list[str]] = defaultdict(list)
    for entry_id, text in learned:
        extra[entry_id].append(text)
    if not extra:
        return list(entries)
    result = []
    for entry in entries:
        added = extra.get(entry.id, [])
        ru = [t for t in added if _CYRILLIC_RE.search(t.lower())]
        en = [t for t in added if t not in ru]
        questions = entry.questions.model_copy(
            update={"en": [*entry.questions.en, *en], "ru": [*entry.questions.ru, *ru]}
        )
        result.append(entry.model_copy(update={"questions": questions}))
    return result


def _terms(text: str, surface: dict[str, str]) -> list[str]:
    """Terms of a stored text, recording each word form seen for spelling correction."""
    found = []
    for token in tokens(text):
        term = term_of(token)
        if term is not None:
            surface.setdefault(token, term)
            found.append(term)
    return found


# --- words --------------------------------------------------------------------------------

_WORD_RE = re.compile(r"[a-zа-я0-9]+")
_CYRILLIC_RE = re.compile(r"[а-я]")
_FOLD = str.maketrans({"'": "", "’": "", "`": "", "ё": "е"})
_NOT = "!"  # marks a negated word; never part of a word itself
_NEGATIONS = frozenset({"не", "нет", "not", "no", "never"})
_EN_NEGATED = re.compile(r"^(?:do|does|did|is|are|was|were|has|have|had|ca|wo|could)nt$")
# Function words, question words, fillers and pleasantries: they say nothing about the topic.
_STOP_EN_WORDS = """
    a an the and or but if so of to in on at by for from with about as into than then
    i me my mine we us our you your yours u ur he she it its they them their this that these
    those there here is are was were be been being am do does did done have has had having
    will would shall should can could may might must get got let also just very really too
    any some all one ones thing things hi hello hey hiya thanks thank thx please pls plz
    sorry excuse dear good morning afternoon evening ok okay yes yeah well quick question
    tell know want need like im ive id youre what whats how which who why without within
    after before still even again already ever anyone anything something though although
    actually honestly basically maybe perhaps probably literally anyway ago bother"""
_STOP_RU_WORDS = """
    и а но или да же ли бы то это этот тот так вот ну в во на с со к ко у о об от до из
    за по при для без над под про через я мы вы ты он она оно они мой ваш наш свой его ее
    их весь быть есть уже еще очень просто тут там здесь если чтобы привет здравствуйте
    здравствуй добрый день вечер утро спасибо благодарить пожалуйста подсказать сказать
    извинить простить хотеть можно мочь вопрос который как что какой чей даже вообще
    слушать короче типа кстати вроде ведь ладно потом"""
_STOP_EN = frozenset(_STOP_EN_WORDS.split())
_STOP_RU = frozenset(_STOP_RU_WORDS.split())
_EN_STEMMER = snowballstemmer.stemmer("english")
_RU_STEMMER = snowballstemmer.stemmer("russian")


def verbatim(text: str) -> str:
    """A text's words in order, ignoring case, punctuation and spacing."""
    return " ".join(_WORD_RE.findall(text.lower().translate(_FOLD)))


def tokens(text: str) -> Iterator[str]:
    """Lower-case words; a word after a negation is marked ("не тот" -> "!тот")."""
    negate = False
    for word in _WORD_RE.findall(text.lower().translate(_FOLD)):
        if word in _NEGATIONS or _EN_NEGATED.match(word):
            negate = True
            continue
        yield _NOT + word if negate else word
        negate = False


@lru_cache(maxsize=100_000)
def term_of(token: str) -> str | None:
    """A word's term (Snowball stem of the Russian lemma, or English stem); None if a stop word.

    A negated word keeps its mark and is never a stop word: "не тот" means something.
    """
    negated = token.startswith(_NOT)
    word = token.removeprefix(_NOT)
    if _CYRILLIC_RE.match(word):
        lemma = _morph().parse(word)[0].normal_form.replace("ё", "е")
        if not negated and (lemma in _STOP_RU or word in _STOP_RU):
            return None
        stem = str(_RU_STEMMER.stemWord(lemma))
    else:
        if not negated and (word in _STOP_EN or word.isdigit()):
            return None
        stem = str(_EN_STEMMER.stemWord(word))
    return _NOT + stem if negated else stem


@lru_cache(maxsize=100_000)
def is_dictionary_word(token: str) -> bool:
    """Whether pymorphy3 knows this Russian word, so a near miss is another word, not a typo."""
    word = token.removeprefix(_NOT)
    return bool(_CYRILLIC_RE.match(word)) and bool(_morph().word_is_known(word))


# Words at least this frequent (Zipf scale: once per million words) are real words, not typos.
COMMON = 3.0


@lru_cache(maxsize=100_000)
def common(word: str) -> bool:
    """Whether an English word is in common use, so a near miss is another word ("cars" is
    not "card"); Russian words are checked by pymorphy3 (`is_dictionary_word`)."""
    if _CYRILLIC_RE.match(word):
        return False
    from wordfreq import zipf_frequency  # its lists ship in the wheel: no network

    return bool(zipf_frequency(word, "en") >= COMMON)


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    """The Russian analyser; its dictionaries take a while to load, so only once."""
    return pymorphy3.MorphAnalyzer()
