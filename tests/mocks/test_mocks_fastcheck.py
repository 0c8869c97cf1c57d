"""The compiled fast schema check agrees with jsonschema on the portal contract."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from contracts import load_json
from contracts.portal import registry, schema_names, validator
from mocks._core.fastcheck import Unsupported, fast_check

ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, 1.0, 1.5, -3, 11, "", "1", "10", "11", "abc", "True",
    "20261122093000", "20261122253000", [], [{}], {}, {"x": 1},
]


def _mutations(message: Any) -> Iterator[Any]:
    """The message itself, then copies with one value replaced, deleted or one key added."""
    yield message
    if isinstance(message, dict):
        for key in list(message):
            for value in ODD_VALUES:
                yield {**message, key: value}
            yield {k: v for k, v in message.items() if k != key}
            for inner in _mutations(message[key]):
                yield {**message, key: inner}
        yield {**message, "Unexpected": "x"}
    elif isinstance(message, list) and message:
        for inner in _mutations(message[0]):
            yield [inner, *copy.deepcopy(message[1:])]
        yield []


GOLDEN = load_json("portal", "golden", "index.json")["messages"]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_fast_check_agrees_with_jsonschema_on_golden_mutations(name: str) -> None:
    """On each golden message and thousands of one-field mutations, both checks give the same verdict."""
    schema_name = GOLDEN[name]["schema"]
    check = fast_check(load_json("portal", "schemas", f"{schema_name}.json"), registry())
    slow = validator(schema_name)
    message = load_json("portal", "golden", name)
    tried = 0
    for mutated in _mutations(message):
        assert check(mutated) == slow.is_valid(mutated), mutated
        tried += 1
    assert tried > 20


def test_every_portal_schema_compiles() -> None:
    """Every portal schema is inside the supported subset, so the mock never loses its fast path."""
    for name in schema_names():
        fast_check(load_json("portal", "schemas", f"{name}.json"), registry())


def test_unknown_keywords_are_refused() -> None:
    """A keyword the compiler does not implement raises Unsupported instead of being ignored."""
    with pytest.raises(Unsupported):
        fast_check({"$id": "urn:x", "patternProperties": {"^a": {}}}, registry())
    with pytest.raises(Unsupported):
        fast_check({"$id": "urn:x", "uniqueItems": True}, registry())


def test_booleans_are_not_numbers() -> None:
    """true is not 1 for enum, const, integer or minimum, as in JSON Schema."""
    check = fast_check({"$id": "urn:y", "enum": [0, 1]}, registry())
    assert check(1) and not check(True)
    check = fast_check({"$id": "urn:z", "type": "integer", "minimum": 0}, registry())
    assert check(2) and check(2.0) and not check(True)
