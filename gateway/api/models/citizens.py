"""Request and response models of the citizen API (API.md "Citizens").

Text fields refuse control characters (Unicode category Cc: they have no place in a name and
would reach the national database's records). ``id_number`` is only "a string" here: its
format is checked by ``gateway.services.citizens.check_id_number``, so that every wrong id
gets the stable ``invalid_id_number`` code rather than a generic validation error.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


# Unicode category Cc is exactly these 65 code points (C0, DEL, C1); a regex checks them in C.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _real_date(value: str) -> str:
    if len(value) == 10:
        date.fromisoformat(value)  # ValueError for 2003-02-30
    return value


Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_no_control_characters)]
ShortText = Annotated[
    str, Field(min_length=1, max_length=100), AfterValidator(_no_control_characters)
]
Name = Annotated[str, Field(min_length=1, max_length=150), AfterValidator(_no_control_characters)]
BirthDate = Annotated[
    str,
    Field(pattern=r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$", examples=["2003-05-17", "2003"]),
    AfterValidator(_real_date),
]

EXAMPLE = {
    "id_number": "001203012345",
    "full_name": "NGUYỄN VĂN A",
    "birth_date": "2003-05-17",
    "purpose": "Xác minh chủ hồ sơ đăng ký kinh doanh",
    "officer_id": "cb.0012",
    "dossier_code": "000.00.12.H56-261122-0001",
}


class CitizenLookupRequest(BaseModel):
    """Who to look up, by which officer, for what purpose (both required: every lookup of
    personal data is tied to a person and a reason, and lands in the audit log)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    id_number: str = Field(
        description="12 digits (personal id) or 9 digits (legacy id)", examples=["001203012345"]
    )
    full_name: Name | None = None
    birth_date: BirthDate | None = Field(None, description='"YYYY-MM-DD" or "YYYY"')
    purpose: Text
    officer_id: ShortText = Field(description="the officer making the query (sent as MaCanBo)")
    dossier_code: ShortText | None = None


class CitizenVerifyRequest(CitizenLookupRequest):
    """The same identification fields; ``full_name`` is required."""

    full_name: Name


class Address(BaseModel):
    province_code: str | None
    district_code: str | None
    ward_code: str | None
    detail: str | None
    country: str | None


class Relative(BaseModel):
    full_name: str | None
    id_number: str | None
    legacy_id_number: str | None
    nationality: str | None


class HouseholdHead(BaseModel):
    relation: str | None
    id_number: str | None
    legacy_id_number: str | None
    full_name: str | None


class Citizen(BaseModel):
    """The normalized citizen; values the population database did not give are ``null``."""

    id_number: str | None
    legacy_id_number: str | None
    full_name: str | None
    family_name: str | None
    middle_name: str | None
    given_name: str | None
    birth_date: str | None = Field(description='"YYYY-MM-DD", or "YYYY" when only the year is known')
    gender: str | None = Field(description='"male" | "female" | null (or the national code)')
    ethnicity: str | None = Field(description="national ethnic code, e.g. 01 Kinh")
    religion: str | None = Field(description="national religion code, 00 none")
    nationality: str | None
    marital_status: str | None = Field(description='"single" | "married" | "divorced" | "widowed"')
    blood_type: str | None
    birth_registration_place: Address | None
    hometown: Address | None
    permanent_address: Address | None
    current_address: Address | None
    father: Relative | None
    mother: Relative | None
    spouse: Relative | None
    representative: Relative | None
    household_head: HouseholdHead | None
    household_book_number: str | None


class CitizenLookupResponse(BaseModel):
    citizen: Citizen
    source: Literal["population"] = "population"
    request_id: str


class CitizenVerifyResponse(BaseModel):
    match: bool
