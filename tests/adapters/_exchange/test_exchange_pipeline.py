import hashlib
import json

import httpx
import pytest
from structlog.testing import capture_logs

from adapters._exchange import CallContext, Operation, SignatureInfo
from adapters._exchange import OutboundRequest
from contracts.errors import SignatureInvalid, UpstreamRejected, UpstreamUnavailable


def json_request(payload=None) -> OutboundRequest:
    return OutboundRequest("POST", "http://upstream.test/api", json=payload or {"q": "x"})


def parse_json(response: httpx.Response):
    return json.loads(response.content)


async def test_success_is_audited_with_the_bytes_sent_and_received(make_exchange, audit, ctx):
    """A successful call leaves one record with the exact bytes, their SHA-256 digests and the caller's context."""
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, content=b'{"ok":true}')

    exchange = make_exchange(handler)
    value = await exchange.call(
        json_request({"MaHoSo": "H1", "ten": "Nguyễn"}), ctx, Operation("Op", upstream_ref="H1"), parse_json
    )

    assert value == {"ok": True}
    [entry] = audit.entries
    assert entry.request_bytes == seen[0] == '{"MaHoSo":"H1","ten":"Nguyễn"}'.encode()
    assert entry.response_bytes == b'{"ok":true}'
    assert entry.request_digest == hashlib.sha256(seen[0]).hexdigest()
    assert entry.response_digest == hashlib.sha256(b'{"ok":true}').hexdigest()
    assert (entry.outcome, entry.http_status, entry.direction, entry.peer) == ("ok", 200, "outbound", "portal")
    assert (entry.request_id, entry.caller, entry.officer_id, entry.purpose) == (
        "req-1", "demo", "cb.0012", "Đồng bộ hồ sơ")
    assert entry.operation == "Op" and entry.upstream_ref == "H1"
    assert entry.at.tzinfo is not None


async def test_failure_is_audited_with_its_error_code_and_reply(make_exchange, audit, ctx):
    """An upstream 503 is recorded with outcome upstream_unavailable and the reply bytes, then raised."""
    exchange = make_exchange(lambda r: httpx.Response(503, content=b"down"))
    with pytest.raises(UpstreamUnavailable):
        await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    [entry] = audit.entries
    assert entry.outcome == "upstream_unavailable"
    assert entry.http_status == 503
    assert entry.response_bytes == b"down"
    assert entry.response_digest == hashlib.sha256(b"down").hexdigest()


async def test_transport_failure_is_audited_without_a_reply(make_exchange, audit, ctx):
    """When no reply arrives the record has the request bytes and no response."""
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    exchange = make_exchange(handler)
    with pytest.raises(UpstreamUnavailable) as info:
        await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    [entry] = audit.entries
    assert entry.response_bytes is None and entry.response_digest is None
    assert entry.http_status is None and entry.outcome == "upstream_unavailable"


async def test_unparseable_reply_is_a_contract_violation(make_exchange, audit, ctx):
    """A reply the adapter cannot parse becomes contract_violation, audited as such."""
    exchange = make_exchange(lambda r: httpx.Response(200, content=b"<html>"))
    with pytest.raises(Exception) as info:
        await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    assert info.value.code == "contract_violation"
    assert audit.entries[-1].outcome == "contract_violation"


class _Signer:
    scheme = "test-sha256"
    key_id = "k1"

    async def sign(self, request):
        body = dict(request.json)
        body["Sig"] = hashlib.sha256(json.dumps(request.json, sort_keys=True).encode()).hexdigest()
        return request.with_json(body)


class _Verifier:
    def __init__(self, ok: bool) -> None:
        self.ok = ok
        self.seen: list[bytes] = []

    async def verify(self, request_bytes, response):
        self.seen.append(request_bytes)
        if not self.ok:
            raise SignatureInvalid("bad reply signature")
        return SignatureInfo(scheme="test-sha256", key_id="peer", verified=True)


async def test_signer_and_verifier_results_land_in_the_record(make_exchange, audit, ctx):
    """The signed body is what is sent and audited, and the verifier sees those same bytes."""
    sent: list[bytes] = []

    def handler(request):
        sent.append(request.content)
        return httpx.Response(200, json={})

    verifier = _Verifier(ok=True)
    exchange = make_exchange(handler, signer=_Signer(), verifier=verifier)
    await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    [entry] = audit.entries
    assert b'"Sig"' in sent[0] and entry.request_bytes == sent[0] == verifier.seen[0]
    assert (entry.signature_scheme, entry.signature_key_id, entry.signature_verified) == (
        "test-sha256", "k1", True)


async def test_a_reply_failing_verification_is_refused_and_recorded_as_unverified(make_exchange, audit, ctx):
    """A reply whose signature fails raises SignatureInvalid and the record says verified=False."""
    exchange = make_exchange(lambda r: httpx.Response(200, json={}), verifier=_Verifier(ok=False))
    with pytest.raises(SignatureInvalid):
        await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    assert audit.entries[-1].signature_verified is False
    assert audit.entries[-1].outcome == "signature_invalid"


async def test_metrics_count_calls_per_outcome_on_the_injected_registry(make_exchange, registry, ctx):
    """Counters and the duration histogram are labelled by upstream, operation and outcome."""
    replies = iter([httpx.Response(200, json={}), httpx.Response(404)])
    exchange = make_exchange(lambda r: next(replies))
    await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    with pytest.raises(UpstreamRejected):
        await exchange.call(json_request(), ctx, Operation("Op"), parse_json)
    labels = {"upstream": "upstream", "operation": "Op"}
    assert registry.get_sample_value("lienthong_upstream_calls_total", {**labels, "outcome": "ok"}) == 1
    assert registry.get_sample_value(
        "lienthong_upstream_calls_total", {**labels, "outcome": "upstream_rejected"}) == 1
    assert registry.get_sample_value("lienthong_upstream_call_seconds_count", labels) == 2


async def test_logs_name_the_call_but_never_its_body(make_exchange, ctx):
    """adapter.call.ok/failed carry upstream, operation and code, never body content or ids."""
    replies = iter([httpx.Response(200, json={"SoDinhDanh": "001203012345"}), httpx.Response(500)])
    exchange = make_exchange(lambda r: next(replies), attempts=1)
    request = json_request({"SoDinhDanh": "001203012345", "session": "s3cr3t"})
    with capture_logs() as logs:
        await exchange.call(request, ctx, Operation("Op"), parse_json)
        with pytest.raises(UpstreamUnavailable):
            await exchange.call(request, ctx, Operation("Op"), parse_json)
    events = [e for e in logs if e["event"].startswith("adapter.call")]
    assert [e["event"] for e in events] == ["adapter.call.ok", "adapter.call.failed"]
    assert events[1]["code"] == "upstream_unavailable" and events[1]["upstream"] == "upstream"
    assert "001203012345" not in repr(logs) and "s3cr3t" not in repr(logs)


async def test_an_http_client_without_timeouts_is_refused(make_exchange):
    """The pipeline refuses to be built on a client that could wait forever."""
    from contracts.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        make_exchange(lambda r: httpx.Response(200), timeout=httpx.Timeout(None))


async def test_context_without_caller_is_recorded_as_none(make_exchange, audit):
    """Background calls (the outbox) have no caller; the record says so rather than guessing."""
    exchange = make_exchange(lambda r: httpx.Response(200, json={}))
    await exchange.call(json_request(), CallContext(request_id="bg-1"), Operation("Op"), parse_json)
    assert audit.entries[0].caller is None and audit.entries[0].officer_id is None
