"""Check a running sandbox as a newcomer meets it: the page answers, /start gets the menu.

Usage: python scripts/sandbox_check.py [--url http://127.0.0.1:8081] [--wait 60]

Only the standard library, so it runs beside a fresh clone with nothing installed; exit 0
when both checks pass, 1 with the reason otherwise. `.ci/run` uses it on a fresh clone, and
tests/e2e/test_sandbox.py drives the sandbox's restart and reset cases with its helpers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

Json = dict[str, Any]


class SandboxError(Exception):
    """The sandbox did not answer as a newcomer expects."""


def call(url: str, method: str = "GET", body: Json | None = None, timeout: float = 30) -> Any:
    """Call the emulator's control API and return its result."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        reply = json.loads(response.read())
    if not reply.get("ok"):
        raise SandboxError(f"{method} {url}: {reply.get('error')}")
    return reply["result"]


def wait_for_page(base: str, wait: float) -> str:
    """Return the sandbox page once it answers, or raise after `wait` seconds."""
    deadline = time.monotonic() + wait
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as response:
                page = response.read().decode()
                if response.status == 200 and "<html" in page.lower():
                    return page
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SandboxError(f"the sandbox page at {base}/ did not answer in {wait:.0f} s: {last}")


def add_customer(base: str, first_name: str, language: str) -> int:
    """Create a simulated customer through the page's API and return their id."""
    user = call(f"{base}/_emu/users", "POST", {"first_name": first_name, "language_code": language})
    return int(user["id"])


def say(base: str, user_id: int, text: str) -> int:
    """Send a text as a simulated person; return the control feed's cursor before it."""
    cursor = int(call(f"{base}/_emu/state")["seq"])
    call(f"{base}/_emu/users/{user_id}/text", "POST", {"text": text})
    return cursor


def bot_reply(base: str, chat_id: int, since: int, wait: float = 20) -> Json:
    """Return the bot's first message in a chat after the cursor `since`."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        result = call(f"{base}/_emu/messages?chat_id={chat_id}&since={since}&timeout=2")
        replies = [item for item in result["messages"] if item["outgoing"]]
        if replies:
            return dict(replies[0]["message"])
    raise SandboxError(f"the bot did not answer in chat {chat_id} within {wait:.0f} s")


def check(base: str, wait: float) -> str:
    """Run the newcomer's checks and return a one-line summary."""
    wait_for_page(base, wait)
    customer = add_customer(base, "Newcomer", "en")
    menu = bot_reply(base, customer, say(base, customer, "/start"), wait)
    keyboard = menu.get("reply_markup") or {}
    buttons = [b["text"] for row in keyboard.get("keyboard", []) for b in row]
    buttons += [b["text"] for row in keyboard.get("inline_keyboard", []) for b in row]
    if not buttons:
        raise SandboxError(f"/start was answered without a menu: {menu.get('text')!r}")
    return f"sandbox OK: page answers, /start got the menu ({', '.join(buttons)})"


def main(argv: list[str] | None = None) -> int:
    """Check the sandbox at --url; print one line and exit 0 or 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8081")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the page")
    args = parser.parse_args(argv)
    try:
        print(check(args.url.rstrip("/"), args.wait))
    except (SandboxError, urllib.error.URLError, OSError) as exc:
        print(f"sandbox check failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
