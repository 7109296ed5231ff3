"""Load and validate the content directory: policy, FAQ, flows and canned answers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.env import apply_env
from bot.content.graph import check_flow
from bot.content.load_errors import ContentError
from bot.content.policy import Policy
from bot.content.schema import (
    LANGUAGES,
    CannedAnswer,
    FaqEntry,
    Flow,
    LocalizedList,
    SmallTalkIntent,
)
from bot.content.yamlfile import read_yaml

# The main menu's buttons (handlers/customer/keyboards.py lays them out).
MENU_KEYS = (
    "menu-ask",
    "menu-return",
    "menu-complaint",
    "menu-person",
    "menu-callback",
    "menu-requests",
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Content:
    """Everything the business edits, validated."""

    source_dir: Path
    policy: Policy
    faq: list[FaqEntry]
    flows: dict[str, Flow]
    canned: list[CannedAnswer]
    # Goods the shop sells, so the FAQ matcher treats them as on-topic (faq.yaml: shop_words).
    shop_words: LocalizedList = field(default_factory=lambda: LocalizedList(en=[], ru=[]))
    # Greetings, thanks, requests for a person (smalltalk.yaml; optional).
    smalltalk: list[SmallTalkIntent] = field(default_factory=list)

    def faq_entry(self, entry_id: str) -> FaqEntry | None:
        """The FAQ entry with this id, if any."""
        return next((e for e in self.faq if e.id == entry_id), None)

    def canned_answer(self, answer_id: str) -> CannedAnswer | None:
        """The canned answer with this id, if any."""
        return next((c for c in self.canned if c.id == answer_id), None)


def load_content(content_dir: Path, env: Mapping[str, str] | None = None) -> Content:
    """Load every content file, apply environment overrides; raise ContentError on any fault."""
    content_dir = Path(content_dir)
    policy_file = _display(content_dir / "policy.yaml")
    raw_policy = read_yaml(content_dir / "policy.yaml", policy_file)
    if not isinstance(raw_policy, dict):
        raise ContentError(policy_file, "policy", "expected a mapping of policy settings")
    policy = _validate(Policy, raw_policy, policy_file, "policy")
    policy = apply_env(policy, os.environ if env is None else env)

    faq_file = _display(content_dir / "faq.yaml")
    faq_data = _read_mapping(content_dir / "faq.yaml", faq_file, "faq", optional=("shop_words",))
    faq = _load_list(faq_data["faq"], faq_file, "faq", FaqEntry)
    shop_words = LocalizedList(en=[], ru=[])
    if "shop_words" in faq_data:
        shop_words = _validate(LocalizedList, faq_data["shop_words"], faq_file, "shop_words")

    flows_file = _display(content_dir / "flows.yaml")
    flows_data = _read_mapping(content_dir / "flows.yaml", flows_file, "flows")
    flows = _load_list(flows_data["flows"], flows_file, "flows", Flow)
    for flow in flows:
        check_flow(flow, flows_file)

    canned_file = _display(content_dir / "canned.yaml")
    canned_data = _read_mapping(content_dir / "canned.yaml", canned_file, "canned")
    canned = _load_list(canned_data["canned"], canned_file, "canned", CannedAnswer)

    smalltalk: list[SmallTalkIntent] = []
    if (content_dir / "smalltalk.yaml").exists():
        smalltalk_file = _display(content_dir / "smalltalk.yaml")
        smalltalk_data = _read_mapping(content_dir / "smalltalk.yaml", smalltalk_file, "smalltalk")
        smalltalk = _load_list(
            smalltalk_data["smalltalk"], smalltalk_file, "smalltalk", SmallTalkIntent
        )
    return Content(
        source_dir=content_dir,
        policy=policy,
        faq=faq,
        flows={flow.id: flow for flow in flows},
        canned=canned,
        shop_words=shop_words,
        smalltalk=smalltalk,
    )


def _display(path: Path) -> str:
    """The path as people will recognise it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_mapping(
    path: Path, file: str, key: str, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Read a file whose top level holds a list under `key` and maybe the `optional` keys."""
    data = read_yaml(path, file)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ContentError(file, key, f"expected a list under the top-level key {key!r}")
    if extra := sorted(str(k) for k in data if k != key and k not in optional):
        allowed = ", ".join(repr(k) for k in (key, *optional))
        raise ContentError(file, extra[0], f"unknown top-level key; allowed: {allowed}")
    return data


def _load_list(raw_items: list[Any], file: str, key: str, model: type[M]) -> list[M]:
    """Validate each item of the list under `key`, rejecting duplicate ids."""
    items: list[M] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_items):
        entry = _entry_name(key, index, raw)
        item = _validate(model, raw, file, entry)
        item_id = str(getattr(item, "id", ""))
        if item_id in first_index:
            raise ContentError(
                file,
                entry,
                f"duplicate id {item_id!r} (first used by {key}[{first_index[item_id]}])",
            )
        first_index[item_id] = index
        items.append(item)
    if not items:
        raise ContentError(file, key, "the list is empty")
    return items


def _entry_name(key: str, index: int, raw: Any) -> str:
    """How an entry is named in errors, e.g. "faq[3] id=delivery-time" or "flows.delivery"."""
    item_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(item_id, str):
        return f"{key}[{index}]"
    return f"flows.{item_id}" if key == "flows" else f"{key}[{index}] id={item_id}"


def _validate(model: type[M], raw: Any, file: str, entry: str) -> M:
    """Validate `raw`, turning the first pydantic error into one ContentError line."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        location = _location(error["loc"])
        raise ContentError(
            file, f"{entry}: {location}" if location else entry, _describe(error)
        ) from None


def _location(loc: tuple[int | str, ...]) -> str:
    """("nodes", "late", "options", 0, "next") -> "nodes.late.options[0].next"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _describe(error: Mapping[str, Any]) -> str:
    """A short human message for one pydantic error."""
    loc, kind, value = error["loc"], error["type"], error.get("input")
    last = loc[-1] if loc else None
    if kind == "missing":
        if last in LANGUAGES:
            return f"missing the {last!r} text"
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    message = str(error["msg"]).removeprefix("Value error, ")
    if isinstance(value, str | int | float | bool) and repr(value) not in message:
        message += f", got {value!r}"
    return message
