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


@cache
def _sources() -> dict[str, list[str]]:
    into: dict[str, list[str]] = {}
    for source, targets in allowed_moves().items():
        for target in targets:
            into.setdefault(target, []).append(source)
    return {target: sorted(sources) for target, sources in into.items()}


def sources_of(target: str) -> list[str]:
    """The statuses a dossier may move to ``target`` from (empty: none, e.g. ``submitted``)."""
    return _sources().get(target, [])
