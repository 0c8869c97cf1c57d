"""The payments ledger: rows in, public views out, and the one forward-only status change.

Every status change (``settle``) happens in the caller's transaction together with the event
of the province feed and its ``province.webhook`` outbox message, so the province learns of
each change exactly when it commits, and of nothing that did not commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.outbox import enqueue
from gateway.store.tables import payment_attempts, payments, province_events

Status = Literal["pending", "paid", "failed", "expired"]
FinalStatus = Literal["paid", "failed", "expired"]
WEBHOOK_TOPIC = "province.webhook"
VN_TZ = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh has no daylight saving time
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_payment_id() -> str:
    return "pay_" + secrets.token_hex(12)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def new_reference(now: datetime) -> str:
    """Our stable reference of a payment: ``LT`` + the Vietnamese date + 10 random characters
    (upper-case letters and digits only, which every bank's reference field accepts)."""
    day = now.astimezone(VN_TZ).strftime("%y%m%d")
    return "LT" + day + "".join(secrets.choice(_REF_ALPHABET) for _ in range(10))


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the Vietnamese offset, as the API's conventions require."""
    utc = as_utc(value)
    return None if utc is None else utc.astimezone(VN_TZ).isoformat(timespec="seconds")


def payment_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The payment as the API, the events feed and webhooks show it (no personal data)."""
    return {
        "id": row["id"],
        "reference": row["reference"],
        "status": row["status"],
        "amount": int(row["amount"]),
        "dossier_code": row["dossier_code"],
        "procedure_code": row["procedure_code"],
        "agency_code": row["agency_code"],
        "description": row["description"],
        "fees": list(row["fees"]),
        "pay_url": row["pay_url"],
        "transaction_id": row["transaction_id"],
        "bank_code": row["bank_code"],
        "paid_at": iso(row["paid_at"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


async def insert_payment(
    conn: AsyncConnection, values: Mapping[str, Any], *, ma_tham_chieu: str, attempt: int
) -> None:
    """A new pending payment and the INIT attempt that produced its ``pay_url``."""
    await conn.execute(insert(payments).values(**values))
    await conn.execute(
        insert(payment_attempts).values(
            ma_tham_chieu=ma_tham_chieu,
            payment_id=values["id"],
            attempt=attempt,
            created_at=values["created_at"],
        )
    )


async def get_payment(conn: AsyncConnection, payment_id: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(payments).where(payments.c.id == payment_id))).mappings().first()
    return dict(row) if row else None


async def payment_by_ma_tham_chieu(conn: AsyncConnection, ma_tham_chieu: str) -> dict[str, Any] | None:
    """The payment one INIT attempt belongs to (callbacks and QUERY name the attempt)."""
    query = (
        select(payments)
        .join(payment_attempts, payment_attempts.c.payment_id == payments.c.id)
        .where(payment_attempts.c.ma_tham_chieu == ma_tham_chieu)
    )
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def latest_attempt(conn: AsyncConnection, payment_id: str) -> str | None:
    query = (
        select(payment_attempts.c.ma_tham_chieu)
        .where(payment_attempts.c.payment_id == payment_id)
        .order_by(payment_attempts.c.attempt.desc())
        .limit(1)
    )
    return (await conn.execute(query)).scalar()


async def list_by_dossier(conn: AsyncConnection, dossier_code: str) -> list[dict[str, Any]]:
    query = (
        select(payments)
        .where(payments.c.dossier_code == dossier_code)
        .order_by(payments.c.created_at, payments.c.id)
    )
    return [dict(row) for row in (await conn.execute(query)).mappings()]


async def settle(
    conn: AsyncConnection,
    *,
    payment_id: str,
    status: FinalStatus,
    now: datetime,
    settled_by: str,
    transaction_id: str | None = None,
    bank_code: str | None = None,
    paid_at: datetime | None = None,
) -> dict[str, Any] | None:
    """Move a pending payment to ``status``, append the event to the province feed and enqueue
    its webhook, all in ``conn``'s transaction. Returns the event, or ``None`` when the
    payment was no longer pending (nothing is written then: a payment only moves forward)."""
    values: dict[str, Any] = {"status": status, "updated_at": now, "settled_by": settled_by}
    if status == "paid":
        values.update(transaction_id=transaction_id, bank_code=bank_code, paid_at=paid_at or now)
    elif transaction_id:
        values.update(transaction_id=transaction_id, bank_code=bank_code)
    result = await conn.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == "pending")
        .values(**values)
        .returning(*payments.c)
    )
    row = result.mappings().first()
    if row is None:
        return None
    event = {
        "id": new_event_id(),
        "type": f"payment.{status}",
        "created_at": iso(now),
        "data": {"payment": payment_view(row)},
    }
    await conn.execute(
        insert(province_events).values(
            id=event["id"], type=event["type"], payment_id=payment_id, created_at=now, data=event
        )
    )
    await enqueue(
        conn,
        topic=WEBHOOK_TOPIC,
        key=payment_id,  # one payment's events reach the province in order
        idempotency_key=event["id"],
        payload=event,
        now=now,
    )
    return event


async def events_after(conn: AsyncConnection, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """The province feed: (cursor, event) pairs after ``after``, oldest first."""
    query = (
        select(province_events.c.seq, province_events.c.data)
        .where(province_events.c.seq > after)
        .order_by(province_events.c.seq)
        .limit(limit)
    )
    return [(int(seq), dict(data)) for seq, data in (await conn.execute(query)).all()]
