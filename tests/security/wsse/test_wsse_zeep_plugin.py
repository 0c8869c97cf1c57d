"""The zeep plugin, end to end through a zeep client: requests signed with our key, replies
verified with the peer's certificate, faults surfaced first (stack-notes.md's zeep traps)."""

from __future__ import annotations

import pytest
import requests
import zeep
from lxml import etree
from zeep.transports import Transport

import contracts.population as population
from contracts.errors import SignatureInvalid, UpstreamFault
from security.wsse import WsseX509
from tests.security.wsse.helpers import signer_for, verifier_for


class CannedTransport(Transport):
    """Answers every POST with a fixed reply and keeps what was sent; never touches a network."""

    def __init__(self, reply: bytes, status: int = 200) -> None:
        super().__init__()
        self.reply, self.status, self.sent = reply, status, []

    def _load_remote_data(self, url):  # noqa: ANN001, ANN202 - zeep's private hook
        raise AssertionError(f"tried to fetch {url}")

    def post_xml(self, address, envelope, headers):  # noqa: ANN001, ANN201 - zeep's API
        self.sent.append(etree.tostring(envelope))
        response = requests.Response()
        response.status_code = self.status
        response._content = self.reply
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        response.encoding = "utf-8"
        return response


def lookup(transport: CannedTransport, plugin: WsseX509):
    client = zeep.Client(wsdl=str(population.wsdl_path()), transport=transport, wsse=plugin)
    service = client.create_service(population.BINDING, "http://mock/population")
    return service.TraCuuThongTinCongDan(
        MaYeuCau="r-1", MaDVC="VPCP", MaTichHop="037", MaCanBo="cb.1",
        SoDinhDanh="001203012345",
    )


def test_zeep_signs_requests_and_accepts_replies_signed_by_the_peer(gateway, peer):
    """The request zeep sends verifies with our cert; the peer-signed reply is parsed."""
    reply = signer_for(peer).sign(population.golden("TraCuuThongTinCongDan.reply.xml"))
    transport = CannedTransport(reply)
    result = lookup(transport, WsseX509(signer_for(gateway), verifier_for(peer)))
    assert result[0].SoDinhDanh == "001203012345"
    (sent,) = transport.sent
    verified = verifier_for(gateway).verify(sent)
    assert verified.verified
    assert population.schema().validate(verified.body[0])


def test_zeep_refuses_a_reply_signed_with_our_own_key(gateway, peer):
    """Trap 2: a reply signed with the gateway's key is not accepted as the peer's."""
    reply = signer_for(gateway).sign(population.golden("TraCuuThongTinCongDan.reply.xml"))
    with pytest.raises(SignatureInvalid, match="certificate not trusted"):
        lookup(CannedTransport(reply), WsseX509(signer_for(gateway), verifier_for(peer)))


def test_zeep_refuses_an_unsigned_reply_when_required(gateway, peer):
    """An unsigned reply is refused when the verifier requires signatures."""
    reply = population.golden("TraCuuThongTinCongDan.reply.xml")
    with pytest.raises(SignatureInvalid, match="not signed"):
        lookup(CannedTransport(reply), WsseX509(signer_for(gateway), verifier_for(peer)))


def test_zeep_surfaces_an_unsigned_fault_as_upstream_fault(gateway, peer):
    """Trap 2 again: a Fault (HTTP 500, unsigned) surfaces as UpstreamFault, not as a
    signature error hiding the server's message."""
    transport = CannedTransport(population.golden("fault.xml"), status=500)
    with pytest.raises(UpstreamFault) as caught:
        lookup(transport, WsseX509(signer_for(gateway), verifier_for(peer)))
    assert "bảo trì" in caught.value.detail


def test_plugin_without_verifier_only_signs(gateway):
    """With no verifier, replies pass through untouched (signing still happens)."""
    transport = CannedTransport(population.golden("TraCuuThongTinCongDan.reply.not-found.xml"))
    assert lookup(transport, WsseX509(signer_for(gateway), None)) == []
    assert verifier_for(gateway).verify(transport.sent[0]).verified
