"""Wire format of the national population database (CSDL quốc gia về dân cư), SOAP 1.1
document/literal, contract v1.0 in ``contracts/population/`` (our reconstruction).

zeep defines the contract here, not the transport: it reads the WSDL from ``contracts/``
through a transport that refuses every network load, and names each operation's request and
reply elements and the order of the request's fields. Request envelopes are built with lxml
in exactly the shape zeep builds them (a test compares the bytes for every operation and
field combination; zeep took ~0.25 ms per envelope, this ~0.03 ms) and validated against the
contract's XSDs before they leave. The bytes travel through the exchange pipeline (auth
profiles, WS-Security signer, breaker, audit), which zeep's own transports would bypass.
Replies are read from the envelope the hardened parser
produced (and the verifier checked): the reply element the WSDL names for the operation,
validated against the contract's XSDs with lxml, then turned into plain dicts — the same
strictness as zeep's strict deserializer at a fifth of its cost (bench/population.py).

Replies are parsed with a hardened lxml parser (no DTD, no entities, no network, no huge
trees) *before* anything else looks at them; a SOAP Fault is recognised right after parsing,
before any signature check, so the upstream's real error is never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zeep
from lxml import etree
from zeep.exceptions import (
    DTDForbidden,
    EntitiesForbidden,
    TransportError,
    UnexpectedElementError,
    ValidationError,
    XMLSyntaxError,
)

from contracts import population as population_contract

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
REQUEST_NS = "http://dancuquocgia.bca"
REPLY_NS = "http://www.mic.gov.vn/dancu/1.0"
LOOKUP = "TraCuuThongTinCongDan"
VERIFY = "XacThucThongTinCongDan"
OPERATIONS = (LOOKUP, VERIFY)
CONTENT_TYPE = "text/xml; charset=utf-8"

# What zeep may do with XML it parses (the WSDL and, should it ever parse one, a reply).
HARDENED = zeep.Settings(
    strict=True,
    xml_huge_tree=False,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
)


class ContractsOnlyTransport(zeep.Transport):
    """Loads WSDL/XSD files from ``contracts/population/`` and nothing else: no HTTP, no
    file outside that folder. Sending through it is refused too (the exchange sends)."""

    def __init__(self, root: Path) -> None:
        super().__init__(timeout=1, operation_timeout=1)  # never used: no I/O happens here
        self._root = root.resolve()

    def load(self, url: str) -> bytes:
        path = Path(url.removeprefix("file://")).resolve()
        if "://" in url and not url.startswith("file://") or not path.is_relative_to(self._root):
            raise TransportError(f"refusing to load {url!r}: contracts are read from {self._root}")
        return path.read_bytes()

    def _load_remote_data(self, url: str) -> bytes:
        raise TransportError(f"refusing to fetch {url!r}: the WSDL is never fetched")

    def post(self, address: str, message: Any, headers: Any) -> Any:
        raise TransportError("the population codec does not send; the exchange pipeline does")

    def get(self, address: str, params: Any, headers: Any) -> Any:
        raise TransportError("the population codec does not send; the exchange pipeline does")


def _reply_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_envelope(content: bytes) -> etree._Element:
    """Parse reply bytes safely; raise zeep's ``DTDForbidden``/``EntitiesForbidden`` for a
    DOCTYPE (XML bombs, external entities) and ``XMLSyntaxError`` for anything not XML or not
    a SOAP 1.1 envelope."""
    try:
        root = etree.fromstring(content, parser=_reply_parser())
    except etree.XMLSyntaxError as exc:
        # libxml2 stops an entity bomb itself ("amplification factor exceeded"): still a
        # DTD, which a SOAP message must not contain (SOAP 1.1 §3), so say so.
        if b"<!DOCTYPE" in content:
            raise DTDForbidden("(unparsed)", None, None) from exc
        raise XMLSyntaxError(f"reply is not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None:
        for entity in docinfo.internalDTD.iterentities():
            raise EntitiesForbidden(entity.name, entity.content)
    if docinfo.doctype:
        raise DTDForbidden(docinfo.doctype, docinfo.system_url, docinfo.public_id)
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise XMLSyntaxError(f"reply root is {root.tag}, not a SOAP 1.1 Envelope")
    return root


@dataclass(frozen=True)
class SoapFault:
    """A SOAP 1.1 Fault of a reply (``detail`` keeps the text of its children, e.g. MaLoi)."""

    code: str
    message: str
    actor: str | None
    detail: dict[str, str]


def find_fault(envelope: etree._Element) -> SoapFault | None:
    fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    if fault is None:
        return None
    detail = fault.find("detail")
    return SoapFault(
        code=(fault.findtext("faultcode") or "").strip(),
        message=(fault.findtext("faultstring") or "").strip(),
        actor=fault.findtext("faultactor"),
        detail={
            etree.QName(child).localname: (child.text or "").strip()
            for child in (detail if detail is not None else ())
            if isinstance(child.tag, str)
        },
    )


class PopulationCodec:
    """Builds request envelopes and reads reply bodies, from the WSDL in
    ``contracts/population/`` (loaded once: parsing it takes tens of milliseconds)."""

    def __init__(self, wsdl: Path | None = None) -> None:
        wsdl = wsdl or population_contract.wsdl_path()
        self.client = zeep.Client(
            str(wsdl), transport=ContractsOnlyTransport(wsdl.parent), settings=HARDENED
        )
        self._service = self.client.service
        binding = self._service._binding
        operations = {name: binding.get(name) for name in OPERATIONS}
        # The request and reply elements of each operation, as the WSDL names them, and the
        # position of each request field in the request's sequence.
        self._requests = {name: op.input.body.qname for name, op in operations.items()}
        self._replies = {name: op.output.body.qname for name, op in operations.items()}
        self._positions = {
            name: {field: i for i, (field, _) in enumerate(op.input.body.type.elements)}
            for name, op in operations.items()
        }
        self._schema = population_contract.schema()  # compiled once, safe to share

    def build(self, operation: str, fields: dict[str, Any]) -> bytes:
        """The SOAP envelope of ``operation`` with ``fields`` (wire names; a nested dict for a
        complex field, ``None`` for an absent one), as UTF-8 bytes.

        Raises zeep's ``ValidationError`` for fields the contract's XSD refuses (a missing
        required field, a wrong format), before anything is sent."""
        qname = self._requests[operation]
        envelope = etree.Element(_ENVELOPE, nsmap={"soap-env": SOAP_ENV})
        body = etree.SubElement(envelope, _BODY)
        payload = etree.SubElement(body, qname.text, nsmap={"ns0": qname.namespace})
        positions = self._positions[operation]
        ordered = sorted(fields.items(), key=lambda item: positions.get(item[0], len(positions)))
        _add_fields(payload, qname.namespace, ordered)
        if not self._schema.validate(payload):
            error = self._schema.error_log.last_error  # its message may quote a value: not kept
            where = error.path if error is not None else "?"
            raise ValidationError(f"{operation} request does not satisfy the contract's XSD at {where}")
        return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")

    def build_with_zeep(self, operation: str, fields: dict[str, Any]) -> bytes:
        """The same envelope as zeep builds it: the reference ``build`` is tested against."""
        envelope = self.client.create_message(self._service, operation, **fields)
        return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")

    def read(self, operation: str, envelope: etree._Element) -> Any:
        """The reply of ``operation`` as plain Python: the list of ``CongDan`` dicts (local
        names as keys, text as values) for a lookup, ``TonTai`` as a bool for a verify.

        Raises zeep's ``UnexpectedElementError`` for a Body that holds another element than
        the WSDL's reply, and ``ValidationError`` for one the XSD refuses (the detail names
        no content: replies hold personal data)."""
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        payload = next((child for child in body if isinstance(child.tag, str)), None) if body is not None else None
        expected = self._replies[operation]
        if payload is None or payload.tag != expected.text:
            found = "nothing" if payload is None else etree.QName(payload).localname
            raise UnexpectedElementError(f"{operation} reply holds {found}, not {expected.localname}")
        if not self._schema.validate(payload):
            error = self._schema.error_log.last_error
            line = error.line if error is not None else "?"
            raise ValidationError(f"{operation} reply does not satisfy the contract's XSD (line {line})")
        if operation == LOOKUP:
            return [_as_dict(cong_dan) for cong_dan in payload.iterchildren(etree.Element)]
        return payload.findtext(f"{{{REQUEST_NS}}}TonTai", "").strip() in ("true", "1")


_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_BODY = f"{{{SOAP_ENV}}}Body"


def _add_fields(parent: etree._Element, namespace: str, fields: Any) -> None:
    for name, value in fields:
        if value is None:
            continue  # an absent optional field: zeep leaves it out too
        child = etree.SubElement(parent, f"{{{namespace}}}{name}")
        if isinstance(value, dict):
            _add_fields(child, namespace, value.items())
        else:
            child.text = str(value)


_LOCAL_NAMES: dict[str, str] = {}  # "{ns}Name" -> "Name": the contract's few dozen tags


def _local_name(tag: str) -> str:
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 1000:  # an upstream cannot grow it without bound
            _LOCAL_NAMES[tag] = name
    return name


def _as_dict(element: etree._Element) -> dict[str, Any]:
    """Children by local name: a leaf's text (``None`` when empty), a branch's own dict."""
    value: dict[str, Any] = {}
    for child in element.iterchildren(etree.Element):  # elements only: no comments, no PIs
        value[_local_name(child.tag)] = _as_dict(child) if len(child) else (child.text or None)
    return value
