"""The dossier status table (``contracts/portal/transitions.json``)."""

from __future__ import annotations

from functools import cache

import contracts


@cache
def allowed_moves() -> dict[str, frozenset[str]]:
    table = contracts.load_json("portal", "transitions.json")["transitions"]
    return {source: frozenset(targets) for source, targets in table.items()}


def is_allowed(source: str, target: str) -> bool:
    return target in allowed_moves().get(source, frozenset())
