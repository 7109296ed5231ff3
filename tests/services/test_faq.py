"""The FAQ matcher: typos, word forms, word order, out-of-scope rejection, and the eval set."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.content.schema import FaqEntry
from bot.services.faq import FaqMatcher
from bot.services.faq_eval import EvalFileError, EvalRow, evaluate, main, read_rows

ROOT = Path(__file__).resolve().parents[2]
EVAL_CSV = ROOT / "tests" / "data" / "faq_eval.csv"
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(ROOT / "content", {})


@pytest.fixture(scope="module")
def matcher(content: Content) -> FaqMatcher:
    return FaqMatcher.from_content(content)


def answered(matcher: FaqMatcher, text: str) -> str | None:
    found = matcher.match(text)
    return found.entry_id if found is not None and found.confident else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how much does delivery cost", "delivery-cost"),
        ("hw much dose delivry cost", "delivery-cost"),  # typos
        ("cost of delivery, how much", "delivery-cost"),  # word order
        ("can I return an item without the receipt", "returns"),
        ("can i retrun an itme withuot the reciept", "returns"),
        ("cancelling my order", "cancel-order"),  # word form
        ("I'd like my order cancelled", "cancel-order"),
        ("сколько стоит доставка", "delivery-cost"),
        ("доставка сколько стоит", "delivery-cost"),  # word order
        ("сколко стоит доствка", "delivery-cost"),  # typos
        ("стоимость доставки", "delivery-cost"),  # word forms
        ("отменить заказ", "cancel-order"),
        ("отмените мои заказы", "cancel-order"),  # word forms
        ("заказы как отменить", "cancel-order"),
        ("верните деньги за возвращённый товар, когда они придут", "refund-timing"),
        ("привезли не тот товар", "wrong-item"),  # "не тот" is not "тот"
        ("позовите живого оператора", "talk-to-person"),
    ],
)
def test_answers_in_scope_questions(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answered(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather like",
        "tell me a joke",
        "какой курс доллара",
        "расскажи анекдот",
        "who is the president of france",
        "как приготовить борщ",
        "how are you doing today my friend",
        "привет",
        "hi",
        "hello!",
        "спасибо",
        "ок",
        "",
        "???",
    ],
)
def test_declines_out_of_scope(matcher: FaqMatcher, text: str) -> None:
    assert answered(matcher, text) is None


def test_greeting_alone_is_no_question(matcher: FaqMatcher) -> None:
    assert matcher.match("привет") is None
    assert matcher.match("Hello there!") is None
    assert answered(matcher, "привет, где мой заказ?") == "order-tracking"


def test_match_result_shape(matcher: FaqMatcher) -> None:
    found = matcher.match("where is my order", lang="en")
    assert found is not None
    assert found.entry_id == "order-tracking"
    assert 0 < found.score <= 1
    assert found.confident is (found.score >= matcher.threshold)


def test_rank_is_sorted_and_bounded(matcher: FaqMatcher) -> None:
    ranked = matcher.rank("delivery", k=3)
    assert 1 <= len(ranked) <= 3
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(r.entry_id.startswith(("delivery", "order", "cash")) for r in ranked[:1])


def test_threshold_decides_confidence(content: Content) -> None:
    strict = FaqMatcher(content.faq, 1.0)
    lenient = FaqMatcher(content.faq, 0.0)
    text = "how much is delivery"
    assert strict.match(text) is not None and not strict.match(text).confident  # type: ignore[union-attr]
    assert lenient.match(text).confident  # type: ignore[union-attr]


def test_shop_words_are_not_off_topic(content: Content) -> None:
    text = "the eggs and the milk arrived broken"
    with_goods = FaqMatcher.from_content(content).match(text)
    without = FaqMatcher(content.faq, content.policy.faq_threshold).match(text)
    assert with_goods is not None and without is not None
    assert with_goods.entry_id == "damaged-item"
    assert with_goods.score > without.score


def entry(entry_id: str, en: str, ru: str) -> FaqEntry:
    return FaqEntry.model_validate(
        {
            "id": entry_id,
            "questions": {"en": [en], "ru": [ru]},
            "keywords": {"en": [], "ru": []},
            "answer": {"en": "a", "ru": "а"},
        }
    )


def test_related_words_share_a_family() -> None:
    matcher = FaqMatcher(
        [entry("courier", "delivery price", "курьер"), entry("gift", "gift card", "подарок")], 0.3
    )
    for text in ("deliverers", "курьерская"):
        found = matcher.match(text)
        assert found is not None and found.entry_id == "courier" and found.confident, text


def test_a_common_word_is_not_read_as_a_misspelt_one() -> None:
    matcher = FaqMatcher(
        [entry("gift", "gift cards", "подарочная карта"), entry("hours", "opening hours", "часы")],
        0.1,
    )
    assert matcher.match("cars") is None  # a word of its own, not "cards" mistyped
    for typo in ("cardss", "carrds"):  # a typo still reads as the word
        found = matcher.match(typo)
        assert found is not None and found.entry_id == "gift" and found.confident, typo


def test_ambiguous_tie_is_not_confident() -> None:
    matcher = FaqMatcher(
        [entry("one", "parcel", "посылка"), entry("two", "parcel", "посылка")], 0.1
    )
    found = matcher.match("parcel")
    assert found is not None and found.entry_id == "one"
    assert not found.confident


def test_matching_is_fast(matcher: FaqMatcher, eval_rows: list[EvalRow]) -> None:
    texts = [row.question for row in eval_rows]
    for text in texts:  # warm the word caches, as a running bot would be
        matcher.match(text)
    started = time.perf_counter()
    for text in texts:
        matcher.match(text)
    per_text = (time.perf_counter() - started) / len(texts)
    assert per_text < 0.002


# --- the evaluation set -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def eval_rows(content: Content) -> list[EvalRow]:
    return read_rows(EVAL_CSV, [entry.id for entry in content.faq])


def test_eval_file_is_substantial(eval_rows: list[EvalRow]) -> None:
    assert len(eval_rows) >= 180
    russian = [r for r in eval_rows if CYRILLIC.search(r.question)]
    assert 0.4 <= len(russian) / len(eval_rows) <= 0.6
    assert sum(r.expected == "none" for r in eval_rows) >= 40


@pytest.mark.parametrize("language", ["en", "ru"])
def test_eval_scores_per_language(
    matcher: FaqMatcher, eval_rows: list[EvalRow], language: str
) -> None:
    rows = [r for r in eval_rows if bool(CYRILLIC.search(r.question)) == (language == "ru")]
    result = evaluate(matcher, rows)
    misses = "\n".join(f"{m.question!r}: {m.expected} -> {m.got}" for m in result.misses)
    assert result.accuracy >= 0.90, misses
    assert result.rejection >= 0.90, misses


def test_evaluate_counts(matcher: FaqMatcher) -> None:
    rows = [
        ("where is my order", "order-tracking"),
        ("where is my order", "delivery-cost"),
        ("tell me a joke", "none"),
        ("how much is delivery", "none"),
    ]
    result = evaluate(matcher, rows)
    assert (result.accuracy, result.rejection, result.n) == (0.5, 0.5, 4)
    assert [m.expected for m in result.misses] == ["delivery-cost", "none"]
    assert result.summary() == "accuracy=0.50 rejection=0.50 n=4"


def test_main_prints_misses_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "eval.csv"
    csv_path.write_text(
        "question,expected\nwhere is my order,order-tracking\nhow much is delivery,none\n",
        encoding="utf-8",
    )
    assert main(csv_path, ROOT / "content") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "accuracy=1.00 rejection=0.00 n=2"
    assert len(lines) == 3 and "how much is delivery" in lines[0] and "none" in lines[0]
    assert lines[1].startswith(
        "engine=lexical threshold en=0.500 ru=0.500 (words only, calibrated)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q,expected\nhi,none\n", "row 1: header must be question,expected"),
        ("question,expected\nhi,none\nwhere,no-such-id\n", "row 3: unknown FAQ id 'no-such-id'"),
        ("question,expected\nhi\n", "row 2: expected question,expected"),
    ],
)
def test_main_rejects_bad_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    csv_path = tmp_path / "eval.csv"
    csv_path.write_text(text, encoding="utf-8")
    assert main(csv_path, ROOT / "content") == 2
    err = capsys.readouterr().err
    assert str(csv_path) in err and message in err


def test_read_rows_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="cannot read"):
        read_rows(tmp_path / "absent.csv", [])


def test_every_stored_phrasing_answers_its_own_entry(content: Content, matcher: FaqMatcher) -> None:
    for entry in content.faq:
        for text in (*entry.questions.en, *entry.questions.ru):
            for typed in (text, text.upper().rstrip("?"), f"  {text.lower()} "):
                assert answered(matcher, typed) == entry.id, typed
