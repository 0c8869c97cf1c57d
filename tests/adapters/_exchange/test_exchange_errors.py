import asyncio
import json

import httpx
import pytest

from adapters._exchange import OutboundRequest, error_for_status, map_httpx_error
from adapters._exchange.errors import HTTPX_ERRORS, gateway_class_for
from adapters._exchange.pipeline import Operation
from contracts.errors import (
    ConfigurationError,
    ContractViolation,
    GatewayError,
    UpstreamAuthFailed,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)


def httpx_exception_classes() -> list[type[Exception]]:
    return [
        value
        for name in httpx.__all__
        if isinstance(value := getattr(httpx, name), type) and issubclass(value, Exception)
    ]


def test_every_httpx_exception_has_a_mapping():
    """Like httpx's own test for httpcore: every exception class httpx exports maps to a specific entry."""
    classes = httpx_exception_classes()
    assert len(classes) > 20  # the walk really found httpx's hierarchy
    # The catch-all bases are deliberately absent from the table: a new direct subclass of
    # them would find no entry and fail here.
    abstract = {httpx.HTTPError, httpx.RequestError, httpx.TransportError}
    unmapped = [c.__name__ for c in classes if c not in abstract and gateway_class_for(c) is None]
    assert unmapped == []
    assert not abstract & HTTPX_ERRORS.keys()


@pytest.mark.parametrize(
    ("exc_type", "expected"),
    [
        (httpx.ConnectTimeout, UpstreamTimeout),
        (httpx.ReadTimeout, UpstreamTimeout),
        (httpx.WriteTimeout, UpstreamTimeout),
        (httpx.PoolTimeout, UpstreamTimeout),
        (httpx.ConnectError, UpstreamUnavailable),
        (httpx.ReadError, UpstreamUnavailable),
        (httpx.RemoteProtocolError, UpstreamUnavailable),
        (httpx.ProxyError, UpstreamUnavailable),
        (httpx.LocalProtocolError, ConfigurationError),
        (httpx.UnsupportedProtocol, ConfigurationError),
        (httpx.DecodingError, ContractViolation),
        (httpx.TooManyRedirects, ContractViolation),
    ],
)
async def test_transport_exceptions_map_to_the_tree(make_exchange, ctx, exc_type, expected):
    """Each httpx failure raised during a call surfaces as its gateway class, chained from the original."""

    def handler(request):
        raise exc_type("boom", request=request)

    exchange = make_exchange(handler, attempts=1)
    request = OutboundRequest("POST", "http://upstream.test/api", json={})
    with pytest.raises(expected) as info:
        await exchange.call(request, ctx, Operation("Op"), lambda r: None)
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, exc_type)


def test_every_exported_exception_instance_maps_to_a_gateway_error():
    """map_httpx_error turns an instance of every httpx exception into a GatewayError."""
    request = httpx.Request("GET", "http://x.test/")
    response = httpx.Response(500, request=request)
    for klass in httpx_exception_classes():
        if klass is httpx.HTTPStatusError:
            exc = klass("bad", request=request, response=response)
        elif issubclass(klass, httpx.RequestError):
            exc = klass("bad", request=request)
        else:
            try:
                exc = klass()  # the StreamError family words its own message
            except TypeError:
                exc = klass("bad")
        assert isinstance(map_httpx_error(exc, "u", "op"), GatewayError), klass


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, UpstreamAuthFailed), (403, UpstreamAuthFailed), (404, UpstreamRejected),
     (429, UpstreamRejected), (500, UpstreamUnavailable), (503, UpstreamUnavailable),
     (302, ContractViolation)],
)
def test_http_statuses_map_to_the_tree(status, expected):
    """401/403 are auth failures, other 4xx rejections, 5xx unavailability, redirects contract breaks."""
    assert type(error_for_status(status, "u", "op")) is expected
    assert error_for_status(200, "u", "op") is None


def test_our_own_bugs_are_not_disguised_as_upstream_errors():
    """An exception that is not a transport failure is left alone (it becomes a 500)."""
    assert map_httpx_error(KeyError("x"), "u", "op") is None


async def test_the_total_budget_cuts_a_slow_call(make_exchange, ctx):
    """A call that outlives its total budget fails with UpstreamTimeout even if per-read timeouts never fire."""

    async def slow(request):
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    exchange = make_exchange(slow, budget=0.05, attempts=1)
    request = OutboundRequest("POST", "http://upstream.test/api", json={})
    with pytest.raises(UpstreamTimeout):
        await exchange.call(request, ctx, Operation("Op"), lambda r: json.loads(r.content))
