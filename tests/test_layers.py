"""Who may import whom (docs/architecture.md): each room imports only the rooms below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "contracts": {"gateway", "adapters", "mocks", "security", "app"},
    "security": {"gateway", "adapters", "mocks", "app"},
    "adapters": {"gateway", "mocks", "app"},
    "mocks": {"gateway", "adapters", "app"},
    "gateway/store": {"gateway.api", "gateway.services", "gateway.outbox", "app"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_nothing_above_it(room: str) -> None:
    """No module of the room imports a forbidden package (mocks never share adapters' code)."""
    offences = []
    for path in (ROOT / room).rglob("*.py"):
        for name in _imports(path):
            if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[room]):
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offences == []
