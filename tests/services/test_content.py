"""Loading and validating the content directory: defaults, malformed files, env overrides."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.content import ContentError, load_content
from bot.content.check import check_content
from bot.content.schema import Action
from bot.services.calendar import Schedule

DEFAULT = Path(__file__).resolve().parents[2] / "content"
NO_ENV: dict[str, str] = {}


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the default content to break."""
    target = tmp_path / "content"
    shutil.copytree(DEFAULT, target)
    return target


def read(directory: Path, name: str) -> Any:
    return yaml.safe_load((directory / name).read_text(encoding="utf-8"))


def write(directory: Path, name: str, data: Any) -> None:
    (directory / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def load_error(directory: Path, env: dict[str, str] | None = None) -> ContentError:
    with pytest.raises(ContentError) as caught:
        load_content(directory, NO_ENV if env is None else env)
    return caught.value


# --- the default content --------------------------------------------------------------------


def test_default_content_loads() -> None:
    content = load_content(DEFAULT, NO_ENV)
    assert len(content.faq) == 25
    assert set(content.flows) == {"delivery-problem", "payment-problem", "order-change"}
    assert len(content.canned) == 10
    assert content.source_dir == DEFAULT
    policy = content.policy
    assert (policy.currency, policy.timezone) == ("RUB", "Europe/Moscow")
    assert policy.callback_deadline == time(11, 0)
    assert (policy.reply_sla_seconds, policy.second_alert_seconds) == (180, 180)
    assert policy.returns.auto_approve_limit == Decimal(100)
    assert (policy.returns.auto_approve_cap, policy.returns.cap_window_days) == (3, 30)
    assert policy.returns.return_decision_hours == 4
    assert (policy.complaint_resolution_hours, policy.follow_up_days) == (24, 2)
    assert policy.staff_free_text is True
    assert 0 < policy.faq_threshold < 1


def test_default_content_has_both_languages_everywhere() -> None:
    content = load_content(DEFAULT, NO_ENV)
    for entry in content.faq:
        assert len(entry.questions.en) >= 3 and len(entry.questions.ru) >= 3, entry.id
        assert entry.answer.get("ru") != entry.answer.get("en")
    assert content.canned_answer("greeting") is not None
    assert content.faq_entry("returns") is not None
    assert "чек" in content.faq_entry("returns").answer.ru  # type: ignore[union-attr]
    assert content.shop_words.en and content.shop_words.ru


def test_delivery_flow_covers_the_problems() -> None:
    flow = load_content(DEFAULT, NO_ENV).flows["delivery-problem"]
    start = flow.nodes[flow.start]
    targets = {option.next for option in start.options}
    assert {"late", "damaged", "missing", "wrong"} <= targets
    assert flow.nodes["missing"].action is Action.COMPLAINT
    assert flow.nodes["wrong"].action is Action.RETURN
    late_actions = {flow.nodes[n].action for n in ("late-person", "late-callback")}
    assert late_actions == {Action.PERSON, Action.CALLBACK}


def test_policy_schedule_is_the_calendar() -> None:
    schedule = load_content(DEFAULT, NO_ENV).policy.schedule()
    assert isinstance(schedule, Schedule)
    assert schedule.tz == ZoneInfo("Europe/Moscow")
    assert schedule.weekly[0] == ((time(9), time(21)),)
    assert schedule.weekly[5] == ((time(10), time(18)),)
    assert schedule.weekly[6] == ()
    assert date(2027, 1, 1) in schedule.holidays
    start, end = schedule.closures[0]
    assert start == datetime(2026, 12, 15, 14, tzinfo=ZoneInfo("Europe/Moscow"))
    assert end.utcoffset() is not None
    assert schedule.callback_deadline == time(11)
    # Monday 2026-11-23 10:00 Moscow is 07:00 UTC: open.
    assert schedule.is_open(datetime(2026, 11, 23, 7, tzinfo=UTC))
    assert not schedule.is_open(datetime(2026, 11, 22, 7, tzinfo=UTC))  # a Sunday


def test_check_content_summarises(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_content(DEFAULT) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"content OK: {DEFAULT}: 25 FAQ entries, 3 flows, 10 canned answers")
    assert out.strip().endswith("policy Europe/Moscow")


def test_check_content_reports_one_line(
    content_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPLY_SLA_SECONDS", raising=False)
    (content_dir / "canned.yaml").unlink()
    assert check_content(content_dir) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "canned.yaml: file: file not found" in captured.err


# --- malformed files --------------------------------------------------------------------------


def test_yaml_syntax_error_names_the_line(content_dir: Path) -> None:
    text = (content_dir / "faq.yaml").read_text(encoding="utf-8").splitlines()
    text[40] = "      en: [unclosed"
    (content_dir / "faq.yaml").write_text("\n".join(text), encoding="utf-8")
    error = load_error(content_dir)
    assert error.file.endswith("faq.yaml")
    assert error.entry.startswith("line ")
    assert "YAML syntax error" in error.message


def test_missing_file(content_dir: Path) -> None:
    (content_dir / "flows.yaml").unlink()
    error = load_error(content_dir)
    assert error.file.endswith("content/flows.yaml")
    assert (error.entry, error.message) == ("file", "file not found")


def test_missing_language(content_dir: Path) -> None:
    data = read(content_dir, "faq.yaml")
    del data["faq"][3]["answer"]["ru"]
    write(content_dir, "faq.yaml", data)
    error = load_error(content_dir)
    assert error.file.endswith("faq.yaml")
    assert error.entry == "faq[3] id=order-tracking: answer.ru"
    assert "'ru'" in error.message


def test_missing_phrasings_in_one_language(content_dir: Path) -> None:
    data = read(content_dir, "faq.yaml")
    data["faq"][0]["questions"]["en"] = []
    write(content_dir, "faq.yaml", data)
    assert load_error(content_dir).entry == "faq[0] id=delivery-time: questions.en"


def test_unsupported_language_and_unknown_key(content_dir: Path) -> None:
    data = read(content_dir, "canned.yaml")
    data["canned"][1]["text"]["de"] = "Hallo"
    write(content_dir, "canned.yaml", data)
    error = load_error(content_dir)
    assert error.entry == "canned[1] id=ask-order-number: text.de"
    assert error.message == "unknown field"


def test_duplicate_faq_id(content_dir: Path) -> None:
    data = read(content_dir, "faq.yaml")
    data["faq"][5]["id"] = "delivery-cost"
    write(content_dir, "faq.yaml", data)
    error = load_error(content_dir)
    assert error.entry == "faq[5] id=delivery-cost"
    assert "duplicate id 'delivery-cost'" in error.message and "faq[1]" in error.message


def test_duplicate_canned_and_flow_ids(content_dir: Path) -> None:
    data = read(content_dir, "flows.yaml")
    data["flows"][2]["id"] = "delivery-problem"
    write(content_dir, "flows.yaml", data)
    assert "duplicate id" in load_error(content_dir).message
    shutil.copy(DEFAULT / "flows.yaml", content_dir / "flows.yaml")
    data = read(content_dir, "canned.yaml")
    data["canned"].append(data["canned"][0])
    write(content_dir, "canned.yaml", data)
    assert load_error(content_dir).entry == "canned[10] id=greeting"


def test_duplicate_yaml_key(content_dir: Path) -> None:
    text = (content_dir / "policy.yaml").read_text(encoding="utf-8")
    (content_dir / "policy.yaml").write_text(text + "\nreply_sla_seconds: 60\n", encoding="utf-8")
    error = load_error(content_dir)
    assert error.file.endswith("policy.yaml")
    assert "duplicate key 'reply_sla_seconds'" in error.message


def break_flow(directory: Path, change: Any) -> ContentError:
    data = read(directory, "flows.yaml")
    change(data["flows"][0])
    write(directory, "flows.yaml", data)
    return load_error(directory)


def test_flow_next_to_unknown_node(content_dir: Path) -> None:
    def change(flow: dict[str, Any]) -> None:
        flow["nodes"]["late"]["options"][0]["next"] = "xyz"

    error = break_flow(content_dir, change)
    assert error.file.endswith("flows.yaml")
    assert error.entry == "flows.delivery-problem.nodes.late"
    assert error.message == "next 'xyz' is not a node"


def test_flow_start_missing(content_dir: Path) -> None:
    error = break_flow(content_dir, lambda flow: flow.update(start="nowhere"))
    assert error.entry == "flows.delivery-problem: start"
    assert "'nowhere'" in error.message


def test_flow_cycle(content_dir: Path) -> None:
    def change(flow: dict[str, Any]) -> None:
        flow["nodes"]["late-long"]["options"][0]["next"] = "late"

    error = break_flow(content_dir, change)
    assert error.entry == "flows.delivery-problem.nodes.late-long"
    assert error.message == "cycle: late -> late-long -> late"


def test_flow_unreachable_node(content_dir: Path) -> None:
    def change(flow: dict[str, Any]) -> None:
        flow["nodes"]["orphan"] = {"answer": {"en": "Hi", "ru": "Привет"}}

    error = break_flow(content_dir, change)
    assert error.entry == "flows.delivery-problem.nodes.orphan"
    assert "unreachable" in error.message


def test_flow_leaf_without_answer_or_action(content_dir: Path) -> None:
    def change(flow: dict[str, Any]) -> None:
        del flow["nodes"]["missing"]["action"]

    error = break_flow(content_dir, change)
    assert error.entry == "flows.delivery-problem.nodes.missing"
    assert error.message == "a leaf needs an answer or an action"


def test_flow_unknown_action(content_dir: Path) -> None:
    def change(flow: dict[str, Any]) -> None:
        flow["nodes"]["missing"]["action"] = "refund"

    error = break_flow(content_dir, change)
    assert error.entry == "flows.delivery-problem: nodes.missing.action"
    assert "'refund'" in error.message


def break_policy(directory: Path, **changes: Any) -> ContentError:
    data = read(directory, "policy.yaml")
    data.update(changes)
    write(directory, "policy.yaml", data)
    return load_error(directory)


def test_bad_time(content_dir: Path) -> None:
    error = break_policy(content_dir, callback_deadline="25:00")
    assert error.file.endswith("policy.yaml")
    assert error.entry == "policy: callback_deadline"
    assert "'25:00'" in error.message


def test_bad_working_hours(content_dir: Path) -> None:
    data = read(content_dir, "policy.yaml")
    error = break_policy(content_dir, working_hours={**data["working_hours"], "tue": "09:00-25:00"})
    assert error.entry == "policy: working_hours"
    assert "09:00-25:00" in error.message


def test_unknown_timezone(content_dir: Path) -> None:
    error = break_policy(content_dir, timezone="Mars/Olympus")
    assert error.entry == "policy: timezone"
    assert "'Mars/Olympus'" in error.message


def test_negative_limit(content_dir: Path) -> None:
    data = read(content_dir, "policy.yaml")
    error = break_policy(content_dir, returns={**data["returns"], "auto_approve_limit": -5})
    assert error.entry == "policy: returns.auto_approve_limit"
    assert "greater than or equal to 0" in error.message


def test_missing_policy_field(content_dir: Path) -> None:
    data = read(content_dir, "policy.yaml")
    del data["reply_sla_seconds"]
    write(content_dir, "policy.yaml", data)
    error = load_error(content_dir)
    assert (error.entry, error.message) == (
        "policy: reply_sla_seconds",
        "required field is missing",
    )


def test_closure_ending_before_it_starts(content_dir: Path) -> None:
    closure = {"start": "2026-12-15T18:00", "end": "2026-12-15T14:00"}
    error = break_policy(content_dir, closures=[closure])
    assert error.entry == "policy: closures[0]"


def test_unquoted_yaml_times_and_words_stay_text(content_dir: Path) -> None:
    text = (content_dir / "policy.yaml").read_text(encoding="utf-8")
    text = text.replace('callback_deadline: "11:00"', "callback_deadline: 10:30")
    text = text.replace('sat: "10:00-18:00"', "sat: 10:00-18:00")
    (content_dir / "policy.yaml").write_text(text, encoding="utf-8")
    flows = (content_dir / "flows.yaml").read_text(encoding="utf-8")
    flows = flows.replace('{en: "No, keep it", ru: "Нет, оставить"}', "{en: No, ru: Нет}")
    (content_dir / "flows.yaml").write_text(flows, encoding="utf-8")
    content = load_content(content_dir, NO_ENV)
    assert content.policy.callback_deadline == time(10, 30)
    assert content.policy.working_hours[5] == ((time(10), time(18)),)
    labels = [o.label.en for o in content.flows["order-change"].nodes["cancel"].options]
    assert "No" in labels


# --- environment overrides --------------------------------------------------------------------


def test_env_overrides_policy() -> None:
    env = {
        "REPLY_SLA_SECONDS": "120",
        "SECOND_ALERT_SECONDS": "300",
        "WORKING_HOURS": "mon-fri 08:00-20:00; sat 10:00-16:00",
        "CALLBACK_DEADLINE": "10:00",
        "TIMEZONE": "Europe/Berlin",
        "RETURN_AUTO_APPROVE_LIMIT": "1500.50",
        "RETURN_AUTO_APPROVE_CAP": "0",
        "STAFF_FREE_TEXT": "false",
        "COMPLAINT_RESOLUTION_HOURS": "48",
        "RETURN_DECISION_HOURS": "2",
        "FOLLOW_UP_DAYS": "3",
        "FAQ_THRESHOLD": "0.6",
    }
    policy = load_content(DEFAULT, env).policy
    assert (policy.reply_sla_seconds, policy.second_alert_seconds) == (120, 300)
    assert policy.callback_deadline == time(10)
    assert policy.timezone == "Europe/Berlin"
    assert policy.returns.auto_approve_limit == Decimal("1500.50")
    assert policy.returns.auto_approve_cap == 0
    assert policy.returns.return_decision_hours == 2
    assert policy.returns.cap_window_days == 30  # untouched
    assert policy.staff_free_text is False
    assert (policy.complaint_resolution_hours, policy.follow_up_days) == (48, 3)
    assert policy.faq_threshold == 0.6
    schedule = policy.schedule()
    assert schedule.tz == ZoneInfo("Europe/Berlin")
    assert schedule.weekly[0] == ((time(8), time(20)),)
    assert schedule.weekly[5] == ((time(10), time(16)),)
    assert schedule.weekly[6] == ()
    # The naive closure in policy.yaml is read in the overriding zone.
    assert schedule.closures[0][0].tzinfo == ZoneInfo("Europe/Berlin")


def test_empty_env_values_are_ignored() -> None:
    policy = load_content(DEFAULT, {"REPLY_SLA_SECONDS": "", "TIMEZONE": "  "}).policy
    assert (policy.reply_sla_seconds, policy.timezone) == (180, "Europe/Moscow")


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOW_UP_DAYS", "5")
    assert load_content(DEFAULT).policy.follow_up_days == 5


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REPLY_SLA_SECONDS", "abc", "must be a positive integer, got 'abc'"),
        ("REPLY_SLA_SECONDS", "0", "must be a positive integer, got '0'"),
        ("SECOND_ALERT_SECONDS", "-5", "must be a positive integer, got '-5'"),
        ("RETURN_AUTO_APPROVE_LIMIT", "-1", "must be a non-negative amount, got '-1'"),
        ("RETURN_AUTO_APPROVE_LIMIT", "lots", "must be a non-negative amount, got 'lots'"),
        ("RETURN_AUTO_APPROVE_CAP", "2.5", "must be a non-negative integer, got '2.5'"),
        ("STAFF_FREE_TEXT", "maybe", "must be true or false, got 'maybe'"),
        ("FAQ_THRESHOLD", "1.5", "must be a number between 0 and 1, got '1.5'"),
        ("CALLBACK_DEADLINE", "25:00", "'25:00'"),
        ("TIMEZONE", "Moscow", "unknown time zone 'Moscow'"),
        ("WORKING_HOURS", "weekdays 9-5", "working hours"),
    ],
)
def test_bad_env_values(name: str, value: str, message: str) -> None:
    with pytest.raises(ContentError) as caught:
        load_content(DEFAULT, {name: value})
    error = caught.value
    assert (error.file, error.entry) == ("environment", name)
    assert message in error.message


def test_bad_env_message_is_one_clear_line() -> None:
    with pytest.raises(ContentError) as caught:
        load_content(DEFAULT, {"REPLY_SLA_SECONDS": "abc"})
    assert str(caught.value) == (
        "environment: REPLY_SLA_SECONDS: must be a positive integer, got 'abc'"
    )


def test_business_staff_groups_name_an_account_and_a_group(content_dir: Path) -> None:
    error = break_policy(content_dir, business_staff_groups={"corner_shop": -1001})
    assert error.entry == "policy: business_staff_groups"
    assert "user id or its @username" in error.message
    error = break_policy(content_dir, business_staff_groups={"@corner_shop": 1001})
    assert "no group's chat id" in error.message
    data = read(content_dir, "policy.yaml")
    write(content_dir, "policy.yaml", {**data, "business_staff_groups": {"@Corner_Shop": -1001}})
    content = load_content(content_dir, NO_ENV)
    assert content.policy.business_staff_groups == {"@corner_shop": -1001}  # as Telegram: any case
