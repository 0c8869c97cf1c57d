import hashlib
from datetime import UTC, datetime

import pytest

from security.audit import AuditSink, ExchangeRecord, ListAuditSink


def record(**changes):
    fields = dict(
        at=datetime(2026, 11, 22, 2, 30, tzinfo=UTC), direction="outbound", peer="portal",
        operation="TraCuuHoSo", request_id="r1", caller="demo", officer_id=None, purpose=None,
        outcome="ok", http_status=200, duration_ms=1.5, request_bytes=b"{}", response_bytes=b"[]",
    )
    fields.update(changes)
    return ExchangeRecord(**fields)


def test_digests_are_the_sha256_of_the_bytes():
    """Digests default to the hex SHA-256 of the bytes as sent and received."""
    entry = record()
    assert entry.request_digest == hashlib.sha256(b"{}").hexdigest()
    assert entry.response_digest == hashlib.sha256(b"[]").hexdigest()


def test_a_digest_that_does_not_match_its_bytes_is_refused():
    """A record cannot claim a digest its bytes do not have."""
    with pytest.raises(ValueError):
        record(request_digest="00" * 32)
    with pytest.raises(ValueError):
        record(response_digest="00" * 32)


def test_no_reply_means_no_response_digest():
    """When nothing was received, both the bytes and the digest are None."""
    assert record(response_bytes=None).response_digest is None


def test_times_must_be_aware():
    """A naive timestamp would be ambiguous in an audit log."""
    with pytest.raises(ValueError):
        record(at=datetime(2026, 11, 22, 9, 30))


async def test_list_sink_keeps_records_in_order():
    """The in-memory sink satisfies the AuditSink protocol and keeps order."""
    sink = ListAuditSink()
    assert isinstance(sink, AuditSink)
    await sink.record(record(request_id="a"))
    await sink.record(record(request_id="b"))
    assert [e.request_id for e in sink.entries] == ["a", "b"]
