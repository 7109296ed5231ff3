"""Pydantic models of the FAQ, flow and canned-answer content files."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

LANGUAGES: tuple[str, ...] = ("en", "ru")
DEFAULT_LANGUAGE = "en"

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class StrictModel(BaseModel):
    """Strict, immutable base: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(StrictModel):
    """One text in every supported language."""

    en: Text
    ru: Text

    def get(self, lang: str | None) -> str:
        """The text in `lang`, falling back to English for unsupported languages."""
        return self.ru if lang == "ru" else self.en


class LocalizedList(StrictModel):
    """Several texts per supported language."""

    en: list[Text]
    ru: list[Text]

    def get(self, lang: str | None) -> list[str]:
        """The texts in `lang`, falling back to English for unsupported languages."""
        return self.ru if lang == "ru" else self.en


class Phrasings(LocalizedList):
    """At least one phrasing per language."""

    en: list[Text] = Field(min_length=1)
    ru: list[Text] = Field(min_length=1)


class FaqEntry(StrictModel):
    """A question with its phrasings, synonyms and answer."""

    id: Slug
    questions: Phrasings
    keywords: LocalizedList
    answer: LocalizedText


class SmallTalkAction(StrEnum):
    """What a small-talk intent does: reply in a word, or bring in a person."""

    REPLY = "reply"
    PERSON = "person"


class SmallTalkIntent(StrictModel):
    """Greeting, thanks, a request for a person...: examples, and the reply or the handover."""

    id: Slug
    action: SmallTalkAction
    examples: Phrasings
    reply: LocalizedText | None = None
    # For action: person, one of these must appear ("operator", "человек").
    person_words: LocalizedList | None = None

    @model_validator(mode="after")
    def _complete(self) -> SmallTalkIntent:
        if self.action is SmallTalkAction.REPLY and self.reply is None:
            raise ValueError("action: reply needs a reply")
        if self.action is SmallTalkAction.PERSON and self.person_words is None:
            raise ValueError("action: person needs person_words")
        return self


class Action(StrEnum):
    """What a flow leaf starts."""

    RETURN = "return"
    COMPLAINT = "complaint"
    PERSON = "person"
    CALLBACK = "callback"


class FlowOption(StrictModel):
    """A button leading to another node."""

    label: LocalizedText
    next: str


class FlowNode(StrictModel):
    """A question with options, or a leaf with an answer and/or an action."""

    text: LocalizedText | None = None
    options: list[FlowOption] = Field(default_factory=list)
    answer: LocalizedText | None = None
    action: Action | None = None

    @property
    def is_leaf(self) -> bool:
        """Whether the flow ends at this node."""
        return not self.options


class Flow(StrictModel):
    """A decision tree of buttons starting at `start`."""

    id: Slug
    title: LocalizedText
    start: str
    nodes: dict[str, FlowNode] = Field(min_length=1)


class CannedAnswer(StrictModel):
    """A prescribed staff answer."""

    id: Slug
    title: LocalizedText
    text: LocalizedText
