"""Normalized dossiers and status events ⇄ DVCQG portal wire elements (DVCQG integration
guide v1.4: ``DongBoHoSoMC``, ``CapNhatTienDoHoSoMC``, ``LayThuTuc``).

Inputs are plain dicts as the gateway's models dump them (``model_dump(mode="json")``), with
ISO 8601 times carrying an offset. Status codes come from ``contracts/portal/statuses.json``;
every status keeps its own code (5, 6 and 8 are never folded into 9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from adapters.portal.wire import DossierWire, ProcedureWire, to_date14
from contracts import load_json
from contracts.errors import InvalidRequest

CHANNELS = {"in_person": "1", "online": "2", "postal": "3"}
APPLICANT_KINDS = {"citizen": "1", "business": "2", "agency": "3", "organization": "4"}
# HinhThucThu: how a fee is collected (same codes as the channel); LoaiPhiLePhi: 1 phí, 2 lệ phí.
FEE_METHODS = {"in_person": "1", "cash": "1", "online": "2", "postal": "3", "transfer": "3"}
FEE_KINDS = {"fee": "1", "charge": "2", "levy": "2"}


@cache
def status_codes() -> dict[str, int]:
    """Normalized status name → ``TrangThaiHoSo`` code (built once: treat as read-only)."""
    return {s["name"]: s["code"] for s in load_json("portal", "statuses.json")["statuses"]}


@cache
def _wire_status_codes() -> dict[str, str]:
    return {name: str(code) for name, code in status_codes().items()}


def status_names() -> dict[int, str]:
    return {code: name for name, code in status_codes().items()}


def _code(table: Mapping[str, str], value: Any, what: str) -> str:
    text = "" if value is None else str(value)
    if text in table:
        return table[text]
    if text.isdigit() and text in table.values():  # already a national code
        return text
    raise InvalidRequest(f"unknown {what}: {text!r}")


def status_code(status: str) -> str:
    code = _wire_status_codes().get(status)
    if code is None:
        raise InvalidRequest(f"unknown dossier status: {status!r}")
    return code


def _flag(value: Any) -> str:
    return "1" if value else "0"


def _date(value: Any, what: str) -> str:
    try:
        return to_date14(value)
    except ValueError as exc:
        raise InvalidRequest(f"{what}: a time with an offset is required") from exc


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def dossier_to_wire(code: str, dossier: Mapping[str, Any], *, is_updating: bool) -> dict[str, Any]:
    """One ``DongBoHoSoMC`` ``data[]`` element for the dossier ``code``.

    The applicant's address has no field of its own in the element: it goes in
    ``ThongTinKhac``. The envelope's ``madonvi`` names the agency, so ``agency_code`` is not
    repeated here.
    """
    applicant = dossier.get("applicant") or {}
    documents = dossier.get("documents") or []
    element: dict[str, Any] = {
        "MaHoSo": code,
        "MaTTHC": _text(dossier.get("procedure_code")),
        "TenTTHC": _text(dossier.get("procedure_name")),
        "MaLinhVuc": _text(dossier.get("sector_code")),
        "TenLinhVuc": _text(dossier.get("sector_name")),
        "KenhThucHien": _code(CHANNELS, dossier.get("channel"), "channel"),
        "ChuHoSo": _text(applicant.get("name")),
        "SoGiayToChuHoSo": _text(applicant.get("id_number")),
        "LoaiDoiTuong": _code(APPLICANT_KINDS, applicant.get("kind"), "applicant kind"),
        "MaDoiTuong": "",
        "ThongTinKhac": _text(applicant.get("address")),
        "Email": _text(applicant.get("email")),
        "Fax": "",
        "SoDienThoai": _text(applicant.get("phone")),
        "TrichYeuHoSo": _text(dossier.get("summary")),
        "NgayTiepNhan": _date(dossier.get("received_at"), "received_at"),
        "NgayHenTra": _date(dossier.get("due_at"), "due_at"),
        "TrangThaiHoSo": status_code(str(dossier.get("status"))),
        "NgayTra": "",
        "ThongTinTra": "",
        "HinhThuc": "0",
        "NgayKetThucXuLy": "",
        "DonViXuLy": _text(dossier.get("handling_unit")),
        "GhiChu": _text(dossier.get("note")),
        "HoSoCoThanhPhanSoHoa": _flag(any(d.get("digitized") for d in documents)),
        "TaiLieuNop": [_document(d) for d in documents],
        "DanhSachLePhi": [_fee(f) for f in dossier.get("fees") or []],
        "DanhSachGiayToKetQua": [_result(r) for r in dossier.get("results") or []],
        "isUpdating": "True" if is_updating else "False",
    }
    if applicant.get("id_number") and element["LoaiDoiTuong"] == "1":
        element["DinhDanhCHS"] = [{"LoaiDinhDanh": "1", "SoDinhDanh": applicant["id_number"]}]
    return element


def _document(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "TepDinhKemId": _text(doc.get("id")),
        "TenTepDinhKem": _text(doc.get("name")),
        "IsDeleted": "False",
        "MaThanhPhanHoSo": _text(doc.get("component_code")),
        "DuongDanTaiTepTin": _text(doc.get("url")),
        "DuocSoHoa": _flag(doc.get("digitized")),
        "DuocTaiSuDung": _flag(doc.get("reused")),
        "DuocLayTuKhoDMQG": _flag(doc.get("from_national_repository")),
        "MaKetQuaThayThe": "",
    }


def _fee(fee: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "TenPhiLePhi": _text(fee.get("name")),
        "MaPhiLePhi": _text(fee.get("code")),
        "HinhThucThu": _code(FEE_METHODS, fee.get("method"), "fee method"),
        "Gia": str(int(fee.get("amount") or 0)),
        "LoaiPhiLePhi": _code(FEE_KINDS, fee.get("kind"), "fee kind"),
    }


def _result(result: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "TenGiayTo": _text(result.get("name")),
        "MaThanhPhanHoSo": _text(result.get("component_code")),
        "GiayToId": _text(result.get("id")),
        "DuongDanTepTinKetQua": _text(result.get("url")),
        "MaGiayToKetQua": "",
    }


@dataclass(frozen=True)
class ProgressStep:
    """One status event of one dossier, to be pushed as a ``CapNhatTienDoHoSoMC`` element."""

    dossier_code: str
    event: Mapping[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return event_to_wire(self.dossier_code, self.event)


def event_to_wire(code: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """A normalized status event (``status, at, officer, officer_title, department, note,
    due_at``) as one ``CapNhatTienDoHoSoMC`` element."""
    at = _date(event.get("at"), "at")
    return {
        "MaHoSo": code,
        "NguoiXuLy": _text(event.get("officer")),
        "ChucDanh": _text(event.get("officer_title")),
        "ThoiDiemXuLy": at,
        "PhongBanXuLy": _text(event.get("department")),
        "NoiDungXuLy": _text(event.get("note")),
        "TrangThai": status_code(str(event.get("status"))),
        "NgayBatDau": at,
        "NgayKetThucTheoQuyDinh": _date(event.get("due_at"), "due_at"),
    }


def status_to_wire(code: str, status: str, updated_at: Any = None) -> dict[str, Any]:
    """One ``DongBoTrangThaiHoSo`` element: the dossier's current status."""
    return {"MaHoSo": code, "TrangThaiHoSo": status_code(status), "NgayCapNhat": _date(updated_at, "updated_at")}


def same_step(portal_step: Mapping[str, Any], ours: Mapping[str, Any]) -> bool:
    """Whether a step the portal holds is one we pushed (crash reconciliation): same
    ``MaHoSo``, ``ThoiDiemXuLy``, ``TrangThai`` and ``NoiDungXuLy``."""
    keys = ("MaHoSo", "ThoiDiemXuLy", "TrangThai", "NoiDungXuLy")
    return all(_text(portal_step.get(k)).strip() == _text(ours.get(k)).strip() for k in keys)


@dataclass(frozen=True)
class PortalDossier:
    """What ``TraCuuHoSo`` says the portal holds: the record and its recorded progress steps
    (wire elements, comparable with ``same_step``)."""

    code: str
    status: str | None  # normalized name; None for a code we do not know
    status_code: str
    procedure_code: str | None
    record: dict[str, Any]
    steps: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def dossier_from_wire(wire: DossierWire) -> PortalDossier:
    record = wire.model_dump(exclude={"QuaTrinhXuLy"})
    code = int(wire.TrangThaiHoSo) if wire.TrangThaiHoSo.isdigit() else -1
    return PortalDossier(
        code=wire.MaHoSo,
        status=status_names().get(code),
        status_code=wire.TrangThaiHoSo,
        procedure_code=wire.MaTTHC,
        record=record,
        steps=tuple(step.model_dump() for step in wire.QuaTrinhXuLy),
    )


_CHANNEL_NAMES = {code: name for name, code in CHANNELS.items()}


def procedure_from_wire(wire: ProcedureWire) -> dict[str, Any]:
    """A ``LayThuTuc`` record, normalized for ``GET /v1/procedures/{code}``."""
    return {
        "code": wire.MATTHC,
        "name": wire.TENTTHC,
        "kind": wire.LOAITTHC,
        "level": wire.CAPTHUCHIEN,
        "sectors": [
            {"code": s.get("MALINHVUC"), "name": s.get("TENLINHVUC")}
            for s in wire.LINHVUCTHUCHIEN
        ],
        "agencies": [{"name": a.get("TENDONVI")} for a in wire.COQUANTHUCHIEN],
        "channels": [
            {
                "channel": _CHANNEL_NAMES.get(c.KENH, c.KENH),
                "processing_times": [
                    {
                        "duration": t.THOIGIANGIAIQUYET,
                        "unit": t.DONVITINH,
                        "description": t.MOTA,
                        "fees": [
                            {"amount": f.SOTIEN, "unit": f.DONVI, "description": f.MOTA}
                            for f in t.PHILEPHI
                        ],
                    }
                    for t in c.THOIGIAN
                ],
            }
            for c in wire.CACHTHUCTHUCHIEN
        ],
        "required_documents": [
            {
                "case": g.TRUONGHOP,
                "documents": [
                    {
                        "code": d.MAGIAYTO,
                        "name": d.TENGIAYTO,
                        "originals": d.SOBANCHINH,
                        "copies": d.SOBANSAO,
                    }
                    for d in g.GIAYTO
                ],
            }
            for g in wire.THANHPHANHOSO
        ],
        "results": [{"code": r.get("MAKETQUA"), "name": r.get("TENKETQUA")} for r in wire.KETQUATHUCHIEN],
        "legal_bases": [
            {"number": b.get("SOVANBAN"), "title": b.get("TENVANBAN")} for b in wire.CANCUPHAPLY
        ],
        "steps": wire.TRINHTUTHUCHIEN,
        "requirements": wire.YEUCAU,
        "decision_id": wire.IDQUYETDINHCONGBO,
    }
