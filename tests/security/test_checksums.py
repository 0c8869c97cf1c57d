"""security.checksums computes MaXacThuc exactly as the literal contract vectors say."""

from __future__ import annotations

import pytest

from contracts.payment import vectors
from security.checksums import (
    ChecksumInputError,
    checksum_equal,
    maxacthuc_callback,
    maxacthuc_callback_reply,
    maxacthuc_init,
    maxacthuc_query,
    maxacthuc_query_reply,
)

FUNCTIONS = {
    "init": maxacthuc_init,
    "callback": maxacthuc_callback,
    "callback_reply": maxacthuc_callback_reply,
    "query": maxacthuc_query,
    "query_reply": maxacthuc_query_reply,
}
SECRET = vectors()["secret"]
BY_NAME = {v["name"]: v for v in vectors()["vectors"]}


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_matches_contract_vector(name: str) -> None:
    """Each formula yields the vector's literal expected hex."""
    vector = BY_NAME[name]
    assert FUNCTIONS[vector["kind"]](vector["fields"], SECRET) == vector["expected"]


def test_every_kind_has_a_vector() -> None:
    """No checksum function escapes the vectors."""
    assert {v["kind"] for v in BY_NAME.values()} == set(FUNCTIONS)


def test_every_field_and_the_secret_matter() -> None:
    """Changing any one field, or the secret, changes the checksum."""
    vector = BY_NAME["callback-success"]
    expected = vector["expected"]
    assert maxacthuc_callback(vector["fields"], SECRET + "x") != expected
    for name in vector["fields"]:
        changed = dict(vector["fields"], **{name: str(vector["fields"][name]) + "0"})
        assert maxacthuc_callback(changed, SECRET) != expected, name


def test_integer_and_digit_string_amounts_hash_alike() -> None:
    """SoTien 150000 and "150000" are the same digits, hence the same checksum."""
    fields = BY_NAME["callback-success"]["fields"]
    assert maxacthuc_callback(dict(fields, SoTien="150000"), SECRET) == maxacthuc_callback(
        dict(fields, SoTien=150000), SECRET
    )


@pytest.mark.parametrize("amount", [150000.0, True, None, b"150000"])
def test_values_that_cannot_enter_exactly_are_refused(amount: object) -> None:
    """Floats, booleans, None and bytes are refused rather than re-formatted."""
    with pytest.raises(ChecksumInputError):
        maxacthuc_callback(dict(BY_NAME["callback-success"]["fields"], SoTien=amount), SECRET)


def test_pipe_in_a_value_and_missing_field_are_refused() -> None:
    """A '|' would make field boundaries ambiguous; a missing field cannot be hashed."""
    fields = BY_NAME["query"]["fields"]
    with pytest.raises(ChecksumInputError):
        maxacthuc_query(dict(fields, MaThamChieu="A|B"), SECRET)
    with pytest.raises(ChecksumInputError):
        maxacthuc_query({k: v for k, v in fields.items() if k != "ThoiGianGD"}, SECRET)


def test_checksum_equal_is_case_insensitive_and_total() -> None:
    """Hex compares ignoring case; non-text or non-ASCII input is simply unequal."""
    hexdigest = BY_NAME["query"]["expected"]
    assert checksum_equal(hexdigest.upper(), hexdigest)
    flipped = hexdigest[:-1] + ("1" if hexdigest[-1] != "1" else "2")
    assert not checksum_equal(flipped, hexdigest)
    assert not checksum_equal("0" * 64, hexdigest)
    assert not checksum_equal(None, hexdigest)
    assert not checksum_equal(12, hexdigest)
    assert not checksum_equal("é" * 64, hexdigest)
