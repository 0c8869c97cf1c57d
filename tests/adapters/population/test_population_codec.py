"""Request envelopes are built with lxml; zeep (reading the WSDL) stays the reference they must
equal, byte for byte, and the contract's XSD checks each before it leaves."""

from __future__ import annotations

import itertools

import pytest
from lxml import etree
from zeep.exceptions import ValidationError

from adapters.population import CitizenQuery, query_to_wire
from adapters.population.wire import LOOKUP, OPERATIONS, SOAP_ENV, VERIFY
from contracts import population as contract

IDS = ("001203012345", "012345678")  # SoDinhDanh, SoCMND
NAMES = (None, "  nguyễn  văn a ", "O'NEIL & <SONS>")
BIRTH_DATES = (None, "2003-05-17", "2003")
OFFICERS = ("cb.0012", "cán bộ \"số 1\"")


def _fields(id_number, name, birth_date, officer, request_id="5f0c1b2e-8d7a-4c1e-9b1a-2f3d4e5a6b7c"):
    query = CitizenQuery(id_number, officer, "p", full_name=name, birth_date=birth_date)
    return query_to_wire(query, request_id=request_id, ma_dvc="VPCP", ma_tich_hop="037")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_envelopes_are_byte_for_byte_what_zeep_builds(codec, operation):
    """Every combination of id kind, name, birth date form and officer gives zeep's exact bytes."""
    for id_number, name, birth_date, officer in itertools.product(IDS, NAMES, BIRTH_DATES, OFFICERS):
        if operation == VERIFY and name is None:
            continue  # the verify request requires a name (refused below)
        fields = _fields(id_number, name, birth_date, officer)
        assert codec.build(operation, fields) == codec.build_with_zeep(operation, fields)


def test_field_order_comes_from_the_wsdl_not_the_dict(codec):
    """Fields given out of order are written in the contract's sequence, as zeep writes them."""
    fields = _fields("001203012345", "A B", "2003", "cb.1")
    shuffled = dict(reversed(list(fields.items())))
    assert codec.build(LOOKUP, shuffled) == codec.build_with_zeep(LOOKUP, fields)


def test_built_envelopes_validate_against_the_xsd(codec):
    """The payload of a built envelope satisfies the contract's XSD (checked independently)."""
    envelope = etree.fromstring(codec.build(LOOKUP, _fields("001203012345", "A", "2003-05-17", "cb.1")))
    payload = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
    assert contract.schema().validate(payload)


def test_a_request_the_xsd_refuses_is_not_built_and_its_value_not_quoted(codec):
    """A verify without the name, or an id the XSD's pattern refuses, raises ValidationError
    naming where, not what (the value may be personal data)."""
    with pytest.raises(ValidationError, match="HoVaTen|XacThucThongTinCongDan"):
        codec.build(VERIFY, _fields("001203012345", None, None, "cb.1"))
    with pytest.raises(ValidationError) as refused:
        codec.build(LOOKUP, _fields("00120301234x", None, None, "cb.1"))
    assert "SoDinhDanh" in str(refused.value) and "00120301234x" not in str(refused.value)
    with pytest.raises(ValidationError):
        codec.build(LOOKUP, _fields("001203012345", None, "2003-13-01", "cb.1"))
