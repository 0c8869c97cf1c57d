"""The population contract: the WSDL loads offline in zeep, golden messages satisfy the XSDs,
and the XSDs refuse what the national service would refuse."""

from __future__ import annotations

import copy

import pytest
import zeep
from lxml import etree
from zeep.transports import Transport

import contracts.population as population

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class NoNetworkTransport(Transport):
    """A zeep transport that fails any attempt to fetch over the network."""

    def _load_remote_data(self, url):  # noqa: ANN001, ANN202 - zeep's private hook
        raise AssertionError(f"the WSDL tried to fetch {url}")


def body_of(message: bytes) -> etree._Element:
    envelope = etree.fromstring(message, SAFE)
    return envelope.find(f"{{{population.NS_SOAP11}}}Body")[0]


def test_wsdl_loads_offline_with_both_operations():
    """zeep builds the client from the file alone, with both operations on the SOAP 1.1 port."""
    client = zeep.Client(wsdl=str(population.wsdl_path()), transport=NoNetworkTransport())
    service = client.bind(population.SERVICE_NAME, population.PORT_NAME)
    binding = client.wsdl.bindings[population.BINDING]
    assert set(binding._operations) == set(population.OPERATIONS)
    assert service._binding_options["address"] == population.PLACEHOLDER_ADDRESS


def test_zeep_serializes_the_request_in_contract_order():
    """A zeep-built request has exactly the contract's element order and validates."""
    client = zeep.Client(wsdl=str(population.wsdl_path()), transport=NoNetworkTransport())
    service = client.bind(population.SERVICE_NAME, population.PORT_NAME)
    envelope = client.create_message(
        service, population.LOOKUP, MaYeuCau="r-1", MaDVC="VPCP", MaTichHop="037",
        MaCanBo="cb.1", SoCMND="012345678", HoVaTen="NGUYỄN VĂN A",
        NgayThangNamSinh={"Nam": "2003"},
    )
    body = envelope.find(f"{{{population.NS_SOAP11}}}Body")[0]
    names = [etree.QName(child).localname for child in body]
    assert names == ["MaYeuCau", "MaDVC", "MaTichHop", "MaCanBo", "SoCMND", "HoVaTen",
                     "NgayThangNamSinh"]
    assert population.schema().validate(body), population.schema().error_log


def test_zeep_parses_the_golden_lookup_reply():
    """zeep turns the golden reply into a collection with every field of the citizen."""
    client = zeep.Client(wsdl=str(population.wsdl_path()), transport=NoNetworkTransport())
    operation = client.wsdl.bindings[population.BINDING].get(population.LOOKUP)
    envelope = etree.fromstring(population.golden("TraCuuThongTinCongDan.reply.xml"), SAFE)
    result = operation.process_reply(envelope)
    (citizen,) = result
    assert citizen.SoDinhDanh == "001203012345"
    assert (citizen.HoVaTen.Ho, citizen.HoVaTen.ChuDem, citizen.HoVaTen.Ten) == (
        "NGUYỄN", "VĂN", "A")
    assert citizen.NoiOHienTai.MaTinhThanh == "79"
    assert citizen.ChuHo.QuanHe == "04"
    assert citizen.SoSoHoKhau == "010012345"


@pytest.mark.parametrize(
    "name", [n for n, m in population.golden_index().items() if m["kind"] in ("request", "reply")]
)
def test_golden_bodies_validate(name):
    """Each golden request and reply body satisfies the XSDs and has its indexed root element."""
    body = body_of(population.golden(name))
    assert body.tag == population.golden_index()[name]["body"]
    assert population.schema().validate(body), population.schema().error_log


def test_golden_fault_is_a_soap11_fault():
    """The golden fault carries faultcode and faultstring in a SOAP 1.1 Fault."""
    body = body_of(population.golden("fault.xml"))
    assert body.tag == f"{{{population.NS_SOAP11}}}Fault"
    assert body.findtext("faultcode") == "soapenv:Server"
    assert body.findtext("faultstring")


@pytest.mark.parametrize("name", ["reply.xml-bomb.xml", "reply.external-entity.xml"])
def test_hostile_goldens_carry_a_doctype_with_entities(name):
    """The hostile goldens really declare entities (so the bad-input tests test something)."""
    text = population.golden(name)
    assert b"<!DOCTYPE" in text and b"<!ENTITY" in text


def _mutated(mutate) -> etree._Element:
    body = copy.deepcopy(body_of(population.golden("TraCuuThongTinCongDan.request.xml")))
    mutate(body)
    return body


def _q(name: str) -> str:
    return f"{{{population.NS_REQUEST}}}{name}"


def _swap_first_two(body):
    first, second = body[0], body[1]
    body.remove(second)
    first.addprevious(second)


def _set(name, value):
    def mutate(body):
        body.find(_q(name)).text = value
    return mutate


def _add_legacy_id_too(body):
    extra = etree.SubElement(body, _q("SoCMND"))
    extra.text = "012345678"
    body.find(_q("SoDinhDanh")).addnext(extra)


def _drop(name):
    def mutate(body):
        body.remove(body.find(_q(name)))
    return mutate


@pytest.mark.parametrize(
    "mutate",
    [
        _swap_first_two,
        _set("SoDinhDanh", "00120301234"),  # 11 digits
        _set("SoDinhDanh", "00120301234X"),
        _set("HoVaTen", "NGUYỄN\x01VĂN A".replace("\x01", "\u0085")),  # a C1 control char
        _add_legacy_id_too,
        _drop("MaCanBo"),  # every lookup is tied to an officer
    ],
    ids=["order", "short-id", "non-digit-id", "control-char", "both-ids", "no-officer"],
)
def test_schema_refuses_malformed_requests(mutate):
    """Wrong order, wrong id formats, control characters and missing officer are invalid."""
    assert not population.schema().validate(_mutated(mutate))


def test_verify_requires_a_name():
    """XacThucThongTinCongDan without HoVaTen is invalid (lookup allows it)."""
    body = copy.deepcopy(body_of(population.golden("XacThucThongTinCongDan.request.xml")))
    body.remove(body.find(_q("HoVaTen")))
    assert not population.schema().validate(body)
