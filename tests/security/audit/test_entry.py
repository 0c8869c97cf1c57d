"""Audit entries: their fields, and canonical bytes identical to the RFC 8785 reference."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta, timezone

import pytest
import rfc8785

from security.audit import EntryInvalid, canonical, entry_from_record, entry_leaf_hash

from .conftest import make_record


def test_entry_from_record_carries_digests_not_bytes() -> None:
    """An entry names the exchange and its digests; the bodies themselves never enter it."""
    record = make_record(3)
    entry = entry_from_record(3, record, body_ref="bodies/3")
    assert entry["seq"] == 3
    assert entry["at"] == "2025-03-01T08:00:03.000000Z"
    assert entry["request_digest"] == hashlib.sha256(record.request_bytes).hexdigest()
    assert entry["signature"] == {"scheme": "wsse-rsa-sha256", "key_id": "pop-1", "verified": True}
    assert entry["body_ref"] == "bodies/3"
    assert record.request_bytes.decode() not in canonical(entry).decode()


def test_times_in_other_zones_are_written_in_utc() -> None:
    """The same instant in Hanoi time gives the same entry (and leaf hash) as in UTC."""
    record = make_record(5)
    hanoi = timezone(timedelta(hours=7))
    from dataclasses import replace

    shifted = replace(record, at=record.at.astimezone(hanoi))
    assert entry_leaf_hash(entry_from_record(5, shifted)) == entry_leaf_hash(entry_from_record(5, record))


def _random_text(rng: random.Random) -> str:
    alphabet = [chr(i) for i in range(0, 0x80)] + list("ĐđỆệẫ\u2028\u2029\ue000\uffff") + ["\U0001f600"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def test_canonical_bytes_equal_the_rfc8785_reference_encoder() -> None:
    """Over many entries with control characters, Vietnamese and astral characters, the fast
    encoder's bytes are exactly those of the ``rfc8785`` package."""
    rng = random.Random(8785)
    for seq in range(1, 400):
        entry = entry_from_record(seq, make_record(seq))
        entry["purpose"] = _random_text(rng)
        entry["operation"] = _random_text(rng)
        entry["caller"] = rng.choice([None, _random_text(rng)])
        entry["http_status"] = rng.choice([None, 200, 502])
        entry["signature"]["verified"] = rng.choice([None, True, False])
        entry["seq"] = rng.choice([seq, 2**53 - 1])
        assert canonical(entry) == rfc8785.dumps(entry)


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e.pop("purpose"),
        lambda e: e.update(extra="x"),
        lambda e: e.update(seq=0),
        lambda e: e.update(seq=True),
        lambda e: e.update(seq=2**53),
        lambda e: e.update(http_status="200"),
        lambda e: e.update(at=None),
        lambda e: e.update(caller=5),
        lambda e: e.update(response_digest=1.5),
        lambda e: e["signature"].update(verified="yes"),
        lambda e: e["signature"].pop("scheme"),
        lambda e: e.update(purpose="\ud800"),
    ],
)
def test_malformed_entries_have_no_canonical_form(change) -> None:  # type: ignore[no-untyped-def]
    """Entries off the schema (missing or extra fields, wrong types, unsafe numbers, lone
    surrogates) are refused instead of hashed."""
    entry = entry_from_record(1, make_record(1))
    change(entry)
    with pytest.raises(EntryInvalid):
        canonical(entry)


def test_naive_times_are_refused() -> None:
    """An entry time without a zone cannot be written (it would be ambiguous)."""
    from security.audit import format_time

    with pytest.raises(ValueError):
        format_time(datetime(2025, 1, 1))
