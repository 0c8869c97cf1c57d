"""Our reconstruction of the national population database's SOAP contract (v1.0): a WSDL,
two XSDs, code lists and golden messages, with thin loaders.

See README.md in this folder for what is reconstructed and what varies in the wild. The WSDL
loads offline (its XSDs are imported by relative ``schemaLocation``); :func:`schema` compiles
both XSDs into one ``lxml`` validator for body elements of either namespace.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from contracts import load_json, path, read_bytes

CONTRACT_VERSION = "1.0"

NS_REQUEST = "http://dancuquocgia.bca"  # requests and the XacThuc reply
NS_REPLY = "http://www.mic.gov.vn/dancu/1.0"  # CongdanCollection
NS_SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"

LOOKUP = "TraCuuThongTinCongDan"
VERIFY = "XacThucThongTinCongDan"
OPERATIONS = (LOOKUP, VERIFY)

SERVICE_NAME = "DanCuQuocGiaService"
PORT_NAME = "DanCuQuocGiaSoap11"
BINDING = "{http://dancuquocgia.bca}DanCuQuocGiaSoap11"  # for zeep's ``create_service``
PLACEHOLDER_ADDRESS = "http://population.invalid/dancuquocgia"


def wsdl_path() -> Path:
    """The WSDL file; pass ``str(wsdl_path())`` to ``zeep.Client(wsdl=...)``."""
    return path("population", "population.wsdl")


def golden(name: str) -> bytes:
    """A golden message from ``golden/``, e.g. ``golden("fault.xml")``."""
    return read_bytes("population", "golden", name)


def golden_index() -> dict[str, Any]:
    """``golden/index.json``: each golden message's kind, body element and validity."""
    return load_json("population", "golden", "index.json")  # type: ignore[no-any-return]


def codes() -> dict[str, Any]:
    """Code lists used in replies (``GioiTinh``, ``DanToc``, ``QuanHe``...), see codes.json."""
    return load_json("population", "codes.json")  # type: ignore[no-any-return]


@cache
def schema() -> etree.XMLSchema:
    """One validator for both namespaces: validate a Body's child element with it.

    Compiled once; XMLSchema objects are safe to share for validation.
    """
    here = path("population")
    wrapper = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="{NS_REQUEST}" schemaLocation="{(here / 'dancuquocgia.xsd').as_uri()}"/>
  <xs:import namespace="{NS_REPLY}" schemaLocation="{(here / 'dancu-1.0.xsd').as_uri()}"/>
</xs:schema>"""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser))
