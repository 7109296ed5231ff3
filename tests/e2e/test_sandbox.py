"""`python -m bot sandbox` as a newcomer runs it: restarted and reset, it keeps its people apart."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.sandbox_check import add_customer, bot_reply, call, check, say, wait_for_page
from tests.conftest import ROOT
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.timeout(180)

BORIS = 900002  # the demo manager


@contextmanager
def sandbox(folder: Path) -> Iterator[str]:
    """Run the real sandbox command in `folder` (its data/ lives there) until the block ends."""
    port, console = free_port(), free_port()
    env = {
        **os.environ,
        "CONTENT_DIR": str(ROOT / "content"),
        "CONSOLE_PORT": str(console),
        "CONSOLE_URL": f"http://127.0.0.1:{console}",
        "WORKING_HOURS": "mon-sun 00:00-24:00",
    }
    env.pop("DATABASE_URL", None)  # the sandbox's own SQLite file, as a newcomer gets it
    env.pop("REDIS_URL", None)
    with open(folder / "sandbox.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_page(base, 60)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def customers(folder: Path) -> dict[int, tuple[str, int | None]]:
    """Return the sandbox database's customers: telegram id -> (language, topic id)."""
    with sqlite3.connect(folder / "data" / "sandbox.db") as db:
        rows = db.execute("SELECT telegram_id, language, topic_id FROM customers").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def staff_table(folder: Path) -> dict[int, tuple[str, str]]:
    """Return the sandbox database's staff members: telegram id -> (name, role)."""
    with sqlite3.connect(folder / "data" / "sandbox.db") as db:
        rows = db.execute("SELECT telegram_id, name, role FROM staff_members").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def hand_off(base: str, user_id: int) -> None:
    """Press "Talk to a person" from the menu and wait for the bot's answer."""
    bot_reply(base, user_id, say(base, user_id, "/start"))
    bot_reply(base, user_id, say(base, user_id, "👤 Talk to a person"))


def test_the_readme_sandbox_answers_a_newcomer(tmp_path: Path) -> None:
    with sandbox(tmp_path) as base:
        assert check(base, 30).startswith("sandbox OK")


def test_a_restart_never_hands_an_old_conversation_to_a_new_person(tmp_path: Path) -> None:
    with sandbox(tmp_path) as base:
        old = add_customer(base, "Olivia", "en")
        hand_off(base, old)
    old_topic = customers(tmp_path)[old][1]
    assert old_topic is not None

    with sandbox(tmp_path) as base:
        new = add_customer(base, "Пётр", "ru")
        assert new != old
        hand_off(base, new)
        greeting = bot_reply(base, new, say(base, new, "/start"))
        assert any("а" <= ch <= "я" for ch in greeting["text"].lower()), greeting["text"]
    stored = customers(tmp_path)
    assert stored[old] == ("en", old_topic)  # the old customer keeps their language and topic
    assert stored[new][0] == "ru" and stored[new][1] not in (None, old_topic)


def test_reset_keeps_the_demo_manager(tmp_path: Path) -> None:
    with sandbox(tmp_path) as base:
        before = add_customer(base, "Temporary", "en")
        call(f"{base}/_emu/reset", "POST")
        users = {user["id"]: user for user in call(f"{base}/_emu/users")}
        assert BORIS in users and users[BORIS]["member_status"] == "administrator"
        link = bot_reply(base, BORIS, say(base, BORIS, "/console"))
        assert "/login?t=" in str(link.get("text")) + str(link.get("reply_markup"))
        # A person created after the reset never gets an id used before it.
        assert add_customer(base, "After", "en") > before


def test_the_demo_staff_have_their_names_in_the_console(tmp_path: Path) -> None:
    """Anna answers without ever sending /duty: the console still shows her name, not 900001."""
    with sandbox(tmp_path) as base:
        hand_off(base, 700001)  # the bot polls, so the sandbox has finished starting
        assert staff_table(tmp_path) == {
            900001: ("Anna Duty", "staff"),
            BORIS: ("Boris Manager", "manager"),
        }
