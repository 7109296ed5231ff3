"""Reading content YAML strictly: duplicate keys are errors, "10:00" and "No" stay strings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from bot.content.load_errors import ContentError

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"


# libyaml parses the long FAQ file several times faster than the pure-Python parser.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Construct a mapping, failing on a repeated key."""
        self.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # unhashable keys are reported by the base constructor
            if duplicate:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        """Construct a date or time; an impossible one (2026-02-30) is a marked YAML error."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"invalid date or time {node.value!r}: {exc}", node.start_mark
            ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """YAML 1.1 resolvers minus its surprises for people editing texts and times."""
    table = {
        first: [(tag, regexp) for tag, regexp in rules if tag != _BOOL]
        for first, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    # YAML 1.1 reads 10:00 as the base-60 integer 600 and "No"/"on" as booleans.
    clock = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
    for digit in "0123456789":
        table.setdefault(digit, []).insert(0, (_STR, clock))
    boolean = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    for first in "tTfF":
        table.setdefault(first, []).append((_BOOL, boolean))
    return table


_StrictLoader.yaml_implicit_resolvers = _resolvers()


def read_yaml(path: Path, display: str) -> Any:
    """Parse one YAML file; missing files and syntax errors raise ContentError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(display, "file", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(display, "file", f"cannot read: {exc}") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a safe loader: no object tags
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        problem = ": ".join(p for p in (exc.context, exc.problem) if p)
        raise ContentError(display, where, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise ContentError(display, "file", f"YAML error: {exc}") from None
