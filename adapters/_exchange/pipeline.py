"""The exchange pipeline: the one path every call to a national system takes.

In order (ARCHITECTURE.md, "The exchange pipeline"): the adapter builds the wire request →
authenticate → sign → send with a deadline → verify (the adapter's ``classify`` of the
reply, status, signature, the adapter's ``parse`` of the reply) → record an audit entry (for failures too) → failures are
``GatewayError``s. Retries with backoff and the circuit breaker wrap authenticate…verify,
and retries happen only for calls that are idempotent or carry an idempotency key. When
the upstream rejects our credentials, the auth profile refreshes them and the call is
retried once (it was not executed, so this is safe for any call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import httpx
import structlog

from adapters._exchange.auth import AuthProfile
from adapters._exchange.breaker import CircuitBreaker
from adapters._exchange.context import CallContext, Clock
from adapters._exchange.errors import error_for_status, map_httpx_error
from adapters._exchange.hooks import Classify, SignatureInfo, Signer, Verifier
from adapters._exchange.metrics import ExchangeMetrics
from adapters._exchange.request import OutboundRequest
from adapters._exchange.retry import RetryPolicy
from adapters._exchange.transport import Send, httpx_sender
from contracts.errors import (
    CircuitOpen,
    ConfigurationError,
    ContractViolation,
    GatewayError,
    UpstreamAuthFailed,
    UpstreamTimeout,
)
from security.audit import AuditSink, ExchangeRecord

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
log = structlog.get_logger("adapters.exchange")
_SIGNATURE_FAILURES = {"signature_invalid", "checksum_invalid", "replay_detected"}


@dataclass(frozen=True)
class Operation:
    """How the pipeline must treat one call: its name (the national service or SOAP
    operation), whether it may be retried, and a reference to put in the audit record."""

    name: str
    idempotent: bool = False
    idempotency_key: str | None = None
    upstream_ref: str | None = None

    @property
    def retriable(self) -> bool:
        return self.idempotent or self.idempotency_key is not None


@dataclass
class _Attempt:
    number: int
    authenticated: OutboundRequest | None = None


class Exchange:
    """The pipeline for one upstream. Every part is injected (keyword-only)."""

    def __init__(
        self,
        *,
        name: str,
        peer: str,
        http: httpx.AsyncClient,
        auth: AuthProfile,
        audit: AuditSink,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
        budget_seconds: float,
        clock: Clock,
        metrics: ExchangeMetrics,
        sleep: Sleep = asyncio.sleep,
        signer: Signer | None = None,
        verifier: Verifier | None = None,
        classify: Classify | None = None,
        send: Send | None = None,
    ) -> None:
        """``http`` serves the auth profiles' own calls (tokens, logins) and, unless a leaner
        ``send`` is given (``transport.AiohttpSender``), the calls themselves."""
        timeout = http.timeout
        if timeout.connect is None or timeout.read is None:
            raise ConfigurationError(f"{name}: the HTTP client must set connect and read timeouts")
        self.name = name
        self.peer = peer
        self.http = http
        self.auth = auth
        self.audit = audit
        self.breaker = breaker
        self.retry = retry
        self.budget_seconds = budget_seconds
        self.clock = clock
        self.metrics = metrics
        self.sleep = sleep
        self.signer = signer
        self.verifier = verifier
        self.classify = classify
        self.send = send or httpx_sender(http)
        metrics.watch(breaker)

    @property
    def breaker_state(self) -> str:
        return self.breaker.state

    async def aclose(self) -> None:
        await self.http.aclose()
        close = getattr(self.send, "aclose", None)
        if close is not None:
            await close()

    async def call(
        self,
        request: OutboundRequest,
        ctx: CallContext,
        operation: Operation,
        parse: Callable[[httpx.Response], T],
    ) -> T:
        """Send ``request`` through the pipeline and return ``parse(reply)``.

        ``parse`` is the adapter's reply check: it raises a ``GatewayError`` for a business
        error (``UpstreamRejected``, ``UpstreamAuthFailed`` when the upstream says the
        credentials are stale) and any ``ValueError``/``KeyError``/``TypeError`` it raises
        becomes a ``ContractViolation``.
        """
        deadline = self.clock.monotonic() + self.budget_seconds
        max_attempts = self.retry.attempts if operation.retriable else 1
        reauthenticated = False
        number = 0
        while True:
            number += 1
            attempt = _Attempt(number)
            try:
                return await self._attempt(request, ctx, operation, parse, deadline, attempt)
            except UpstreamAuthFailed:
                sent = attempt.authenticated
                if reauthenticated or sent is None or not self.auth.invalidate(sent):
                    raise
                reauthenticated = True
                number -= 1  # a refused login is not a delivery attempt
            except GatewayError as exc:
                if not exc.retryable or isinstance(exc, CircuitOpen) or number >= max_attempts:
                    raise
                delay = self.retry.backoff(number)
                if self.clock.monotonic() + delay >= deadline:
                    raise
                await self.sleep(delay)

    async def _attempt(
        self,
        built: OutboundRequest,
        ctx: CallContext,
        operation: Operation,
        parse: Callable[[httpx.Response], T],
        deadline: float,
        attempt: _Attempt,
    ) -> T:
        at = self.clock.now()
        started = self.clock.monotonic()
        sent_bytes = built.body_bytes()
        response: httpx.Response | None = None
        signature = SignatureInfo()
        try:
            self.breaker.before_call()
            try:
                remaining = deadline - started
                if remaining <= 0:
                    raise UpstreamTimeout(f"{self.name} {operation.name}: call budget exhausted")
                async with asyncio.timeout(remaining):
                    outgoing = await self.auth.authenticate(built, self.http)
                    attempt.authenticated = outgoing
                    if self.signer is not None:
                        outgoing = await self.signer.sign(outgoing)
                        signature = SignatureInfo(self.signer.scheme, self.signer.key_id)
                    sent_bytes = outgoing.body_bytes()
                    response = await self.send(
                        outgoing.method, outgoing.url, outgoing.final_headers(), sent_bytes
                    )
                if self.classify is not None:
                    # The upstream's own error outranks its HTTP status (a SOAP Fault comes
                    # with 500: not an outage, not to be retried); the reply is recorded.
                    upstream_error = self.classify(response, operation.name)
                    if upstream_error is not None:
                        raise upstream_error
                status_error = error_for_status(response.status_code, self.name, operation.name)
                if status_error is not None:
                    raise status_error
                if self.verifier is not None:
                    signature = await self._verify(sent_bytes, response, signature)
                value = self._parse(parse, response, operation)
            except GatewayError:
                raise
            except Exception as exc:
                mapped = map_httpx_error(exc, self.name, operation.name)
                if mapped is None:
                    raise
                raise mapped from exc
        except GatewayError as exc:
            self._settle_breaker(exc)
            await self._finish(
                at, started, ctx, operation, attempt, exc.code, sent_bytes, response, signature
            )
            raise
        except BaseException:
            self.breaker.release()
            raise
        self.breaker.record_success()
        await self._finish(at, started, ctx, operation, attempt, "ok", sent_bytes, response, signature)
        return value

    async def _verify(
        self, sent_bytes: bytes, response: httpx.Response, signed: SignatureInfo
    ) -> SignatureInfo:
        assert self.verifier is not None
        checked = await self.verifier.verify(sent_bytes, response)  # raises SecurityError
        return SignatureInfo(
            scheme=signed.scheme or checked.scheme,
            key_id=signed.key_id or checked.key_id,
            verified=checked.verified,
        )

    def _parse(
        self, parse: Callable[[httpx.Response], T], response: httpx.Response, operation: Operation
    ) -> T:
        try:
            return parse(response)
        except GatewayError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise ContractViolation(
                f"{self.name} {operation.name}: reply does not match the contract"
            ) from exc

    def _settle_breaker(self, exc: GatewayError) -> None:
        if isinstance(exc, CircuitOpen):
            return
        if exc.retryable:
            self.breaker.record_failure()
        else:
            # The upstream answered (a rejection, a bad reply): it is up.
            self.breaker.record_success()

    async def _finish(
        self,
        at: datetime,
        started: float,
        ctx: CallContext,
        operation: Operation,
        attempt: _Attempt,
        outcome: str,
        sent_bytes: bytes,
        response: httpx.Response | None,
        signature: SignatureInfo,
    ) -> None:
        elapsed = max(self.clock.monotonic() - started, 0.0)
        status = response.status_code if response is not None else None
        verified = signature.verified
        if outcome in _SIGNATURE_FAILURES:
            verified = False
        self.metrics.observe(self.name, operation.name, outcome, elapsed)
        fields = {
            "upstream": self.name,
            "operation": operation.name,
            "attempt": attempt.number,
            "duration_ms": round(elapsed * 1000, 1),
            "http_status": status,
        }
        if outcome == "ok":
            log.info("adapter.call.ok", **fields)
        else:
            log.warning("adapter.call.failed", code=outcome, **fields)
        await self.audit.record(
            ExchangeRecord(
                at=at,
                direction="outbound",
                peer=self.peer,  # type: ignore[arg-type]  # checked by the record's users
                operation=operation.name,
                request_id=ctx.request_id,
                caller=ctx.caller,
                officer_id=ctx.officer_id,
                purpose=ctx.purpose,
                outcome=outcome,
                http_status=status,
                duration_ms=round(elapsed * 1000, 3),
                request_bytes=sent_bytes,
                response_bytes=response.content if response is not None else None,
                signature_scheme=signature.scheme,
                signature_key_id=signature.key_id,
                signature_verified=verified,
                upstream_ref=operation.upstream_ref,
            )
        )
