import json

import httpx
import pytest

from adapters._exchange import CircuitBreaker, OutboundRequest
from adapters._exchange.pipeline import Operation
from contracts.errors import CircuitOpen, UpstreamRejected, UpstreamUnavailable


def json_request() -> OutboundRequest:
    return OutboundRequest("POST", "http://upstream.test/api", json={"q": "x"})


def parse_json(response: httpx.Response):
    return json.loads(response.content)


class Upstream:
    """A scripted upstream: answers with `status` and counts requests."""

    def __init__(self, status: int = 503) -> None:
        self.status = status
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(self.status, json={})


async def _call(exchange, ctx):
    return await exchange.call(json_request(), ctx, Operation("Op"), parse_json)


async def test_breaker_opens_after_consecutive_failures_and_fails_fast(make_exchange, ctx, audit):
    """After N consecutive failures the circuit opens and calls fail with CircuitOpen without being sent."""
    upstream = Upstream(503)
    exchange = make_exchange(upstream, threshold=3)
    for _ in range(3):
        assert exchange.breaker_state == "closed"
        with pytest.raises(UpstreamUnavailable):
            await _call(exchange, ctx)
    assert exchange.breaker_state == "open"
    with pytest.raises(CircuitOpen):
        await _call(exchange, ctx)
    assert upstream.requests == 3
    assert audit.entries[-1].outcome == "circuit_open"


async def test_breaker_half_opens_after_the_reset_time_and_closes_on_success(make_exchange, clock, ctx):
    """With the injected clock past the reset time one trial call goes through; success closes the circuit."""
    upstream = Upstream(503)
    exchange = make_exchange(upstream, threshold=2)
    for _ in range(2):
        with pytest.raises(UpstreamUnavailable):
            await _call(exchange, ctx)
    clock.advance(9.9)
    assert exchange.breaker_state == "open"
    clock.advance(0.2)
    assert exchange.breaker_state == "half_open"
    upstream.status = 200
    await _call(exchange, ctx)
    assert exchange.breaker_state == "closed"


async def test_a_failed_trial_reopens_the_circuit(make_exchange, clock, ctx):
    """A failure in half_open opens the circuit again for a full reset period."""
    upstream = Upstream(503)
    exchange = make_exchange(upstream, threshold=1)
    with pytest.raises(UpstreamUnavailable):
        await _call(exchange, ctx)
    clock.advance(10)
    assert exchange.breaker_state == "half_open"
    with pytest.raises(UpstreamUnavailable):
        await _call(exchange, ctx)
    assert exchange.breaker_state == "open"
    clock.advance(5)
    with pytest.raises(CircuitOpen):
        await _call(exchange, ctx)


async def test_rejections_do_not_open_the_circuit(make_exchange, ctx):
    """4xx rejections prove the upstream answers: they never open the breaker."""
    exchange = make_exchange(Upstream(400), threshold=2)
    for _ in range(5):
        with pytest.raises(UpstreamRejected):
            await _call(exchange, ctx)
    assert exchange.breaker_state == "closed"


async def test_a_success_resets_the_failure_count(make_exchange, ctx):
    """Only consecutive failures count."""
    upstream = Upstream(503)
    exchange = make_exchange(upstream, threshold=2)
    with pytest.raises(UpstreamUnavailable):
        await _call(exchange, ctx)
    upstream.status = 200
    await _call(exchange, ctx)
    upstream.status = 503
    with pytest.raises(UpstreamUnavailable):
        await _call(exchange, ctx)
    assert exchange.breaker_state == "closed"


async def test_retries_stop_when_the_circuit_opens(make_exchange, ctx):
    """A retried call does not keep hammering an upstream whose circuit opened mid-way."""
    upstream = Upstream(503)
    exchange = make_exchange(upstream, threshold=2, attempts=5)
    with pytest.raises(CircuitOpen):
        await exchange.call(json_request(), ctx, Operation("Op", idempotent=True), parse_json)
    assert upstream.requests == 2


def test_only_one_trial_call_in_half_open(clock):
    """While the trial call is in flight, other calls fail fast."""
    breaker = CircuitBreaker(name="u", failure_threshold=1, reset_seconds=1, clock=clock)
    breaker.record_failure()
    clock.advance(1)
    breaker.before_call()
    with pytest.raises(CircuitOpen):
        breaker.before_call()


async def test_breaker_state_is_a_gauge_on_the_registry(make_exchange, registry, ctx):
    """The gauge reads 0 closed, 2 open, 1 half_open — live, as time passes."""
    exchange = make_exchange(Upstream(503), threshold=1)
    gauge = lambda: registry.get_sample_value(  # noqa: E731
        "lienthong_upstream_circuit_state", {"upstream": "upstream"})
    assert gauge() == 0
    with pytest.raises(UpstreamUnavailable):
        await _call(exchange, ctx)
    assert gauge() == 2
    exchange.clock.advance(10)
    assert gauge() == 1
