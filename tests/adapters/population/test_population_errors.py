"""Every zeep exception maps into the gateway's error tree; the WSDL is never fetched."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import zeep.exceptions
from zeep.exceptions import TransportError

from adapters.population.errors import ZEEP_ERRORS, gateway_class_for_zeep, map_zeep_error
from adapters.population.wire import ContractsOnlyTransport
from contracts.errors import GatewayError, UpstreamAuthFailed, UpstreamFault, UpstreamUnavailable


def zeep_exception_classes() -> list[type[BaseException]]:
    return [
        obj for _, obj in inspect.getmembers(zeep.exceptions, inspect.isclass)
        if issubclass(obj, BaseException) and obj.__module__ == "zeep.exceptions"
    ]


def test_every_zeep_exception_class_is_mapped():
    """A zeep class without an entry (say, added by a new release) fails this test."""
    classes = zeep_exception_classes()
    assert len(classes) >= 15
    unmapped = [c.__name__ for c in classes if gateway_class_for_zeep(c) is None]
    assert unmapped == []
    assert all(issubclass(target, GatewayError) for target in ZEEP_ERRORS.values())


@pytest.mark.parametrize("klass", zeep_exception_classes(), ids=lambda c: c.__name__)
def test_mapping_an_instance_gives_a_gateway_error(klass):
    """Instances map too (the detail names the class, never the content)."""
    try:
        exc = klass("boom")
    except TypeError:
        exc = klass.__new__(klass)
        Exception.__init__(exc, "boom")
    if isinstance(exc, TransportError):
        exc.status_code = 0
    mapped = map_zeep_error(exc, "TraCuuThongTinCongDan")
    assert isinstance(mapped, GatewayError)
    assert "boom" not in mapped.detail or isinstance(mapped, UpstreamFault)


def test_transport_errors_map_by_status():
    """zeep's TransportError is refined by its HTTP status like the pipeline does."""
    assert isinstance(map_zeep_error(TransportError("x", status_code=503), "op"), UpstreamUnavailable)
    assert isinstance(map_zeep_error(TransportError("x", status_code=401), "op"), UpstreamAuthFailed)


def test_non_zeep_errors_are_not_mapped():
    """A bug of ours (KeyError) is not disguised as an upstream error."""
    assert map_zeep_error(KeyError("x"), "op") is None


def test_the_wsdl_transport_refuses_the_network_and_files_outside_the_contracts(tmp_path):
    """No WSDL/XSD is ever fetched: http(s) URLs and files outside contracts/population are refused."""
    transport = ContractsOnlyTransport(tmp_path)
    (tmp_path / "a.xsd").write_text("<x/>")
    assert transport.load(str(tmp_path / "a.xsd")) == b"<x/>"
    for url in ("http://example.org/x.xsd", "https://example.org/x.wsdl", "/etc/passwd",
                str(tmp_path / ".." / "elsewhere.xsd")):
        with pytest.raises(TransportError):
            transport.load(url)
    with pytest.raises(TransportError):
        transport.post("http://example.org", "<x/>", {})
    assert Path(tmp_path).exists()
