"""Idempotency keys of POST /v1/payments, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from gateway.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from gateway.services.payments import idempotency
from gateway.services.payments.idempotency import Claim, Replay
from gateway.store import Database

LEASE = timedelta(seconds=120)


async def _claim(db: Database, clock, key: str = "k1", fp: str = "f" * 64, client: str = "demo"):
    return await db.write_sync(
        lambda conn: idempotency.claim(conn, client_id=client, key=key, fp=fp, now=clock.now(), lease=LEASE)
    )


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    """The fingerprint is over canonical JSON: reordered keys match, a changed value does not."""
    a = idempotency.fingerprint({"amount": 1, "fees": [{"x": 1}], "d": "é"})
    assert a == idempotency.fingerprint({"d": "é", "fees": [{"x": 1}], "amount": 1})
    assert a != idempotency.fingerprint({"d": "é", "fees": [{"x": 1}], "amount": 2})


async def test_fifty_concurrent_claims_of_one_key_yield_one_claim(db: Database, clock) -> None:
    """Of 50 concurrent claims with one key exactly one wins; the others are told it is in flight."""
    results = await asyncio.gather(*(_claim(db, clock) for _ in range(50)), return_exceptions=True)
    claims = [r for r in results if isinstance(r, Claim)]
    assert len(claims) == 1
    assert all(isinstance(r, IdempotencyKeyInUse) for r in results if not isinstance(r, Claim))


async def test_concurrent_claims_in_separate_transactions_yield_one_claim(db: Database, clock) -> None:
    """Claims in independent transactions (as from several processes) still yield one winner."""

    async def separately() -> object:
        try:
            async with db.begin() as conn:
                return await conn.run_sync(lambda c: idempotency.claim(
                    c, client_id="demo", key="k2", fp="f" * 64, now=clock.now(), lease=LEASE
                ))
        except Exception as exc:  # refusals arrive wrapped for the group-commit writer
            return getattr(exc, "exc", exc)

    results = await asyncio.gather(*(separately() for _ in range(10)))
    assert sum(isinstance(r, Claim) for r in results) == 1
    assert all(isinstance(r, IdempotencyKeyInUse) for r in results if not isinstance(r, Claim))


async def test_completed_key_replays_and_refuses_a_different_body(db: Database, clock) -> None:
    """After completion the same body replays the stored response; another body is refused."""
    held = await _claim(db, clock)
    body = {"payment": {"id": "pay_1"}}
    assert await db.write_sync(lambda c: idempotency.complete(c, held, status=201, body=body, payment_id="pay_1"))
    replay = await _claim(db, clock)
    assert replay == Replay(201, body)
    with pytest.raises(IdempotencyKeyReused):
        await _claim(db, clock, fp="e" * 64)


async def test_keys_belong_to_one_caller(db: Database, clock) -> None:
    """Two callers may use the same key string independently."""
    assert isinstance(await _claim(db, clock, client="a"), Claim)
    assert isinstance(await _claim(db, clock, client="b"), Claim)


async def test_released_key_can_be_claimed_again(db: Database, clock) -> None:
    """A released claim (its INIT failed) leaves the key free for a retry."""
    held = await _claim(db, clock)
    await db.write_sync(lambda c: idempotency.release(c, held))
    assert isinstance(await _claim(db, clock), Claim)


async def test_lapsed_claim_is_taken_over_and_the_old_holder_cannot_complete(db: Database, clock) -> None:
    """A claim older than its lease is taken over; the first holder's completion then fails."""
    first = await _claim(db, clock)
    clock.advance(LEASE + timedelta(seconds=1))
    second = await _claim(db, clock)
    assert isinstance(second, Claim) and second.token != first.token
    assert not await db.write_sync(lambda c: idempotency.complete(c, first, status=201, body={}, payment_id="x"))
    assert await db.write_sync(lambda c: idempotency.complete(c, second, status=201, body={}, payment_id="y"))


async def test_purge_keeps_keys_younger_than_the_cutoff(db: Database, clock) -> None:
    """Purging deletes completed keys older than the cutoff and keeps the rest."""
    old = await _claim(db, clock, key="old")
    await db.write_sync(lambda c: idempotency.complete(c, old, status=201, body={}, payment_id="p"))
    clock.advance(timedelta(days=31))
    young = await _claim(db, clock, key="young")
    await db.write_sync(lambda c: idempotency.complete(c, young, status=201, body={}, payment_id="q"))
    cutoff = clock.now() - timedelta(days=idempotency.MIN_RETENTION_DAYS)
    assert await db.write_sync(lambda c: idempotency.purge_before(c, cutoff)) == 1
    assert isinstance(await _claim(db, clock, key="young"), Replay)
