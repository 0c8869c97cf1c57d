"""The public surface of security.wsse and the import rules of what this issue added."""

from __future__ import annotations

import ast
from pathlib import Path

import security.wsse

ROOT = Path(__file__).resolve().parents[3]


def _imports(package: str) -> set[str]:
    found = set()
    for file in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_public_names_are_exported():
    """Everything in security.wsse.__all__ exists (signer, verifier, zeep plugin...)."""
    for name in security.wsse.__all__:
        assert hasattr(security.wsse, name), name
    assert {"Signer", "Verifier", "WsseX509", "sign_envelope", "verify_envelope"} <= set(
        security.wsse.__all__)


def test_security_wsse_imports_only_contracts_of_ours():
    """security/wsse reaches no gateway, adapters or mocks code."""
    assert not _imports("security/wsse") & {"gateway", "adapters", "mocks", "app"}


def test_mock_population_shares_no_code_with_adapters():
    """mocks/population imports neither adapters nor gateway (only contracts, security)."""
    assert not _imports("mocks/population") & {"gateway", "adapters", "app", "zeep"}
