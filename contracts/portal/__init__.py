"""Our reconstruction of the DVCQG portal wire format (contract v1): JSON Schemas and a loader.

The schemas live in ``schemas/`` and refer to each other by relative ``$ref``
(``defs.json#/$defs/...``); :func:`validator` resolves those through one registry so callers
need not know. See README.md in this folder for what is reconstructed and the error codes.
"""

from __future__ import annotations

from functools import cache

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from contracts import load_json, path

CONTRACT_VERSION = "1.0"


@cache
def registry() -> Registry:
    """Every portal schema, by its $id (for compiling validators with cross-file $refs)."""
    resources = []
    for file in sorted(path("portal", "schemas").glob("*.json")):
        schema = load_json("portal", "schemas", file.name)
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def schema_names() -> list[str]:
    """Names accepted by :func:`validator`, e.g. ``"DongBoHoSoMC.request"``."""
    return sorted(p.stem for p in path("portal", "schemas").glob("*.json") if p.stem != "defs")


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for one schema, e.g. ``validator("TraCuuHoSo.reply")`` (cached)."""
    schema = load_json("portal", "schemas", f"{name}.json")
    return Draft202012Validator(schema, registry=registry())
