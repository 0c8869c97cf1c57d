"""Wire details of the DVCQG payment platform, protocol 1.0.6 (contracts/payment/).

Paths, the ``yyyyMMddHHmmss`` clock (24-hour, Asia/Ho_Chi_Minh), schema checks and the
``{"error_code", "message": "<JSON string>"}`` envelope of INIT/QUERY/GET_BILL replies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import fastjsonschema
import httpx

from adapters.payment.errors import rejection
from contracts import load_json
from contracts.errors import ContractViolation
from contracts.payment import PROTOCOL_VERSION, validator

INIT_PATH = "/init"
QUERY_PATH = "/query"
GET_BILL_PATH = "/getbill"
PATHS = {"INIT": INIT_PATH, "QUERY": QUERY_PATH, "GET_BILL": GET_BILL_PATH}

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_DATE14 = "%Y%m%d%H%M%S"  # %H: 24-hour. One public codebase used "hh" (12-hour): a real bug.

__all__ = ["PROTOCOL_VERSION", "from_date14", "to_date14", "check", "unwrap"]


def to_date14(moment: datetime) -> str:
    """``ThoiGianGD``: an aware datetime as ``yyyyMMddHHmmss`` in Vietnam time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("ThoiGianGD needs a timezone-aware datetime")
    return moment.astimezone(VIETNAM).strftime(_DATE14)


def from_date14(text: str) -> datetime:
    """A wire ``yyyyMMddHHmmss`` (Vietnam time) as an aware datetime; ``ValueError`` unless
    exactly 14 digits of a real moment. (Sliced by hand: every callback has one, and
    ``strptime`` costs ~70 µs where this costs ~2.)"""
    if len(text) != 14 or not text.isascii() or not text.isdigit():
        raise ValueError(f"not a yyyyMMddHHmmss date: {text!r}")
    return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]),
                    int(text[12:14]), tzinfo=VIETNAM)


# Schemas checked on the hot path (every callback) through a compiled validator first.
COMPILED_SCHEMAS = frozenset({"callback.request"})


def _contract_file(uri: str) -> Any:
    """``$ref`` resolution for fastjsonschema: ``.../1.0.6/defs.json`` → contracts/payment/schemas."""
    return load_json("payment", "schemas", uri.split("#", 1)[0].rsplit("/", 1)[-1])


@cache
def compiled(schema: str) -> Callable[[object], object]:
    """Contract ``schema`` compiled to Python code by fastjsonschema (~8 µs a callback, against
    ~650 µs for jsonschema walking the ``$ref``s). It never has the last word on a refusal:
    ``check`` asks jsonschema again then; tests/adapters/payment check that both agree."""
    document = load_json("payment", "schemas", f"{schema}.json")
    return fastjsonschema.compile(document, handlers={"https": _contract_file})


def check(schema: str, document: object) -> None:
    """Raise ContractViolation when ``document`` does not satisfy contract ``schema``."""
    if schema in COMPILED_SCHEMAS:
        try:
            compiled(schema)(document)
            return
        except fastjsonschema.JsonSchemaException:
            pass  # jsonschema decides, and says where
    error = next(iter(validator(schema).iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise ContractViolation(f"payment {schema}: {where}: {error.message}")


def unwrap(response: httpx.Response, operation: str) -> dict[str, Any]:
    """The inner JSON of a successful reply; a refusal becomes its gateway error.

    ``message`` is a JSON *string* on success (``error_code`` "0", integer 0 tolerated) and
    human-readable text otherwise.
    """
    envelope = response.json()
    check("reply", envelope)
    code = str(envelope["error_code"])
    message = envelope["message"]
    if code != "0":
        raise rejection(operation, code, message)
    inner = json.loads(message)
    if not isinstance(inner, Mapping):
        raise ContractViolation(f"payment {operation}: message is not a JSON object")
    check(f"{operation}.reply.inner", inner)
    return dict(inner)
