"""The compiled (fastjsonschema) check of callbacks agrees with jsonschema on the contract."""

from __future__ import annotations

from typing import Any

import fastjsonschema
import pytest

from adapters.payment.wire import COMPILED_SCHEMAS, check, compiled
from contracts import load_json
from contracts.errors import ContractViolation
from contracts.payment import validator

GOLDEN = [load_json("payment", "golden", name) for name in ("callback.request.json", "callback.request.failed.json")]


def _variants(doc: dict[str, Any]) -> list[Any]:
    """The golden callback with each field removed, emptied, retyped, piped, padded or extended."""
    out: list[Any] = [doc, [doc], "x", None, {}, {**doc, "Extra": 1}]
    for name in doc:
        out.append({k: v for k, v in doc.items() if k != name})
        for value in ("", "a|b", " 1", "1" * 300, 0, -1, 1.5, 1.0, True, None, [], {}, "0123", "٣"):
            out.append({**doc, name: value})
    return out


@pytest.mark.parametrize("schema", sorted(COMPILED_SCHEMAS))
def test_compiled_and_jsonschema_agree_on_every_variant(schema: str) -> None:
    """For hundreds of mutations of the golden callbacks, the fast check accepts exactly what jsonschema accepts."""
    fast = compiled(schema)
    for golden in GOLDEN:
        for doc in _variants(golden):
            try:
                fast(doc)
                fast_ok = True
            except fastjsonschema.JsonSchemaException:
                fast_ok = False
            assert fast_ok == validator(schema).is_valid(doc), doc


def test_refusals_still_name_the_field() -> None:
    """A refused callback's ContractViolation comes from jsonschema and says which field failed."""
    bad = {**GOLDEN[0], "SoTien": -5}
    with pytest.raises(ContractViolation, match="SoTien"):
        check("callback.request", bad)
