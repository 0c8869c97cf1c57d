"""The scopes a provincial caller can hold (API.md, "Conventions")."""

from __future__ import annotations

ALL_SCOPES: tuple[str, ...] = (
    "citizens.read",
    "dossiers.read",
    "dossiers.write",
    "payments.read",
    "payments.write",
    "audit.read",
    "admin",
)

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "citizens.read": "look up and verify citizens in the national population database",
    "dossiers.read": "read dossiers, procedures and the national inbox",
    "dossiers.write": "create dossiers and record their status changes",
    "payments.read": "read payments and payment events",
    "payments.write": "create payments",
    "audit.read": "read the audit log, proofs and signing certificates",
    "admin": "operate the gateway (sync status, dead letters)",
}


def parse_scope(text: str | None) -> frozenset[str]:
    """Split an OAuth ``scope`` parameter (space-separated, RFC 6749 §3.3) into a set."""
    return frozenset(text.split()) if text else frozenset()


def format_scope(scopes: frozenset[str] | set[str]) -> str:
    """Space-separated, in the canonical order of :data:`ALL_SCOPES` (stable for tests/logs)."""
    order = {scope: index for index, scope in enumerate(ALL_SCOPES)}
    return " ".join(sorted(scopes, key=lambda scope: (order.get(scope, len(order)), scope)))
