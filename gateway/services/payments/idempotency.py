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
(``purge_before`` deletes older ones; the reconcile job calls it with
``settings.idempotency_retention_days``, never fewer than 30).

Functions take a synchronous connection (``Database.write_sync``); statements are built once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from sqlalchemy import Connection, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from gateway.services.payments.ledger import as_utc
from gateway.store import refuse
from gateway.store.tables import idempotency_keys as keys

MAX_KEY_LENGTH = 255
MIN_RETENTION_DAYS = 30

_THIS_KEY = and_(keys.c.client_id == bindparam("b_client"), keys.c.key == bindparam("b_key"))
_HELD = and_(_THIS_KEY, keys.c.state == "in_flight", keys.c.claim_token == bindparam("b_token"))
# INSERT … ON CONFLICT DO NOTHING RETURNING: the claim, in each dialect's spelling.
_CLAIM = {
    name: module.insert(keys).on_conflict_do_nothing(index_elements=["client_id", "key"]).returning(keys.c.claim_token)
    for name, module in (("sqlite", sqlite), ("postgresql", postgresql))
}
_EXISTING = select(keys).where(_THIS_KEY)
_TAKE_OVER = (
    update(keys)
    .where(_HELD)
    .values(claim_token=bindparam("b_new_token"), locked_until=bindparam("b_until"))
    .returning(keys.c.claim_token)
)
_COMPLETE = (
    update(keys)
    .where(_HELD)
    .values(state="done", response_status=bindparam("b_status"), response_body=bindparam("b_body"),
            payment_id=bindparam("b_payment"))
    .returning(keys.c.key)
)
_RELEASE = delete(keys).where(_HELD)
# Completed keys, and in-flight claims that lapsed long ago (their gateway died mid-request).
_PURGE = delete(keys).where(
    keys.c.created_at < bindparam("cutoff"),
    or_(keys.c.state == "done", keys.c.locked_until < bindparam("cutoff")),
)


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

    def params(self) -> dict[str, str]:
        return {"b_client": self.client_id, "b_key": self.key, "b_token": self.token}


@dataclass(frozen=True)
class Replay:
    """The stored response of the first request with this key."""

    status: int
    body: dict[str, Any]


def claim(conn: Connection, *, client_id: str, key: str, fp: str, now: datetime, lease: timedelta) -> Claim | Replay:
    """Claim ``key`` for this request or answer what the first request with it decided.
    Meant for ``Database.write_sync``: refusals are raised before anything is written."""
    token = secrets.token_hex(16)
    values = {"client_id": client_id, "key": key, "fingerprint": fp, "state": "in_flight", "claim_token": token,
              "locked_until": now + lease, "created_at": now}
    if conn.execute(_CLAIM[conn.dialect.name], values).first() is not None:
        return Claim(client_id, key, token)
    row = conn.execute(_EXISTING, {"b_client": client_id, "b_key": key}).mappings().first()
    if row is None:  # released between our INSERT and SELECT: the caller may simply retry
        raise refuse(IdempotencyKeyInUse("a request with this idempotency key is in flight"))
    if row["fingerprint"] != fp:
        raise refuse(IdempotencyKeyReused("this idempotency key was used with a different request body"))
    if row["state"] == "done":
        return Replay(int(row["response_status"]), dict(row["response_body"]))
    locked_until = as_utc(row["locked_until"])
    assert locked_until is not None
    if locked_until > now:
        raise refuse(IdempotencyKeyInUse("the first request with this idempotency key is in flight"))
    # The claim lapsed (its gateway died mid-request): take it over, if nobody beat us to it.
    lapsed = Claim(client_id, key, row["claim_token"])
    taken = conn.execute(_TAKE_OVER, {**lapsed.params(), "b_new_token": token, "b_until": now + lease})
    if taken.first() is None:
        raise refuse(IdempotencyKeyInUse("another request took over this idempotency key"))
    return Claim(client_id, key, token)


def complete(conn: Connection, held: Claim, *, status: int, body: dict[str, Any], payment_id: str) -> bool:
    """Store the response for replays. False if the claim was lost (then write nothing else)."""
    params = {**held.params(), "b_status": status, "b_body": body, "b_payment": payment_id}
    return conn.execute(_COMPLETE, params).first() is not None


def release(conn: Connection, held: Claim) -> None:
    """Forget an in-flight claim whose request failed, so the caller can retry with the key."""
    conn.execute(_RELEASE, held.params())


def retention(days: int) -> timedelta:
    """How long keys are kept: ``days``, but never less than the 30 days the API promises."""
    return timedelta(days=max(days, MIN_RETENTION_DAYS))


def purge_before(conn: Connection, cutoff: datetime) -> int:
    """Delete keys created before ``cutoff`` (call with ``now - retention(days)``): completed
    ones, and in-flight claims that lapsed before it. Returns how many were deleted."""
    return int(conn.execute(_PURGE, {"cutoff": cutoff}).rowcount or 0)
