"""The pipeline's ``classify`` hook: an upstream's own error in a reply outranks its HTTP
status, is not retried, does not count against the breaker, and is recorded with the reply."""

import httpx
import pytest

from adapters._exchange import CallContext, Operation, OutboundRequest
from contracts.errors import GatewayError, UpstreamFault, UpstreamUnavailable

FAULT = b"<Fault>maintenance</Fault>"


def request() -> OutboundRequest:
    return OutboundRequest("POST", "http://upstream.test/soap", content=b"<q/>")


def fault_in_body(response: httpx.Response, operation: str) -> GatewayError | None:
    if b"<Fault>" in response.content:
        return UpstreamFault(f"upstream {operation}: fault")
    return None


async def test_a_classified_error_outranks_the_status_and_is_recorded_with_the_reply(make_exchange, audit, ctx):
    """A 500 whose body the hook classifies is UpstreamFault, sent once, audited with status 500 and the reply bytes."""
    calls = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(r)
        return httpx.Response(500, content=FAULT)

    exchange = make_exchange(handler, classify=fault_in_body, threshold=1)
    with pytest.raises(UpstreamFault) as caught:
        await exchange.call(request(), ctx, Operation("Op", idempotent=True), lambda r: r.content)
    assert "Op" in caught.value.detail
    assert len(calls) == 1  # not retried, although the call is idempotent
    [entry] = audit.entries
    assert (entry.outcome, entry.http_status, entry.response_bytes) == ("upstream_fault", 500, FAULT)
    assert exchange.breaker_state == "closed"  # the upstream answered: it is up


async def test_an_unclassified_reply_is_judged_by_its_status(make_exchange, audit, ctx):
    """When the hook returns None a 503 stays upstream_unavailable and is retried."""
    calls = []

    def handler(r: httpx.Request) -> httpx.Response:
        calls.append(r)
        return httpx.Response(503, content=b"down")

    exchange = make_exchange(handler, classify=fault_in_body, attempts=2)
    with pytest.raises(UpstreamUnavailable):
        await exchange.call(request(), ctx, Operation("Op", idempotent=True), lambda r: r.content)
    assert len(calls) == 2
    assert [e.outcome for e in audit.entries] == ["upstream_unavailable"] * 2


async def test_the_hook_sees_successful_replies_too(make_exchange, audit):
    """A 200 carrying the upstream's error is refused the same way (SOAP 1.1 allows a Fault with 200)."""
    exchange = make_exchange(lambda r: httpx.Response(200, content=FAULT), classify=fault_in_body)
    with pytest.raises(UpstreamFault):
        await exchange.call(request(), CallContext("req-2"), Operation("Op"), lambda r: r.content)
    assert (audit.entries[0].outcome, audit.entries[0].http_status) == ("upstream_fault", 200)
