"""The audit log for security officers (scope ``audit.read``): entries, bodies, checkpoints,
inclusion and consistency proofs (RFC 6962), and the gateway's certificates and keys.

Reading the audit trail is itself audited: every call, refused ones included, is an entry
(direction ``inbound``, peer ``province``, operation ``audit.read``, the caller's client id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request

from gateway.api.routing import PrefixRouter
from gateway.api.auth import require_scope
from gateway.api.deps import container_of, service
from gateway.errors import GatewayError
from gateway.services.audit.reader import MAX_PAGE, AuditReader
from security.audit import ExchangeRecord
from security.caller_auth import Caller

router = PrefixRouter(prefix="/v1/audit", tags=["audit"])
_require_audit_read = require_scope("audit.read")


async def record_read(request: Request, caller: str | None, outcome: str, status: int | None) -> None:
    """One audit entry for one read of the audit trail."""
    started = datetime.now(UTC)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    await container_of(request).audit.record(
        ExchangeRecord(
            at=started, direction="inbound", peer="province", operation="audit.read",
            request_id=str(getattr(request.state, "request_id", "")), caller=caller, officer_id=None,
            purpose=None, outcome=outcome, http_status=status, duration_ms=0.0,
            request_bytes=f"{request.method} {target}".encode(), response_bytes=None,
            upstream_ref=request.url.path.removeprefix("/v1/audit/")[:128],
        )
    )  # fmt: skip


async def officer(request: Request) -> Caller:
    """The verified ``audit.read`` caller. The read is recorded in the audit trail, and so is
    a refusal (no token, a bad one, or no ``audit.read``), before it propagates."""
    try:
        caller = await _require_audit_read(request)
    except GatewayError as exc:
        who = getattr(getattr(request.state, "caller", None), "client_id", None)
        await record_read(request, who, exc.code, exc.http_status)
        raise
    await record_read(request, caller.client_id, "ok", None)  # the reply's status is not known yet
    return caller


officer.required_scope = "audit.read"  # type: ignore[attr-defined]  # for the OpenAPI document
Officer = Annotated[Caller, Depends(officer)]
MAX_SEQ = 2**53 - 1  # entries' numbers are safe JSON integers (RFC 8785)
Seq = Annotated[int, Path(ge=1, le=MAX_SEQ, description="the entry's position in the log")]
Reader = Annotated[AuditReader, service("audit")]


@router.get("/entries", summary="Sealed audit entries after a cursor, with filters")
async def entries(
    reader: Reader, _officer: Officer,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="cursor: the last seq seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"at most {MAX_PAGE}")] = 100,
    peer: Annotated[str | None, Query(max_length=32)] = None,
    operation: Annotated[str | None, Query(max_length=64)] = None,
    request_id: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:  # fmt: skip
    return await reader.entries(after=after, limit=limit, peer=peer, operation=operation, request_id=request_id)


@router.get("/entries/{seq}", summary="One entry with its stored bodies (decrypted), leaf hash, signature")
async def entry(seq: Seq, reader: Reader, _officer: Officer) -> dict[str, Any]:
    return await reader.entry(seq)


@router.get("/entries/{seq}/proof", summary="Inclusion proof of an entry against the tree of size n")
async def proof(
    seq: Seq, reader: Reader, _officer: Officer,
    size: Annotated[int | None, Query(ge=1, le=MAX_SEQ, description="tree size (default: the latest checkpoint's)")] = None,
) -> dict[str, Any]:  # fmt: skip
    return await reader.inclusion(seq, size)


@router.get("/consistency", summary="Consistency proof between two tree sizes")
async def consistency(
    reader: Reader, _officer: Officer,
    first: Annotated[int, Query(alias="from", ge=0, le=MAX_SEQ)],
    second: Annotated[int, Query(alias="to", ge=0, le=MAX_SEQ)],
) -> dict[str, Any]:  # fmt: skip
    return await reader.consistency(first, second)


@router.get("/checkpoints/latest", summary="The latest signed checkpoint")
async def latest_checkpoint(reader: Reader, _officer: Officer) -> dict[str, Any]:
    return await reader.latest_checkpoint()


@router.get("/checkpoints", summary="Signed checkpoints, newest first")
async def checkpoints(
    reader: Reader, _officer: Officer, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50
) -> dict[str, Any]:
    return await reader.checkpoints(limit=limit)


@router.get("/certificates", summary="Signing certificates and public keys, current and retired")
async def certificates(reader: Reader, _officer: Officer) -> dict[str, Any]:
    return reader.certificates()


@router.get("/activity", summary="Exchanges per hour by peer and outcome; payments per hour by status")
async def activity(
    reader: Reader, _officer: Officer, hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24
) -> dict[str, Any]:
    return await reader.activity(hours)
