"""A valid ``POST /v1/payments`` body (fees adding up to the amount), with overrides."""

from __future__ import annotations

from typing import Any


def payment_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dossier_code": "000.00.12.H56-261122-0001",
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "agency_code": "000.00.12.H56",
        "agency_name": "UBND huyện A",
        "amount": 150000,
        "description": "Lệ phí đăng ký hộ kinh doanh",
        "payer": {"full_name": "NGUYỄN VĂN A", "id_number": "001203012345", "address": "Số 1, phường B"},
        "fees": [
            {"code": "LP01", "name": "Lệ phí đăng ký", "amount": 100000, "kind": "le_phi"},
            {"code": "P01", "name": "Phí thẩm định", "amount": 50000, "kind": "phi"},
        ],
        "return_url": "https://motcua.example.gov.vn/payments/done",
    }
    body.update(overrides)
    return body
