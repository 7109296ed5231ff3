"""Derive the Bot API facts the emulator checks from the full description, and write them.

Usage: python scripts/bot_api_facts.py [path/to/api.json] [--out tgemulator/bot_api.json]
       python scripts/bot_api_facts.py --check   (exit 1 if the packaged facts are stale)

The full description (../shared/telegram-bot-api/api.json by default) is scraped from the
official Bot API page by telegram-bot-api-spec; the project ships only the facts: the version
and date, methods with their parameters and return types, types with their fields and
subtypes. Updating to a new Bot API version is this one command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tgemulator.spec import FACTS_PATH, field_const  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "telegram-bot-api" / "api.json"
CREDIT = (
    "Facts derived from the Telegram Bot API description scraped by telegram-bot-api-spec "
    "(https://github.com/PaulSonOfLars/telegram-bot-api-spec), MIT License, "
    "Copyright (c) 2020 Paul Larsen; regenerate with scripts/bot_api_facts.py."
)


def _fields(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in raw:
        fact: dict[str, Any] = {
            "name": item["name"],
            "types": list(item["types"]),
            "required": bool(item.get("required")),
        }
        const = field_const(item)
        if const is not None:
            fact["const"] = const
        out.append(fact)
    return out


def derive(raw: dict[str, Any]) -> dict[str, Any]:
    """Return only the facts the emulator checks, in the order the description lists them."""
    methods = {
        name: {"returns": list(body.get("returns", [])), "fields": _fields(body.get("fields", []))}
        for name, body in raw["methods"].items()
    }
    types: dict[str, Any] = {}
    for name, body in raw["types"].items():
        entry: dict[str, Any] = {"fields": _fields(body.get("fields", []))}
        if body.get("subtypes"):
            entry["subtypes"] = list(body["subtypes"])
        types[name] = entry
    return {
        "credit": CREDIT,
        "version": raw.get("version", ""),
        "release_date": raw.get("release_date", ""),
        "methods": methods,
        "types": types,
    }


def render(facts: dict[str, Any]) -> str:
    """Serialize with one method or type per line, so a new Bot API version diffs readably."""
    head = {k: facts[k] for k in ("credit", "version", "release_date")}
    lines = ["{"]
    lines += [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    for section in ("methods", "types"):
        items = list(facts[section].items())
        lines.append(f'"{section}": {{')
        for index, (name, body) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            lines.append(f"{json.dumps(name)}: {json.dumps(body, ensure_ascii=False)}{comma}")
        lines.append("}," if section == "methods" else "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or --check) the packaged facts from the full description."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=FACTS_PATH)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"no Bot API description at {args.source}", file=sys.stderr)
        return 2
    text = render(derive(json.loads(args.source.read_text(encoding="utf-8"))))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run scripts/bot_api_facts.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    facts = json.loads(text)
    print(
        f"wrote {args.out}: {facts['version']}, {len(facts['methods'])} methods, "
        f"{len(facts['types'])} types, {len(text):,} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
