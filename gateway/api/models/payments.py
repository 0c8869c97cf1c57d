"""Request and response models of the payments API (API.md "Payments")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")]
Text = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
# Money is an integer number of VND (strict: 1.5 and "100" are refused, not coerced).
Vnd = Annotated[StrictInt, Field(ge=0, le=999_999_999_999)]
PositiveVnd = Annotated[StrictInt, Field(gt=0, le=999_999_999_999)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Payer(Strict):
    """The person paying (personal data: stored for the receipt, never logged or webhooked)."""

    full_name: ShortText
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$|^[0-9]{12}$")] | None = None
    address: Text | None = None


class PaymentFee(Strict):
    code: ShortText | None = None
    name: ShortText
    amount: Vnd
    kind: ShortText | None = None


class PaymentIn(Strict):
    dossier_code: Code
    procedure_code: Code
    procedure_name: ShortText
    agency_code: Code
    agency_name: ShortText
    amount: PositiveVnd
    description: Text
    payer: Payer
    fees: list[PaymentFee] = Field(min_length=1, max_length=50)
    return_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s]+$")] | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "dossier_code": "000.00.12.H56-261122-0001",
                    "procedure_code": "1.001612",
                    "procedure_name": "Đăng ký thành lập hộ kinh doanh",
                    "agency_code": "000.00.12.H56",
                    "agency_name": "UBND huyện A",
                    "amount": 100000,
                    "description": "Lệ phí đăng ký hộ kinh doanh",
                    "payer": {"full_name": "NGUYỄN VĂN A", "id_number": "001203012345",
                              "address": "Số 1, phường B, tỉnh C"},
                    "fees": [{"code": "LP01", "name": "Lệ phí đăng ký", "amount": 100000, "kind": "le_phi"}],
                    "return_url": "https://motcua.example.gov.vn/payments/done",
                }
            ]
        },
    )


PaymentStatus = Literal["pending", "paid", "failed", "expired"]


class CreatedPayment(BaseModel):
    id: str = Field(examples=["pay_5f1c0e2d9a7b4c3e8f6a1b2c"])
    reference: str = Field(examples=["LT261122K7M3P9QX2D"])
    status: Literal["pending"]
    amount: int
    pay_url: str | None
    created_at: str = Field(examples=["2026-11-22T09:30:00+07:00"])


class CreatedPaymentOut(BaseModel):
    payment: CreatedPayment


class Payment(BaseModel):
    id: str
    reference: str
    status: PaymentStatus
    amount: int
    dossier_code: str
    procedure_code: str
    agency_code: str
    description: str
    fees: list[dict[str, Any]]
    pay_url: str | None
    transaction_id: str | None
    bank_code: str | None
    paid_at: str | None
    created_at: str
    updated_at: str


class PaymentOut(BaseModel):
    payment: Payment


class PaymentList(BaseModel):
    payments: list[Payment]


class Event(BaseModel):
    id: str = Field(examples=["evt_9c2f4e1a7b3d5c8e0f6a2b4d"])
    type: Literal["payment.paid", "payment.failed", "payment.expired"]
    created_at: str
    data: dict[str, Any] = Field(description='{"payment": {...}} as GET /v1/payments/{id} shows it')


class EventPage(BaseModel):
    events: list[Event]
    next_cursor: str = Field(description="pass as `after` to read on; unchanged when nothing is new")
