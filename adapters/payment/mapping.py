"""Normalized payments ⇄ DVCQG payment platform wire messages (protocol 1.0.6).

The gateway speaks of payments, fees, payers and ``paid|pending|failed``; the wire speaks of
``INIT``, ``ThongTinBienLai``, ``PhiLePhi`` and ``TrangThaiGD``. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from adapters.payment.wire import PROTOCOL_VERSION, from_date14

PaymentState = Literal["paid", "pending", "failed", "unknown"]
TRANG_THAI_GD: dict[str, PaymentState] = {"1": "paid", "3": "pending", "4": "failed"}
SUCCESS = "00"  # MaLoi of a paid callback
_FEE_KINDS = {"1": "1", "phi": "1", "fee": "1", "2": "2", "le_phi": "2", "lephi": "2", "charge": "2"}
INFO_MAX = 255


@dataclass(frozen=True)
class Payer:
    full_name: str
    id_number: str | None = None
    address: str | None = None
    district: str | None = None
    province: str | None = None


@dataclass(frozen=True)
class Fee:
    """One ``PhiLePhi``: ``kind`` "phi"/"fee"/"1" (phí) or "le_phi"/"charge"/"2" (lệ phí, default)."""

    name: str
    amount: int
    code: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class PaymentOrder:
    """One payment attempt as the gateway knows it. ``MaThamChieu`` = ``<reference>-<attempt>``."""

    reference: str
    attempt: int
    amount: int
    description: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    payer: Payer
    fees: Sequence[Fee]
    client_ip: str = "127.0.0.1"
    service_code: str = "2"  # MaDichVu: "2" dossier fees, "1" fines
    beneficiary_account: str = ""
    beneficiary_bank: str = ""
    beneficiary_name: str = ""

    @property
    def ma_tham_chieu(self) -> str:
        return ma_tham_chieu(self.reference, self.attempt)


@dataclass(frozen=True)
class PaymentStatus:
    """QUERY's answer, normalized (``unknown``: the platform has no such ``MaThamChieu``)."""

    ma_tham_chieu: str
    status: PaymentState
    amount: int | None = None
    transaction_id: str | None = None
    bank_code: str | None = None
    paid_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VerifiedCallback:
    """A callback whose ``MaXacThuc`` matched the values exactly as received."""

    ma_tham_chieu: str
    partner_code: str
    result_code: str  # MaLoi
    amount: int
    transaction_id: str
    bank_code: str
    at: datetime | None  # ThoiGianGD
    info: str
    raw: Mapping[str, Any]

    @property
    def paid(self) -> bool:
        return self.result_code == SUCCESS


def ma_tham_chieu(reference: str, attempt: int) -> str:
    """Unique per attempt and derived from the payment: ``<payment reference>-<attempt n>``."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    return f"{reference}-{attempt}"


def _fee_kind(kind: str | None) -> str:
    if kind is None:
        return "2"
    try:
        return _FEE_KINDS[kind.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown fee kind {kind!r}") from None


def _checksum_safe(text: str, limit: int) -> str:
    # ThongTinGiaoDich enters MaXacThuc, where '|' would blur field boundaries (README).
    return text.replace("|", "/").strip()[:limit]


def init_fields(order: PaymentOrder, *, partner_code: str, now: str, dvc_code: str = "", dvc_name: str = "") -> dict[str, Any]:
    """The INIT body, without ``MaXacThuc`` (the signer adds it)."""
    if sum(f.amount for f in order.fees) != order.amount:
        raise ValueError("fees do not add up to the amount")
    payer = order.payer
    fees = [
        {"LoaiPhiLePhi": _fee_kind(f.kind), "MaPhiLePhi": f.code or f"KN{i}", "TenPhiLePhi": f.name, "SoTien": f.amount}
        for i, f in enumerate(order.fees, start=1)
    ]
    return {
        "LoaiBanTin": "INIT",
        "PhienBan": PROTOCOL_VERSION,
        "MaDoiTac": partner_code,
        "MaThamChieu": order.ma_tham_chieu,
        "SoTien": order.amount,
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "PAYMENT",
        "ThongTinGiaoDich": _checksum_safe(order.description, INFO_MAX),
        "ThoiGianGD": now,
        "Ip": order.client_ip,
        "ThongTinBienLai": {
            "MaDichVu": order.service_code,
            "MaDVC": dvc_code,
            "TenDVC": dvc_name,
            "MaTTHC": order.procedure_code,
            "TenTTHC": order.procedure_name,
            "MaDonVi": order.agency_code,
            "TenDonVi": order.agency_name,
            "MaHoSo": order.dossier_code,
            "TKThuHuong": order.beneficiary_account,
            "MaNHThuHuong": order.beneficiary_bank,
            "TenTKThuHuong": order.beneficiary_name,
            "NoiDungThanhToan": order.description,
            "HoTenNguoiNop": payer.full_name,
            "SoCMNDNguoiNop": payer.id_number or "",
            "DiaChiNguoiNop": payer.address or "",
            "HuyenNguoiNop": payer.district or "",
            "TinhNguoiNop": payer.province or "",
            "PhiLePhi": fees,
            "DSKhoanNop": [{"NoiDung": f["TenPhiLePhi"], "SoTien": f["SoTien"]} for f in fees],
        },
    }


def _opt_date(text: object) -> datetime | None:
    return from_date14(text) if isinstance(text, str) and text else None


def _opt_text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def status_from_query(inner: Mapping[str, Any]) -> PaymentStatus:
    """QUERY's inner JSON → ``PaymentStatus`` (``TrangThaiGD`` 1 paid · 3 pending · 4 failed)."""
    amount = inner.get("SoTien")
    return PaymentStatus(
        ma_tham_chieu=str(inner["MaThamChieu"]),
        status=TRANG_THAI_GD[str(inner["TrangThaiGD"])],
        amount=int(amount) if amount not in (None, "") else None,
        transaction_id=_opt_text(inner.get("MaGiaoDich")),
        bank_code=_opt_text(inner.get("MaNganHang")),
        paid_at=_opt_date(inner.get("ThoiGianGD")) if str(inner["TrangThaiGD"]) == "1" else None,
        raw=dict(inner),
    )


def callback_from_wire(body: Mapping[str, Any]) -> VerifiedCallback:
    """A schema-checked, checksum-verified callback body → ``VerifiedCallback``."""
    return VerifiedCallback(
        ma_tham_chieu=body["MaThamChieu"],
        partner_code=body["MaDoiTac"],
        result_code=body["MaLoi"],
        amount=int(body["SoTien"]),
        transaction_id=body["MaGiaoDich"],
        bank_code=body["MaNganHang"],
        at=_opt_date(body["ThoiGianGD"]),
        info=body["ThongTinGiaoDich"],
        raw=dict(body),
    )
