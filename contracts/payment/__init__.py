"""Our reconstruction of the DVCQG payment platform wire format (protocol 1.0.6).

JSON Schemas in ``schemas/`` (``$ref`` between files resolved by :func:`validator`), golden
messages in ``golden/`` and the ``MaXacThuc`` test vectors in ``vectors.json``. See README.md
in this folder for what is reconstructed, the checksum formulas and the error codes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from contracts import load_json, path

PROTOCOL_VERSION = "1.0.6"


@cache
def _registry() -> Registry:
    resources = []
    for file in sorted(path("payment", "schemas").glob("*.json")):
        schema = load_json("payment", "schemas", file.name)
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def schema_names() -> list[str]:
    """Names accepted by :func:`validator`, e.g. ``"INIT.request"``, ``"QUERY.reply.inner"``."""
    return sorted(p.stem for p in path("payment", "schemas").glob("*.json") if p.stem != "defs")


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for one schema, e.g. ``validator("callback.request")`` (cached)."""
    schema = load_json("payment", "schemas", f"{name}.json")
    return Draft202012Validator(schema, registry=_registry())


def vectors() -> dict[str, Any]:
    """The ``MaXacThuc`` test vectors: ``{"secret": ..., "vectors": [{name, kind, fields, expected}]}``."""
    result: dict[str, Any] = load_json("payment", "vectors.json")
    return result
