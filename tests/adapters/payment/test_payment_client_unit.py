"""Payment adapter pieces without the mock: 24-hour dates, the nested-JSON envelope, callbacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from tests.adapters.payment.conftest import PARTNER, SECRET, make_order

from adapters.payment import PaymentClient, PlatformRejected, from_date14, to_date14
from adapters.payment.mapping import init_fields
from adapters.payment.wire import unwrap
from contracts import load_json
from contracts.errors import ChecksumInvalid, ContractViolation
from security.checksums import maxacthuc_callback, maxacthuc_callback_reply


def _reply(doc: object) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(doc).encode())


def test_thoigiangd_is_24_hour_vietnam_time() -> None:
    """06:05 UTC is 13:05 in Vietnam and formats as …1305…, never …0105…."""
    text = to_date14(datetime(2024, 3, 15, 6, 5, 2, tzinfo=UTC))
    assert text == "20240315130502"
    assert from_date14(text) == datetime(2024, 3, 15, 6, 5, 2, tzinfo=UTC)
    with pytest.raises(ValueError):
        to_date14(datetime(2024, 3, 15, 13, 5))  # naive: refused


def test_unwrap_parses_the_json_string_inside_message() -> None:
    """The golden INIT reply's UrlThanhToan is read from the nested JSON string."""
    inner = unwrap(_reply(load_json("payment", "golden", "INIT.reply.json")), "INIT")
    assert inner["UrlThanhToan"].endswith("/PAY-20240315-0001-1")


def test_unwrap_refusals_and_broken_envelopes() -> None:
    """A non-zero error_code is PlatformRejected with its code; a message that is not JSON is a contract error."""
    with pytest.raises(PlatformRejected) as caught:
        unwrap(_reply(load_json("payment", "golden", "reply.bad-checksum.json")), "INIT")
    assert caught.value.platform_code == "97"
    with pytest.raises(ValueError):
        unwrap(_reply({"error_code": "0", "message": "not json"}), "INIT")
    with pytest.raises(ContractViolation):
        unwrap(_reply({"error_code": "0", "message": json.dumps({"Url": "x"})}), "INIT")


def test_init_fields_refuse_fees_that_do_not_add_up_and_strip_pipes() -> None:
    """Fees must sum to the amount; a '|' in the description cannot reach the checksummed field."""
    with pytest.raises(ValueError):
        init_fields(make_order(amount=150000).__class__(**{**make_order().__dict__, "amount": 1}),
                    partner_code=PARTNER, now="20240315130502")
    order = make_order().__class__(**{**make_order().__dict__, "description": "a|b"})
    assert init_fields(order, partner_code=PARTNER, now="20240315130502")["ThongTinGiaoDich"] == "a/b"


def _client() -> PaymentClient:
    class Clock:
        def monotonic(self) -> float:
            return 0.0

        def now(self) -> datetime:
            return datetime(2024, 3, 15, 6, 15, 43, tzinfo=UTC)

    return PaymentClient(exchange=None, base_url="http://x", partner_code=PARTNER, secret=SECRET, clock=Clock())  # type: ignore[arg-type]


def _callback(**changes: object) -> dict[str, object]:
    body = dict(load_json("payment", "golden", "callback.request.json"), MaDoiTac=PARTNER)
    body.update(changes)
    body["MaXacThuc"] = maxacthuc_callback(body, SECRET)
    return body


def test_verify_callback_accepts_exact_values_including_string_amount() -> None:
    """A correctly checksummed callback verifies, with SoTien as an integer or as digits."""
    assert _client().verify_callback(_callback()).paid
    verified = _client().verify_callback(_callback(SoTien="150000", MaLoi="99"))
    assert verified.amount == 150000 and not verified.paid


@pytest.mark.parametrize("field,value", [("SoTien", 1500000), ("MaLoi", "00"), ("MaThamChieu", "PAY-x-2")])
def test_verify_callback_refuses_tampering(field: str, value: object) -> None:
    """Changing any value after signing makes the checksum fail."""
    body = _callback(MaLoi="99")
    body[field] = value
    with pytest.raises(ChecksumInvalid):
        _client().verify_callback(body)


def test_verify_callback_case_insensitive_hex_and_malformed_bodies() -> None:
    """Upper-case hex of the right checksum passes; a missing field is a contract violation; a
    float amount cannot be verified exactly and is refused as ChecksumInvalid."""
    body = _callback()
    body["MaXacThuc"] = str(body["MaXacThuc"]).upper()
    _client().verify_callback(body)
    missing = _callback()
    del missing["MaGiaoDich"]
    with pytest.raises(ContractViolation):
        _client().verify_callback(missing)
    with pytest.raises(ChecksumInvalid):
        _client().verify_callback(dict(_callback(), SoTien=150000.0))


def test_callback_reply_carries_its_reconstructed_checksum() -> None:
    """The reply echoes MaThamChieu, stamps ThoiGianGD in 24-hour time and signs MaLoi|MaDoiTac|MaThamChieu|ThoiGianGD."""
    reply = _client().callback_reply(_callback(), "00", "Thành công")
    assert reply["ThoiGianGD"] == "20240315131543"
    assert reply["MaThamChieu"] == "PAY-20240315-0001-1"
    assert reply["MaXacThuc"] == maxacthuc_callback_reply(reply, SECRET)
    assert _client().callback_reply(None, "99", "x")["MaThamChieu"] == ""
