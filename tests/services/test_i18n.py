"""Locale files: every key exists in every language and formats without errors."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, Translations, language_for


def test_every_language_defines_the_same_keys() -> None:
    translations = Translations()
    english = translations.get("en").keys()
    for language in LANGUAGES:
        assert translations.get(language).keys() == english, language


def test_missing_key_raises() -> None:
    with pytest.raises(KeyError):
        Translations().get("ru")("no-such-key")


@pytest.mark.parametrize(
    ("code", "language"), [("ru", "ru"), ("uk", "ru"), ("en-US", "en"), (None, "en"), ("de", "en")]
)
def test_language_from_telegram_code(code: str | None, language: str) -> None:
    assert language_for(code) == language


def test_keys_are_not_defined_twice_across_files() -> None:
    from bot.i18n import LOCALES_DIR

    for language in LANGUAGES:
        seen: dict[str, str] = {}
        for path in sorted((LOCALES_DIR / language).glob("*.ftl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and line[0].isalpha() and " = " in line:
                    key = line.split(" = ", 1)[0]
                    assert key not in seen, f"{key} in {path.name} and {seen[key]}"
                    seen[key] = path.name
