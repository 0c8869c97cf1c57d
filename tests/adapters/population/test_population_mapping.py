"""Normalized queries and citizens ⇄ the population database's wire fields."""

from __future__ import annotations

from adapters.population import CitizenQuery, citizen_from_wire, query_to_wire


def test_absent_values_are_none_and_every_field_is_present():
    """A CongDan with only SoDinhDanh still yields every citizen field, all None but the id."""
    citizen = citizen_from_wire({"SoDinhDanh": "001203012345"})
    assert citizen["id_number"] == "001203012345"
    assert len(citizen) == 23
    assert all(value is None for key, value in citizen.items() if key != "id_number")


def test_year_only_birth_dates_and_empty_ids():
    """NgayThangNamSinh with only Nam gives "YYYY"; empty SoCMND elements become None."""
    citizen = citizen_from_wire({
        "SoDinhDanh": "001203012345", "SoCMND": "", "NgayThangNamSinh": {"Nam": "1950", "NgayThangNam": None},
        "HoVaTen": {"Ho": "LÊ", "ChuDem": None, "Ten": "BA"}, "GioiTinh": "3", "TinhTrangHonNhan": "9",
    })
    assert citizen["birth_date"] == "1950"
    assert citizen["legacy_id_number"] is None
    assert (citizen["full_name"], citizen["middle_name"]) == ("LÊ BA", None)
    assert citizen["gender"] is None  # 3: no information
    assert citizen["marital_status"] == "9"  # an unknown code is passed on


def test_query_fields_follow_the_contract():
    """12 digits → SoDinhDanh, 9 → SoCMND; names upper-cased in NFC with single spaces."""
    fields = query_to_wire(
        CitizenQuery("001203012345", "cb.1", "p", full_name="  nguyễn  văn a ", birth_date="2003-05-17"),
        request_id="r", ma_dvc="VPCP", ma_tich_hop="037",
    )
    assert list(fields) == ["MaYeuCau", "MaDVC", "MaTichHop", "MaCanBo", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh"]
    assert fields["HoVaTen"] == "NGUYỄN VĂN A"
    assert fields["NgayThangNamSinh"] == {"NgayThangNam": "20030517"}
    legacy = query_to_wire(CitizenQuery("012345678", "cb.1", "p"), request_id="r", ma_dvc="V", ma_tich_hop="037")
    assert legacy["SoCMND"] == "012345678" and "SoDinhDanh" not in legacy
