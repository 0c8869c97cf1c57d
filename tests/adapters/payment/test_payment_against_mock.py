"""The payment adapter and the mock payment platform agree on INIT, QUERY, GET_BILL and callbacks."""

from __future__ import annotations

import json

import httpx
import pytest
from tests.adapters.payment.conftest import SECRET, CallbackReceiver, make_order

from adapters._exchange import CallContext
from adapters.payment import PaymentClient
from contracts.errors import ChecksumInvalid, PaymentNotFound
from contracts.payment import validator
from security.audit import ListAuditSink
from security.checksums import maxacthuc_init

CTX = CallContext(request_id="req-pay", caller="demo", purpose="Thu phí hồ sơ")


def _journal(mocks, operation: str) -> list:  # noqa: ANN001
    return mocks.mocks.journal.query(target="payment", operation=operation)


async def test_init_returns_the_pay_url_from_the_nested_json(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """INIT reaches the mock with a valid checksum and the UrlThanhToan comes out of the JSON string."""
    url = await payment_client.init_payment(make_order(), CTX)
    assert url == "http://mocks.test/payment/pay/PAY-0001-1"
    [entry] = _journal(payment_mocks, "INIT")
    assert entry.auth_ok and entry.signature_ok and entry.valid
    assert entry.headers["authorization"] == "Bearer test-payment-token"


async def test_init_wire_body_is_24_hour_and_derived_from_the_payment(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """13:05 Vietnam time is sent as …1305…, MaThamChieu is <reference>-<attempt>, the body fits the contract."""
    await payment_client.init_payment(make_order(attempt=3), CTX)
    [entry] = _journal(payment_mocks, "INIT")
    body = json.loads(entry.body)
    assert body["ThoiGianGD"] == "20261122130502"
    assert body["MaThamChieu"] == "PAY-0001-3"
    assert list(validator("INIT.request").iter_errors(body)) == []
    assert body["MaXacThuc"] == maxacthuc_init(body, SECRET)
    assert [f["LoaiPhiLePhi"] for f in body["ThongTinBienLai"]["PhiLePhi"]] == ["2", "1"]


async def test_init_is_audited_with_the_checksum_scheme_and_reference(payment_client: PaymentClient, audit: ListAuditSink) -> None:
    """The audit record names the scheme maxacthuc-sha256 and MaThamChieu as upstream_ref."""
    await payment_client.init_payment(make_order(), CTX)
    [record] = audit.entries
    assert (record.operation, record.outcome, record.peer) == ("INIT", "ok", "payment")
    assert record.signature_scheme == "maxacthuc-sha256"
    assert record.upstream_ref == "PAY-0001-1"
    assert b"MaXacThuc" in record.request_bytes


async def test_init_replayed_for_one_attempt_gives_the_same_url_once(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """A second INIT of the same attempt is idempotent at the platform: same URL, one payment."""
    first = await payment_client.init_payment(make_order(), CTX)
    second = await payment_client.init_payment(make_order(), CTX)
    assert first == second
    payments = (await _admin(payment_mocks, "GET", "/__admin/payment/")).json()["payments"]
    assert len(payments) == 1


async def test_init_survives_a_lost_reply_by_retrying_the_same_reference(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """A reply lost after the platform did the work is retried with the same MaThamChieu: one payment."""
    await _admin(payment_mocks, "POST", "/__admin/faults",
                 {"target": "payment", "operation": "INIT", "mode": "error", "status": 503, "phase": "after", "count": 1})
    url = await payment_client.init_payment(make_order(), CTX)
    assert url.endswith("/PAY-0001-1")
    assert len(_journal(payment_mocks, "INIT")) == 2
    payments = (await _admin(payment_mocks, "GET", "/__admin/payment/")).json()["payments"]
    assert len(payments) == 1


async def test_query_maps_trangthaigd(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """QUERY says pending before completion and paid with transaction, bank and time after."""
    await payment_client.init_payment(make_order(), CTX)
    pending = await payment_client.query("PAY-0001-1", CTX)
    assert (pending.status, pending.transaction_id, pending.paid_at) == ("pending", None, None)
    await _admin(payment_mocks, "POST", "/__admin/payment/PAY-0001-1/complete", {"result": "success", "send": False})
    paid = await payment_client.query("PAY-0001-1", CTX)
    assert paid.status == "paid" and paid.amount == 150000
    assert paid.transaction_id and paid.bank_code == "VCB"
    assert paid.paid_at is not None and paid.paid_at.hour == 13 and paid.paid_at.minute == 5


async def test_query_failed_and_unknown(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """A cancelled payment is failed; a reference the platform never saw is unknown."""
    await payment_client.init_payment(make_order(), CTX)
    await _admin(payment_mocks, "POST", "/__admin/payment/PAY-0001-1/complete", {"result": "failed", "send": False})
    assert (await payment_client.query("PAY-0001-1", CTX)).status == "failed"
    assert (await payment_client.query("PAY-9999-1", CTX)).status == "unknown"


async def test_query_reply_with_a_wrong_checksum_is_refused(payment_client: PaymentClient, payment_mocks, audit: ListAuditSink) -> None:  # noqa: ANN001
    """A QUERY reply whose MaXacThuc does not match raises ChecksumInvalid and is audited as unverified."""
    await payment_client.init_payment(make_order(), CTX)
    await _admin(payment_mocks, "POST", "/__admin/faults", {"target": "payment", "operation": "QUERY", "mode": "bad_signature"})
    with pytest.raises(ChecksumInvalid):
        await payment_client.query("PAY-0001-1", CTX)
    assert audit.entries[-1].signature_verified is False
    assert audit.entries[-1].outcome == "checksum_invalid"


async def test_get_bill_returns_a_real_pdf(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """GET_BILL of a paid attempt returns PDF bytes; of an unknown one, PaymentNotFound."""
    await payment_client.init_payment(make_order(), CTX)
    await _admin(payment_mocks, "POST", "/__admin/payment/PAY-0001-1/complete", {"result": "success", "send": False})
    pdf = await payment_client.get_bill("PAY-0001-1", CTX)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    with pytest.raises(PaymentNotFound):
        await payment_client.get_bill("PAY-9999-1", CTX)


async def test_callback_round_trip_verified_by_the_adapter(payment_client: PaymentClient, payment_mocks, receiver: CallbackReceiver) -> None:  # noqa: ANN001
    """The mock's callback passes verify_callback and the mock accepts the adapter's reply checksum."""
    await payment_client.init_payment(make_order(), CTX)
    result = (await _admin(payment_mocks, "POST", "/__admin/payment/PAY-0001-1/complete", {"result": "success"})).json()
    [sent] = result["callbacks"]
    assert sent["status"] == 200 and sent["reply"]["MaLoi"] == "00"
    assert sent["reply_checksum_ok"] is True
    verified = payment_client.verify_callback(receiver.received[0])
    assert verified.paid and verified.amount == 150000 and verified.ma_tham_chieu == "PAY-0001-1"


async def test_forged_callback_is_refused_by_the_adapter(payment_client: PaymentClient, payment_mocks) -> None:  # noqa: ANN001
    """A callback with a wrong MaXacThuc (fault bad_signature) is answered 97 by the adapter's check."""
    await payment_client.init_payment(make_order(), CTX)
    await _admin(payment_mocks, "POST", "/__admin/faults", {"target": "payment", "operation": "callback", "mode": "bad_signature"})
    result = (await _admin(payment_mocks, "POST", "/__admin/payment/PAY-0001-1/complete", {"result": "success"})).json()
    assert result["callbacks"][0]["reply"]["MaLoi"] == "97"


async def test_bearer_token_from_oauth2_client_credentials(payment_settings, payment_http, clock, audit) -> None:  # noqa: ANN001
    """With a token URL configured, the client fetches a token from the platform and INIT passes."""
    from prometheus_client import CollectorRegistry

    from adapters.payment import build_payment_client
    payment_settings.payment_token = ""
    payment_settings.payment_token_url = "http://mocks.test/payment/oauth/token"
    payment_settings.payment_client_key = "lienthong"
    payment_settings.payment_client_secret = "dev-payment-client-secret"
    client = build_payment_client(payment_settings, audit=audit, registry=CollectorRegistry(), http=payment_http, clock=clock)
    assert (await client.init_payment(make_order(), CTX)).endswith("/PAY-0001-1")


async def _admin(app, method: str, path: str, body: object = None) -> httpx.Response:  # noqa: ANN001
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mocks.test") as c:
        return await c.request(method, path, json=body)
