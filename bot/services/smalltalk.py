"""Tell small talk (hi, thanks, ok 👍) and requests for a person from real questions.

Pure rules code over smalltalk.yaml. A message is small talk only when every word in it is a
small-talk word: a word of some intent's examples or a filler ("hi there, thanks a lot!").
One word outside that vocabulary makes it a question ("hi, where is my order?"), which goes
on to the FAQ. A request for a person names one of the intent's person words, and besides
small-talk words and its examples' words may carry one other word ("manager!!!", "get me an
agent right now"). Words are compared as lemmas, stretched letters are squeezed ("heyyy"),
and a typo of a known word of four letters or more still counts ("helo", "спасибр").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.schema import SmallTalkAction, SmallTalkIntent
from bot.services.faq import _STOP_EN, _STOP_RU, _morph

__all__ = ["SmallTalk", "SmallTalkMatch", "normal_word"]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STRETCHED = re.compile(r"(.)\1{2,}")
_DOUBLE = re.compile(r"(.)\1+")
_CYRILLIC = re.compile(r"[а-яё]")
# Fillers that never make a message a question, and words that always do (they ask).
_ASKING_WORDS = """
    what whats how which who why where when whom whose can could may might tell know want
    need question quick any anything something do does is are
    что как какой какая какие чей где когда куда откуда почему зачем сколько можно мочь
    хотеть подсказать сказать вопрос есть ли"""
_ASKING = frozenset(_ASKING_WORDS.split())
_TYPO_CUTOFF = 0.75
_MAX_WORDS = 12


@dataclass(frozen=True)
class SmallTalkMatch:
    """The intent a message is, and whether it asks for a person."""

    intent: SmallTalkIntent

    @property
    def wants_person(self) -> bool:
        """Whether to hand over to staff at once."""
        return self.intent.action is SmallTalkAction.PERSON


@lru_cache(maxsize=50_000)
def normal_word(word: str) -> str:
    """A word's comparable form: lower case, stretching squeezed, lemma, doubles squeezed."""
    word = _STRETCHED.sub(r"\1", word.lower().replace("ё", "е"))
    if _CYRILLIC.search(word):
        word = _morph().parse(word)[0].normal_form.replace("ё", "е")
    elif word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        word = word[:-1]  # thanks/thank, hellos/hello: plural and third person alike
    return _DOUBLE.sub(r"\1", word)


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") and not char.isspace()


def words_of(text: str) -> list[str]:
    """The normalised words of a text, emoji left out."""
    return [normal_word(w) for w in _WORD.findall(text)]


def emoji_of(text: str) -> list[str]:
    """The emoji (pictographic symbols) in a text."""
    return [char for char in text if _is_symbol(char)]


class SmallTalk:
    """Classifies whole messages as an intent of smalltalk.yaml, or None for a real question."""

    def __init__(self, intents: Sequence[SmallTalkIntent]) -> None:
        """Build each intent's vocabulary from its examples."""
        self.intents = list(intents)
        self._vocab: list[set[str]] = []
        self._emoji: list[set[str]] = []
        self._person_words: list[set[str]] = []
        for intent in self.intents:
            examples = [*intent.examples.en, *intent.examples.ru]
            self._vocab.append({w for text in examples for w in words_of(text)})
            self._emoji.append({e for text in examples for e in emoji_of(text)})
            person = intent.person_words
            marks = [*person.en, *person.ru] if person is not None else []
            self._person_words.append({w for text in marks for w in words_of(text)})
        # A message that is one of the examples, word for word, is that example's intent.
        self._phrases: dict[tuple[str, ...], int] = {}
        for i, intent in enumerate(self.intents):
            for text in (*intent.examples.en, *intent.examples.ru):
                if phrase := tuple(words_of(text)):
                    self._phrases.setdefault(phrase, i)
        self._talk = [
            i for i, intent in enumerate(self.intents) if intent.action is SmallTalkAction.REPLY
        ]
        self._people = [
            i for i, intent in enumerate(self.intents) if intent.action is SmallTalkAction.PERSON
        ]
        fillers = {normal_word(w) for w in (*_STOP_EN, *_STOP_RU)}
        asking = {normal_word(w) for w in _ASKING}
        talk_vocab = set().union(*(self._vocab[i] for i in self._talk)) if self._talk else set()
        self._small = (talk_vocab | fillers) - asking
        # Small-talk words may stand in a request for a person too, and so may questions' words.
        self._known = {
            i: self._small | self._vocab[i] | self._person_words[i] | fillers for i in self._people
        }
        self._all_words = sorted(talk_vocab)

    def classify(self, text: str) -> SmallTalkMatch | None:
        """The intent the whole message is, or None when it says anything more."""
        exact = words_of(text)
        words = [self._spelt(w) for w in exact]
        emoji = emoji_of(text)
        if (not words and not emoji) or len(words) > _MAX_WORDS:
            return None
        for i in self._people:
            # Spelt exactly: "stuff" is not "staff", "love" is not "live".
            if any(w in self._person_words[i] for w in exact):
                others = [w for w in words if w not in self._known[i]]
                if len(others) <= 1:
                    return SmallTalkMatch(self.intents[i])
        if any(w not in self._small for w in words):
            return None
        phrase = self._phrases.get(tuple(words))
        if phrase is not None and phrase in self._talk:
            return SmallTalkMatch(self.intents[phrase])
        return self._best(words, emoji)

    def _best(self, words: Iterable[str], emoji: Sequence[str]) -> SmallTalkMatch | None:
        """The reply intent sharing most words (or emoji) with the message; earlier wins ties."""
        found = set(words)
        best, best_score = None, 0
        for i in self._talk:
            score = len(found & self._vocab[i]) * 2 + len(set(emoji) & self._emoji[i])
            if score > best_score:
                best, best_score = i, score
        if best is None and emoji:
            # Only emoji nobody listed: a reaction, so the intent with emoji-only examples.
            best = next((i for i in self._talk if self._emoji[i]), None)
        return None if best is None else SmallTalkMatch(self.intents[best])

    def _spelt(self, word: str) -> str:
        """A known word for a typo of one, else the word itself."""
        if len(word) < 4 or word in self._small or not self._all_words:
            return word
        if any(word in vocab for vocab in (*self._vocab, *self._person_words)):
            return word  # a word of a request for a person, spelt right
        best = process.extractOne(
            word, self._all_words, scorer=OSA.normalized_similarity, score_cutoff=_TYPO_CUTOFF
        )
        return word if best is None else str(best[0])
