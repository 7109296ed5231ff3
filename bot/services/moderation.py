"""Spot insults and obscene abuse aimed at staff or the company (service principle 3).

What counts as an insult (``ModerationResult.is_insult``):

* **obscene** — Russian mat and English profanity anywhere in a message to the company
  ("пиздец", "заебали", "f*** you", "this is bullshit"), including insulting phrases built on
  them ("пошли на х…"). Obscenity is flagged whoever it is aimed at: the message is written to
  the staff, and the manager decides what follows.
* **personal_insult** — calling staff or the company names ("ты дебил", "your staff are
  morons", "идиоты!"), insulting phrases and death wishes ("go to hell", "сдохните"), and
  weaker words ("stupid", "тупой", "козёл") when aimed at a person in the same clause ("are
  you stupid?", "тупые сотрудники").

What does not count, because customers may complain:

* angry but clean feedback: "your service is terrible", "это ужасно", "I'm furious",
  "стыдно вам должно быть", "you people never answer", "ваш сервис — отстой";
* accusations about the service: "you are scammers", "вы мошенники", "you lied to me";
* mild swearing that is not obscene: "damn", "hell", "crap", "wtf", "блин", "какого черта";
* name-calling the writer aims at themselves ("I'm such an idiot", "я дура, перепутала
  адрес", "вы меня за идиота держите?") or a third party ("my husband is an idiot", "сосед —
  дебил"), or quotes as a title («Идиот» by Dostoevsky);
* weak words about things, not people: "тупой нож", "stupid question", "your stupid app".

Matching works on words, not raw substrings: each word is normalised (Unicode look-alikes,
zero-width characters, case, ё, leetspeak, masks such as ``f*ck`` and ``х@й``, separators as
in ``f.u.c.k``, repeated letters, spaced letters as in ``д у р а к``) and then compared with
the lexicon: obscene roots must start the word after optional prefixes ("за-еб-али", but not
"т-еб-я" or "руб-ля"), and insult words are compared by lemma (pymorphy3) or stem (snowball).

General rules undo the other disguises, each guarded by a dictionary (pymorphy3 for Russian,
wordfreq's lists for both languages) so that real words stay what they are:

* codes are never words: digits stand for letters only in pieces that are mostly letters
  ("sh1t"), never in "R-000036", "EU-36", "X-360", prices, phones or dates;
* Russian in Latin letters is transliterated with digraph rules (sh, ch, zh, kh/h/x, ts,
  ya/ia/ja, yu, yo…) when the word is no English word, or anywhere but in common English
  words once the message shows it is Russian ("vi vse debili", "poshla na hren, dura");
* doubled letters are squeezed for every list in words that are no words ("ддууррааккии");
* two pieces are joined when one is no word ("fu ck", "деб ил"), a run of spaced letters is
  also read without a one-letter word at its ends ("you are a m o r o n");
* a word of four letters or more that is no word is compared with the lists and roots one
  typo away (dropped, swapped, wrong or extra letter, never the first): "idoit", "заебли";
* one masked letter is resolved to the real words it may be ("п*шёл ты", "у*бок").

Innocent readings are kept apart: a dictionary word whose likeliest lemma has no obscene root
("сучья", branches), verbs against insult nouns ("сволоку"), names and places in ``allow``,
titles in quotation marks (obscene ones only after a cue such as "the book"), insults about
the writer or a third party ("my husband is an idiot"). The lexicon lives in
``content/moderation.yaml``; everything is compiled once in ``Moderator.__init__``, and what
the lists find in each word is cached, because ``check`` runs on every customer message.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import pymorphy3
import snowballstemmer
from rapidfuzz.distance import OSA

from bot.content.load_errors import ContentError
from bot.content.yamlfile import read_yaml

Category = Literal["obscene", "personal_insult"]
Script = Literal["cyr", "lat"]

LANGUAGES: dict[str, Script] = {"ru": "cyr", "en": "lat"}
_SCRIPT_NAMES = {"cyr": "Cyrillic", "lat": "Latin"}

# A masked letter ("f*ck", "х@й") and a trailing ellipsis standing for the rest of a word.
_MASK = "\x00"
_REST = "\x01"
_MIN_TAIL_LETTERS = 3  # "пиз…" is censored mat, "су…" may be anything
_MIN_SPACED_RUN = 3  # "д у р а к" yes, "а я в" no
_MAX_QUOTE_WORDS = 8  # a quoted title is short; a stray quote mark must not hide abuse
_RU_PRONOUNS = frozenset({"ты", "вы", "тебе", "вам", "тебя", "вас"})  # "ty dura": Russian
_PHRASE_LOOKBACK = 3  # words of a phrase that may stand before a word put together
_TITLE_CUE_WORDS = 3  # "a song called «...»": how far before a quotation its cue may be
_WORD_CACHE_SIZE = 65536  # distinct words whose readings and findings are kept

_CYR_LETTERS = frozenset("абвгдежзийклмнопрстуфхцчшщьыэюяі")
_LAT_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_CYR_ALPHABET = "абвгдежзийклмнопрстуфхцчшщьыэюя"
_BREVE = "\u0306"  # the combining mark of й
# Greek look-alikes, rarer Cyrillic letters and apostrophes, mapped in one pass.
_LETTERS_FOLD = str.maketrans(
    {
        **dict(zip("αβεηικμνορτυχγ", "abenikmvoptuxy", strict=True)),
        "ё": "е", "ъ": "ь", "і": "и", "ї": "и", "є": "е", "ў": "у",
        "’": "'", "`": "'",
    }
)  # fmt: skip

# Latin letters inside a Cyrillic word: by look ("xуй", "тупoй") and by sound ("пиzдец").
_LAT_TO_CYR_LOOK = dict(zip("abcehkmoptxyunrdgilszfvjw", "авсенкмортхуипгдгилсзфвйш", strict=True))
_LAT_TO_CYR_SOUND = dict(zip("abcdefghijklmnoprstuvwxyz", "абсдефгхийклмнопрстувшхуз", strict=True))
# Cyrillic letters inside a Latin word: "fuсk", "idiоts".
_CYR_TO_LAT = dict(zip("авсенкмортхуипгьдлбзф", "abcehkmoptxyunrbdlbzf", strict=True))
# Leetspeak, per script; the second table holds the other reading of ambiguous signs.
_CYR_LEET = dict(zip("0134689@$", "оизчбвяас", strict=True))
_CYR_LEET_ALT = {**_CYR_LEET, "3": "е"}
_LAT_LEET = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "€": "e",
}  # fmt: skip
_LAT_LEET_ALT = {**_LAT_LEET, "1": "l", "|": "i"}
_LEET_SIGNS = frozenset("@$!|€")

_OPEN_QUOTES = frozenset("«“„\"'")
_CLOSE_QUOTES = frozenset("»”\"'")
_EDGE_PUNCT = "«»“”„\"'`()[]{}<>,;:!?"
_URL = re.compile(r"(?:https?://|www\.)|^[\w.+-]+@[\w-]+\.[\w.]+$")
_PAUSES = frozenset(",;:—–-)(.!?…")
_CHUNK = re.compile(r"\S+")
_CLAUSE_END = re.compile(r"[.!?;]$")
_RUNS = re.compile(r"(.)\1+")
_LETTER_RUN = re.compile(r"[^\W\d_]{3,}")
_LONG_RUNS = re.compile(r"(.)\1{2,}")
# English contractions and possessives: "you're" is "you", "Ky's" is not "kys".
_CONTRACTION = re.compile(r"'(?:s|re|m|ll|ve|d|t)$")
_COMPOUND = re.compile(r"^\w{2,}(?:-\w{2,})+$")
_ELLIPSIS = re.compile(r"(?:\.{2,}|…)+$")
_SPACED = re.compile(r"^[^\W_](?:[.\-_*,/|+~·•]+[^\W_]){2,}[.\-_*,/|+~·•]*$")


@dataclass(frozen=True, slots=True)
class ModerationResult:
    """The verdict on one customer message."""

    is_insult: bool
    category: Category | None = None
    matched: str | None = None


@dataclass(frozen=True, slots=True)
class WordLists:
    """One language's lists, normalised; see content/moderation.yaml for their meaning."""

    prefixes: tuple[str, ...] = ()
    obscene_roots: tuple[str, ...] = ()
    obscene_words: tuple[str, ...] = ()
    insult_words: tuple[str, ...] = ()
    targeted_words: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    self_words: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    similes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()


_LIST_NAMES = tuple(f.name for f in fields(WordLists))
# Lists of single words; phrases and allow may also hold several words.
_MULTI_WORD = frozenset({"phrases", "allow"})


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The validated word lists for Russian and English."""

    ru: WordLists = field(default_factory=WordLists)
    en: WordLists = field(default_factory=WordLists)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read and validate a moderation YAML file; raise ContentError naming file and entry."""
        file = _display(Path(path))
        data = read_yaml(Path(path), file)
        if not isinstance(data, dict):
            raise ContentError(file, "moderation", "expected a mapping of languages (ru, en)")
        sections: dict[str, WordLists] = {}
        for language, raw in data.items():
            if language not in LANGUAGES:
                raise ContentError(
                    file, str(language), f"unknown language; expected one of {sorted(LANGUAGES)}"
                )
            sections[language] = _parse_section(file, language, raw)
        return cls(**sections)

    def section(self, language: str) -> WordLists:
        """The lists of one language code."""
        return self.ru if language == "ru" else self.en


def _display(path: Path) -> str:
    """The path as people will recognise it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _parse_section(file: str, language: str, raw: Any) -> WordLists:
    """Validate one language's mapping of lists."""
    if not isinstance(raw, dict):
        raise ContentError(file, language, "must be a mapping of word lists")
    script = LANGUAGES[language]
    lists: dict[str, tuple[str, ...]] = {}
    for name, entries in raw.items():
        where = f"{language}.{name}"
        if name not in _LIST_NAMES:
            raise ContentError(file, where, f"unknown list; expected one of {list(_LIST_NAMES)}")
        if not isinstance(entries, list):
            raise ContentError(file, where, "must be a list of strings")
        lists[name] = tuple(
            _check_entry(file, f"{where}[{index}]", entry, script, name in _MULTI_WORD)
            for index, entry in enumerate(entries)
        )
    return WordLists(**lists)


def _check_entry(file: str, where: str, entry: Any, script: Script, multi_word: bool) -> str:
    """Return the entry normalised, or raise ContentError saying what is wrong with it."""
    if not isinstance(entry, str) or not entry.strip():
        raise ContentError(file, where, "must be a non-empty string")
    words = _fold(entry).replace("'", "").split()
    if len(words) > 1 and not multi_word:
        raise ContentError(file, where, f"must be a single word, got {entry!r}")
    alphabet = _CYR_LETTERS if script == "cyr" else _LAT_LETTERS
    for word in words:
        letters = _ELLIPSIS.sub("", word) if multi_word else word
        if not letters or any(ch not in alphabet for ch in letters):
            raise ContentError(
                file, where, f"must be written in {_SCRIPT_NAMES[script]} letters, got {entry!r}"
            )
    return " ".join(words)


# ---------------------------------------------------------------- normalising text


def _fold(text: str) -> str:
    """Unicode-fold: compatibility forms, no invisible characters or accents, lower case."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text.lower().replace("`", "'")  # nothing to decompose, hide or transliterate
    decomposed = unicodedata.normalize("NFD", text)
    # Zero-width spaces and joiners (Cf) hide inside words, and accents (Mn) only disguise
    # letters: drop them all. Checking each distinct character, not each character, is cheap.
    hidden = {ch for ch in set(decomposed) if unicodedata.category(ch) in ("Cf", "Mn")}
    if hidden:
        decomposed = decomposed.translate(dict.fromkeys(map(ord, hidden - {_BREVE})))
        if _BREVE in hidden:
            # Keep the breve of й, once, after the hidden characters in between are gone.
            decomposed = decomposed.replace("и" + _BREVE, "й").replace("И" + _BREVE, "Й")
            decomposed = decomposed.replace(_BREVE, "")
    folded = unicodedata.normalize("NFC", decomposed).casefold()
    return folded.translate(_LETTERS_FOLD)


# Real words of one or two letters; other short pieces ("fu ck", "деб ил") are word parts.
_SHORT_WORDS_TEXT = (
    "a i o am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we"
    " а в и к о с у я ах ба во вы да до её ей ем же за из их им ко ли мы на не ни но ну об"
    " ой он от ох по со то ты уж"
)
_SHORT_WORDS = frozenset(_SHORT_WORDS_TEXT.split())
_ENGLISH_DICTIONARY_SIZE = 30_000  # wordfreq's most frequent words; rarer ones may be Russian
# Words seen in print at all, for telling a typo or a split word from a rare real one
# ("shuttlecocks", "хлебопечку"), kept as a Bloom filter: megabytes, not a hundred.
_KNOWN_WORDS = {"en": 250_000, "ru": 500_000}
_BLOOM_BITS = 26


def _wordfreq_words(language: str) -> Iterator[str]:
    """wordfreq's words of a language, most frequent first, read from its wheel bucket by
    bucket: decoding the whole list at once would take a few hundred megabytes for a moment."""
    import gzip

    import msgpack
    import wordfreq

    path = wordfreq.available_languages("large")[language]
    with gzip.open(path, "rb") as stream:
        unpacker = msgpack.Unpacker(stream, raw=False)
        buckets = unpacker.read_array_header()
        unpacker.skip()  # the header
        for _ in range(buckets - 1):
            yield from unpacker.unpack()


@cache
def _english_words() -> frozenset[str]:
    """Common English words (no network: wordfreq ships its data in the wheel)."""
    words = itertools.islice(_wordfreq_words("en"), _ENGLISH_DICTIONARY_SIZE)
    return frozenset(w for w in words if w.isalpha() and (len(w) > 2 or w in _SHORT_WORDS))


@cache
def _known_bits() -> bytearray:
    """A Bloom filter of the words wordfreq has seen in English and Russian: 8 MB for some
    750,000 words, and one word in a few thousand that is no word passes for one."""
    bits = bytearray(1 << (_BLOOM_BITS - 3))
    for language, count in _KNOWN_WORDS.items():
        for word in itertools.islice(_wordfreq_words(language), count):
            if word.isalpha() and len(word) > 2:
                for at in _bloom_positions(word.replace("ё", "е")):
                    bits[at >> 3] |= 1 << (at & 7)
    return bits


def _bloom_positions(word: str) -> tuple[int, int]:
    """Two bit positions of a word, from its hash (stable within a process)."""
    key = hash(word) & ((1 << 64) - 1)
    mask = (1 << _BLOOM_BITS) - 1
    return key & mask, (key >> 32) & mask


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def is_dictionary_word(word: str) -> bool:
    """Whether a lower-case word is a real Russian (pymorphy3) or common English word."""
    if not word.isalpha() or (len(word) < 3 and word not in _SHORT_WORDS):
        return False
    if all(ch in _LAT_LETTERS for ch in word):
        return word in _english_words()
    if all(ch in _CYR_LETTERS or ch == "ё" for ch in word):
        morph = _morph()
        if morph.word_is_known(word):
            return True
        # ъ is folded into ь: "подьезд" is "подъезд".
        return any(
            morph.word_is_known(word[:at] + "ъ" + word[at + 1 :])
            for at, ch in enumerate(word)
            if ch == "ь"
        )
    return False


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def is_known_word(word: str) -> bool:
    """Whether a word is in a dictionary or, being three letters or more, seen in print."""
    if len(word) >= 3 and word.isalpha():
        bits = _known_bits()
        if all(bits[at >> 3] & (1 << (at & 7)) for at in _bloom_positions(word)):
            return True  # the cheap test first: most words are common
    return is_dictionary_word(word)


# Russian in Latin letters, longest spelling first; a tuple holds the readings of one
# spelling ("y" is ы after a consonant and й after a vowel, see _latin_units).
_TRANSLIT = sorted(
    {
        "shch": ("щ",), "sch": ("щ",), "sh": ("ш",), "ch": ("ч",), "zh": ("ж",),
        "kh": ("х",), "ts": ("ц",), "tz": ("ц",), "ya": ("я",), "ja": ("я",),
        "ia": ("я", "иа"), "ye": ("е", "ые"), "oi": ("ой", "ои"), "ei": ("ей", "еи"),
        "ai": ("ай", "аи"), "ui": ("уй", "уи"), "iy": ("ий", "ый"), "yi": ("ый", "ий"),
        "aia": ("ая",), "oia": ("оя",), "eia": ("ея",), "uia": ("уя",), "iia": ("ия",),
        "aiu": ("аю",), "oiu": ("ою",), "eiu": ("ею",),
        "yu": ("ю",), "ju": ("ю",), "iu": ("ю",), "yo": ("е",), "jo": ("е",),
        "a": ("а",), "b": ("б",), "v": ("в",), "w": ("в",), "g": ("г",), "d": ("д",),
        "e": ("е", "э"), "z": ("з",), "i": ("и", "ы"), "j": ("й", "ж"), "k": ("к",),
        "q": ("к",), "l": ("л",), "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",),
        "r": ("р",), "s": ("с",), "t": ("т",), "u": ("у",), "f": ("ф",), "h": ("х",),
        "x": ("х", "кс"), "c": ("ц", "к", "с"), "y": ("ы", "й"), "'": ("ь",),
    }.items(),
    key=lambda item: -len(item[0]),
)  # fmt: skip
_MAX_TRANSLIT = 8  # readings of one Latin word; more only multiplies guesses
_MAX_RUSSIAN_CHECKS = 4
_VOWELS = frozenset("aeiouyаеиоуыэюяё")


def _latin_units(word: str) -> list[tuple[str, ...]]:
    """A Latin word cut into spellings of Russian letters, each with its readings."""
    units: list[tuple[str, ...]] = []
    at = 0
    while at < len(word):
        found = next(((sp, rd) for sp, rd in _TRANSLIT if word.startswith(sp, at)), None)
        if found is None:
            return []  # not a letter we can read
        spelling, readings = found
        if spelling == "y":
            after_vowel = at > 0 and word[at - 1] in _VOWELS
            readings = ("й",) if after_vowel else ("ы", "й")
        elif spelling == "e" and at > 0:
            readings = ("е",)  # э starts words: "eto"
        units.append(readings)
        at += len(spelling)
    if units and units[-1][0] not in "аеиоуыэюяй":
        units.append(("", "ь"))  # the soft sign is often left out: "svoloch", "zatknis"
    return units


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def transliterate(word: str) -> tuple[str, ...]:
    """Cyrillic readings of a word of Russian in Latin letters: "debily" -> "дебилы"."""
    units = _latin_units(word)
    if not units:
        return ()
    out: list[str] = []
    for letters in itertools.islice(itertools.product(*units), _MAX_TRANSLIT):
        out.append("".join(letters))
    return tuple(out)


def _collapse(word: str) -> str:
    """Every run of a repeated letter as one letter: "fuuck" -> "fuck", "looser" -> "loser"."""
    return _RUNS.sub(r"\1", word)


def _squeeze(word: str) -> str:
    """Runs of three or more as one letter: "идиииот" -> "идиот", but "looser" stays."""
    return _LONG_RUNS.sub(r"\1", word)


@dataclass(slots=True)
class _Token:
    """One word of a message with its candidate readings per script.

    `forms` are the readings as typed; `squeezed` drop emphatic runs ("idiiiot") and are
    compared with word lists; `collapsed` map every doubled letter away ("fuuck") and, being
    riskier ("looser" -> "loser"), are only compared with the distinctive obscene roots, each
    paired with the reading it came from so that allowed words stay allowed ("shiite").
    """

    core: str  # the word the readings are made from
    forms: dict[Script, tuple[str, ...]]
    squeezed: dict[Script, tuple[str, ...]]
    collapsed: dict[Script, tuple[tuple[str, str], ...]]
    words: frozenset[str]  # every reading, in any script, for phrases
    context: tuple[str, ...] = ()  # Russian read from Latin letters, for pronouns ("ty", "vy")
    quoted: bool = False
    clause_end: bool = False
    pause: bool = False  # punctuation follows, so the next word starts a new thought
    letter: str | None = None  # a lone letter, joined with its neighbours as in "д у р а к"
    trims: tuple[str, ...] = ()  # spaced letters read without a lone word at an end
    latin_russian: bool = False  # a Latin word read as Russian on its own ("debili")
    maybe_russian: bool = False  # a rare English word that is a Russian one too ("kozel")
    translit: bool = False  # read in a message of Russian in Latin letters
    name: bool = False  # capitalised inside a sentence: a name or a place ("Shitterton")


def _script_forms(core: str, script: Script) -> set[str]:
    """Readings of one word in one script: leet and look-alike letters mapped."""
    letters = [ch for ch in core if ch.isalpha()]
    has_cyr = any(ch in _CYR_LETTERS for ch in letters)
    has_lat = any(ch in _LAT_LETTERS for ch in letters)
    if script == "cyr" and has_lat and not has_cyr:
        return set()  # a plain Latin word is not a disguised Russian one ("ebay")
    if script == "lat" and has_cyr and not has_lat:
        return set()
    if script == "cyr":
        leets = (_CYR_LEET, _CYR_LEET_ALT)
        letter_maps = (_LAT_TO_CYR_LOOK, _LAT_TO_CYR_SOUND) if has_lat else ({},)
    else:
        leets = (_LAT_LEET, _LAT_LEET_ALT)
        letter_maps = (_CYR_TO_LAT,) if has_cyr else ({},)
    plain = not any(ch.isdigit() or ch in _LEET_SIGNS for ch in core)
    if _MASK in core:
        leets = ({}, {})  # digits next to a mask are numbers: "6-я" is not "б*я"
    out: set[str] = set()
    for leet, letter_map in itertools.product(leets[:1] if plain else leets, letter_maps):
        out.add("".join(letter_map.get(ch) or leet.get(ch) or ch for ch in core))
    return out


def _numeric(piece: str) -> bool:
    """Whether a piece of a word is a number or a code rather than a word in leetspeak.

    Digits stand for letters only inside a piece that is mostly letters ("sh1t", "дол6оёб"),
    not in codes ("R000036", "x360"), nor as a run at either end ("model15", "36eu"), nor
    beside one or two letters ("ЕБ1", "3БА", "6ЛЯ").
    """
    digits = sum(ch.isdigit() for ch in piece)
    if not digits:
        return False
    letters = sum(ch.isalpha() for ch in piece)
    return digits >= letters or piece[:2].isdigit() or piece[-2:].isdigit() or letters < 3


def _core_variants(core: str) -> set[str]:
    """Ways to read the symbols inside a word: separators to drop, or masked letters."""
    if _SPACED.match(core):
        if _numeric(core):
            return set()  # "12.03.24", "1-2-3"
        return {re.sub(r"[^\w]|_", "", core)}  # "f.u.c.k", "д-у-р-а-к"
    if any(_numeric(p) for p in re.split(r"[^\w@$!|€\x00\x01]+|_", core)):
        # Ticket numbers, codes, sizes, prices, phones and dates are never words: "R-000036",
        # "EU-36", "X-360", "SALE-036"; only the runs of three letters or more in them are
        # read, and their digits stay digits.
        return set(_LETTER_RUN.findall(core))
    if all(ch.isalnum() or ch == _REST for ch in core):
        return {core}
    pieces = {p for p in re.split(r"[^\w@$!|€]+|_", core) if len(p) >= 2}
    if _COMPOUND.match(core):
        return {core.replace("-", ""), *pieces}  # "пресс-атташе", "хе-хе": no masks here
    joined = "".join(ch for ch in core if ch.isalnum() or ch in _LEET_SIGNS or ch == _REST)
    # A slash separates ("б/у", "a/s"); other symbols may stand for a letter ("f*ck", "х@й").
    masked = "".join(
        ch if ch.isalnum() or ch == _REST else "" if ch in "/\\" else _MASK for ch in core
    )
    # "идиот.ты" or "ok/fuck": the pieces are words of their own.
    return {joined, masked, *pieces}


def _make_token(core: str, quoted: bool, clause_end: bool, translit: bool = False) -> _Token | None:
    """Build a token from a word stripped of surrounding punctuation."""
    readings = _readings(core, translit)
    if readings is None:
        return None
    forms, squeezed, collapsed, words, context, latin_russian, maybe_russian = readings
    letter = core if len(core) == 1 and core.isalpha() else None
    token = _Token(
        core, forms, squeezed, collapsed, words, context, quoted, clause_end, letter=letter
    )
    token.latin_russian = latin_russian
    token.maybe_russian = maybe_russian
    token.translit = translit
    return token


_Readings = tuple[
    dict[Script, tuple[str, ...]],
    dict[Script, tuple[str, ...]],
    dict[Script, tuple[tuple[str, str], ...]],
    frozenset[str],
    tuple[str, ...],
    bool,
    bool,
]


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _readings(core: str, translit: bool = False) -> _Readings | None:
    """All readings of a word, or None without letters; cached, as words repeat (never mutated).

    `translit`: the message has Russian in Latin letters, so rarer Latin words are read too.
    """
    if not any(ch.isalpha() for ch in core):
        return None
    forms: dict[Script, tuple[str, ...]] = {}
    squeezed: dict[Script, tuple[str, ...]] = {}
    collapsed: dict[Script, tuple[tuple[str, str], ...]] = {}
    context: tuple[str, ...] = ()
    latin_russian = maybe_russian = False
    for script in ("cyr", "lat"):
        plain: set[str] = set()
        for variant in _core_variants(core):
            plain |= _script_forms(variant, script)
            if variant.endswith(_REST) and variant[:-1].isalpha():
                plain |= _script_forms(variant[:-1], script)  # "идиоты..." is "идиоты"
        if script == "cyr" and not plain and core.isascii() and core.isalpha():
            # Russian in Latin letters ("vi vse debili"). Short words only tell who is
            # addressed ("ty", "vy"). A word is read as Russian when it is no English word
            # and a reading is a Russian one ("debili", "duuuura"), not just spellable in
            # Cyrillic ("sukiyaki", "crutch"); in a message with such a word, any word but a
            # common English one is ("poshla na hren, dura").
            context = transliterate(core)
            if len(core) >= 3 and not is_dictionary_word(core):
                # The likeliest readings come first; the rest only multiply dictionary look-ups.
                maybe_russian = any(
                    is_known_word(_squeeze(form)) for form in context[:_MAX_RUSSIAN_CHECKS]
                )
                russian = maybe_russian and not is_known_word(core)
                if russian or translit:
                    plain = set(context)
                    latin_russian = russian
        plain |= _unmasked(plain, script)
        forms[script] = tuple(sorted(plain))
        squeezed_forms = {_squeeze(f) for f in plain}
        # Every letter doubled ("ддууррааккии") in a word that is no word as typed; a real
        # word keeps its double letters ("looser" is not "loser").
        squeezed_forms |= {_collapse(f) for f in plain if f.isalpha() and not is_known_word(f)}
        squeezed[script] = tuple(sorted(squeezed_forms - plain))
        # Masked readings are guesses already; collapsing them too guesses wildly.
        pairs = {(_collapse(f), f) for f in plain if _MASK not in f}
        collapsed[script] = tuple(sorted(pairs - {(f, f) for f in plain}))
    words = frozenset(itertools.chain(*forms.values(), *squeezed.values(), context))
    words |= {_phrase_key(w) for w in words}
    return forms, squeezed, collapsed, words, context, latin_russian, maybe_russian


def _unmasked(forms: Iterable[str], script: Script) -> set[str]:
    """Real words a reading with one masked letter may be: "п*шел" -> "пошел", "moro*s"."""
    alphabet = _CYR_ALPHABET if script == "cyr" else _LAT_LETTERS
    out: set[str] = set()
    for form in forms:
        if form.count(_MASK) != 1 or _REST in form or sum(ch.isalpha() for ch in form) < 3:
            continue
        for reading in {form, _squeeze(form), _collapse(form)}:
            for letter in alphabet:
                word = reading.replace(_MASK, letter)
                if is_known_word(word):
                    out.add(word)
    return out


def _tokenize(text: str) -> list[_Token]:
    """Split a message into normalised tokens, joining runs of spaced single letters."""
    folded = _fold(text)
    # Capitals are folded away but tell names: the same pieces, as typed.
    typed = _CHUNK.findall(unicodedata.normalize("NFKC", text))
    tokens: list[_Token] = []
    quote_left = 0  # words still inside an open quotation; unclosed quotes end by themselves
    for number, match in enumerate(_CHUNK.finditer(folded)):
        chunk = _read_chunk(match.group())
        if chunk is None:
            continue
        quoted = quote_left > 0 or chunk.opens
        if chunk.opens and not chunk.closes:
            quote_left = _MAX_QUOTE_WORDS
        elif chunk.closes or quote_left:
            quote_left = 0 if chunk.closes else quote_left - 1
        clause_end = chunk.clause_end or "\n" in folded[match.end() : match.end() + 2]
        token = _make_token(chunk.core, quoted, clause_end)
        if token is not None:
            token.pause = clause_end or chunk.pause
            starts_sentence = not tokens or tokens[-1].clause_end
            if not starts_sentence and number < len(typed):
                token.name = _titled_word(typed[number])
            tokens.append(token)
        elif tokens and chunk.has_pause:
            tokens[-1].pause = True  # a free-standing dash: "курьер — идиот"
    return _join_spaced_letters(tokens)


def _titled_word(piece: str) -> bool:
    """Whether a piece as typed is a capitalised word: "Shitterton", "Ебру", not "ИДИОТЫ"."""
    word = piece.strip(_EDGE_PUNCT + ".…")
    return len(word) >= 3 and word.isalpha() and word[0].isupper() and word[1:].islower()


@dataclass(frozen=True, slots=True)
class _Chunk:
    """What a piece of a message between spaces says on its own, whatever its neighbours."""

    core: str  # the word without the punctuation around it
    opens: bool  # a quotation
    closes: bool  # a quotation
    clause_end: bool  # with ". ! ? ;"
    pause: bool  # punctuation at its end
    has_pause: bool  # punctuation anywhere: a free-standing dash


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _read_chunk(chunk: str) -> _Chunk | None:
    """Strip a piece of a message down to its word; None for a link (cached, as _readings)."""
    if _URL.search(chunk):
        return None
    core = chunk.strip(_EDGE_PUNCT)
    ellipsis = _ELLIPSIS.search(core)
    core = _ELLIPSIS.sub("", core).rstrip(".").strip(_EDGE_PUNCT)
    if len(core) > 2 and core[0] == core[-1] and core[0] in "*_~":
        core = core[1:-1]  # *bold* or _underlined_ emphasis, not a mask
    core = _CONTRACTION.sub("", core.lstrip("#")).replace("'", "")
    if ellipsis and core:
        core += _REST
    return _Chunk(
        core=core,
        opens=chunk[0] in _OPEN_QUOTES and len(chunk) > 1,
        closes=chunk.rstrip(".,!?;:")[-1:] in _CLOSE_QUOTES,
        clause_end=bool(_CLAUSE_END.search(chunk.rstrip("»”\"')"))),
        pause=chunk[-1] in _PAUSES,
        has_pause=any(ch in _PAUSES for ch in chunk),
    )


def _script_of(word: str) -> str:
    """ "cyr" or "lat" for a word in one script, "mixed" for look-alikes ("idi оts")."""
    cyrillic = any(ch in _CYR_LETTERS for ch in word)
    latin = any(ch in _LAT_LETTERS for ch in word)
    return "mixed" if cyrillic == latin else "cyr" if cyrillic else "lat"


def _reads_as_russian(tokens: list[_Token]) -> bool:
    """Whether a message is Russian in Latin letters: a word that can only be Russian, a
    Russian pronoun ("ty dura"), or two rare English words that are Russian ones too
    ("Direktor vash — kozel")."""
    if any(t.latin_russian or _RU_PRONOUNS & set(t.context) for t in tokens):
        return True
    return sum(t.maybe_russian for t in tokens) >= 2


def _read_as_russian(token: _Token) -> _Token:
    """The token read again in a message of Russian in Latin letters."""
    if not token.context or token.latin_russian:
        return token
    other = _make_token(token.core, token.quoted, token.clause_end, translit=True)
    if other is None:
        return token
    other.pause, other.letter, other.trims = token.pause, token.letter, token.trims
    return other


def _other_cuts(tokens: list[_Token]) -> Iterator[tuple[list[_Token], int]]:
    """The message cut into words another way, with the position of the changed word.

    A run of spaced letters may have a one-letter word glued on ("you are a m o r o n"), and
    a word split by a space has a part that is no word ("fu ck", "деб ил"): two dictionary
    words side by side are left apart.
    """
    for index, token in enumerate(tokens):
        for core in token.trims:
            other = _make_token(core, token.quoted, token.clause_end)
            if other is not None:
                other.pause = token.pause
                yield [*tokens[:index], other, *tokens[index + 1 :]], index
    for index in range(len(tokens) - 1):
        first, second = tokens[index], tokens[index + 1]
        if first.pause or not (first.core.isalpha() and second.core.isalpha()):
            continue
        if first.name or second.name:
            continue  # "в Хуйнань": a name stays whole
        scripts = {_script_of(first.core), _script_of(second.core)}
        if scripts == {"cyr", "lat"}:
            continue  # "про sukiyaki": words of two scripts are two words
        if is_dictionary_word(first.core) and is_dictionary_word(second.core):
            continue
        joined = _make_token(first.core + second.core, first.quoted, second.clause_end)
        if joined is not None:
            joined.pause = second.pause
            yield [*tokens[:index], joined, *tokens[index + 2 :]], index


def _join_spaced_letters(tokens: list[_Token]) -> list[_Token]:
    """Turn runs such as "f u c k" or "д у р а к" into one token."""
    if sum(token.letter is not None for token in tokens) < _MIN_SPACED_RUN:
        return tokens  # most messages: too few lone letters to spell anything
    out: list[_Token] = []
    run: list[_Token] = []
    for token in [*tokens, None]:
        if token is not None and token.letter is not None:
            run.append(token)
            if not token.clause_end:
                continue
            token = None  # the run ends with its clause
        if len(run) >= _MIN_SPACED_RUN:
            letters = "".join(t.letter or "" for t in run)
            joined = _make_token(letters, run[0].quoted, False)
            if joined is not None:
                joined.clause_end = run[-1].clause_end
                joined.pause = run[-1].pause
                joined.trims = _trims(letters)
                out.append(joined)
        else:
            out.extend(run)
        run = []
        if token is not None:
            out.append(token)
    return out


def _trims(letters: str) -> tuple[str, ...]:
    """Spaced letters without a one-letter word at either end: "amoron" -> "moron"."""
    starts = (0, 1) if letters[0] in _SHORT_WORDS else (0,)
    ends = (len(letters), len(letters) - 1) if letters[-1] in _SHORT_WORDS else (len(letters),)
    cuts = {letters[a:b] for a in starts for b in ends} - {letters}
    return tuple(sorted(c for c in cuts if len(c) >= _MIN_SPACED_RUN))


# ---------------------------------------------------------------- word matching


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    """The Russian morphological analyser, loaded once per process."""
    return pymorphy3.MorphAnalyzer()


@cache
def _stemmer(script: Script) -> Any:
    """The snowball stemmer for a script's language."""
    return snowballstemmer.stemmer("russian" if script == "cyr" else "english")


_VERB_PARTS = frozenset({"VERB", "INFN", "GRND", "PRTF", "PRTS"})
_RU_ENDINGS = ("", "ы", "и", "а", "у", "ом", "ов", "ам", "ами", "ах", "е")
_NAME_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn"})


@lru_cache(maxsize=65536)
def _keys(word: str, script: Script) -> frozenset[str]:
    """What a word is compared by: itself, its lemmas, and its stem when not in a dictionary."""
    if not word.isalpha():
        return frozenset({word})
    if script == "cyr" and _morph().word_is_known(word):
        # The lemma is enough; verbs are left out: "сволоку" (to drag) is not "сволочь".
        return frozenset(
            {word}
            | {
                p.normal_form.replace("ё", "е")
                for p in _morph().parse(word)
                if p.tag.POS not in _VERB_PARTS
            }
        )
    # pymorphy3's guesses for an unknown word are slow and no better than the stem.
    return frozenset({word, "~" + _stemmer(script).stemWord(word)})


def _mask_regex(form: str) -> re.Pattern[str] | None:
    """A pattern for a masked word ("id**t", "х@й"), or None if it tells too little."""
    if _MASK not in form and not form.endswith(_REST):
        return None
    literal = sum(ch.isalpha() for ch in form)
    if literal < 1 or len(form) < 3 or not form[0].isalpha():
        return None
    body = "".join("." if ch == _MASK else re.escape(ch) for ch in form.rstrip(_REST))
    return re.compile(body + (".*" if form.endswith(_REST) else ""))


class _WordSet:
    """A list of words compared by form; masked words ("id**t") by pattern.

    `inflect` compares by lemma (pymorphy3) and stem (snowball): "идиотами", "morons".
    Otherwise Russian words are compared by lemma ("вас" is "вы") and English ones exactly,
    or in the plural for words of three letters or more ("managers"): stems of short
    English words collide ("youre" and "your" share one).
    """

    def __init__(
        self, words: Iterable[str], script: Script, inflect: bool, typos: bool = False
    ) -> None:
        self.words = tuple(words)
        self.script = script
        self.inflect = inflect
        # Staff mistyped still are staff: "your cashier" as "csahier".
        self.typos = _TypoIndex(script, {"word": self.words}) if typos else None
        self.keys: set[str] = set()
        for word in self.words:
            self.keys.add(word)
            if script == "cyr":
                self.keys |= {k for k in _keys(word, script) if not k.startswith("~")}
            elif not inflect and len(word) >= 3:
                self.keys |= {word + "s", word + "es"}
            if inflect:
                # The stemmer cuts words unevenly ("имбецил" to "имбец", "имбецилы" to
                # "имбецил"), so a word the dictionary lacks is stemmed in its likely forms.
                endings = ("",) if script == "lat" else _RU_ENDINGS
                for ending in endings:
                    stem = "~" + _stemmer(script).stemWord(word + ending)
                    # Short Russian stems ("дур" of "дура") also match innocent words ("дурь").
                    if script == "lat" or len(stem) > 4:
                        self.keys.add(stem)
        # "asss" squeezes to "as", as "ass" does; "dduummbbaasssseess" to "dumbases".
        self.squeezed = {_collapse(form) for w in self.words for form in _inflections(w, script)}

    def _has(self, form: str) -> bool:
        """Whether one unmasked reading is in the list."""
        if not self.inflect and self.script == "lat":
            return form in self.keys
        return bool(_keys(form, self.script) & self.keys)

    def _masked(self, form: str) -> bool:
        """Whether a masked reading fits a listed word, with up to three letters of ending."""
        for ending in range(4):
            stem = form[: len(form) - ending]
            if ending and not (form[len(stem) :].isalpha() and stem[-1:].isalpha()):
                continue  # an ending follows a letter: "ид*от-ы", not "на*-ка"
            pattern = _mask_regex(stem)
            if pattern is not None and any(pattern.fullmatch(w) for w in self.words):
                return True
        return False

    def match(self, token: _Token, allowed: _Allow | None = None) -> str | None:
        """The first reading of the token that is in the list."""
        for form in token.forms[self.script]:
            if allowed is not None and allowed.covers(form):
                continue
            if _MASK in form or form.endswith(_REST):
                if self._masked(form):
                    return form
            elif self._has(form):
                return form
        if allowed is not None and any(allowed.covers(f) for f in token.forms[self.script]):
            return None  # squeezed, an allowed word is still allowed ("aaas")
        for form in token.squeezed[self.script]:
            if allowed is not None and allowed.covers(form):
                continue
            if form in self.squeezed or (_MASK not in form and self._has(form)):
                return form
        return None

    def names(self, token: _Token) -> bool:
        """Whether the token is in the list, read as typed or from Latin letters ("ty")."""
        if self.match(token) is not None:
            return True
        if self.script == "cyr" and any(self._has(form) for form in token.context):
            return True
        if self.typos is None:
            return False
        return any(
            len(form) > _MIN_TYPO_LETTERS
            and form.isalpha()
            and not is_known_word(form)
            and self.typos.find(form) is not None
            for form in token.forms[self.script]
        )


class _Allow:
    """Innocent word beginnings: "херес" is not "хер", "отсебятина" has no "еб"."""

    def __init__(self, entries: Iterable[str]) -> None:
        words = {e for e in entries if " " not in e}
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        self.regex = re.compile(alternatives) if alternatives else None

    def covers(self, form: str, upto: int = 0) -> bool:
        """Whether an innocent word starts in the reading at or before position `upto`."""
        if self.regex is None:
            return False
        found = self.regex.search(form)
        return found is not None and found.start() <= upto


def _root_regex(prefixes: Iterable[str], roots: Iterable[str]) -> re.Pattern[str]:
    """Roots at the start of a word after any prefixes; letters after the first may be masked."""
    alternatives = []
    for root in sorted(set(roots), key=len, reverse=True):
        if len(root) <= 2:
            alternatives.append(re.escape(root))  # "еб" is too short to guess from masks
            continue
        tail = ""
        for index in range(len(root) - 1, 0, -1):
            letter = f"[{re.escape(root[index])}{_MASK}]"
            rest = f"(?:{_REST}|{letter}{tail})" if index >= _MIN_TAIL_LETTERS else letter + tail
            tail = rest
        alternatives.append(re.escape(root[0]) + tail)
    # Up to two prefixes, of which only the last may be a single letter: "по-вы-ебываться",
    # "о-хуеть", but not "с-у-хую" (сухую) or "в-с-еблагой".
    longer = [re.escape(p) for p in sorted(set(prefixes), key=len, reverse=True) if len(p) > 1]
    single = [re.escape(p) for p in sorted(set(prefixes)) if len(p) == 1]
    chain = f"(?:{'|'.join(longer)}){{0,2}}" if longer else ""
    chain += f"(?:{'|'.join(single)})?" if single else ""
    return re.compile(f"^{chain}({'|'.join(alternatives) or '(?!)'})")


_MIN_TYPO_LETTERS = 4  # shorter words are a typo away from too many others
_MAX_TYPO_POSITION = 8  # obscene roots sit at the start of a word, after a prefix or two


def _edits(word: str, alphabet: str) -> Iterator[tuple[int, str, int]]:
    """Words one typo away, never at the first letter: (where, word, 1 for a swap)."""
    for at in range(1, len(word)):
        yield at, word[:at] + word[at + 1 :], 0
        if at + 1 < len(word) and word[at] != word[at + 1]:
            yield at, word[:at] + word[at + 1] + word[at] + word[at + 2 :], 1
    for at in range(1, min(len(word), _MAX_TYPO_POSITION) + 1):
        for letter in alphabet:
            yield at, word[:at] + letter + word[at:], 0
            if at < len(word) and letter != word[at]:
                yield at, word[:at] + letter + word[at + 1 :], 0


class _TypoIndex:
    """Listed words in all their forms, found from a word one typo away (symmetric deletes)."""

    def __init__(self, script: Script, lists: dict[str, Iterable[str]]) -> None:
        self.alphabet = _CYR_ALPHABET if script == "cyr" else "".join(sorted(_LAT_LETTERS))
        self.index: dict[str, list[tuple[str, str]]] = {}
        for kind, words in lists.items():
            # A word of three letters is one typo from too many others ("ass" and "asse").
            for word in (w for w in words if len(w) >= _MIN_TYPO_LETTERS):
                for form in _inflections(word, script):
                    if len(form) < _MIN_TYPO_LETTERS - 1:
                        continue
                    for key in {form, *_deletes(form)}:
                        self.index.setdefault(key, []).append((kind, form))

    def find(self, word: str) -> tuple[str, str] | None:
        """(list, form) of a listed form one typo from the word, or None."""
        for key in (word, *_deletes(word)):
            for kind, form in self.index.get(key, ()):
                if OSA.distance(word, form) <= 1:
                    return kind, form
        return None


def _deletes(word: str) -> set[str]:
    """The word without one of its letters, the first excepted."""
    return {word[:at] + word[at + 1 :] for at in range(1, len(word))}


def _inflections(word: str, script: Script) -> set[str]:
    """A listed word in the forms customers write it: every case and number, or plurals."""
    if script == "lat":
        if len(word) < 3:
            return {word}  # not "i" -> "is"
        return {word, word + "s", word + "es", word + "ed"}
    forms = {word}
    for parse in _morph().parse(word)[:2]:
        if parse.normal_form.replace("ё", "е") == word:
            forms |= {f.word.replace("ё", "е") for f in parse.lexeme}
    return forms


@dataclass(slots=True)
class _Pool:
    """One language's compiled lists."""

    script: Script
    roots: re.Pattern[str]
    roots_collapsed: re.Pattern[str]
    allow: _Allow
    obscene: _WordSet
    insults: _WordSet
    targeted: _WordSet
    targets: _WordSet
    selves: _WordSet
    others: _WordSet
    titles: _WordSet
    links: _WordSet
    similes: _WordSet
    phrases: dict[str, list[tuple[str, ...]]]  # by first word
    allowed_phrases: dict[str, list[tuple[str, ...]]]  # by first word
    typos: _TypoIndex
    phrase_names: dict[tuple[str, ...], str]  # as written in the lexicon, for managers

    @classmethod
    def compile(cls, lists: WordLists, script: Script) -> _Pool:
        """Compile a language's lists."""
        collapsed_prefixes = [_collapse(p) for p in lists.prefixes]
        return cls(
            script=script,
            roots=_root_regex(lists.prefixes, lists.obscene_roots),
            roots_collapsed=_root_regex(
                collapsed_prefixes, [_collapse(r) for r in lists.obscene_roots]
            ),
            allow=_Allow(lists.allow),
            obscene=_WordSet(lists.obscene_words, script, inflect=True),
            insults=_WordSet(lists.insult_words, script, inflect=True),
            targeted=_WordSet(lists.targeted_words, script, inflect=True),
            targets=_WordSet(lists.targets, script, inflect=False, typos=True),
            selves=_WordSet(lists.self_words, script, inflect=False),
            others=_WordSet(lists.others, script, inflect=False),
            titles=_WordSet(lists.title_words, script, inflect=False),
            links=_WordSet(lists.links, script, inflect=False),
            similes=_WordSet(lists.similes, script, inflect=False),
            phrases=_by_first_word(_phrase_words(p) for p in lists.phrases),
            allowed_phrases=_by_first_word(_phrase_words(p) for p in lists.allow if " " in p),
            typos=_TypoIndex(
                script,
                {
                    "obscene": lists.obscene_words,
                    "insult": lists.insult_words,
                    "targeted": lists.targeted_words,
                    "phrase": [p.split()[0] for p in lists.phrases],
                },
            ),
            phrase_names={
                _phrase_words(p): " ".join(_ELLIPSIS.sub(_REST, w) for w in p.split())
                for p in lists.phrases
            },
        )

    def findings(self, token: _Token, typos: bool = True) -> _Findings:
        """What the lists find in the token, whatever its neighbours."""
        phrases = _starting_with(self.phrases, token)
        obscene = self.obscene_root(token) or self.obscene.match(token, self.allow)
        insult = self.insults.match(token, self.allow)
        targeted = self.targeted.match(token, self.allow)
        if not (phrases or obscene or insult or targeted):
            return self.typo(token) if typos else _NOTHING
        return _Findings(phrases, obscene, insult, targeted)

    def typo(self, token: _Token) -> _Findings:
        """What the lists find in a word that is no word, one typo away: "idoit", "заебли"."""
        if not token.core.isalpha():
            return _NOTHING  # "пресс-атташе", "f*ck", "id10t": read another way already
        for form in token.forms[self.script]:
            if len(form) < _MIN_TYPO_LETTERS or not form.isalpha() or is_known_word(form):
                continue
            if self.allow.covers(form) or form in token.context:
                continue  # "shiitake" is no typo, and Latin read as Cyrillic is a guess already
            root = self._root_typo(form)
            if root is not None:
                return _Findings(obscene=root)
            found = self.typos.find(form)
            if found is not None:
                kind, word = found
                if kind == "phrase":
                    return _Findings(phrases=tuple(self.phrases.get(_phrase_key(word), ())))
                return _Findings(
                    obscene=word if kind == "obscene" else None,
                    insult=word if kind == "insult" else None,
                    targeted=word if kind == "targeted" else None,
                )
        return _NOTHING

    def _root_typo(self, form: str) -> str | None:
        """The word one typo away that starts with an obscene root, if any."""
        for at, edited, swap in _edits(form, self.typos.alphabet):
            root = self.roots.match(edited)
            if root is None:
                continue
            # The typo must be in the root or its prefixes, and a root of three letters or
            # less is one typo away from too many words ("хлеб" and "хуеб"): only a swap or
            # a wrong letter there, and in the root itself (a swap may straddle its start).
            long_root = root.end(1) - root.start(1) >= 4
            first = 0 if long_root else root.start(1) - swap
            if (
                first <= at < root.end(1)
                and (long_root or len(edited) == len(form))
                and not self.allow.covers(edited, root.start(1))
            ):
                return edited
        return None

    def obscene_root(self, token: _Token) -> str | None:
        """The reading of the token that starts with an obscene root, if any."""
        readings = [(form, form, self.roots) for form in token.forms[self.script]]
        readings += [
            (form, raw, self.roots_collapsed) for form, raw in token.collapsed[self.script]
        ]
        for form, raw, regex in readings:
            found = regex.match(form)
            # An innocent word may start after a prefix, too: "от-себятина"; a collapsed
            # reading is as innocent as the word it was collapsed from ("shiite").
            upto = found.start(1) + len(raw) - len(form) if found else 0
            if found and not self.allow.covers(raw, upto) and not self._innocent_lemma(raw):
                return form
        return None

    def _innocent_lemma(self, word: str) -> bool:
        """Whether a dictionary word is a name ("Сукачёв", "Насрутдин") or its likeliest
        lemma has no obscene root ("сучья": сук)."""
        if self.script != "cyr" or not word.isalpha() or not is_dictionary_word(word):
            return False
        parse = _morph().parse(word)[0]
        if parse.tag.grammemes & _NAME_TAGS:
            return True
        lemma = parse.normal_form.replace("ё", "е")
        return lemma != word and self.roots.match(lemma) is None


@dataclass(frozen=True, slots=True)
class _Findings:
    """What one language's lists find in a word on its own, before its context is weighed."""

    phrases: tuple[tuple[str, ...], ...] = ()  # insulting phrases that may start at the word
    obscene: str | None = None
    insult: str | None = None
    targeted: str | None = None


_NOTHING = _Findings()  # shared by the many words that are in no list


def _by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    """Phrases indexed by their first word, so most words look at none."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        index.setdefault(phrase[0], []).append(phrase)
    return index


def _starting_with(
    index: dict[str, list[tuple[str, ...]]], token: _Token
) -> tuple[tuple[str, ...], ...]:
    """The indexed phrases whose first word is one of the token's readings."""
    return tuple(itertools.chain.from_iterable(index.get(w, ()) for w in token.words))


def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as the token readings it must match, word by word."""
    words = []
    for word in phrase.split():
        ellipsis = _ELLIPSIS.search(word)
        words.append(_phrase_key(_ELLIPSIS.sub("", word)) + (_REST if ellipsis else ""))
    return tuple(words)


def _phrase_key(word: str) -> str:
    """A phrase word without doubled letters or soft signs: "hheellll", "zatknis" match."""
    return _collapse(word).replace("ь", "")


def _display_form(form: str) -> str:
    """A matched reading as a manager should see it."""
    return form.replace(_MASK, "*").replace(_REST, "…")


class Moderator:
    """Checks customer messages against a compiled lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._pools = [
            _Pool.compile(lexicon.section(language), script)
            for language, script in LANGUAGES.items()
        ]
        _known_bits()  # read once at start-up (about two seconds), not on a customer's message
        # Matching a word against the lists is most of the work, and customers use the same
        # few thousand words over and over; the context checks below stay per message.
        self._findings = lru_cache(maxsize=_WORD_CACHE_SIZE)(self._findings_uncached)

    def _findings_uncached(
        self, core: str, typos: bool = True, translit: bool = False
    ) -> tuple[_Findings, ...]:
        """What each language's lists find in a word (see _Token.core), typos too or not."""
        token = _make_token(core, quoted=False, clause_end=False, translit=translit)
        assert token is not None  # tokens are only made of words with letters
        return tuple(pool.findings(token, typos) for pool in self._pools)

    def check(self, text: str) -> ModerationResult:
        """Decide whether a message insults staff or the company."""
        tokens = _tokenize(text)
        if _reads_as_russian(tokens):
            tokens = [_read_as_russian(token) for token in tokens]
        verdict = self._scan(tokens, range(len(tokens)))
        if verdict is not None:
            return verdict
        # Other ways to cut the message into words: "fu ck", "деб ил", "a m o r o n".
        for other, index in _other_cuts(tokens):
            # A word put together is not also mistyped: two guesses are too many. A phrase
            # may start a few words before it ("go to he ll"), and the word may be who the
            # insult after it is aimed at ("your cashi er is a dick").
            start = max(index - _PHRASE_LOOKBACK, 0)
            verdict = self._scan(other, range(start, len(other)), typos=False)
            if verdict is not None:
                return verdict
        return ModerationResult(is_insult=False)

    def _scan(
        self, tokens: list[_Token], indexes: Iterable[int], typos: bool = True
    ) -> ModerationResult | None:
        """The first verdict on the words at `indexes`, each weighed in its context."""
        exempt = self._allowed_positions(tokens)
        for index in indexes:
            if index in exempt:
                continue
            # Looked up word by word: the words after an insult need not be looked at.
            token = tokens[index]
            findings = self._findings(token.core, typos, token.translit)
            for pool, found in zip(self._pools, findings, strict=True):
                if found is _NOTHING:
                    continue
                verdict = self._check_token(pool, found, tokens, index)
                if verdict is not None:
                    return verdict
        return None

    def _allowed_positions(self, tokens: list[_Token]) -> set[int]:
        """Positions covered by innocent phrases ("в дурака")."""
        exempt: set[int] = set()
        for start, token in enumerate(tokens):
            for pool in self._pools:
                for phrase in _starting_with(pool.allowed_phrases, token):
                    if _phrase_at(tokens, start, phrase):
                        exempt.update(range(start, start + len(phrase)))
        return exempt

    def _check_token(
        self, pool: _Pool, found: _Findings, tokens: list[_Token], index: int
    ) -> ModerationResult | None:
        """The verdict for the word at `index` in one language, or None if it is innocent."""
        for phrase in found.phrases:
            if _phrase_at(tokens, index, phrase):
                name = pool.phrase_names.get(phrase, " ".join(phrase))
                return ModerationResult(True, "personal_insult", _display_form(name))
        token = tokens[index]
        if token.quoted and (not found.obscene or self._titled(tokens, index)):
            return None  # a title such as «Идиот» is named, not called
        if token.name and not is_known_word(token.core):
            return None  # a name no dictionary knows: "hotel Shitterton", "меня зовут Ебру"
        if found.obscene:
            return ModerationResult(True, "obscene", _display_form(found.obscene))
        if found.insult and not self._about_self(pool, tokens, index):
            return ModerationResult(True, "personal_insult", _display_form(found.insult))
        if found.targeted and (self._aimed(pool, tokens, index) or _vocative(tokens, index)):
            return ModerationResult(True, "personal_insult", _display_form(found.targeted))
        return None

    def _titled(self, tokens: list[_Token], index: int) -> bool:
        """Whether a quotation is announced as a title: "the book «...»", "песня «...»"."""
        start = index
        while start > 0 and tokens[start - 1].quoted:
            start -= 1
        before = tokens[max(start - _TITLE_CUE_WORDS, 0) : start]
        return any(pool.titles.names(t) for t in before for pool in self._pools)

    @staticmethod
    def _nearest_person(pool: _Pool, tokens: list[_Token], index: int) -> str | None:
        """Who the word at `index` is said about: "target", "self", "other", "simile" or None.

        Looks back over linking words ("you are SO stupid", "вы что, совсем дебилы"), then at
        the next word ("тупые сотрудники"). After a simile one more word may stand between
        ("you act like idiots", "сижу как дура"); a simile about nobody in particular ("ждал
        как дурак") is taken to be about the writer.
        """
        simile = skipped = False
        for back in range(index - 1, max(index - 8, -1), -1):
            before = tokens[back]
            if before.clause_end:
                break
            person = _person(pool, before)
            if person == "target" and back > 0 and pool.selves.names(tokens[back - 1]):
                return "other"  # "my boss is an idiot": the writer's boss, not the staff
            if person is not None:
                return person
            if pool.similes.names(before):
                simile = True
            elif pool.links.names(before):
                continue
            elif simile and not skipped:
                skipped = True
            else:
                break
        if not tokens[index].pause and index + 1 < len(tokens):
            following = tokens[index + 1]
            if pool.targets.names(following):
                return "target"
            if pool.selves.names(following):
                return "self"  # "идиот я, что заказал"
        return "simile" if simile else None

    def _about_self(self, pool: _Pool, tokens: list[_Token], index: int) -> bool:
        """Whether the writer calls themselves or a third party names ("I'm such an idiot")."""
        return self._nearest_person(pool, tokens, index) in ("self", "simile", "other")

    def _aimed(self, pool: _Pool, tokens: list[_Token], index: int) -> bool:
        """Whether a weak insult is aimed at the staff ("are you stupid", "тупые сотрудники")."""
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if following is not None and not tokens[index].pause:
            if pool.targets.names(following):
                return True  # "козёл тыыы"
            if _names_a_thing(following):
                return False  # "у вас тупой нож": the word describes the knife
        return self._nearest_person(pool, tokens, index) == "target"


def _person(pool: _Pool, token: _Token) -> str | None:
    """Whether a word points at the staff ("target") or the writer ("self").

    Russian often drops the pronoun, so a verb's person tells it instead: "работаете как
    идиоты" is said to the staff, "сижу как дура" about oneself. Imperatives are left out:
    "пришлите клоуна" orders a clown.
    """
    if pool.targets.names(token):
        return "target"
    if pool.selves.names(token):
        return "self"
    if pool.others.names(token):
        return "other"  # "my husband is an idiot": a third party, not the staff
    if pool.script == "cyr":
        for form in token.forms["cyr"]:
            person = _verb_person(form)
            if person is not None:
                return person
    return None


@lru_cache(maxsize=65536)
def _verb_person(word: str) -> str | None:
    """ "target" for a second-person verb, "self" for a first-person one, by pymorphy3."""
    if not word.isalpha():
        return None
    tag = _morph().parse(word)[0].tag
    if tag.POS != "VERB" or tag.mood != "indc":
        return None
    return {"1per": "self", "2per": "target"}.get(str(tag.person))


def _names_a_thing(token: _Token) -> bool:
    """Whether a Russian word is most likely an inanimate noun ("нож", "система")."""
    return any(_inanimate_noun(form) for form in token.forms["cyr"])


@lru_cache(maxsize=65536)
def _inanimate_noun(word: str) -> bool:
    """Whether pymorphy3's likeliest reading of the word is an inanimate noun."""
    if not word.isalpha() or not _morph().word_is_known(word):
        return False  # a guess about an unknown word ("тыыы") tells nothing
    tag = _morph().parse(word)[0].tag
    return "NOUN" in tag and "inan" in tag


def _vocative(tokens: list[_Token], index: int) -> bool:
    """Whether the word closes its sentence after a comma, as an address: "..., бараны!"."""
    if index == 0 or not tokens[index - 1].pause or tokens[index - 1].clause_end:
        return False
    return tokens[index].clause_end or index + 1 == len(tokens)


def _phrase_at(tokens: list[_Token], start: int, phrase: tuple[str, ...]) -> bool:
    """Whether the phrase's words are read at `start`, word for word.

    Its first word is known to match already: looked up by it, or found one typo away.
    """
    if start + len(phrase) > len(tokens):
        return False
    return all(word in tokens[start + k].words for k, word in enumerate(phrase) if k)


def load_moderator(content_dir: Path) -> Moderator:
    """A moderator for the lexicon in `content_dir/moderation.yaml`."""
    return Moderator(Lexicon.load(Path(content_dir) / "moderation.yaml"))


__all__: list[str] = [
    "Category",
    "Lexicon",
    "ModerationResult",
    "Moderator",
    "WordLists",
    "load_moderator",
]
