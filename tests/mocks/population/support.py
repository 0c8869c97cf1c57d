"""Client-side helpers of the mock population tests, written from the spec (not from the
adapter): SOAP requests, WS-Security signing, and each auth profile's credentials."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timezone

from lxml import etree

import contracts.population as contract
from security import wsse

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)  # the mock config's wall clock
BASE = "http://mocks.test"
SERVICE = f"{BASE}/population/"  # Starlette redirects the bare mount path
SOAP = contract.NS_SOAP11
BCA = contract.NS_REQUEST
DC = contract.NS_REPLY


def request_envelope(operation: str, *, id_number: str | None = None, legacy_id: str | None = None,
                     name: str | None = None, date: str | None = None, year: str | None = None,
                     officer: str = "cb.0012") -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP, "dcqg": BCA})
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    op = etree.SubElement(body, f"{{{BCA}}}{operation}")
    for field, value in (("MaYeuCau", "req-1"), ("MaDVC", "VPCP"), ("MaTichHop", "037"),
                         ("MaCanBo", officer), ("SoDinhDanh", id_number), ("SoCMND", legacy_id),
                         ("HoVaTen", name)):
        if value is not None:
            etree.SubElement(op, f"{{{BCA}}}{field}").text = value
    if date or year:
        birth = etree.SubElement(op, f"{{{BCA}}}NgayThangNamSinh")
        if date:
            etree.SubElement(birth, f"{{{BCA}}}NgayThangNam").text = date
        else:
            etree.SubElement(birth, f"{{{BCA}}}Nam").text = year
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def ndxp_headers(*, client: str, api_key: str, username: str, secret: str,
                 auth_url: str = SERVICE, at: datetime = NOW) -> dict[str, str]:
    timestamp = str(int(at.timestamp() * 1000))
    digest = hashlib.sha256(f"{auth_url}{username}{timestamp}{secret}".encode()).hexdigest()
    basic = base64.b64encode(f"{username}:{digest}".encode()).decode()
    return {"X-Road-Client": client, "ApiKey": api_key, "Timestamp": timestamp,
            "Authorization": f"Basic {basic}", "SOAPAction": '""'}


def lgsp_header(**fields: str) -> str:
    document = {"AccessKey": fields["access_key"], "SecretKey": fields["secret_key"],
                "AppName": fields["app_name"], "PartnerCode": fields["partner_code"],
                "PartnerCodeCus": fields["partner_code_cus"]}
    return base64.b64encode(json.dumps(document).encode()).decode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def reply_payload(content: bytes, verifier: wsse.Verifier) -> etree._Element:
    """The verified reply Body's payload element."""
    return verifier.verify(content).body[0]


def xml_headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "text/xml; charset=utf-8", **(extra or {})}
