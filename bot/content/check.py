"""The `check-content` command: validate a content directory and summarise it."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.content.labels import unknown_labels
from bot.content.load_errors import ContentError
from bot.content.loader import load_content


def check_content(content_dir: Path) -> int:
    """Print a one-line summary and return 0, or print the error to stderr and return 1."""
    try:
        content = load_content(content_dir)
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    if problems := unknown_labels(content):
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print(
        f"content OK: {content_dir}: {len(content.faq)} FAQ entries, "
        f"{len(content.flows)} flows, {len(content.canned)} canned answers, "
        f"{len(content.smalltalk)} small-talk intents, "
        f"policy {content.policy.timezone}"
    )
    return 0
