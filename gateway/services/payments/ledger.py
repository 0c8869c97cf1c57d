"""The payments ledger: rows in, public views out, and the one forward-only status change.

Every status change (``settle``) happens in the caller's transaction together with the event
of the province feed and its ``province.webhook`` outbox message, so the province learns of
each change exactly when it commits, and of nothing that did not commit.

All functions take a *synchronous* connection (``Database.write_sync`` / ``read_sync``: on
SQLite a whole group-commit batch runs in one hop to the writer thread). Statements are built
once here, with ``bindparam``s, so SQLAlchemy reuses their compiled form: building a
``select(...).where(...)`` per call costs more than running it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, insert, select, update

from gateway.outbox import enqueue_sync
from gateway.store.tables import payment_attempts, payments, province_events

Status = Literal["pending", "paid", "failed", "expired"]
FinalStatus = Literal["paid", "failed", "expired"]
WEBHOOK_TOPIC = "province.webhook"
VN_TZ = timezone(timedelta(hours=7), "ICT")  # Asia/Ho_Chi_Minh has no daylight saving time
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone

_INSERT_PAYMENT = insert(payments)
_INSERT_ATTEMPT = insert(payment_attempts)
_INSERT_EVENT = insert(province_events)
_BY_ID = select(payments).where(payments.c.id == bindparam("id"))
_BY_ATTEMPT = (
    select(payments)
    .join(payment_attempts, payment_attempts.c.payment_id == payments.c.id)
    .where(payment_attempts.c.ma_tham_chieu == bindparam("ref"))
)
# What a callback needs to decide: no more columns than that (the hot path).
_TARGET = (
    select(payments.c.id, payments.c.amount, payments.c.status)
    .join(payment_attempts, payment_attempts.c.payment_id == payments.c.id)
    .where(payment_attempts.c.ma_tham_chieu == bindparam("ref"))
)
_LATEST_ATTEMPT = (
    select(payment_attempts.c.ma_tham_chieu)
    .where(payment_attempts.c.payment_id == bindparam("id"))
    .order_by(payment_attempts.c.attempt.desc())
    .limit(1)
)
_BY_DOSSIER = (
    select(payments).where(payments.c.dossier_code == bindparam("code")).order_by(payments.c.created_at, payments.c.id)
)
_EVENTS_AFTER = (
    select(province_events.c.seq, province_events.c.data)
    .where(province_events.c.seq > bindparam("after"))
    .order_by(province_events.c.seq)
    .limit(bindparam("limit"))
)
# The forward-only UPDATE: only a pending payment moves (bindparam names differ from columns).
_SETTLE = (
    update(payments)
    .where(payments.c.id == bindparam("b_id"), payments.c.status == "pending")
    .values(status=bindparam("b_status"), updated_at=bindparam("b_now"), settled_by=bindparam("b_by"))
    .returning(*payments.c)
)
_SETTLE_WITH_TRANSACTION = _SETTLE.values(transaction_id=bindparam("b_tx"), bank_code=bindparam("b_bank"))
_SETTLE_PAID = _SETTLE_WITH_TRANSACTION.values(paid_at=bindparam("b_paid_at"))


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


def insert_payment(conn: Connection, values: Mapping[str, Any], *, ma_tham_chieu: str, attempt: int) -> None:
    """A new pending payment and the INIT attempt that produced its ``pay_url``."""
    conn.execute(_INSERT_PAYMENT, dict(values))
    conn.execute(_INSERT_ATTEMPT, {"ma_tham_chieu": ma_tham_chieu, "payment_id": values["id"],
                                   "attempt": attempt, "created_at": values["created_at"]})


def get_payment(conn: Connection, payment_id: str) -> dict[str, Any] | None:
    row = conn.execute(_BY_ID, {"id": payment_id}).mappings().first()
    return dict(row) if row else None


def payment_by_ma_tham_chieu(conn: Connection, ma_tham_chieu: str) -> dict[str, Any] | None:
    """The payment one INIT attempt belongs to (callbacks and QUERY name the attempt)."""
    row = conn.execute(_BY_ATTEMPT, {"ref": ma_tham_chieu}).mappings().first()
    return dict(row) if row else None


def callback_target(conn: Connection, ma_tham_chieu: str) -> Any:
    """``(id, amount, status)`` of the payment an attempt belongs to, or ``None``."""
    return conn.execute(_TARGET, {"ref": ma_tham_chieu}).first()


def latest_attempt(conn: Connection, payment_id: str) -> str | None:
    return conn.execute(_LATEST_ATTEMPT, {"id": payment_id}).scalar()


def list_by_dossier(conn: Connection, dossier_code: str) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(_BY_DOSSIER, {"code": dossier_code}).mappings()]


def settle(
    conn: Connection,
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
    params: dict[str, Any] = {"b_id": payment_id, "b_status": status, "b_now": now, "b_by": settled_by}
    statement = _SETTLE
    if status == "paid":
        statement = _SETTLE_PAID
        params.update(b_tx=transaction_id, b_bank=bank_code, b_paid_at=paid_at or now)
    elif transaction_id:
        statement = _SETTLE_WITH_TRANSACTION
        params.update(b_tx=transaction_id, b_bank=bank_code)
    row = conn.execute(statement, params).mappings().first()
    if row is None:
        return None
    event = {
        "id": new_event_id(),
        "type": f"payment.{status}",
        "created_at": iso(now),
        "data": {"payment": payment_view(row)},
    }
    conn.execute(_INSERT_EVENT, {"id": event["id"], "type": event["type"], "payment_id": payment_id,
                                 "created_at": now, "data": event})
    enqueue_sync(
        conn,
        topic=WEBHOOK_TOPIC,
        key=payment_id,  # one payment's events reach the province in order
        idempotency_key=event["id"],
        payload=event,
        now=now,
    )
    return event


def events_after(conn: Connection, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """The province feed: (cursor, event) pairs after ``after``, oldest first."""
    rows = conn.execute(_EVENTS_AFTER, {"after": after, "limit": limit}).all()
    return [(int(seq), dict(data)) for seq, data in rows]
