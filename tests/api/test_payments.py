"""POST/GET /v1/payments, the receipt, the callback endpoint and the events feed, through the
real app (``app.create_app``) with the mock national systems in process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.settings import Settings
from tests.api.payment_samples import payment_body
from tests.support.gateway import Stack, in_process_stack

PAY = "payments.write payments.read"


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    async with in_process_stack(settings) as stack:
        yield stack


async def _create(stack: Stack, key: str = "key-1", **overrides):
    headers = {**await stack.token(PAY), "Idempotency-Key": key}
    return await stack.api.post("/v1/payments", json=payment_body(**overrides), headers=headers)


async def _complete(stack: Stack, payment: dict, result: str = "success", **options) -> dict:
    reply = await stack.admin.post(f"/__admin/payment/{payment['reference']}-1/complete",
                                   json={"result": result, **options})
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_create_returns_pending_payment_with_pay_url(stack: Stack) -> None:
    """A created payment is pending, carries the platform's pay URL and is readable by id."""
    reply = await _create(stack)
    assert reply.status_code == 201, reply.text
    payment = reply.json()["payment"]
    assert payment["status"] == "pending" and payment["amount"] == 150000
    assert payment["pay_url"].startswith("http")
    assert payment["created_at"].endswith("+07:00")
    read = await stack.api.get(f"/v1/payments/{payment['id']}", headers=await stack.token("payments.read"))
    assert read.status_code == 200 and read.json()["payment"]["reference"] == payment["reference"]
    listed = await stack.api.get("/v1/payments", params={"dossier_code": "000.00.12.H56-261122-0001"},
                                 headers=await stack.token("payments.read"))
    assert [p["id"] for p in listed.json()["payments"]] == [payment["id"]]


async def test_replay_same_body_returns_first_response(stack: Stack) -> None:
    """The same key and body return the first response again, marked Idempotent-Replayed."""
    first = await _create(stack)
    again = await _create(stack)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


async def test_same_key_different_body_is_422(stack: Stack) -> None:
    """Reusing a key with another body is refused with idempotency_key_reused."""
    await _create(stack)
    reply = await _create(stack, description="khác")
    assert reply.status_code == 422 and reply.json()["code"] == "idempotency_key_reused"


async def test_fifty_concurrent_requests_with_one_key_create_one_payment(settings: Settings, database_url: str) -> None:
    """50 concurrent POSTs with one key (SQLite and PostgreSQL): one payment, one INIT; the others replay or get 409."""
    async with in_process_stack(settings.model_copy(update={"database_url": database_url})) as stack:
        await _fifty_with_one_key(stack)


async def _fifty_with_one_key(stack: Stack) -> None:
    headers = {**await stack.token(PAY), "Idempotency-Key": "same"}
    replies = await asyncio.gather(*(
        stack.api.post("/v1/payments", json=payment_body(), headers=headers) for _ in range(50)
    ))
    assert {r.status_code for r in replies} <= {201, 409}
    assert all(r.json()["code"] == "idempotency_key_in_use" for r in replies if r.status_code == 409)
    ids = {r.json()["payment"]["id"] for r in replies if r.status_code == 201}
    assert len(ids) == 1
    listed = await stack.api.get("/v1/payments", params={"dossier_code": "000.00.12.H56-261122-0001"},
                                 headers=await stack.token("payments.read"))
    assert len(listed.json()["payments"]) == 1
    inits = await stack.admin.get("/__admin/requests", params={"target": "payment", "operation": "INIT"})
    assert len(inits.json()["requests"] if isinstance(inits.json(), dict) else inits.json()) == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"amount": 150001}, "amount_mismatch"),
        ({"amount": 0}, "invalid_request"),
        ({"amount": -5}, "invalid_request"),
        ({"amount": 1.5}, "invalid_request"),
        ({"amount": "150000"}, "invalid_request"),
    ],
)
async def test_bad_amounts_are_refused(stack: Stack, overrides: dict, code: str) -> None:
    """Fees that don't add up, and non-positive or non-integer amounts, are 422."""
    reply = await _create(stack, **overrides)
    assert reply.status_code == 422 and reply.json()["code"] == code


@pytest.mark.parametrize("key", [None, "", "k" * 256])
async def test_missing_or_long_idempotency_key_is_422(stack: Stack, key: str | None) -> None:
    """The Idempotency-Key header is required and at most 255 characters."""
    headers = await stack.token(PAY)
    if key is not None:
        headers["Idempotency-Key"] = key
    reply = await stack.api.post("/v1/payments", json=payment_body(), headers=headers)
    assert reply.status_code == 422 and reply.json()["code"] == "invalid_request"


async def test_a_255_character_key_is_accepted(stack: Stack) -> None:
    """255 characters is the limit, inclusive."""
    assert (await _create(stack, key="k" * 255)).status_code == 201


async def test_scopes_are_enforced(stack: Stack) -> None:
    """Creating needs payments.write; reading needs payments.read; no token is 401."""
    headers = {**await stack.token("payments.read"), "Idempotency-Key": "k"}
    reply = await stack.api.post("/v1/payments", json=payment_body(), headers=headers)
    assert reply.status_code == 403
    assert (await stack.api.get("/v1/events")).status_code == 401


async def test_platform_down_releases_the_key(stack: Stack) -> None:
    """When INIT fails, nothing is stored and the same key works once the platform is back."""
    fault = {"target": "payment", "operation": "INIT", "mode": "error", "status": 503}
    assert (await stack.admin.post("/__admin/faults", json=fault)).status_code < 300
    failed = await _create(stack)
    assert failed.status_code >= 500, failed.text
    assert failed.headers.get("content-type") == "application/problem+json", (failed.status_code, failed.text)
    await stack.admin.delete("/__admin/faults")
    assert (await _create(stack)).status_code == 201


async def test_paid_callback_settles_and_feeds_events_and_receipt(stack: Stack) -> None:
    """Paying on the mock sends the callback; the payment is paid, an event is readable, the receipt is a PDF."""
    payment = (await _create(stack)).json()["payment"]
    done = await _complete(stack, payment, duplicates=5, concurrent=True)
    assert [c["reply"]["MaLoi"] for c in done["callbacks"]] == ["00"] * 5
    assert all(c["reply_checksum_ok"] for c in done["callbacks"])
    read = await stack.api.get(f"/v1/payments/{payment['id']}", headers=await stack.token("payments.read"))
    paid = read.json()["payment"]
    assert paid["status"] == "paid" and paid["transaction_id"] and paid["paid_at"]
    feed = await stack.api.get("/v1/events", params={"after": ""}, headers=await stack.token("payments.read"))
    events = feed.json()["events"]
    assert [e["type"] for e in events] == ["payment.paid"]
    assert events[0]["data"]["payment"]["id"] == payment["id"]
    later = await stack.api.get("/v1/events", params={"after": feed.json()["next_cursor"]},
                                headers=await stack.token("payments.read"))
    assert later.json()["events"] == [] and later.json()["next_cursor"] == feed.json()["next_cursor"]
    receipt = await stack.api.get(f"/v1/payments/{payment['id']}/receipt", headers=await stack.token("payments.read"))
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF-")


async def test_receipt_of_unpaid_payment_is_409_and_unknown_is_404(stack: Stack) -> None:
    """No receipt before payment; unknown ids are payment_not_found."""
    payment = (await _create(stack)).json()["payment"]
    headers = await stack.token("payments.read")
    assert (await stack.api.get(f"/v1/payments/{payment['id']}/receipt", headers=headers)).status_code == 409
    missing = await stack.api.get("/v1/payments/pay_" + "f" * 24, headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "payment_not_found"


async def test_forged_callback_over_http_is_97_and_changes_nothing(stack: Stack) -> None:
    """A callback with a wrong MaXacThuc (mock fault bad_signature) is answered 97; the payment stays pending."""
    payment = (await _create(stack)).json()["payment"]
    fault = {"target": "payment", "operation": "callback", "mode": "bad_signature"}
    await stack.admin.post("/__admin/faults", json=fault)
    done = await _complete(stack, payment)
    assert done["callbacks"][0]["reply"]["MaLoi"] == "97"
    read = await stack.api.get(f"/v1/payments/{payment['id']}", headers=await stack.token("payments.read"))
    assert read.json()["payment"]["status"] == "pending"


async def test_malformed_callback_gets_the_platform_error_reply(stack: Stack) -> None:
    """Malformed JSON is answered in the platform's format (99), never a 500."""
    reply = await stack.api.post("/national/payment/callback", content=b"{not json",
                                 headers={"content-type": "application/json"})
    assert reply.status_code == 200
    assert reply.json()["MaLoi"] == "99" and "MaXacThuc" in reply.json()
