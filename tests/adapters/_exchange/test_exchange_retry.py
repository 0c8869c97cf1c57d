import json

import httpx
import pytest

from adapters._exchange import OutboundRequest, RetryPolicy
from adapters._exchange.pipeline import Operation
from contracts.errors import UpstreamRejected, UpstreamTimeout, UpstreamUnavailable


def json_request() -> OutboundRequest:
    return OutboundRequest("POST", "http://upstream.test/api", json={"q": "x"})


def parse_json(response: httpx.Response):
    return json.loads(response.content)


def failing_then_ok(failures: int, counter: list[int]):
    def handler(request: httpx.Request) -> httpx.Response:
        counter.append(1)
        if len(counter) <= failures:
            return httpx.Response(503)
        return httpx.Response(200, json={"n": len(counter)})

    return handler


async def test_idempotent_calls_are_retried_with_backoff(make_exchange, sleep, ctx, audit):
    """An idempotent call that fails twice with 503 succeeds on the third attempt, after two backoff sleeps."""
    attempts: list[int] = []
    exchange = make_exchange(failing_then_ok(2, attempts), attempts=3)
    value = await exchange.call(json_request(), ctx, Operation("Read", idempotent=True), parse_json)
    assert value == {"n": 3} and len(attempts) == 3
    # full jitter with random()=0.5: 0.5 * min(cap, base * 2**(n-1)) with base 0.5
    assert sleep.calls == [0.25, 0.5]
    assert [e.outcome for e in audit.entries] == ["upstream_unavailable", "upstream_unavailable", "ok"]


async def test_retries_are_bounded(make_exchange, ctx):
    """An idempotent call is tried at most `attempts` times, then the last error is raised."""
    attempts: list[int] = []
    exchange = make_exchange(failing_then_ok(10, attempts), attempts=3, threshold=10)
    with pytest.raises(UpstreamUnavailable):
        await exchange.call(json_request(), ctx, Operation("Read", idempotent=True), parse_json)
    assert len(attempts) == 3


async def test_non_idempotent_calls_are_not_retried(make_exchange, sleep, ctx):
    """A call that is neither idempotent nor keyed is sent exactly once, even on a retryable failure."""
    attempts: list[int] = []
    exchange = make_exchange(failing_then_ok(1, attempts), attempts=3)
    with pytest.raises(UpstreamUnavailable):
        await exchange.call(json_request(), ctx, Operation("Append"), parse_json)
    assert len(attempts) == 1 and sleep.calls == []


async def test_calls_with_an_idempotency_key_are_retried(make_exchange, ctx):
    """A non-idempotent call carrying an idempotency key may be retried."""
    attempts: list[int] = []
    exchange = make_exchange(failing_then_ok(1, attempts), attempts=3)
    await exchange.call(json_request(), ctx, Operation("Append", idempotency_key="k-1"), parse_json)
    assert len(attempts) == 2


async def test_rejections_are_not_retried(make_exchange, ctx):
    """A 4xx rejection is final: retrying would get the same answer."""
    attempts: list[int] = []

    def handler(request):
        attempts.append(1)
        return httpx.Response(422)

    exchange = make_exchange(handler)
    with pytest.raises(UpstreamRejected):
        await exchange.call(json_request(), ctx, Operation("Read", idempotent=True), parse_json)
    assert len(attempts) == 1


async def test_no_retry_when_the_backoff_would_exceed_the_budget(make_exchange, clock, ctx):
    """The total budget per call bounds retries: no sleep that would end past the deadline."""
    attempts: list[int] = []

    def handler(request):
        attempts.append(1)
        clock.advance(0.9)  # each attempt uses most of the 1 s budget
        raise httpx.ReadTimeout("slow", request=request)

    exchange = make_exchange(handler, budget=1.0, attempts=5)
    with pytest.raises(UpstreamTimeout):
        await exchange.call(json_request(), ctx, Operation("Read", idempotent=True), parse_json)
    assert len(attempts) == 1


def test_full_jitter_stays_within_the_exponential_ceiling():
    """Backoff n is uniform in [0, min(cap, base * 2**(n-1))]."""
    top = RetryPolicy(attempts=5, base_seconds=0.5, cap_seconds=3.0, random=lambda: 0.999999)
    low = RetryPolicy(attempts=5, base_seconds=0.5, cap_seconds=3.0, random=lambda: 0.0)
    assert [round(top.backoff(n), 3) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert low.backoff(3) == 0.0
