"""Fuzzing the content files: any faq/flows/policy/canned/moderation YAML loads or names its file.

Each example copies the default shop's content into a fresh temporary directory, replaces one
file with random or mutated YAML, and loads it. The only acceptable failure is a ContentError
whose `file` is the replaced file; any other exception type is a bug in the loader.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.load_errors import ContentError
from bot.content.loader import Content, load_content
from bot.services.faq import FaqMatcher
from bot.services.moderation import Lexicon, Moderator
from tests.conftest import ROOT

CONTENT = ROOT / "content"
MOMENTS = (datetime(2026, 11, 23, 19, 0, tzinfo=UTC), datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
PROBES = ("Where is my order?", "где мой заказ", "you are all idiots", "")
LOADED_FILES = ("policy.yaml", "faq.yaml", "flows.yaml", "canned.yaml")
ALL_FILES = (*LOADED_FILES, "moderation.yaml")
ORIGINAL = {name: (CONTENT / name).read_text(encoding="utf-8") for name in ALL_FILES}
PARSED = {name: yaml.safe_load(text) for name, text in ORIGINAL.items()}
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

fuzz = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that make YAML and validators work: syntax, quotes, controls, invisible and RTL.
_TRICKY = st.sampled_from(
    [
        *":-?[]{}#&*!|>'\"%@`,\t\n\r \\",
        *("\x00", "\x07", "\x1b", "\u200b", "\u200f", "\u202e", "\ufeff", "\ud7ff", "ё", "😀"),
        *("~", "null", "yes", "No", "10:00", "1e400", ".nan", "-.inf", "0x1F", "2026-02-30"),
    ]
)
_text = st.one_of(
    st.text(max_size=30),
    st.lists(_TRICKY, max_size=8).map("".join),
    st.sampled_from(["", " ", "Europe/Moscow", "09:00-21:00", "closed", "person", "en", "ru"]),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    _text,
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_text, st.integers(-3, 3)), inner, max_size=4),
    ),
    max_leaves=20,
)


@contextmanager
def content_with(name: str, text: str | bytes) -> Iterator[Path]:
    """A fresh copy of the default content with one file replaced."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for other in ALL_FILES:
            shutil.copy(CONTENT / other, folder / other)
        target = folder / name
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        yield folder


def load_and_use(folder: Path, name: str) -> None:
    """Load what the bot loads at start-up for this file, then use it as the first update would."""
    if name == "moderation.yaml":
        moderator = Moderator(Lexicon.load(folder / name))
        for probe in PROBES:
            moderator.check(probe)
        return
    content: Content = load_content(folder, env={})
    schedule = content.policy.schedule()
    for moment in MOMENTS:
        schedule.is_open(moment)
    matcher = FaqMatcher.from_content(content)
    for probe in PROBES:
        for language in ("en", "ru"):
            matcher.match(probe, language)


def assert_loads_or_names(name: str, text: str | bytes) -> None:
    """The file loads and works, or the only error is a ContentError naming it."""
    with content_with(name, text) as folder:
        try:
            load_and_use(folder, name)
        except ContentError as exc:
            assert Path(exc.file).name == name, f"{exc} names the wrong file"
            assert str(exc).strip(), "an empty error message"


def dump(value: Any) -> str:
    """Write a value as YAML the way a person might."""
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node inside a parsed document, the root included."""
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += paths(child, (*prefix, index))
    return found


def mutated(document: Any, path: tuple[Any, ...], operation: str, value: Any) -> Any:
    """A deep copy of the document with one node replaced, dropped, duplicated or renamed."""
    changed = copy.deepcopy(document)
    if not path:
        return value
    *parents, last = path
    holder = changed
    for step in parents:
        holder = holder[step]
    if operation == "replace":
        holder[last] = value
    elif operation == "drop":
        del holder[last]
    elif operation == "duplicate" and isinstance(holder, list):
        holder.insert(last, holder[last])
    elif operation == "rename" and isinstance(holder, dict):
        holder[value if isinstance(value, str | int) else str(value)] = holder.pop(last)
    else:
        holder[last] = value
    return changed


@pytest.mark.parametrize("name", ALL_FILES)
@fuzz
@given(value=_values)
def test_random_documents_load_or_name_the_file(name: str, value: Any) -> None:
    """A random YAML document in place of a content file."""
    assert_loads_or_names(name, dump(value))


PATHS = {name: paths(document) for name, document in PARSED.items()}


@pytest.mark.parametrize("name", ALL_FILES)
@fuzz
@given(data=st.data())
def test_one_node_mutations_load_or_name_the_file(name: str, data: st.DataObject) -> None:
    """The real file with one node replaced, dropped, duplicated or renamed."""
    document = PARSED[name]
    path = data.draw(st.sampled_from(PATHS[name]), label="path")
    operation = data.draw(st.sampled_from(["replace", "drop", "duplicate", "rename"]))
    value = data.draw(_values, label="value")
    assert_loads_or_names(name, dump(mutated(document, path, operation, value)))


_edits: st.SearchStrategy[Callable[[str], str]] = st.one_of(
    st.tuples(st.floats(0, 1), st.floats(0, 1)).map(
        lambda r: lambda s: s[: int(len(s) * min(r))] + s[int(len(s) * max(r)) :]
    ),
    st.tuples(st.floats(0, 1), _text).map(
        lambda p: lambda s: s[: int(len(s) * p[0])] + p[1] + s[int(len(s) * p[0]) :]
    ),
    st.floats(0, 1).map(lambda r: lambda s: s[: int(len(s) * r)]),
    st.randoms(use_true_random=False).map(
        lambda rnd: lambda s: "\n".join(rnd.sample(s.splitlines(), len(s.splitlines())))
    ),
    st.integers(1, 4).map(lambda n: lambda s: s.replace("\n  ", "\n" + " " * (2 + n), 1)),
)


@pytest.mark.parametrize("name", ALL_FILES)
@fuzz
@given(edits=st.lists(_edits, min_size=1, max_size=3))
def test_text_edits_load_or_name_the_file(name: str, edits: list[Callable[[str], str]]) -> None:
    """The real file with characters cut, inserted, truncated, lines shuffled or re-indented."""
    text = ORIGINAL[name]
    for edit in edits:
        text = edit(text)
    assert_loads_or_names(name, text)


@pytest.mark.parametrize("name", ALL_FILES)
@settings(max_examples=15, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=200))
def test_binary_garbage_loads_or_names_the_file(name: str, raw: bytes) -> None:
    """Bytes that may not even be UTF-8."""
    assert_loads_or_names(name, raw)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("policy.yaml", ORIGINAL["policy.yaml"].replace("Europe/Moscow", "E" * 300)),
        ("policy.yaml", ORIGINAL["policy.yaml"].replace('"09:00-21:00"', "[[1, 2]]", 1)),
        ("policy.yaml", ORIGINAL["policy.yaml"].replace('"09:00-21:00"', '"25:00-26:00"', 1)),
        ("policy.yaml", ORIGINAL["policy.yaml"].replace("  - 2026-12-31", "  - 2026-13-45")),
        ("policy.yaml", ORIGINAL["policy.yaml"].replace('"2026-12-15T14:00"', "0001-01-01")),
        ("policy.yaml", ORIGINAL["policy.yaml"].replace('"2026-12-15T18:00"', "9999-12-31")),
        ("faq.yaml", "faq: []\n"),
        ("faq.yaml", "faq:\n  - !!python/object/apply:os.system [echo]\n"),
        ("flows.yaml", "flows:\n  - &a [*a]\n"),
        ("canned.yaml", "canned: {a: 1}\n"),
        ("moderation.yaml", "en:\n  obscene_roots: [fu ck]\n"),
        ("moderation.yaml", "en: {obscene_roots: [1]}\nen: {}\n"),
    ],
)
def test_known_hard_cases_load_or_name_the_file(name: str, text: str) -> None:
    """Inputs that once looked likely to slip past validation as another exception."""
    assert_loads_or_names(name, text)
