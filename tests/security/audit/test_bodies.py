"""Stored bodies: AES-GCM envelopes with key ids (rotation), and redaction of personal data."""

from __future__ import annotations

import json
import os

import pytest

from security.audit import (
    BodyEnvelopeError,
    envelope_key_id,
    open_body,
    redact_body,
    seal_body,
)
from security.keys import AT_REST, KeyStore

SOAP = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    b'<CongDan xmlns="http://www.mic.gov.vn/dancu/1.0"><SoDinhDanh>001090012345</SoDinhDanh>'
    b"<HoVaTen><Ho>Nguy\xe1\xbb\x85n</Ho><ChuDem>V\xc4\x83n</ChuDem><Ten>An</Ten></HoVaTen>"
    b"<NgayThangNamSinh><Nam>1990</Nam></NgayThangNamSinh><MaYeuCau>R-1</MaYeuCau>"
    b"</CongDan></s:Body></s:Envelope>"
)


def test_sealed_body_opens_with_its_key_and_names_it() -> None:
    """A body sealed with the at-rest key opens again; the envelope names the key."""
    key = os.urandom(32)
    sealed = seal_body(SOAP, key, "rest-1", aad=b"seq=7")
    assert envelope_key_id(sealed) == "rest-1"
    assert b"001090012345" not in sealed
    assert open_body(sealed, {"rest-1": key}, aad=b"seq=7") == SOAP


def test_rotation_old_keys_still_open_what_they_sealed() -> None:
    """After rotating the key store's at-rest key, bodies sealed with the old key open."""
    store = KeyStore.ephemeral([AT_REST])
    old = store.active(AT_REST)
    sealed = seal_body(SOAP, old.secret, old.kid)  # type: ignore[arg-type]
    new = store.rotate(AT_REST)
    resealed = seal_body(SOAP, new.secret, new.kid)  # type: ignore[arg-type]

    def lookup(kid: str) -> bytes | None:
        entry = store.find(kid, AT_REST)
        return entry.secret if entry else None

    assert open_body(sealed, lookup) == open_body(resealed, lookup) == SOAP


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),  # ciphertext altered
        lambda b: b[:6] + b"X" + b[7:],  # key id altered (authenticated header)
        lambda b: b[:10],  # truncated
        lambda b: b"XYZ" + b[3:],  # not an envelope
    ],
)
def test_damaged_envelopes_are_refused(damage) -> None:  # type: ignore[no-untyped-def]
    """Any change to the envelope is refused rather than returning wrong bytes."""
    key = os.urandom(32)
    sealed = seal_body(SOAP, key, "rest-1")
    with pytest.raises(BodyEnvelopeError):
        open_body(damage(sealed), lambda kid: key)


def test_body_bound_to_its_entry_by_aad() -> None:
    """A body cannot be moved onto another entry: the AAD (e.g. its seq) must match."""
    key = os.urandom(32)
    sealed = seal_body(SOAP, key, "rest-1", aad=b"seq=7")
    with pytest.raises(BodyEnvelopeError, match="altered or bound to other data"):
        open_body(sealed, {"rest-1": key}, aad=b"seq=8")
    with pytest.raises(BodyEnvelopeError, match="not available"):
        open_body(sealed, {}, aad=b"seq=7")


def test_redaction_of_xml_removes_personal_elements_in_any_namespace() -> None:
    """SoDinhDanh, HoVaTen (with its parts) and NgayThangNamSinh lose their content; other
    elements stay."""
    redacted = redact_body(SOAP)
    assert b"001090012345" not in redacted and "Nguyễn".encode() not in redacted
    assert b"1990" not in redacted
    assert b"<MaYeuCau>R-1</MaYeuCau>" in redacted
    assert redacted.count(b"[redacted]") == 3


def test_redaction_of_json_and_configurable_fields() -> None:
    """JSON keys are redacted at any depth; the list of fields is configurable."""
    body = json.dumps({"citizen": {"id_number": "001090012345", "full_name": "Nguyễn Văn An"},
                       "items": [{"SoCMND": "012345678", "SoTien": 50000}], "request_id": "r1"}).encode()  # fmt: skip
    redacted = json.loads(redact_body(body))
    assert redacted["citizen"] == {"id_number": "[redacted]", "full_name": "[redacted]"}
    assert redacted["items"] == [{"SoCMND": "[redacted]", "SoTien": 50000}]
    assert redacted["request_id"] == "r1"
    assert json.loads(redact_body(body, fields={"request_id"}))["request_id"] == "[redacted]"


def test_unparseable_bodies_are_redacted_whole() -> None:
    """A body that is neither JSON nor XML (or is broken) is replaced entirely."""
    assert redact_body(b"SoDinhDanh=001090012345") == b"[redacted]"
    assert redact_body(b"<broken><SoDinhDanh>0010") == b"[redacted]"


def test_xml_entities_are_not_expanded() -> None:
    """Redaction parses untrusted XML without resolving external entities."""
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    assert b"root:" not in redact_body(evil)
