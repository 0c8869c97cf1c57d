"""Signed webhooks to the province: signature, rotation, outcomes, ordering per payment."""

from __future__ import annotations

from datetime import timedelta

import httpx

from gateway.outbox import Message
from gateway.services.payments import SIGNATURE_HEADER, WebhookHandler, sign, verify


def message(mid: int, key: str = "pay_a") -> Message:
    payload = {"id": f"evt_{mid}", "type": "payment.paid", "created_at": "2026-11-22T09:30:00+07:00",
               "data": {"payment": {"id": key, "amount": 1}}}
    return Message(id=mid, topic="province.webhook", key=key, idempotency_key=f"evt_{mid}",
                   payload=payload, attempts=0, recovered=False)


def test_signature_verifies_within_tolerance_only() -> None:
    """A receiver accepts the signed body within 5 minutes and refuses tampering, age, a wrong secret."""
    body = b'{"id":"evt_1"}'
    header = sign(body, ["s1"], 1_000_000)
    assert verify(body, header, ["s1"], now=1_000_000 + 299)
    assert not verify(body, header, ["s1"], now=1_000_000 + 301)
    assert not verify(body + b" ", header, ["s1"], now=1_000_000)
    assert not verify(body, header, ["other"], now=1_000_000)
    assert not verify(body, "v1=" + header.split("v1=")[1], ["s1"], now=1_000_000)


async def test_handler_posts_signed_body_with_one_v1_per_secret(clock) -> None:
    """During rotation, receivers holding either the new or the old secret can verify."""
    seen: list[httpx.Request] = []

    def province(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(province), timeout=5) as http:
        handler = WebhookHandler(http, "http://province/hooks", ["new", "old"], clock)
        outcomes = await handler.deliver([message(1)])
    assert [o.status for o in outcomes] == ["delivered"]
    request = seen[0]
    header = request.headers[SIGNATURE_HEADER]
    assert header.count("v1=") == 2
    now = int(clock.now().timestamp())
    assert verify(request.content, header, ["old"], now=now)
    assert verify(request.content, header, ["new"], now=now)
    assert request.headers["Idempotency-Key"] == "evt_1"


async def test_failure_skips_later_messages_of_that_payment_only(clock) -> None:
    """A non-2xx fails the message, skips the rest of its payment, and leaves other payments be."""

    def province(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if b"evt_1" in request.content else 200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(province), timeout=5) as http:
        handler = WebhookHandler(http, "http://province/hooks", ["s"], clock)
        outcomes = await handler.deliver([message(1, "pay_a"), message(2, "pay_b"), message(3, "pay_a")])
    assert [o.status for o in outcomes] == ["failed", "delivered", "skipped"]


async def test_transport_error_is_a_retryable_failure(clock) -> None:
    """A timeout or refused connection is a failure the outbox retries, not a crash."""

    def province(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no answer", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(province), timeout=5) as http:
        handler = WebhookHandler(http, "http://province/hooks", ["s"], clock)
        [outcome] = await handler.deliver([message(1)])
    assert outcome.status == "failed" and not outcome.permanent
    clock.advance(timedelta(seconds=1))
