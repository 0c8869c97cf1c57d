"""The payments ledger: payments, their INIT attempts, idempotency keys, raw callbacks from the
national payment platform, and the feed of events sent to the province.

Personal data: ``payments.payer`` holds the payer's name, id number and address (the platform's
receipt needs them: ``HoTenNguoiNop``, ``SoCMNDNguoiNop``, ``DiaChiNguoiNop``); raw callbacks
and stored idempotent responses hold none (the response body names no payer).
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from gateway.store.tables._meta import Id, Json, Timestamp, metadata

# One row per payment the province asked for. `status` moves only forward:
# pending -> paid | failed | expired (enforced by `WHERE status = 'pending'` on every UPDATE).
payments = Table(
    "payments",
    metadata,
    Column("id", String(40), primary_key=True),  # public id, "pay_" + random
    Column("reference", String(40), nullable=False, unique=True),  # our stable reference
    Column("client_id", String(64), nullable=False),  # the provincial caller that created it
    Column("dossier_code", String(64), nullable=False, index=True),
    Column("procedure_code", String(64), nullable=False),
    Column("procedure_name", Text, nullable=False),
    Column("agency_code", String(64), nullable=False),
    Column("agency_name", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),  # VND
    Column("description", Text, nullable=False),
    Column("fees", Json, nullable=False),
    Column("payer", Json, nullable=False),  # personal data (see the module docstring)
    Column("return_url", Text),
    Column("status", String(16), nullable=False),
    Column("pay_url", Text),
    Column("transaction_id", String(64)),  # MaGiaoDich
    Column("bank_code", String(32)),  # MaNganHang
    Column("paid_at", Timestamp),
    Column("settled_by", String(16)),  # "callback" | "reconcile" | "expiry"
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_payments_status_created_at", "status", "created_at"),
)

# One row per INIT sent to the platform: `ma_tham_chieu` (MaThamChieu) is unique per attempt
# and derived from the payment's reference; callbacks and QUERY name the attempt.
payment_attempts = Table(
    "payment_attempts",
    metadata,
    Column("ma_tham_chieu", String(64), primary_key=True),
    Column("payment_id", String(40), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

# Idempotency-Key of POST /v1/payments, per caller. Claimed by an INSERT that conflicts, so
# concurrent requests with one key create one payment. Kept at least 30 days (purge: see
# gateway/services/payments/idempotency.py).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # SHA-256 of the canonical body
    Column("state", String(16), nullable=False),  # in_flight | done
    Column("claim_token", String(32), nullable=False),  # who holds the in-flight claim
    Column("locked_until", Timestamp, nullable=False),  # an in-flight claim lapses after this
    Column("response_status", Integer),
    Column("response_body", Json),
    Column("payment_id", String(40)),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Every callback of the platform, stored with its raw body before it is acknowledged.
# `dedup_key` (MaThamChieu|MaGiaoDich|MaLoi) is set only on verified callbacks whose reference
# and amount checked out, so a forged one can never shadow the genuine one arriving later.
payment_callbacks = Table(
    "payment_callbacks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", Timestamp, nullable=False),
    Column("raw", Text, nullable=False),
    Column("ma_tham_chieu", String(64)),
    Column("dedup_key", String(200), unique=True),
    Column("verified", Boolean, nullable=False),
    Column("outcome", String(32), nullable=False),  # applied | duplicate | unchanged | refused...
    Column("reply_code", String(4), nullable=False),  # the MaLoi we answered
    Column("payment_id", String(40)),
)

# The feed behind GET /v1/events?after=<id>, and the body of each webhook.
province_events = Table(
    "province_events",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),  # the cursor
    Column("id", String(40), nullable=False, unique=True),  # public event id, "evt_" + random
    Column("type", String(32), nullable=False),  # payment.paid | payment.failed | payment.expired
    Column("payment_id", String(40), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("data", Json, nullable=False),
)
