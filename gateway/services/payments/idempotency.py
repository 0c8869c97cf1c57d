"""``Idempotency-Key`` of ``POST /v1/payments``: claim, complete, release, purge.

A key belongs to one caller (``client_id``). The first request claims it with an INSERT that
conflicts on (client_id, key), so of any number of concurrent requests exactly one proceeds,
on SQLite and PostgreSQL alike (there the loser's INSERT waits for the winner's commit). Then:

- same key, same body, first request done → its stored response again (``replay``);
- same key, different body → ``IdempotencyKeyReused`` (422);
- same key while the first is still in flight → ``IdempotencyKeyInUse`` (409). An in-flight
  claim lapses after ``lease`` (longer than any INIT call may last), so a gateway that died
  mid-request does not block the key forever: the next request with the same body takes over.

When the INIT fails, the key is *released* (deleted): nothing was created, so the caller may
retry with the same key and get a fresh attempt. Keys are kept at least 30 days
(``purge_before`` deletes older, completed ones).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from sqlalchemy import and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from gateway.services.payments.ledger import as_utc
from gateway.store import refuse
from gateway.store.tables import idempotency_keys as keys

MAX_KEY_LENGTH = 255
MIN_RETENTION_DAYS = 30


def fingerprint(body: Any) -> str:
    """SHA-256 of the canonical JSON (RFC 8785) of the request body: key order and spacing
    do not matter, any change of a value does."""
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The right to run the request of one key (``token`` proves it when completing)."""

    client_id: str
    key: str
    token: str


@dataclass(frozen=True)
class Replay:
    """The stored response of the first request with this key."""

    status: int
    body: dict[str, Any]


def _insert_ignore(dialect: str) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(keys)


async def claim(
    conn: AsyncConnection, *, client_id: str, key: str, fp: str, now: datetime, lease: timedelta
) -> Claim | Replay:
    """Claim ``key`` for this request or answer what the first request with it decided.
    Meant for ``Database.write``: refusals are raised before anything is written."""
    token = secrets.token_hex(16)
    statement = (
        _insert_ignore(conn.dialect.name)
        .values(
            client_id=client_id,
            key=key,
            fingerprint=fp,
            state="in_flight",
            claim_token=token,
            locked_until=now + lease,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["client_id", "key"])
        .returning(keys.c.claim_token)
    )
    if (await conn.execute(statement)).first() is not None:
        return Claim(client_id, key, token)
    where = and_(keys.c.client_id == client_id, keys.c.key == key)
    row = (await conn.execute(select(keys).where(where))).mappings().first()
    if row is None:  # released between our INSERT and SELECT: the caller may simply retry
        raise refuse(IdempotencyKeyInUse("a request with this idempotency key is in flight"))
    if row["fingerprint"] != fp:
        raise refuse(
            IdempotencyKeyReused("this idempotency key was used with a different request body")
        )
    if row["state"] == "done":
        return Replay(int(row["response_status"]), dict(row["response_body"]))
    locked_until = as_utc(row["locked_until"])
    assert locked_until is not None
    if locked_until > now:
        raise refuse(IdempotencyKeyInUse("the first request with this idempotency key is in flight"))
    # The claim lapsed (its gateway died mid-request): take it over, if nobody beat us to it.
    taken = await conn.execute(
        update(keys)
        .where(where, keys.c.state == "in_flight", keys.c.claim_token == row["claim_token"])
        .values(claim_token=token, locked_until=now + lease)
        .returning(keys.c.claim_token)
    )
    if taken.first() is None:
        raise refuse(IdempotencyKeyInUse("another request took over this idempotency key"))
    return Claim(client_id, key, token)


async def complete(
    conn: AsyncConnection, held: Claim, *, status: int, body: dict[str, Any], payment_id: str
) -> bool:
    """Store the response for replays. False if the claim was lost (then write nothing else)."""
    result = await conn.execute(
        update(keys)
        .where(
            keys.c.client_id == held.client_id,
            keys.c.key == held.key,
            keys.c.state == "in_flight",
            keys.c.claim_token == held.token,
        )
        .values(state="done", response_status=status, response_body=body, payment_id=payment_id)
        .returning(keys.c.key)
    )
    return result.first() is not None


async def release(conn: AsyncConnection, held: Claim) -> None:
    """Forget an in-flight claim whose request failed, so the caller can retry with the key."""
    await conn.execute(
        delete(keys).where(
            keys.c.client_id == held.client_id,
            keys.c.key == held.key,
            keys.c.state == "in_flight",
            keys.c.claim_token == held.token,
        )
    )


async def purge_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Delete completed keys created before ``cutoff`` (call with now - retention, retention
    ≥ 30 days). Returns how many were deleted."""
    result = await conn.execute(
        delete(keys).where(keys.c.state == "done", keys.c.created_at < cutoff)
    )
    return int(result.rowcount or 0)
