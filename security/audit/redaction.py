"""Redaction of personal data in stored bodies, the alternative to encrypting them.

Values of JSON keys and contents of XML elements (by local name, any namespace) in
``PERSONAL_FIELDS`` are replaced by ``[redacted]``. A redacted body no longer matches the
entry's digest, nor any signature it carried: stores and bundles must record that it was
redacted (body state ``"redacted"``) so verifiers do not report it as tampering. A body that is
neither JSON nor XML is replaced as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from lxml import etree

PLACEHOLDER = "[redacted]"

# National wire names (national-systems.md) and the gateway's normalized API names.
PERSONAL_FIELDS: frozenset[str] = frozenset(
    {
        "SoDinhDanh", "SoCMND", "HoVaTen", "Ho", "ChuDem", "Ten", "NgayThangNamSinh",
        "NgayThangNam", "GioiTinh", "DanToc", "TonGiao", "QuocTich", "TinhTrangHonNhan",
        "NhomMau", "NoiDangKyKhaiSinh", "QueQuan", "ThuongTru", "NoiOHienTai", "SoSoHoKhau",
        "ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email", "Fax", "HoTenNguoiNop",
        "SoCMNDNguoiNop", "DiaChiNguoiNop",
        "id_number", "legacy_id_number", "full_name", "family_name", "middle_name",
        "given_name", "birth_date", "permanent_address", "current_address", "hometown",
        "birth_registration_place", "phone", "email", "owner_id_number", "owner_name",
    }
)  # fmt: skip

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _redact_json(value: Any, fields: Collection[str]) -> Any:
    if isinstance(value, dict):
        return {k: PLACEHOLDER if k in fields else _redact_json(v, fields) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, fields) for v in value]
    return value


def _redact_xml(root: Any, fields: Collection[str]) -> None:
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or etree.QName(element).localname not in fields:
            continue
        for child in list(element):
            element.remove(child)
        element.text = PLACEHOLDER


def redact_body(body: bytes, fields: Collection[str] = PERSONAL_FIELDS) -> bytes:
    """``body`` with the personal fields' values replaced (see the module docstring)."""
    start = body.lstrip()[:1]
    if start in (b"{", b"["):
        try:
            data = json.loads(body)
        except ValueError:
            return PLACEHOLDER.encode()
        return json.dumps(_redact_json(data, fields), ensure_ascii=False).encode()
    if start == b"<":
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError:
            return PLACEHOLDER.encode()
        _redact_xml(root, fields)
        return etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return PLACEHOLDER.encode()
