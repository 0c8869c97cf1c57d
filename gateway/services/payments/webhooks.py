"""Webhooks to the province: signed POSTs of payment events, delivered by the outbox.

Header ``Lienthong-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``
with one ``v1=`` per active secret, so a receiver keeps verifying while secrets rotate
(docs/webhooks.md shows the receiver's side). 2xx means delivered; anything else, or no
answer within the timeout, is a failure the outbox retries with backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import httpx
import orjson
import structlog

from gateway.outbox import Message, Outcome

SIGNATURE_HEADER = "Lienthong-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
MAX_CONCURRENT_DELIVERIES = 16
log = structlog.get_logger("payments.webhooks")


class Clock(Protocol):
    def now(self) -> datetime: ...


def webhook_body(event: dict) -> bytes:
    """The exact bytes posted (and signed)."""
    return orjson.dumps(event)


def sign(body: bytes, secrets: Sequence[str], timestamp: int) -> str:
    """The ``Lienthong-Signature`` value: ``t=<timestamp>`` then one ``v1=`` per secret."""
    signed = str(timestamp).encode() + b"." + body
    parts = [f"t={timestamp}"]
    for secret in secrets:
        parts.append("v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest())
    return ",".join(parts)


def verify(
    body: bytes,
    header: str,
    secrets: Sequence[str],
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """A receiver's check (the same as in docs/webhooks.md): the timestamp is within
    ``tolerance`` of ``now`` and some ``v1`` matches some secret, compared in constant time."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    signed = str(timestamp).encode() + b"." + body
    expected = [hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    return any(hmac.compare_digest(e, c) for e in expected for c in candidates)


class WebhookHandler:
    """Outbox handler of topic ``province.webhook``: POSTs each event to the province.

    Messages of different payments are delivered concurrently (at most 16 at once); those
    of one payment in order, and after a failure the rest of that payment's batch is
    ``skipped``. ``http`` must carry timeouts (the outbox lease must outlast them)."""

    def __init__(self, http: httpx.AsyncClient, url: str, secrets: list[str], clock: Clock) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is required")
        self._http = http
        self._url = url
        self._secrets = list(secrets)
        self._clock = clock
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_DELIVERIES)

    async def deliver(self, messages: list[Message]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        by_key: dict[str, list[Message]] = defaultdict(list)
        for message in messages:
            by_key[message.key].append(message)

        async def one_key(batch: list[Message]) -> None:
            failed = False
            for message in batch:
                if failed:
                    outcomes[message.id] = Outcome.skipped()
                    continue
                async with self._slots:
                    outcomes[message.id] = await self._post(message)
                failed = outcomes[message.id].status != "delivered"

        await asyncio.gather(*(one_key(batch) for batch in by_key.values()))
        return [outcomes[message.id] for message in messages]

    async def _post(self, message: Message) -> Outcome:
        body = webhook_body(message.payload)
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self._secrets, timestamp),
            "Idempotency-Key": message.idempotency_key,  # the event id: receivers dedup on it
        }
        try:
            reply = await self._http.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("payments.webhook.failed", event_id=message.idempotency_key, error=type(exc).__name__)
            return Outcome.failed(f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= reply.status_code < 300:
            return Outcome.ok()
        log.warning("payments.webhook.refused", event_id=message.idempotency_key, status=reply.status_code)
        return Outcome.failed(f"province answered HTTP {reply.status_code}")
