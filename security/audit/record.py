"""One audit entry per exchange with a national system, and where entries go.

An ``ExchangeRecord`` keeps the bytes exactly as they crossed the wire (canonical bytes), so a
signature they carry (WS-Security, ``MaXacThuc``) can be re-verified later with standard
tools, plus their SHA-256 digests, the signature result and who asked for what reason.
The tamper-evident log (Merkle tree, checkpoints) is an ``AuditSink`` built on top of this.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

Direction = Literal["outbound", "inbound"]
Peer = Literal["portal", "population", "payment", "province"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, kw_only=True)
class ExchangeRecord:
    """What was sent to (or received from) a national system, by whom, why, and how it went.

    ``request_bytes`` are the bytes as sent (or, when the call failed before anything was
    sent, as built); ``response_bytes`` is ``None`` when no reply arrived. The digests are
    computed from the bytes when not given, and checked against them when given.
    """

    at: datetime
    direction: Direction
    peer: Peer
    operation: str
    request_id: str
    caller: str | None
    officer_id: str | None
    purpose: str | None
    outcome: str  # "ok" or a GatewayError code
    http_status: int | None
    duration_ms: float
    request_bytes: bytes
    response_bytes: bytes | None
    request_digest: str = ""
    response_digest: str | None = None
    signature_scheme: str | None = None  # e.g. "wsse-rsa-sha256", "maxacthuc-sha256"
    signature_key_id: str | None = None
    signature_verified: bool | None = None  # None: the reply carries no signature to check
    upstream_ref: str | None = None  # e.g. MaYeuCau, MaThamChieu, MaHoSo
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("ExchangeRecord.at must be timezone-aware")
        request_digest = sha256_hex(self.request_bytes)
        if not self.request_digest:
            object.__setattr__(self, "request_digest", request_digest)
        elif self.request_digest != request_digest:
            raise ValueError("request_digest does not match request_bytes")
        if self.response_bytes is None:
            if self.response_digest is not None:
                raise ValueError("response_digest given without response_bytes")
            return
        response_digest = sha256_hex(self.response_bytes)
        if self.response_digest is None:
            object.__setattr__(self, "response_digest", response_digest)
        elif self.response_digest != response_digest:
            raise ValueError("response_digest does not match response_bytes")


@runtime_checkable
class AuditSink(Protocol):
    """Where exchange records go (the Merkle log in production, a list in tests)."""

    async def record(self, entry: ExchangeRecord) -> None: ...


class ListAuditSink:
    """Keeps records in memory, in order: for tests and for the development console."""

    def __init__(self) -> None:
        self.entries: list[ExchangeRecord] = []

    async def record(self, entry: ExchangeRecord) -> None:
        self.entries.append(entry)
