"""The population adapter against the mock population database over real loopback sockets
(uvicorn in a thread, the adapter's own aiohttp transport): each auth profile, verify,
not found, and every refusal of the issue, each with its audit record."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import ExitStack

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from prometheus_client import CollectorRegistry

from adapters._exchange import CallContext, SystemClock
from adapters.population import CitizenQuery, build_population_client
from contracts import population as contract
from contracts.errors import SecurityError, SignatureInvalid, UpstreamFault
from mocks._core import MockConfig
from mocks.app import create_mocks_app
from mocks.population import PopulationMockSettings, population_system
from security.audit import ListAuditSink
from security.keys import WSSE
from tests.adapters.population.test_population_client import EXPECTED_CITIZEN
from tests.support.servers import serve_asgi

pytestmark = pytest.mark.network

CTX = CallContext(request_id="req-net", caller="demo", officer_id="cb.0012", purpose="Xác minh chủ hồ sơ")
GOLDEN = CitizenQuery(id_number="001203012345", officer_id="cb.0012", purpose="Xác minh chủ hồ sơ",
                      full_name="Nguyễn Văn A", birth_date="2003-05-17")


class Mock:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.admin = httpx.Client(base_url=base_url, timeout=5)

    def journal(self) -> list[dict]:
        return self.admin.get("/__admin/requests", params={"target": "population"}).json()["requests"]


@pytest.fixture
def serve_mock(keys):
    with ExitStack() as stack:
        def start(**options) -> Mock:
            settings = PopulationMockSettings(key_store=keys, **options)
            app = create_mocks_app(MockConfig(), systems=[population_system(settings)])
            return Mock(stack.enter_context(serve_asgi(app)))

        yield start


@pytest.fixture
def adapter(population_settings, keys, codec):
    clients = []

    def make(mock: Mock, audit: ListAuditSink, **overrides):
        population_settings.population_url = f"{mock.base_url}/population/"  # the mount's path
        for name, value in overrides.items():
            setattr(population_settings, name, value)
        client = build_population_client(population_settings, keys=keys, audit=audit,
                                         registry=CollectorRegistry(), clock=SystemClock(), codec=codec)
        clients.append(client)
        return client

    yield make


@pytest.mark.parametrize("profile", ["ndxp", "wso2", "vnpt", "none"])
async def test_a_seeded_citizen_is_looked_up_with_each_auth_profile(serve_mock, adapter, profile):
    """Every field of the golden citizen arrives mapped, the mock accepted auth and signature, the record says so."""
    mock = serve_mock(auth_profile=profile)
    audit = ListAuditSink()
    client = adapter(mock, audit, population_auth=profile)
    try:
        assert await client.lookup(GOLDEN, CTX) == EXPECTED_CITIZEN
    finally:
        await client.aclose()
    [entry] = [e for e in mock.journal() if e["operation"] == contract.LOOKUP]
    assert entry["auth_ok"] is (None if profile == "none" else True)
    assert entry["signature_ok"] is True
    [record] = audit.entries
    assert (record.outcome, record.signature_verified, record.signature_scheme) == ("ok", True, "wsse-rsa-sha256")
    assert record.request_bytes.decode() == entry["body"]


async def test_verify_answers_true_and_false(serve_mock, adapter):
    """XacThucThongTinCongDan: the golden name matches, another name does not."""
    mock = serve_mock()
    client = adapter(mock, ListAuditSink(), population_auth="ndxp")
    try:
        assert await client.verify(GOLDEN, CTX) is True
        other = CitizenQuery(**{**GOLDEN.__dict__, "full_name": "TRẦN THỊ B"})
        assert await client.verify(other, CTX) is False
    finally:
        await client.aclose()


async def test_unknown_and_legacy_ids(serve_mock, adapter):
    """An id the seed lacks is None; a seeded legacy 9-digit id is found through SoCMND."""
    mock = serve_mock()
    seeded = mock.admin.get("/__admin/population/citizens", params={"limit": 300}).json()["citizens"]
    legacy = next(c for c in seeded if c["legacy_id_number"])
    client = adapter(mock, ListAuditSink(), population_auth="ndxp")
    try:
        unknown = CitizenQuery(id_number="096299999999", officer_id="cb.1", purpose="p")
        assert await client.lookup(unknown, CTX) is None
        found = await client.lookup(CitizenQuery(id_number=legacy["legacy_id_number"], officer_id="cb.1", purpose="p"), CTX)
        assert found["id_number"] == legacy["id_number"]
        assert found["full_name"] == legacy["full_name"]
    finally:
        await client.aclose()


async def test_bad_signatures_from_the_mock_are_refused_and_audited(serve_mock, adapter):
    """The mock's bad_signature fault (a foreign key, then a tampered reply) is signature_invalid both times."""
    mock = serve_mock()
    mock.admin.post("/__admin/faults", json={"target": "population", "mode": "bad_signature", "count": 2})
    audit = ListAuditSink()
    client = adapter(mock, audit, population_auth="ndxp")
    try:
        for _ in range(2):
            with pytest.raises(SignatureInvalid):
                await client.lookup(GOLDEN, CTX)
    finally:
        await client.aclose()
    assert [(r.outcome, r.signature_verified) for r in audit.entries] == [("signature_invalid", False)] * 2


async def test_an_unsigned_reply_is_refused_where_required(serve_mock, adapter):
    """A mock that does not sign its replies is refused when signatures are required."""
    mock = serve_mock(sign_replies=False)
    audit = ListAuditSink()
    client = adapter(mock, audit, population_auth="ndxp")
    try:
        with pytest.raises(SignatureInvalid):
            await client.lookup(GOLDEN, CTX)
    finally:
        await client.aclose()
    assert audit.entries[0].outcome == "signature_invalid"


@pytest.mark.parametrize("register", ["registry", "population admin route"])
async def test_a_soap_fault_is_surfaced_as_the_upstreams_error(serve_mock, adapter, register):
    """A SOAP Fault (HTTP 500, unsigned) is upstream_fault with its message, not a signature error, not retried, recorded with the reply."""
    mock = serve_mock()
    spec = {"faultstring": "Bảo trì hệ thống", "count": 1}
    if register == "registry":
        mock.admin.post("/__admin/faults", json={"target": "population", "mode": "soap_fault", **spec})
    else:
        mock.admin.post("/__admin/population/soap-fault", json=spec)
    audit = ListAuditSink()
    client = adapter(mock, audit, population_auth="ndxp")
    try:
        with pytest.raises(UpstreamFault) as caught:
            await client.lookup(GOLDEN, CTX)
        assert client.breaker_state == "closed"
    finally:
        await client.aclose()
    assert "Bảo trì hệ thống" in caught.value.detail
    [record] = audit.entries
    assert (record.outcome, record.http_status) == ("upstream_fault", 500)
    assert "Bảo trì hệ thống".encode() in record.response_bytes
    assert [e["status"] for e in mock.journal()] == [500]


async def test_hostile_replies_over_a_real_socket_are_refused(serve_mock, adapter):
    """The mock's hostile_xml fault (the contract's XML bomb, then its external entity) is security_error each time, recorded; nothing expands."""
    mock = serve_mock()
    mock.admin.post("/__admin/faults", json={"target": "population", "mode": "hostile_xml", "count": 2})
    audit = ListAuditSink()
    client = adapter(mock, audit, population_auth="ndxp")
    try:
        for _ in range(2):
            with pytest.raises(SecurityError) as caught:
                await client.lookup(GOLDEN, CTX)
            assert caught.value.code == "security_error"
        assert await client.lookup(GOLDEN, CTX) == EXPECTED_CITIZEN  # the worker is fine
    finally:
        await client.aclose()
    assert [r.outcome for r in audit.entries] == ["security_error", "security_error", "ok"]
    assert [r.response_bytes for r in audit.entries[:2]] == [
        contract.golden("reply.xml-bomb.xml"), contract.golden("reply.external-entity.xml")]


def _xmlsec1() -> str:
    found = shutil.which("xmlsec1")
    if found is None:
        pytest.fail("the xmlsec1 command-line tool is required (apt-get install xmlsec1)")
    return found


async def test_the_request_the_adapter_sent_verifies_with_xmlsec1(serve_mock, adapter, keys, tmp_path):
    """The bytes kept in the audit record — what went over the socket — verify with the independent xmlsec1 tool."""
    mock = serve_mock()
    audit = ListAuditSink()
    client = adapter(mock, audit, population_auth="ndxp")
    try:
        await client.lookup(GOLDEN, CTX)
    finally:
        await client.aclose()
    [record] = audit.entries
    [entry] = mock.journal()
    assert record.request_bytes.decode() == entry["body"]
    message, cert = tmp_path / "sent.xml", tmp_path / "wsse.pem"
    message.write_bytes(record.request_bytes)
    cert.write_bytes(keys.active(WSSE).certificate.public_bytes(serialization.Encoding.PEM))
    command = [_xmlsec1(), "--verify", "--id-attr:Id", "Body", "--id-attr:Id", "Timestamp",
               "--pubkey-cert-pem", str(cert), str(message)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    assert "SignedInfo References (ok/all): 2/2" in run.stdout + run.stderr
    message.write_bytes(record.request_bytes.replace(b"001203012345", b"001203012346"))
    assert subprocess.run(command, capture_output=True, timeout=30, check=False).returncode != 0
