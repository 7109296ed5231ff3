"""Quoted button labels in answers must be buttons the bot really shows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.content.load_errors import ContentError
from bot.content.schema import Flow

if TYPE_CHECKING:
    from bot.content.loader import Content

# The main menu's buttons as locale keys, row by row (handlers/customer/keyboards.py shows them).
MENU_ROWS = (
    ("menu-ask", "menu-return"),
    ("menu-complaint", "menu-person"),
    ("menu-callback", "menu-requests"),
)
_QUOTED = re.compile(r'"([^"\n]{1,60})"|«([^»\n]{1,60})»|“([^”\n]{1,60})”')
# A quote is a button only where the sentence points at the bot's buttons; "choose "Pickup" at
# checkout" names the shop's website, which the bot cannot know.
_POINTS_AT_BUTTONS = re.compile(r"\b(?:menu|button)s?\b|меню|кнопк|→", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def normalized(label: str) -> str:
    """A label as compared: without a leading emoji or sign, case-folded."""
    return re.sub(r"^\W+", "", label.strip()).casefold()


def flow_labels(flows: Iterable[Flow]) -> set[str]:
    """Every flow title and option label, in every language."""
    found: set[str] = set()
    for flow in flows:
        found.update(flow.title.model_dump().values())
        for node in flow.nodes.values():
            for option in node.options:
                found.update(option.label.model_dump().values())
    return found


def unknown_labels(content: Content) -> list[ContentError]:
    """Answers that tell the customer to tap a button the bot does not show, one error each.

    `check-content` fails on these; at start-up they are only warned about, because a quote
    near the word "menu" may also name a dish or a page of the shop's website.
    """
    known = {normalized(label) for label in [*menu_labels(), *flow_labels(content.flows.values())]}
    file = str(content.source_dir / "faq.yaml")
    problems: list[ContentError] = []
    for index, entry in enumerate(content.faq):
        for language, answer in entry.answer.model_dump().items():
            for sentence in _SENTENCE_END.split(answer or ""):
                if not _POINTS_AT_BUTTONS.search(sentence):
                    continue
                for match in _QUOTED.finditer(sentence):
                    label = next(group for group in match.groups() if group)
                    if normalized(label) not in known:
                        problems.append(
                            ContentError(
                                file,
                                f"faq[{index}] id={entry.id}: answer.{language}",
                                f"{match.group(0)} is not a button of the menu or of a flow",
                            )
                        )
    return problems


def menu_labels() -> list[str]:
    """The main menu's buttons in every language, as the locale files word them."""
    from bot.i18n import Translations

    translations = Translations()
    return [label for row in MENU_ROWS for key in row for label in translations.labels(key)]
