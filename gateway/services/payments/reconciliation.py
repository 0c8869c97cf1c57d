"""Reconciliation with the payment platform (QUERY, protocol 1.0.6).

``ReconcileJob`` settles payments whose callback never came: every ``interval`` it QUERYs
the payments left pending between ``min_age`` (30 minutes) and ``max_age`` (3 days), settles
those the platform knows the outcome of (``TrangThaiGD`` 1 → paid, 4 → failed), and expires
those pending longer than ``expire_after`` (after one last QUERY, so a late payment is never
expired). Each run also purges ``Idempotency-Key`` records older than
``idempotency_retention_days`` (never fewer than 30). ``reconcile_day`` compares the ledger
with the platform for one day (the report of ``lienthong payments reconcile --date D``),
changing nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection, bindparam, select

from adapters._exchange import CallContext
from adapters.payment import PaymentStatus
from gateway.errors import GatewayError
from gateway.services.payments import idempotency, ledger
from gateway.services.payments.platform import PaymentPlatform
from gateway.store import Database
from gateway.store.tables import payment_attempts, payments

log = structlog.get_logger("payments.reconcile")


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class ReconcileSettings:
    min_age: timedelta = timedelta(minutes=30)
    max_age: timedelta = timedelta(days=3)
    expire_after: timedelta = timedelta(days=3)
    interval: timedelta = timedelta(minutes=5)
    batch: int = 200
    idempotency_retention_days: int = idempotency.MIN_RETENTION_DAYS

    @classmethod
    def from_settings(cls, settings: Any) -> ReconcileSettings:
        """Reads ``payment_reconcile_min_age`` etc. (seconds) when the settings have them."""
        default = cls()

        def seconds(name: str, fallback: timedelta) -> timedelta:
            value = getattr(settings, name, None)
            if value is None:
                return fallback
            return value if isinstance(value, timedelta) else timedelta(seconds=float(value))

        max_age = seconds("payment_reconcile_max_age", default.max_age)
        return cls(
            min_age=seconds("payment_reconcile_min_age", default.min_age),
            max_age=max_age,
            expire_after=seconds("payment_expire_after", max_age),
            interval=seconds("payment_reconcile_interval", default.interval),
            idempotency_retention_days=int(
                getattr(settings, "idempotency_retention_days", None) or default.idempotency_retention_days
            ),
        )


@dataclass
class RunSummary:
    queried: int = 0
    paid: int = 0
    failed: int = 0
    expired: int = 0
    still_pending: int = 0
    errors: int = 0
    keys_purged: int = 0


_PENDING = (
    select(payments, payment_attempts.c.ma_tham_chieu)
    .join(payment_attempts, payment_attempts.c.payment_id == payments.c.id)
    .where(payments.c.status == "pending", payments.c.created_at <= bindparam("before"))
    .order_by(payments.c.created_at, payment_attempts.c.attempt.desc())
    .limit(bindparam("limit"))
)
_OF_DAY = (
    select(payments, payment_attempts.c.ma_tham_chieu)
    .join(payment_attempts, payment_attempts.c.payment_id == payments.c.id)
    .where(payments.c.created_at >= bindparam("start"), payments.c.created_at < bindparam("end"))
    .order_by(payments.c.created_at, payment_attempts.c.attempt)
)


def _pending(conn: Connection, created_before: datetime, limit: int) -> list[tuple[dict[str, Any], str]]:
    """(payment row, latest MaThamChieu) of pending payments created before a moment."""
    latest: dict[str, tuple[dict[str, Any], str]] = {}
    for row in conn.execute(_PENDING, {"before": created_before, "limit": limit}).mappings():
        values = dict(row)
        latest.setdefault(values["id"], (values, values.pop("ma_tham_chieu")))
    return list(latest.values())


class ReconcileJob:
    """The background loop: ``start()``/``stop()``, or ``run_once()`` from a test or CLI."""

    def __init__(
        self,
        db: Database,
        platform: PaymentPlatform,
        clock: Clock,
        settings: ReconcileSettings | None = None,
    ) -> None:
        self.db = db
        self.platform = platform
        self.clock = clock
        self.settings = settings or ReconcileSettings()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> RunSummary:
        now = self.clock.now()
        summary = RunSummary()
        candidates = await self.db.read_sync(
            lambda conn: _pending(conn, now - self.settings.min_age, self.settings.batch)
        )
        ctx = CallContext(request_id=f"reconcile-{int(now.timestamp())}", purpose="reconciliation")
        for row, ref in candidates:
            payment_id = row["id"]
            created_at = ledger.as_utc(row["created_at"])
            assert created_at is not None
            age = now - created_at
            stale = age > self.settings.expire_after
            if age > self.settings.max_age and not stale:
                continue  # outside the query window, not yet old enough to expire
            try:
                state = await self.platform.query(ref, ctx)
                summary.queried += 1
            except GatewayError as exc:
                summary.errors += 1
                log.warning("payments.reconcile.query_failed", payment_id=payment_id, code=exc.code)
                continue
            status = await self._settle(payment_id, row, state, stale)
            if status is None:
                summary.still_pending += 1
            else:
                setattr(summary, status, getattr(summary, status) + 1)
        summary.keys_purged = await self.purge_idempotency_keys()
        log.info("payments.reconcile.run", **summary.__dict__)
        return summary

    async def purge_idempotency_keys(self) -> int:
        """Delete ``Idempotency-Key`` records older than the retention (≥ 30 days)."""
        cutoff = self.clock.now() - idempotency.retention(self.settings.idempotency_retention_days)
        return int(await self.db.write_sync(lambda conn: idempotency.purge_before(conn, cutoff)))

    async def _settle(self, payment_id: str, row: dict[str, Any], state: PaymentStatus, stale: bool) -> str | None:
        if state.status == "paid" and state.amount not in (None, int(row["amount"])):
            log.error("payments.reconcile.amount_mismatch", payment_id=payment_id)
            return None  # never settle a different amount: a human must look
        status = {"paid": "paid", "failed": "failed"}.get(state.status)
        if status is None and stale:
            status = "expired"
        if status is None:
            return None
        now = self.clock.now()

        def write(conn: Connection) -> dict[str, Any] | None:
            return ledger.settle(
                conn,
                payment_id=payment_id,
                status=status,  # type: ignore[arg-type]
                now=now,
                settled_by="expiry" if status == "expired" else "reconcile",
                transaction_id=state.transaction_id,
                bank_code=state.bank_code,
                paid_at=state.paid_at or now,
            )

        event = await self.db.write_sync(write)
        return status if event is not None else None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:  # keep the loop alive; the next run retries
                log.error("payments.reconcile.crashed", error=type(exc).__name__)
            await asyncio.sleep(self.settings.interval.total_seconds())

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="payments-reconcile")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None


@dataclass
class ReportLine:
    payment_id: str
    reference: str
    ma_tham_chieu: str
    amount: int
    ledger_status: str
    platform_status: str
    note: str = ""


@dataclass
class Report:
    """The ledger against the platform for one day (Vietnamese calendar day)."""

    day: date
    matched: list[ReportLine] = field(default_factory=list)
    mismatched: list[ReportLine] = field(default_factory=list)
    missing: list[ReportLine] = field(default_factory=list)  # the platform has no record
    errors: list[ReportLine] = field(default_factory=list)  # QUERY failed

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.missing or self.errors)

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(title=f"Payments {self.day.isoformat()}: ledger vs platform")
        for column in ("group", "payment", "MaThamChieu", "amount", "ledger", "platform", "note"):
            table.add_column(column)
        for group, lines in (("mismatched", self.mismatched), ("missing", self.missing), ("error", self.errors)):
            for line in lines:
                table.add_row(group, line.payment_id, line.ma_tham_chieu, str(line.amount),
                              line.ledger_status, line.platform_status, line.note)
        table.caption = (
            f"matched {len(self.matched)} · mismatched {len(self.mismatched)} · "
            f"missing {len(self.missing)} · errors {len(self.errors)}"
        )
        return table


# A ledger status agrees with the platform's when: paid ↔ paid; failed ↔ failed;
# pending ↔ pending; expired ↔ pending or failed (the platform never paid it).
_AGREES = {
    ("paid", "paid"), ("failed", "failed"), ("pending", "pending"),
    ("expired", "pending"), ("expired", "failed"),
}


async def reconcile_day(parts: Any, day: date) -> Report:
    """Compare the payments created on ``day`` (Asia/Ho_Chi_Minh) with what QUERY says.

    ``parts``: the container, or anything with ``db`` and ``payment`` (the payment client).
    Read-only: nothing is settled."""
    db: Database = parts.db
    platform: PaymentPlatform = parts.payment
    start = datetime.combine(day, datetime.min.time(), ledger.VN_TZ)
    end = start + timedelta(days=1)
    rows = await db.read_sync(
        lambda conn: [dict(row) for row in conn.execute(_OF_DAY, {"start": start, "end": end}).mappings()]
    )
    report = Report(day=day)
    ctx = CallContext(request_id=f"reconcile-day-{day.isoformat()}", purpose="reconciliation report")
    for row in rows:
        line = ReportLine(row["id"], row["reference"], row["ma_tham_chieu"], int(row["amount"]),
                          row["status"], "?")
        try:
            state = await platform.query(row["ma_tham_chieu"], ctx)
        except GatewayError as exc:
            line.note = exc.code
            report.errors.append(line)
            continue
        line.platform_status = state.status
        if state.status == "unknown":
            report.missing.append(line)
        elif state.status == "paid" and state.amount not in (None, line.amount):
            line.note = f"platform amount {state.amount}"
            report.mismatched.append(line)
        elif (row["status"], state.status) in _AGREES:
            report.matched.append(line)
        else:
            report.mismatched.append(line)
    return report
