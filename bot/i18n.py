"""Texts in Fluent locale files, one bundle per language, English as the fallback."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax.ast import Junk

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
# Telegram clients in these languages get Russian rather than English.
_RUSSIAN_SPEAKING = ("ru", "uk", "be", "kk", "ky", "uz", "tg", "hy", "az")


class L10n:
    """The texts of one language; calling it formats a message by key."""

    def __init__(self, language: str, bundle: FluentBundle, fallback: L10n | None) -> None:
        self.language = language
        self._bundle = bundle
        self._fallback = fallback
        # Variables every text may use (the policy's promises), set once at start-up.
        self.defaults: dict[str, Any] = {}
        # Texts without arguments never change once loaded: labels, prompts, greetings.
        self._plain: dict[str, str] = {}

    def __call__(self, key: str, **args: Any) -> str:
        """Format the message `key`; fall back to English; raise KeyError if absent."""
        if not args:
            text = self._plain.get(key)
            if text is None:
                text = self._plain[key] = self._format(key, **self.defaults)
            return text
        return (
            self._format(key, **self.defaults, **args)
            if self.defaults
            else self._format(key, **args)
        )

    def _format(self, key: str, **args: Any) -> str:
        if self._bundle.has_message(key):
            message = self._bundle.get_message(key)
            if message.value is not None:
                # Fluent refuses placeables over 2,500 characters; a customer's complaint can be
                # longer, so long texts go in after formatting, in place of a marker.
                long = {k: v for k, v in args.items() if isinstance(v, str) and len(v) > 2000}
                marked = {**args, **{k: f"\ufffc{k}\ufffc" for k in long}}
                text, errors = self._bundle.format_pattern(message.value, marked)
                if errors:
                    raise ValueError(f"locale {self.language}: {key}: {errors[0]}")
                text = str(text)
                for name, value in long.items():
                    text = text.replace(f"\ufffc{name}\ufffc", value)
                return text
        if self._fallback is not None:
            return self._fallback(key, **args)
        raise KeyError(f"no text {key!r} in locale {self.language}")

    def keys(self) -> set[str]:
        """Return the message keys this language defines."""
        return set(self._bundle._messages)


class Translations:
    """All languages, loaded once at start-up."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        english = _load(locales_dir, DEFAULT_LANGUAGE, None)
        self._by_lang = {DEFAULT_LANGUAGE: english}
        for lang in LANGUAGES:
            if lang != DEFAULT_LANGUAGE:
                self._by_lang[lang] = _load(locales_dir, lang, english)
        self._labels: dict[str, frozenset[str]] = {}

    def set_defaults(self, values: Callable[[str], Mapping[str, Any]]) -> None:
        """Give every language's texts the variables `values(language)` returns."""
        for language, l10n in self._by_lang.items():
            l10n.defaults = dict(values(language))
            l10n._plain.clear()

    def get(self, language: str | None) -> L10n:
        """Return the texts for a language, English when unknown."""
        return self._by_lang.get(language or DEFAULT_LANGUAGE, self._by_lang[DEFAULT_LANGUAGE])

    def all(self) -> dict[str, L10n]:
        """Return every language's texts."""
        return dict(self._by_lang)

    def labels(self, key: str) -> frozenset[str]:
        """Return the text `key` in every language (how a button may read)."""
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = frozenset(l10n(key) for l10n in self._by_lang.values())
        return found


def language_for(code: str | None) -> str:
    """Map a Telegram language_code to a language the bot speaks."""
    base = (code or "").split("-")[0].lower()
    return "ru" if base in _RUSSIAN_SPEAKING else DEFAULT_LANGUAGE


def _load(locales_dir: Path, lang: str, fallback: L10n | None) -> L10n:
    """Load every .ftl file of a language folder (one file per feature) into one bundle."""
    bundle = FluentBundle([lang], use_isolating=False)  # isolation marks show up in Telegram
    files = sorted((locales_dir / lang).glob("*.ftl"))
    if not files:
        raise ValueError(f"{locales_dir / lang}: no .ftl files")
    for path in files:
        resource = FluentResource(path.read_text(encoding="utf-8"))
        junk = [e for e in resource.body if isinstance(e, Junk)]
        if junk:
            raise ValueError(f"{path}: cannot parse near {str(junk[0].content)[:60]!r}")
        bundle.add_resource(resource)
    return L10n(lang, bundle, fallback)
