"""DVCQG portal wire format (DVCQG integration guide v1.4): request envelopes, reply models,
and the portal's date format.

Replies are parsed tolerantly (extra fields allowed, codes as numbers or strings), and both
reply styles are accepted: plain ``{"error_code", "message", "result"}`` and wrapped by a
provincial proxy as ``{"error_code", "message": "<JSON text of the plain reply>"}``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

PORTAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATE14 = "%Y%m%d%H%M%S"  # 24-hour clock: %H, never %I (a real bug in one provincial codebase)


def to_date14(value: datetime | str | None) -> str:
    """``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh; ``""`` for a missing value.

    Accepts aware datetimes or ISO 8601 strings with an offset; a naive time is refused
    (``ValueError``) because its zone would be a guess.
    """
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time without an offset cannot be converted to portal time")
    m = moment.astimezone(PORTAL_TZ)
    # DATE14 by hand: strftime costs three times as much, once per element of every batch.
    return "%04d%02d%02d%02d%02d%02d" % (m.year, m.month, m.day, m.hour, m.minute, m.second)


def from_date14(value: str | None) -> datetime | None:
    """The aware datetime of a ``yyyyMMddHHmmss`` portal time, ``None`` when empty."""
    if not value:
        return None
    return datetime.strptime(value, DATE14).replace(tzinfo=PORTAL_TZ)


def envelope(service: str, madonvi: str, **fields: Any) -> dict[str, Any]:
    """The JSON body of a call, without the session (the auth profile adds it)."""
    return {"madonvi": madonvi, "service": service, **fields}


def _code_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PortalReply(_Tolerant):
    error_code: str
    message: str | None = None
    result: list[Any] | None = None

    @field_validator("error_code", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _code_text(value)


def parse_reply(content: bytes) -> PortalReply:
    """A plain or wrapped reply, as the plain reply (``ValueError`` if neither)."""
    outer = json.loads(content)
    if not isinstance(outer, dict):
        raise ValueError("portal reply is not a JSON object")
    message = outer.get("message")
    if "result" not in outer and isinstance(message, str) and message.lstrip().startswith("{"):
        inner = json.loads(message)
        if not isinstance(inner, dict):
            raise ValueError("wrapped portal reply does not hold an object")
        inner.setdefault("error_code", outer.get("error_code"))
        return PortalReply.model_validate(inner)
    return PortalReply.model_validate(outer)


class ProgressStepWire(_Tolerant):
    """One ``CapNhatTienDoHoSoMC`` element, as the portal records it in ``QuaTrinhXuLy``."""

    MaHoSo: str
    NguoiXuLy: str | None = None
    ChucDanh: str | None = None
    ThoiDiemXuLy: str
    PhongBanXuLy: str | None = None
    NoiDungXuLy: str | None = None
    TrangThai: str
    NgayBatDau: str | None = None
    NgayKetThucTheoQuyDinh: str | None = None

    @field_validator("TrangThai", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _code_text(value)


class DossierWire(_Tolerant):
    """A ``TraCuuHoSo`` result: the dossier as last synchronised, with its progress steps."""

    MaHoSo: str
    MaTTHC: str | None = None
    TenTTHC: str | None = None
    TrangThaiHoSo: str
    NgayTiepNhan: str | None = None
    NgayHenTra: str | None = None
    QuaTrinhXuLy: list[ProgressStepWire] = Field(default_factory=list)

    @field_validator("TrangThaiHoSo", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _code_text(value)


class ProcedureCodeWire(_Tolerant):
    MATTHC: str
    TENTTHC: str | None = None


class FeeWire(_Tolerant):
    SOTIEN: float | int | str | None = None
    DONVI: str | None = None
    MOTA: str | None = None


class TimeWire(_Tolerant):
    THOIGIANGIAIQUYET: float | int | str | None = None
    DONVITINH: str | None = None
    MOTA: str | None = None
    PHILEPHI: list[FeeWire] = Field(default_factory=list)


class ChannelWire(_Tolerant):
    KENH: str
    THOIGIAN: list[TimeWire] = Field(default_factory=list)

    @field_validator("KENH", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _code_text(value)


class DocumentWire(_Tolerant):
    MAGIAYTO: str | None = None
    TENGIAYTO: str | None = None
    SOBANCHINH: int | str | None = None
    SOBANSAO: int | str | None = None


class DocumentGroupWire(_Tolerant):
    TRUONGHOP: str | None = None
    GIAYTO: list[DocumentWire] = Field(default_factory=list)


class ProcedureWire(_Tolerant):
    """A ``LayThuTuc`` result (the portal's catalogue uses upper-case keys)."""

    MATTHC: str
    TENTTHC: str | None = None
    LOAITTHC: str | None = None
    CAPTHUCHIEN: str | None = None
    LINHVUCTHUCHIEN: list[dict[str, Any]] = Field(default_factory=list)
    COQUANTHUCHIEN: list[dict[str, Any]] = Field(default_factory=list)
    CACHTHUCTHUCHIEN: list[ChannelWire] = Field(default_factory=list)
    THANHPHANHOSO: list[DocumentGroupWire] = Field(default_factory=list)
    KETQUATHUCHIEN: list[dict[str, Any]] = Field(default_factory=list)
    CANCUPHAPLY: list[dict[str, Any]] = Field(default_factory=list)
    TRINHTUTHUCHIEN: str | None = None
    YEUCAU: str | None = None
    IDQUYETDINHCONGBO: str | None = None

    @field_validator("LOAITTHC", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _code_text(value)
