"""Normalized citizen queries and records ⇄ the population database's wire fields
(contract v1.0, ``contracts/population/``; field names per national-systems.md §2).

``CitizenQuery`` → the fields of ``TraCuuThongTinCongDan`` / ``XacThucThongTinCongDan``;
a ``CongDan`` (as zeep deserializes it, made plain with ``serialize_object``) → the citizen
of API.md, every field present and ``None`` when the database did not give it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Code lists (contracts/population/codes.json): the genders and marital states get English
# names in the API; other codes (ethnicity, religion, relation) stay national codes.
GENDERS: dict[str, str | None] = {"1": "male", "2": "female", "3": None}  # 3: no information
MARITAL_STATUSES: dict[str, str | None] = {"1": "single", "2": "married", "3": "divorced", "4": "widowed"}
LEGACY_ID_LENGTH = 9


@dataclass(frozen=True)
class CitizenQuery:
    """Who to look up (or verify), by whom and why. ``birth_date`` is "YYYY-MM-DD" or "YYYY";
    the id is already validated (see ``gateway.services.citizens``)."""

    id_number: str
    officer_id: str
    purpose: str
    full_name: str | None = None
    birth_date: str | None = None
    dossier_code: str | None = None


def wire_name(name: str) -> str:
    """``HoVaTen`` as the database stores it: NFC, upper case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).upper().split())


def query_to_wire(
    query: CitizenQuery, *, request_id: str, ma_dvc: str, ma_tich_hop: str
) -> dict[str, Any]:
    """Request fields in contract order: a 9-digit number goes as ``SoCMND``, anything else
    as ``SoDinhDanh``; the officer is ``MaCanBo``; ``request_id`` is ``MaYeuCau``."""
    fields: dict[str, Any] = {
        "MaYeuCau": request_id,
        "MaDVC": ma_dvc,
        "MaTichHop": ma_tich_hop,
        "MaCanBo": query.officer_id,
    }
    id_field = "SoCMND" if len(query.id_number) == LEGACY_ID_LENGTH else "SoDinhDanh"
    fields[id_field] = query.id_number
    if query.full_name:
        fields["HoVaTen"] = wire_name(query.full_name)
    if query.birth_date:
        if len(query.birth_date) == 4:
            fields["NgayThangNamSinh"] = {"Nam": query.birth_date}
        else:
            fields["NgayThangNamSinh"] = {"NgayThangNam": query.birth_date.replace("-", "")}
    return fields


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _code(table: Mapping[str, str | None], value: Any) -> str | None:
    """The English name of a known code; an unknown code is passed on as it came."""
    code = _text(value)
    if code is None:
        return None
    return table[code] if code in table else code


def _birth_date(value: Mapping[str, Any] | None) -> str | None:
    if not value:
        return None
    full = _text(value.get("NgayThangNam"))
    if full:
        return f"{full[:4]}-{full[4:6]}-{full[6:8]}"
    return _text(value.get("Nam"))


def address_from_wire(value: Mapping[str, Any] | None) -> dict[str, str | None] | None:
    if not value:
        return None
    return {
        "province_code": _text(value.get("MaTinhThanh")),
        "district_code": _text(value.get("MaQuanHuyen")),
        "ward_code": _text(value.get("MaPhuongXa")),
        "detail": _text(value.get("ChiTiet")),
        "country": _text(value.get("QuocGia")),
    }


def relative_from_wire(value: Mapping[str, Any] | None) -> dict[str, str | None] | None:
    if not value:
        return None
    return {
        "full_name": _text(value.get("HoVaTen")),
        "id_number": _text(value.get("SoDinhDanh")),
        "legacy_id_number": _text(value.get("SoCMND")),
        "nationality": _text(value.get("QuocTich")),
    }


def household_head_from_wire(value: Mapping[str, Any] | None) -> dict[str, str | None] | None:
    if not value:
        return None
    return {
        "relation": _text(value.get("QuanHe")),
        "id_number": _text(value.get("SoDinhDanh")),
        "legacy_id_number": _text(value.get("SoCMND")),
        "full_name": _text(value.get("HoVaTen")),
    }


def citizen_from_wire(cong_dan: Mapping[str, Any]) -> dict[str, Any]:
    """The normalized citizen of API.md from one ``CongDan``."""
    name = cong_dan.get("HoVaTen") or {}
    parts = [_text(name.get(k)) for k in ("Ho", "ChuDem", "Ten")]
    return {
        "id_number": _text(cong_dan.get("SoDinhDanh")),
        "legacy_id_number": _text(cong_dan.get("SoCMND")),
        "full_name": " ".join(p for p in parts if p) or None,
        "family_name": parts[0],
        "middle_name": parts[1],
        "given_name": parts[2],
        "birth_date": _birth_date(cong_dan.get("NgayThangNamSinh")),
        "gender": _code(GENDERS, cong_dan.get("GioiTinh")),
        "ethnicity": _text(cong_dan.get("DanToc")),
        "religion": _text(cong_dan.get("TonGiao")),
        "nationality": _text(cong_dan.get("QuocTich")),
        "marital_status": _code(MARITAL_STATUSES, cong_dan.get("TinhTrangHonNhan")),
        "blood_type": _text(cong_dan.get("NhomMau")),
        "birth_registration_place": address_from_wire(cong_dan.get("NoiDangKyKhaiSinh")),
        "hometown": address_from_wire(cong_dan.get("QueQuan")),
        "permanent_address": address_from_wire(cong_dan.get("ThuongTru")),
        "current_address": address_from_wire(cong_dan.get("NoiOHienTai")),
        "father": relative_from_wire(cong_dan.get("Cha")),
        "mother": relative_from_wire(cong_dan.get("Me")),
        "spouse": relative_from_wire(cong_dan.get("VoChong")),
        "representative": relative_from_wire(cong_dan.get("NguoiDaiDien")),
        "household_head": household_head_from_wire(cong_dan.get("ChuHo")),
        "household_book_number": _text(cong_dan.get("SoSoHoKhau")),
    }
