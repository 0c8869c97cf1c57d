"""The payment platform contract: golden messages satisfy the schemas, the schemas bite,
and every golden checksum is the one of its literal test vector."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from contracts import load_json, path
from contracts.payment import PROTOCOL_VERSION, schema_names, validator, vectors

INDEX = load_json("payment", "golden", "index.json")["messages"]
VECTORS = {v["name"]: v for v in vectors()["vectors"]}


def _errors(schema: str, message: object) -> list[str]:
    return [e.message for e in validator(schema).iter_errors(message)]


def test_every_schema_is_valid_draft_2020_12() -> None:
    """Each schema is a valid draft 2020-12 schema whose $refs resolve."""
    for name in schema_names():
        v = validator(name)
        v.check_schema(v.schema)
        list(v.iter_errors({}))


def test_every_golden_file_is_indexed() -> None:
    """No golden message escapes validation by being left out of index.json."""
    on_disk = {p.name for p in path("payment", "golden").glob("*.json")} - {"index.json"}
    assert on_disk == set(INDEX)


@pytest.mark.parametrize("name", sorted(INDEX))
def test_golden_message_validates_and_carries_its_vector(name: str) -> None:
    """A golden message validates (its inner JSON too) and carries its vector's MaXacThuc."""
    entry = INDEX[name]
    message = load_json("payment", "golden", name)
    assert _errors(entry["schema"], message) == []
    if "inner_schema" in entry:
        inner = json.loads(message["message"])
        assert _errors(entry["inner_schema"], inner) == []
        if "inner_vector" in entry:
            assert inner["MaXacThuc"] == VECTORS[entry["inner_vector"]]["expected"]
    if "vector" in entry:
        vector = VECTORS[entry["vector"]]
        assert message["MaXacThuc"] == vector["expected"]
        assert {k: message[k] for k in vector["fields"]} == vector["fields"]


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_expected_is_sha256_of_the_joined_formula(name: str) -> None:
    """Each vector's literal hex is sha256 of its fields |-joined in formula order plus the secret."""
    vector = VECTORS[name]
    order = [part.split(" ")[0] for part in vector["formula"].split("|")][:-1]
    assert set(order) == set(vector["fields"])
    joined = "|".join(str(vector["fields"][f]) for f in order) + "|" + vectors()["secret"]
    assert hashlib.sha256(joined.encode("utf-8")).hexdigest() == vector["expected"]


def test_vectors_pin_utf8_with_vietnamese_diacritics() -> None:
    """At least one vector hashes non-ASCII text, so a Latin-1 or NFD encoder would fail it."""
    assert any(
        any(isinstance(v, str) and not v.isascii() for v in vec["fields"].values())
        for vec in VECTORS.values()
    )


def test_init_request_pins_protocol_version_and_constants() -> None:
    """INIT refuses another PhienBan, LoaiBanTin or currency."""
    golden = load_json("payment", "golden", "INIT.request.json")
    assert golden["PhienBan"] == PROTOCOL_VERSION
    for field, wrong in [("PhienBan", "1.0.5"), ("LoaiBanTin", "QUERY"), ("MaTienTe", "USD")]:
        bad = copy.deepcopy(golden)
        bad[field] = wrong
        assert _errors("INIT.request", bad), field


@pytest.mark.parametrize("amount", [0, -1, 1.5, "150000", True, None])
def test_init_amount_must_be_a_positive_integer(amount: object) -> None:
    """INIT's SoTien is an integer of at least 1 (no zero, negative, float, string)."""
    bad = copy.deepcopy(load_json("payment", "golden", "INIT.request.json"))
    bad["SoTien"] = amount
    assert _errors("INIT.request", bad)


@pytest.mark.parametrize("when", ["20240315240000", "2024031513050", "20241315130502", "15/03/2024"])
def test_dates_are_24_hour_yyyymmddhhmmss(when: str) -> None:
    """ThoiGianGD outside yyyyMMddHHmmss (24-hour, hour ≤ 23) is refused."""
    bad = copy.deepcopy(load_json("payment", "golden", "QUERY.request.json"))
    bad["ThoiGianGD"] = when
    assert _errors("QUERY.request", bad)


def test_init_is_closed_and_receipt_requires_its_lists() -> None:
    """A misspelled INIT field and a receipt without PhiLePhi are refused."""
    golden = load_json("payment", "golden", "INIT.request.json")
    bad = copy.deepcopy(golden)
    bad["MaThamChieuu"] = "x"
    assert _errors("INIT.request", bad)
    bad = copy.deepcopy(golden)
    del bad["ThongTinBienLai"]["PhiLePhi"]
    assert _errors("INIT.request", bad)


def test_callback_tolerates_string_amount_but_not_pipes_or_bad_checksum() -> None:
    """The callback accepts SoTien as digits, refuses '|' in a checksummed field and non-hex MaXacThuc."""
    golden = load_json("payment", "golden", "callback.request.json")
    ok = dict(golden, SoTien="150000")
    assert _errors("callback.request", ok) == []
    assert _errors("callback.request", dict(golden, SoTien="-5"))
    assert _errors("callback.request", dict(golden, MaGiaoDich="GD1|00"))
    assert _errors("callback.request", dict(golden, MaXacThuc="zz" * 32))


def test_query_reply_rejects_unknown_trangthaigd() -> None:
    """TrangThaiGD is one of 1, 3, 4."""
    inner = json.loads(load_json("payment", "golden", "QUERY.reply.json")["message"])
    assert _errors("QUERY.reply.inner", dict(inner, TrangThaiGD="2"))
    assert _errors("QUERY.reply.inner", dict(inner, TrangThaiGD=4)) == []
