"""The command line: clear one-line errors, content checks, migrations."""

from __future__ import annotations

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
