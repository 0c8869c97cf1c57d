"""The golden DVCQG portal messages satisfy our reconstructed schemas, and the schemas bite."""

from __future__ import annotations

import copy
import json

import pytest

from contracts import load_json, path
from contracts.portal import schema_names, validator

INDEX = load_json("portal", "golden", "index.json")["messages"]


def _errors(schema: str, message: object) -> list[str]:
    return [e.message for e in validator(schema).iter_errors(message)]


def test_every_schema_is_valid_draft_2020_12() -> None:
    """Each schema file is itself a valid draft 2020-12 schema whose $refs resolve."""
    for name in schema_names():
        v = validator(name)
        v.check_schema(v.schema)
        list(v.iter_errors({}))  # resolves every $ref reachable from the root


def test_every_golden_file_is_indexed() -> None:
    """No golden message escapes validation by being left out of index.json."""
    on_disk = {p.name for p in path("portal", "golden").glob("*.json")} - {"index.json"}
    assert on_disk == set(INDEX)


@pytest.mark.parametrize("name", sorted(INDEX))
def test_golden_message_validates(name: str) -> None:
    """A golden wire message validates against its schema (and a wrapped one's inner JSON too)."""
    entry = INDEX[name]
    message = load_json("portal", "golden", name)
    assert _errors(entry["schema"], message) == []
    if "inner_schema" in entry:
        assert _errors(entry["inner_schema"], json.loads(message["message"])) == []


def test_wrapped_and_plain_tracuuhoso_carry_the_same_reply() -> None:
    """The wrapped TraCuuHoSo golden reply is exactly the plain one as a JSON string."""
    plain = load_json("portal", "golden", "TraCuuHoSo.reply.json")
    wrapped = load_json("portal", "golden", "TraCuuHoSo.reply.wrapped.json")
    assert json.loads(wrapped["message"]) == plain


def _dossier_request() -> dict:
    return copy.deepcopy(load_json("portal", "golden", "DongBoHoSoMC.request.json"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("NgayTiepNhan", "20261122253000"),  # hour 25: not a 24-hour clock time
        ("NgayTiepNhan", "2026-11-22 09:30"),
        ("TrangThaiHoSo", "11"),
        ("TrangThaiHoSo", 0),
        ("LoaiDoiTuong", 5),
        ("KenhThucHien", "4"),
        ("isUpdating", True),
        ("isUpdating", "true"),
    ],
)
def test_dossier_element_rejects_bad_values(field: str, value: object) -> None:
    """A DongBoHoSoMC element with an out-of-range code or a malformed date is refused."""
    message = _dossier_request()
    message["data"][0][field] = value
    assert _errors("DongBoHoSoMC.request", message)


def test_dossier_element_accepts_codes_as_int_or_string() -> None:
    """Codes are tolerated both as integers and as strings of digits."""
    message = _dossier_request()
    message["data"][0].update(TrangThaiHoSo=10, LoaiDoiTuong=4, KenhThucHien=3)
    assert _errors("DongBoHoSoMC.request", message) == []


def test_isupdating_is_required_in_each_element_not_the_envelope() -> None:
    """isUpdating belongs to each data element; moving it to the envelope is refused."""
    message = _dossier_request()
    del message["data"][0]["isUpdating"]
    assert _errors("DongBoHoSoMC.request", message)
    message["isUpdating"] = "False"
    assert _errors("DongBoHoSoMC.request", message)


def test_misspelled_field_is_refused() -> None:
    """An unknown (e.g. misspelled) field in a dossier or a list item is refused."""
    message = _dossier_request()
    message["data"][0]["TaiLieuNops"] = []
    assert _errors("DongBoHoSoMC.request", message)
    message = _dossier_request()
    message["data"][0]["TaiLieuNop"][0]["TenTepDinhKemm"] = "x"
    assert _errors("DongBoHoSoMC.request", message)


def test_progress_step_requires_24_hour_time() -> None:
    """A progress step's ThoiDiemXuLy must be yyyyMMddHHmmss on a 24-hour clock."""
    message = copy.deepcopy(load_json("portal", "golden", "CapNhatTienDoHoSoMC.request.json"))
    message["data"][0]["ThoiDiemXuLy"] = "20261122243000"
    assert _errors("CapNhatTienDoHoSoMC.request", message)


def test_seed_procedures_are_valid_layThuTuc_records() -> None:
    """Every seeded catalogue record validates as a LayThuTuc reply with unique codes."""
    procedures = load_json("portal", "seed_procedures.json")["procedures"]
    assert len({p["MATTHC"] for p in procedures}) == len(procedures) >= 5
    for procedure in procedures:
        reply = {"error_code": 0, "message": "ok", "result": [procedure]}
        assert _errors("LayThuTuc.reply", reply) == []
