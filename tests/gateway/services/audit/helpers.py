"""Audit records, a hand-driven clock and an independent RFC 6962 verifier for the tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from security.audit import ExchangeRecord

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def record(i: int, *, peer: str = "population", operation: str = "TraCuuThongTinCongDan",
           outcome: str = "ok", caller: str = "demo") -> ExchangeRecord:
    """An exchange whose bodies carry a (synthetic) personal id number."""
    request = (b"<TraCuuThongTinCongDan><SoDinhDanh>%012d</SoDinhDanh>"
               b"<HoVaTen>Nguyen Van A</HoVaTen></TraCuuThongTinCongDan>" % i)
    response = b'{"SoDinhDanh": "%012d", "HoVaTen": "Nguyen Van A", "KetQua": 0}' % i
    return ExchangeRecord(
        at=T0 + timedelta(seconds=i, microseconds=123), direction="outbound", peer=peer,  # type: ignore[arg-type]
        operation=operation, request_id=f"req-{i}", caller=caller, officer_id="CB01",
        purpose="kiem tra ho so", outcome=outcome, http_status=200, duration_ms=12.5,
        request_bytes=request, response_bytes=response, signature_scheme="wsse-rsa-sha256",
        signature_key_id="peer-kid", signature_verified=True, upstream_ref=f"MYC-{i}",
    )


# ---- an RFC 6962 verifier written from the RFC, independent of security.audit -------------

def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def rfc_leaf(data: bytes) -> bytes:
    return _h(b"\x00" + data)


def rfc_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1, recursively, over leaf *hashes*."""
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return _h(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:]))


def rfc_root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """Recompute the root from an audit path by recursing on the RFC's split (§2.1.1)."""

    def walk(m: int, n: int, node: bytes, proof: list[bytes]) -> bytes:
        if n == 1:
            assert not proof, "audit path too long"
            return node
        assert proof, "audit path too short"
        k = 1
        while k * 2 < n:
            k *= 2
        sibling, rest = proof[-1], proof[:-1]
        if m < k:
            return _h(b"\x01" + walk(m, k, node, rest) + sibling)
        return _h(b"\x01" + sibling + walk(m - k, n - k, node, rest))

    return walk(index, size, leaf, list(path))


def rfc_consistency_ok(m: int, n: int, old_root: bytes, new_root: bytes, proof: list[bytes],
                       leaves: list[bytes]) -> bool:
    """Check PROOF(m, D[n]) against the RFC's definition (§2.1.2) computed from the leaves."""

    def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [rfc_mth(d)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return subproof(m, d[:k], b) + [rfc_mth(d[k:])]
        return subproof(m - k, d[k:], False) + [rfc_mth(d[:k])]

    expected = [] if m in (0, n) else subproof(m, leaves[:n], True)  # defined for 0 < m < n
    return rfc_mth(leaves[:m]) == old_root and rfc_mth(leaves[:n]) == new_root and proof == expected
