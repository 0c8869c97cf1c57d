"""Hardened parsing of SOAP 1.1 envelopes and the structural checks done before any
cryptography: no DOCTYPE at all, exactly one Header and one Body, faults recognised first."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from contracts.errors import ContractViolation, SecurityError, SignatureInvalid, UpstreamFault
from security.wsse.constants import SOAP11

ENVELOPE = f"{{{SOAP11}}}Envelope"
HEADER = f"{{{SOAP11}}}Header"
BODY = f"{{{SOAP11}}}Body"
FAULT = f"{{{SOAP11}}}Fault"
DOCTYPE_REFUSED = "DOCTYPE not allowed in a SOAP message (entities refused)"


def safe_parser() -> etree.XMLParser:
    """A parser that never expands entities, never fetches, and refuses huge trees.

    A new one per call: lxml parsers are not safe to share between threads.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_blank_text=False,  # whitespace is part of what was signed
    )


def parse_envelope(data: bytes) -> etree._Element:
    """Parse untrusted bytes into a SOAP 1.1 Envelope; refuse any DOCTYPE (XML bombs,
    external entities) before looking at anything else."""
    if b"<!DOCTYPE" in data:  # cheap and before the parser sees any entity declaration
        raise SecurityError(DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        if "entity" in (exc.msg or "").lower():  # e.g. libxml2's amplification guard
            raise SecurityError(DOCTYPE_REFUSED) from exc
        raise ContractViolation(f"reply is not well-formed XML: {exc.msg}") from exc
    check_no_doctype(root)
    if root.tag != ENVELOPE:
        raise ContractViolation(f"root element is {root.tag}, not a SOAP 1.1 Envelope")
    return root


def check_no_doctype(root: etree._Element) -> None:
    """A SOAP message may not contain a DTD (SOAP 1.1 §3); any DOCTYPE is hostile here."""
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SecurityError(DOCTYPE_REFUSED)


def single_child(parent: etree._Element, tag: str, what: str, *, required: bool) -> etree._Element | None:
    found = [child for child in parent if child.tag == tag]
    if len(found) > 1:
        raise SignatureInvalid(f"{len(found)} {what} elements (exactly one allowed)")
    if not found:
        if required:
            raise ContractViolation(f"no {what} element")
        return None
    return found[0]


def body_of(envelope: etree._Element) -> etree._Element:
    """The Envelope's one Body (a second Body is a wrapping attempt)."""
    body = single_child(envelope, BODY, "soap:Body", required=True)
    assert body is not None
    return body


def header_of(envelope: etree._Element) -> etree._Element | None:
    return single_child(envelope, HEADER, "soap:Header", required=False)


@dataclass(frozen=True)
class SoapFault:
    """A SOAP 1.1 Fault, as found in a reply's Body."""

    faultcode: str
    faultstring: str
    faultactor: str | None = None
    detail: str | None = None  # the serialized detail element, if any

    def to_error(self) -> UpstreamFault:
        return UpstreamFault(
            f"SOAP Fault {self.faultcode}: {self.faultstring}",
            faultcode=self.faultcode,
            faultstring=self.faultstring,
            faultactor=self.faultactor,
        )


def find_fault(envelope: etree._Element) -> SoapFault | None:
    """The Body's Fault, if the reply is one (checked before any signature verification, so
    that a server's real error is never hidden behind "not signed")."""
    bodies = [child for child in envelope if child.tag == BODY]
    if len(bodies) != 1:
        return None
    fault = bodies[0].find(FAULT)
    if fault is None:
        return None
    detail = fault.find("detail")
    return SoapFault(
        faultcode=(fault.findtext("faultcode") or "").strip(),
        faultstring=(fault.findtext("faultstring") or "").strip(),
        faultactor=(fault.findtext("faultactor") or None),
        detail=etree.tostring(detail, encoding="unicode") if detail is not None else None,
    )
