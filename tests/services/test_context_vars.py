"""Context travels as arguments: the only ContextVars are those a library forces, documented."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

# Each is in docs/architecture.md ("The container, and context as arguments") with its reason.
FORCED = {
    ("bot/telegram/call_context.py", "_current"),  # aiogram: request middlewares get bot, method
    ("bot/resilience.py", "_current"),  # aiogram: ReplayGuard is a request middleware
    ("bot/resilience.py", "_watch"),  # SQLAlchemy: handle_error gets only the error's context
    ("bot/logs.py", "current_update"),  # logging: a Filter gets only the record
    ("bot/logs.py", "current_conversation"),
}


def _context_vars() -> set[tuple[str, str]]:
    found = set()
    for package in ("bot", "handlers", "models"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.AnnAssign | ast.Assign) or node.value is None:
                    continue
                call = node.value
                if not isinstance(call, ast.Call):
                    continue
                name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
                if name != "ContextVar":
                    continue
                targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                for target in targets:
                    assert isinstance(target, ast.Name)
                    found.add((str(path.relative_to(ROOT)), target.id))
    return found


def test_no_context_var_but_the_forced_ones() -> None:
    assert _context_vars() == FORCED


def test_each_forced_one_is_explained_in_the_architecture() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path, name in FORCED:
        assert f"`{path}`" in doc and f"`{name}`" in doc, (path, name)
