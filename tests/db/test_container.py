"""The services are built once, by the factory, and cannot be changed afterwards."""

from __future__ import annotations

import ast
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import Settings
from bot.factory import create_services
from bot.services.tickets import ReturnPolicy
from tests.conftest import ROOT

NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_the_factory_builds_every_part_once_and_freezes_them(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings.load(
        env_file=None,
        bot_token="123456:" + "A" * 35,
        database_url=database_url,
        content_dir=ROOT / "content",
        faq_cache_dir=tmp_path,
        faq_encoder="lexical",
    )
    services = await create_services(settings, auto_migrate=True, clock=lambda: NOON)
    try:
        returns = services.content.policy.returns
        assert services.return_policy == ReturnPolicy(
            returns.auto_approve_limit, returns.auto_approve_cap, returns.cap_window_days
        )
        assert services.clock() == NOON
        assert services.outbox is not None and services.outbound_log is not None
        assert services.business_routes is not None
        with pytest.raises(FrozenInstanceError):
            services.clock = lambda: NOON
        with pytest.raises(FrozenInstanceError):
            services.return_policy = ReturnPolicy(Decimal("1"), 1, 1)
        with pytest.raises(FrozenInstanceError):
            services.outbox = services.outbox
        with pytest.raises(FrozenInstanceError):
            del services.promises
        assert services.return_policy.auto_approve_limit == returns.auto_approve_limit
    finally:
        await services.faq.close()
        await services.engine.dispose()


def test_no_handler_builds_a_return_policy() -> None:
    """The limits come from the services, built once from the policy (not per message)."""
    builders = []
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("ReturnPolicy", "Promises"):
                    builders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert builders == []
