"""Request and response models of the dossier API (API.md "Dossiers")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Status = Literal[
    "submitted", "accepted", "rejected", "processing", "awaiting_supplement",
    "awaiting_payment", "withdrawn", "suspended", "resolved", "returned",
]
# Printable text without control characters (they would end up in the portal's records).
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
ShortText = Annotated[str, StringConstraints(max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Applicant(Strict):
    name: ShortText
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{1,20}$")] | None = None
    kind: Literal["citizen", "business", "agency", "organization"] = "citizen"
    phone: Annotated[str, StringConstraints(max_length=20, pattern=r"^[0-9+ ()\-.]*$")] | None = None
    email: ShortText | None = None
    address: Text | None = None


class Fee(Strict):
    code: ShortText | None = None
    name: ShortText
    amount: int = Field(ge=0)
    method: ShortText | None = None
    kind: ShortText | None = None


class Document(Strict):
    id: ShortText
    name: ShortText
    component_code: ShortText | None = None
    url: Text | None = None
    digitized: bool = False
    reused: bool = False
    from_national_repository: bool = False


class Result(Strict):
    id: ShortText
    name: ShortText
    component_code: ShortText | None = None
    url: Text | None = None


class DossierIn(Strict):
    procedure_code: Code
    procedure_name: ShortText
    sector_code: ShortText | None = None
    sector_name: ShortText | None = None
    agency_code: ShortText | None = None
    channel: Literal["in_person", "online", "postal"] = "in_person"
    applicant: Applicant
    summary: Text | None = None
    received_at: AwareDatetime
    due_at: AwareDatetime | None = None
    status: Status
    handling_unit: ShortText | None = None
    fees: list[Fee] = Field(default_factory=list, max_length=100)
    documents: list[Document] = Field(default_factory=list, max_length=500)
    results: list[Result] = Field(default_factory=list, max_length=100)
    note: Text | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "procedure_code": "1.001612",
                    "procedure_name": "Đăng ký thành lập hộ kinh doanh",
                    "sector_code": "G09",
                    "sector_name": "Thành lập và hoạt động của hộ kinh doanh",
                    "agency_code": "000.00.12.H56",
                    "channel": "online",
                    "applicant": {"name": "NGUYỄN VĂN A", "id_number": "001203012345", "kind": "citizen",
                                  "phone": "0912345678", "email": "a@example.vn", "address": "Số 1 Lê Lợi"},
                    "summary": "Đăng ký hộ kinh doanh cá thể",
                    "received_at": "2026-11-22T09:30:00+07:00",
                    "due_at": "2026-11-27T17:00:00+07:00",
                    "status": "submitted",
                    "handling_unit": "Phòng Tài chính - Kế hoạch",
                    "fees": [{"code": "LP01", "name": "Lệ phí đăng ký", "amount": 100000, "method": "online", "kind": "fee"}],
                    "documents": [], "results": [], "note": None,
                }
            ]
        },
    )


class EventIn(Strict):
    status: Status
    at: AwareDatetime
    officer: ShortText
    officer_title: ShortText | None = None
    department: ShortText | None = None
    note: Text | None = None
    due_at: AwareDatetime | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "accepted", "at": "2026-11-22T10:00:00+07:00", "officer": "Trần Thị B",
                 "officer_title": "Chuyên viên", "department": "Bộ phận một cửa", "note": "Hồ sơ hợp lệ"}
            ]
        },
    )


class SyncState(BaseModel):
    state: Literal["pending", "synced", "retrying", "dead"]
    pending_events: int
    attempts: int
    last_error: str | None
    synced_at: str | None


class DossierAccepted(BaseModel):
    dossier: dict[str, Any]
    sync: SyncState


class EventAccepted(BaseModel):
    event_id: str
    sync: SyncState


class DossierView(BaseModel):
    dossier: dict[str, Any]
    events: list[dict[str, Any]]
    sync: SyncState
