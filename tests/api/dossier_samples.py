"""Valid request bodies for the dossier API."""

from __future__ import annotations

from typing import Any

STEPS = ["accepted", "processing", "awaiting_supplement", "processing", "resolved"]


def dossier(status: str = "submitted", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "sector_code": "G09",
        "sector_name": "Thành lập và hoạt động của hộ kinh doanh",
        "agency_code": "000.00.12.H56",
        "channel": "online",
        "applicant": {"name": "NGUYỄN VĂN A", "id_number": "001203012345", "kind": "citizen",
                      "phone": "0912345678", "email": "a@example.vn", "address": "Số 1 Lê Lợi, Hà Nội"},
        "summary": "Đăng ký hộ kinh doanh",
        "received_at": "2026-11-22T09:30:00+07:00",
        "due_at": "2026-11-27T17:00:00+07:00",
        "status": status,
        "handling_unit": "Phòng Tài chính - Kế hoạch",
        "fees": [{"code": "LP01", "name": "Lệ phí", "amount": 100000, "method": "online", "kind": "fee"}],
        "documents": [{"id": "d1", "name": "Giấy đề nghị", "component_code": "GT01", "url": "https://x.vn/d1",
                       "digitized": True, "reused": False, "from_national_repository": False}],
        "results": [],
        "note": None,
    }
    body.update(changes)
    return body


def event(status: str, minute: int, **changes: Any) -> dict[str, Any]:
    body = {"status": status, "at": f"2026-11-22T13:{minute:02d}:00+07:00", "officer": "Trần Thị B",
            "officer_title": "Chuyên viên", "department": "Bộ phận một cửa", "note": f"Bước {minute}"}
    body.update(changes)
    return body
