"""Small talk: greetings, thanks, goodbyes, acknowledgements, asking for a person, questions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import ContentError, load_content
from bot.services.smalltalk import SmallTalk

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def talk() -> SmallTalk:
    return SmallTalk(load_content(ROOT / "content", {}).smalltalk)


def intent(talk: SmallTalk, text: str) -> str | None:
    found = talk.classify(text)
    return None if found is None else found.intent.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi", "greeting"),
        ("Hello!!!", "greeting"),
        ("heyyy", "greeting"),  # stretched
        ("helo", "greeting"),  # typo
        ("good evening 😊", "greeting"),
        ("Здравствуйте!", "greeting"),
        ("добрый вечер)", "greeting"),
        ("thank you so much!", "thanks"),
        ("спасибо огромное", "thanks"),
        ("спасибки", "thanks"),  # a word form the examples lack
        ("bye, have a nice day", "goodbye"),
        ("всего доброго", "goodbye"),
        ("ok", "ack"),
        ("👍", "ack"),
        ("ok 👍", "ack"),
        ("понятно", "ack"),
        ("ясно, ок", "ack"),
    ],
)
def test_small_talk_gets_a_reply_intent(talk: SmallTalk, text: str, expected: str) -> None:
    found = talk.classify(text)
    assert found is not None and not found.wants_person, text
    assert found.intent.id == expected


@pytest.mark.parametrize(
    "text",
    [
        "I need to talk to someone",
        "operator please",
        "manager!!!",
        "can I speak to a real human",
        "connect me with your support staff",
        "позовите оператора",
        "хочу поговорить с живым человеком",
        "соедините со специалистом пожалуйста",
    ],
)
def test_request_for_a_person_in_any_words(talk: SmallTalk, text: str) -> None:
    found = talk.classify(text)
    assert found is not None and found.wants_person, text


@pytest.mark.parametrize(
    "text",
    [
        "hi, where is my order?",
        "thanks, and how much is delivery?",
        "ok, can I pay by card?",
        "привет, где мой заказ?",
        "спасибо, а по выходным работаете?",
        "what time do you close",
        "wheres my stuff",  # "stuff" is not "staff"
        "can I pay the manager in cash when the courier comes",  # names a person, asks more
        "дайте почту менеджера по закупкам",
        "",
        "...",
    ],
)
def test_questions_are_not_small_talk(talk: SmallTalk, text: str) -> None:
    assert talk.classify(text) is None, text


def test_replies_exist_in_both_languages(talk: SmallTalk) -> None:
    for item in talk.intents:
        if item.action != "person":
            assert item.reply is not None and item.reply.en and item.reply.ru


def test_business_can_extend_small_talk(tmp_path: Path) -> None:
    """A shop adds its own intent; its examples become small talk."""
    content = tmp_path / "content"
    content.mkdir()
    for name in ("policy.yaml", "faq.yaml", "flows.yaml", "canned.yaml"):
        (content / name).write_text((ROOT / "content" / name).read_text("utf-8"), "utf-8")
    (content / "smalltalk.yaml").write_text(
        yaml.safe_dump(
            {
                "smalltalk": [
                    {
                        "id": "compliment",
                        "action": "reply",
                        "examples": {"en": ["you rock", "love this shop"], "ru": ["вы лучшие"]},
                        "reply": {"en": "Aw, thank you!", "ru": "Спасибо, приятно!"},
                    }
                ]
            },
            allow_unicode=True,
        ),
        "utf-8",
    )
    talk = SmallTalk(load_content(content, {}).smalltalk)
    assert intent(talk, "You rock!!") == "compliment"
    assert intent(talk, "вы лучшие") == "compliment"
    assert intent(talk, "hi") is None  # only what the shop listed


HI = {"en": ["hi"], "ru": ["привет"]}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"id": "hello", "action": "reply", "examples": {"en": ["hi"], "ru": ["привет"]}},
            "needs a reply",
        ),
        (
            {
                "id": "human",
                "action": "person",
                "examples": {"en": ["a person"], "ru": ["человек"]},
            },
            "needs person_words",
        ),
        ({"id": "x", "action": "dance", "examples": {"en": ["hi"], "ru": ["привет"]}}, "action"),
    ],
)
def test_bad_small_talk_names_file_and_entry(tmp_path: Path, entry: dict, message: str) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for name in ("policy.yaml", "faq.yaml", "flows.yaml", "canned.yaml"):
        (content / name).write_text((ROOT / "content" / name).read_text("utf-8"), "utf-8")
    (content / "smalltalk.yaml").write_text(
        yaml.safe_dump({"smalltalk": [entry]}, allow_unicode=True), "utf-8"
    )
    with pytest.raises(ContentError) as caught:
        load_content(content, {})
    text = str(caught.value)
    assert "smalltalk.yaml" in text and f"id={entry['id']}" in text
    assert message in text
