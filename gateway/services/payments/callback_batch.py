"""Callbacks applied set-wise: every callback that arrived while the previous group commit was
being written is applied in one function of ``Database.write_sync``, with a handful of
statements per *batch* instead of five per callback.

Statements per batch: lock and read the payments named (one ``SELECT … IN``, ``FOR UPDATE`` on
PostgreSQL), read the dedup keys already stored (one ``SELECT … IN``), store every callback
(one ``executemany``), move the payments forward (one ``executemany`` UPDATE guarded by
``status = 'pending'``), read the changed rows back (one ``SELECT … IN``), add the events (one
``executemany``) and their outbox messages. Decisions are the ones ``callbacks.py`` documents
(00 / 01 / 02 / 04 / 97 / 99), made in arrival order on a local copy of each payment's status,
so five copies of one callback in one batch make one change and four duplicates.

Whatever goes wrong here (e.g. a dedup key stored by another process between our read and our
insert) raises: the batch rolls back and the caller applies each callback alone instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from adapters.payment import VerifiedCallback
from gateway.outbox import enqueue_sync
from gateway.services.payments import ledger
from gateway.store.prepared import Prepared
from gateway.store.tables import payment_attempts, payment_callbacks, payments, province_events

_TARGETS = (
    select(payment_attempts.c.ma_tham_chieu, payments.c.id, payments.c.amount, payments.c.status)
    .join(payments, payments.c.id == payment_attempts.c.payment_id)
    .where(payment_attempts.c.ma_tham_chieu.in_(bindparam("refs", expanding=True)))
)
_TARGETS_LOCKED = _TARGETS.with_for_update(of=payments)
_STORED_KEYS = select(payment_callbacks.c.dedup_key, payment_callbacks.c.reply_code).where(
    payment_callbacks.c.dedup_key.in_(bindparam("keys", expanding=True))
)
_STORE = Prepared(insert(payment_callbacks).values({name: bindparam(name) for name in (
    "received_at", "raw", "ma_tham_chieu", "dedup_key", "verified", "outcome", "reply_code", "payment_id")}))
# Pending rows have no transaction, bank or paid_at yet, so one statement serves paid and failed.
_SETTLE = Prepared(
    update(payments)
    .where(payments.c.id == bindparam("b_id"), payments.c.status == "pending")
    .values(status=bindparam("b_status"), updated_at=bindparam("b_now"), settled_by="callback",
            transaction_id=bindparam("b_tx"), bank_code=bindparam("b_bank"), paid_at=bindparam("b_paid_at"))
)
_VIEW_COLUMNS = [payments.c[name] for name in (
    "id", "reference", "status", "amount", "dossier_code", "procedure_code", "agency_code", "description",
    "fees", "pay_url", "transaction_id", "bank_code", "paid_at", "created_at", "updated_at",
)]
_VIEWS = select(*_VIEW_COLUMNS).where(payments.c.id.in_(bindparam("ids", expanding=True)))
_ADD_EVENT = Prepared(insert(province_events).values(
    {name: bindparam(name) for name in ("id", "type", "payment_id", "created_at", "data")}))


@dataclass(frozen=True)
class Item:
    """One received callback, verified (``callback``) or refused before the ledger (``refusal``)."""

    raw: str
    ma_tham_chieu: str | None
    received_at: datetime
    verified: bool
    callback: VerifiedCallback | None = None
    refusal: tuple[str, str] | None = None  # (reply code, outcome)


@dataclass(frozen=True)
class Decision:
    code: str
    outcome: str
    payment_id: str | None = None
    event: dict[str, Any] | None = None


def apply(conn: Connection, items: list[Item], now: datetime) -> list[Decision]:
    """Store and apply ``items`` in ``conn``'s transaction; one decision per item, in order."""
    verified = [item.callback for item in items if item.callback is not None and item.refusal is None]
    refs = sorted({cb.ma_tham_chieu for cb in verified})
    targets: dict[str, tuple[str, int]] = {}
    status: dict[str, str] = {}
    if refs:
        query = _TARGETS_LOCKED if conn.dialect.name == "postgresql" else _TARGETS
        for ref, payment_id, amount, current in conn.execute(query, {"refs": refs}):
            targets[ref] = (payment_id, int(amount))
            status[payment_id] = current
    keys = sorted({_dedup_key(cb) for cb in verified if cb.ma_tham_chieu in targets})
    first_code: dict[str, str] = dict(conn.execute(_STORED_KEYS, {"keys": keys}).all()) if keys else {}

    rows: list[dict[str, Any]] = []
    decisions: list[Decision] = []
    settles: list[dict[str, Any]] = []
    for item in items:
        decision, dedup_key = _decide(item, targets, status, first_code)
        if decision.outcome == "applied":
            callback = item.callback
            assert callback is not None and decision.payment_id is not None
            settles.append({
                "b_id": decision.payment_id, "b_status": status[decision.payment_id], "b_now": now,
                "b_tx": callback.transaction_id or None, "b_bank": callback.bank_code or None,
                "b_paid_at": (callback.at or now) if callback.paid else None,
            })
        rows.append({"received_at": item.received_at, "raw": item.raw, "ma_tham_chieu": item.ma_tham_chieu,
                     "dedup_key": dedup_key, "verified": item.verified, "outcome": decision.outcome,
                     "reply_code": decision.code, "payment_id": decision.payment_id})
        decisions.append(decision)
    _STORE.run_many(conn, rows)
    if not settles:
        return decisions
    changed = _SETTLE.run_many(conn, settles)
    if changed not in (-1, len(settles)):  # cannot happen under the lock; never report a change not made
        raise RuntimeError(f"callback batch: {changed} of {len(settles)} payments moved")
    events = _events(conn, [s["b_id"] for s in settles], now)
    return [Decision(d.code, d.outcome, d.payment_id, events[d.payment_id]) if d.outcome == "applied" else d
            for d in decisions]


def _dedup_key(callback: VerifiedCallback) -> str:
    return "|".join((callback.ma_tham_chieu, callback.transaction_id, callback.result_code))


def _decide(
    item: Item, targets: dict[str, tuple[str, int]], status: dict[str, str], first_code: dict[str, str]
) -> tuple[Decision, str | None]:
    """The reply for one item, updating the batch's view of statuses and stored dedup keys."""
    callback = item.callback
    if callback is None or item.refusal is not None:
        code, outcome = item.refusal or ("99", "malformed")
        return Decision(code, outcome), None
    target = targets.get(callback.ma_tham_chieu)
    if target is None:
        return Decision("01", "unknown_reference"), None
    payment_id, amount = target
    if callback.amount != amount:
        return Decision("04", "amount_mismatch", payment_id), None
    key = _dedup_key(callback)
    if key in first_code:
        return Decision(first_code[key], "duplicate", payment_id), None
    result = "paid" if callback.paid else "failed"
    if status[payment_id] == "pending":
        decision = Decision("00", "applied", payment_id)
        status[payment_id] = result
    elif status[payment_id] == result:  # already has this result (reconciliation came first)
        decision = Decision("00", "duplicate", payment_id)
    else:
        decision = Decision("02", "unchanged", payment_id)
    first_code[key] = decision.code
    return decision, key


def _events(conn: Connection, payment_ids: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """The province events of the payments just moved, with their webhook messages."""
    events: dict[str, dict[str, Any]] = {}
    for row in conn.execute(_VIEWS, {"ids": payment_ids}).mappings():
        view = ledger.payment_view(row)
        events[view["id"]] = {"id": ledger.new_event_id(), "type": f"payment.{view['status']}",
                              "created_at": ledger.iso(now), "data": {"payment": view}}
    _ADD_EVENT.run_many(conn, [{"id": e["id"], "type": e["type"], "payment_id": pid, "created_at": now, "data": e}
                               for pid, e in events.items()])
    for payment_id in payment_ids:  # in the order the payments moved
        event = events[payment_id]
        enqueue_sync(conn, topic=ledger.WEBHOOK_TOPIC, key=payment_id, idempotency_key=event["id"],
                     payload=event, now=now)
    return events
