"""The command line: clear one-line errors, content checks, migrations."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.__main__ import main
from bot.db import create_engine
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env, no data/ in the repo


def test_run_without_token_names_the_variable_and_the_sandbox(capsys) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "BOT_TOKEN" in err and "python -m bot sandbox" in err


def test_bad_setting_fails_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("MANAGER_IDS", "boss")
    assert main(["check-content"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == "configuration error: MANAGER_IDS: must be comma-separated Telegram user ids, got 'boss'"
    )


def test_check_content_accepts_the_default_content(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    assert main(["check-content"]) == 0
    assert capsys.readouterr().out.startswith("content OK")


def test_check_content_names_the_file_and_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for name in ("policy.yaml", "faq.yaml", "canned.yaml", "flows.yaml"):
        (content / name).write_text(
            (ROOT / "content" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    flows = (content / "flows.yaml").read_text(encoding="utf-8")
    (content / "flows.yaml").write_text(
        flows.replace("next: late-short", "next: nowhere"), encoding="utf-8"
    )
    monkeypatch.setenv("CONTENT_DIR", str(content))
    assert main(["check-content"]) == 1
    err = capsys.readouterr().err
    assert "flows.yaml" in err and "nowhere" in err


def test_webhook_needs_its_url(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    assert main(["webhook"]) == 2
    assert "WEBHOOK_URL" in capsys.readouterr().err


def test_migrate_builds_the_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["migrate"]) == 0
    import asyncio

    async def tables() -> list[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        await engine.dispose()
        return names

    assert "conversations" in asyncio.run(tables())


@pytest.mark.parametrize("command", ["run", "migrate", "sandbox"])
def test_a_database_folder_that_cannot_be_made_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys, command: str
) -> None:
    (tmp_path / "blocker").write_text("a file where the folder should be")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///blocker/data/bot.db")
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("CONSOLE_PORT", "0")
    assert main([command, "--port", "0"] if command == "sandbox" else [command]) == 2
    # The sandbox logs that its emulator started; the error is still one line, and the last.
    errors = [
        line
        for line in capsys.readouterr().err.splitlines()
        if "Traceback" in line or "error: " in line
    ]
    assert len(errors) == 1, errors
    assert "DATABASE_URL" in errors[0] and str(tmp_path / "blocker" / "data") in errors[0]


def test_a_read_only_database_folder_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        # Root writes through file modes: only a read-only mount stops it.
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
            capture_output=True,
        )
        if mounted.returncode != 0:
            pytest.skip("running as root without permission to mount a read-only tmpfs")
    else:
        folder.chmod(0o555)
    try:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder}/bot.db")
        monkeypatch.setenv("BOT_TOKEN", "123:abc")
        monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
        monkeypatch.setenv("CONSOLE_PORT", "0")
        assert main(["run"]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert err.startswith("configuration error: DATABASE_URL: the database folder")
        assert str(folder) in err
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)


def test_check_content_catches_an_answer_naming_a_button_the_bot_lacks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for name in ("policy.yaml", "faq.yaml", "canned.yaml", "flows.yaml"):
        (content / name).write_text(
            (ROOT / "content" / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    faq = (content / "faq.yaml").read_text(encoding="utf-8")
    assert 'Tap "Return a product" in the menu' in faq and "«Позвать сотрудника» в меню" in faq
    faq = faq.replace('Tap "Return a product" in the menu', 'Tap "Order change" in the menu')
    faq = faq.replace("«Позвать сотрудника» в меню", "«Связаться с человеком» в меню")
    (content / "faq.yaml").write_text(faq, encoding="utf-8")
    monkeypatch.setenv("CONTENT_DIR", str(content))
    assert main(["check-content"]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2
    assert (
        "faq.yaml: faq[" in errors[0] and 'answer.en: "Order change" is not a button' in errors[0]
    )
    assert "answer.ru: «Связаться с человеком» is not a button" in errors[1]


@pytest.mark.parametrize("command", [["run"], ["console"]])
def test_the_console_needs_its_own_secret(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.delenv("CONSOLE_SECRET", raising=False)
    monkeypatch.delenv("CONSOLE_PORT", raising=False)
    assert main(command) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("configuration error: CONSOLE_SECRET: not set")


def test_the_webhook_needs_the_console_secret_too(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.delenv("CONSOLE_SECRET", raising=False)
    assert main(["webhook"]) == 2
    assert "configuration error: CONSOLE_SECRET" in capsys.readouterr().err


def test_the_sandbox_console_signs_with_a_key_of_its_own_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.config import Settings
    from bot.sandbox import sandbox_settings

    monkeypatch.delenv("CONSOLE_SECRET", raising=False)
    base = Settings.load(env_file=None, console_secret=None)
    first = sandbox_settings(base, "http://127.0.0.1:1", -100)
    second = sandbox_settings(base, "http://127.0.0.1:1", -100)
    first.check_console()
    assert first.console.console_secret is not None and second.console.console_secret is not None
    key = first.console.console_secret.get_secret_value()
    assert len(key) >= 32 and key != second.console.console_secret.get_secret_value()
