"""Audit log entries and their canonical bytes (RFC 8785, JSON Canonicalization Scheme).

An entry describes one exchange without its bodies (only their SHA-256 digests, hex):

    {seq, at, direction, peer, operation, request_id, caller, officer_id, purpose, outcome,
     http_status, request_digest, response_digest,
     signature: {scheme, key_id, verified}, upstream_ref, body_ref}

``seq`` starts at 1; entry ``seq`` is leaf ``seq - 1`` of the Merkle tree, whose leaf hash is
SHA-256(0x00 || canonical(entry)). ``at`` is ISO 8601 UTC with microseconds and a ``Z``.

Canonical form: the entry holds only strings, safe integers, booleans and null under fixed
ASCII keys; for such values RFC 8785 reduces to sorted keys, no whitespace and JSON string
escaping of control characters, which ``orjson`` produces byte for byte (~60x faster than the
general ``rfc8785`` encoder, which the tests use as the reference).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import orjson
import rfc8785

from security.audit.merkle import leaf_hash
from security.audit.record import ExchangeRecord

Entry = dict[str, Any]

FIELDS = frozenset(
    {
        "seq", "at", "direction", "peer", "operation", "request_id", "caller", "officer_id",
        "purpose", "outcome", "http_status", "request_digest", "response_digest",
        "signature", "upstream_ref", "body_ref",
    }
)  # fmt: skip
SIGNATURE_FIELDS = frozenset({"scheme", "key_id", "verified"})
_REQUIRED_STRINGS = ("at", "direction", "peer", "operation", "request_id", "outcome", "request_digest")
_OPTIONAL_STRINGS = ("caller", "officer_id", "purpose", "response_digest", "upstream_ref", "body_ref")
_MAX_SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE doubles


class EntryInvalid(ValueError):
    """An entry is not of the audit log's shape (so it has no canonical form)."""


def format_time(at: datetime) -> str:
    """``2025-03-01T08:15:30.123456Z``: one spelling per instant, so one leaf hash."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with a zone (``Z`` or ``±hh:mm``), strictly: ``ValueError`` otherwise."""
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise ValueError(f"not an ISO 8601 time with a zone: {text!r}")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def entry_from_record(seq: int, record: ExchangeRecord, *, body_ref: str | None = None) -> Entry:
    """The log entry of an exchange record; ``body_ref`` says where its bodies are stored."""
    return {
        "seq": seq,
        "at": format_time(record.at),
        "direction": record.direction,
        "peer": record.peer,
        "operation": record.operation,
        "request_id": record.request_id,
        "caller": record.caller,
        "officer_id": record.officer_id,
        "purpose": record.purpose,
        "outcome": record.outcome,
        "http_status": record.http_status,
        "request_digest": record.request_digest,
        "response_digest": record.response_digest,
        "signature": {
            "scheme": record.signature_scheme,
            "key_id": record.signature_key_id,
            "verified": record.signature_verified,
        },
        "upstream_ref": record.upstream_ref,
        "body_ref": body_ref,
    }


_ORDER = tuple(sorted(FIELDS))
_SIG_ORDER = tuple(sorted(SIGNATURE_FIELDS))
_STR, _NONE = str, type(None)
# Allowed types per field, in _ORDER; "signature" is checked on its own.
_ALLOWED = {
    **{name: (_STR,) for name in _REQUIRED_STRINGS},
    **{name: (_STR, _NONE) for name in _OPTIONAL_STRINGS},
    "seq": (int,), "http_status": (int, _NONE), "signature": (dict,),
}  # fmt: skip
_ALLOWED_SIG = {"scheme": (_STR, _NONE), "key_id": (_STR, _NONE), "verified": (bool, _NONE)}
_good_shapes: set[tuple[type, ...]] = set()  # type signatures already found valid


def check_entry(entry: Any) -> None:
    """Raise ``EntryInvalid`` saying what is wrong unless ``entry`` has the log's shape."""
    if type(entry) is not dict:
        raise EntryInvalid("entry is not a JSON object")
    if entry.keys() != FIELDS:
        missing, extra = sorted(FIELDS - entry.keys()), sorted(entry.keys() - FIELDS)
        raise EntryInvalid(f"entry fields wrong (missing {missing}, unexpected {extra})")
    signature = entry["signature"]
    if type(signature) is not dict or signature.keys() != SIGNATURE_FIELDS:
        raise EntryInvalid("signature is not {scheme, key_id, verified}")
    # Fast path (the verifier checks ~10^5 entries/s): a tuple of the values' exact types,
    # compared with shapes that passed the detailed checks before.
    shape = (*map(type, map(entry.__getitem__, _ORDER)), *map(type, map(signature.__getitem__, _SIG_ORDER)))
    if shape not in _good_shapes:
        _check_types(entry, signature)
        _good_shapes.add(shape)
    seq, status = entry["seq"], entry["http_status"]
    if not 1 <= seq <= _MAX_SAFE_INT:
        raise EntryInvalid(f"seq {seq!r} is not a positive integer")
    if status is not None and not 0 <= status <= 999:
        raise EntryInvalid(f"http_status {status!r} is not an HTTP status")


def _check_types(entry: Entry, signature: dict[str, Any]) -> None:
    for name in _ORDER:
        if type(entry[name]) not in _ALLOWED[name]:
            raise EntryInvalid(f"{name} has the wrong type ({type(entry[name]).__name__})")
    for name in _SIG_ORDER:
        if type(signature[name]) not in _ALLOWED_SIG[name]:
            raise EntryInvalid(f"signature.{name} has the wrong type ({type(signature[name]).__name__})")


def canonical(entry: Entry) -> bytes:
    """The RFC 8785 canonical bytes of an entry (``EntryInvalid`` if it is malformed)."""
    check_entry(entry)
    try:
        return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # e.g. a lone surrogate in a string
        raise EntryInvalid(f"entry cannot be encoded: {exc}") from exc


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of any JSON value (checkpoints, bundle headers): the general encoder."""
    return rfc8785.dumps(value)


def entry_leaf_hash(entry: Entry) -> bytes:
    """The entry's Merkle leaf hash: SHA-256(0x00 || canonical(entry))."""
    return leaf_hash(canonical(entry))
