"""The mock payment platform, spoken to on the raw wire (no adapter code): checksums against the
contract vectors, codes, the hosted page, callbacks, faults and a real PDF."""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, Router

import mocks.payment
from contracts import load_json
from contracts.payment import vectors
from mocks._core import MockConfig
from mocks.app import create_mocks_app

SECRET = vectors()["secret"]  # the mock must reproduce the literal vectors with this secret
TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Gateway:
    """A callback receiver that answers 00 and records the raw bodies and their arrival order."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.app = Router(routes=[Route("/national/payment/callback", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            self.bodies.append(json.loads(raw))
        except ValueError:
            self.bodies.append({"malformed": raw.decode()})
        return JSONResponse({"MaLoi": "00", "MoTaLoi": "ok", "MaDoiTac": "TINHHG", "MaThamChieu": "",
                             "ThoiGianGD": "20240315131543", "MaXacThuc": "0" * 64})


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def client(gateway: Gateway) -> httpx.AsyncClient:
    config = MockConfig(
        gateway_url="http://gateway.test", gateway_transport=httpx.ASGITransport(app=gateway.app),
        now=lambda: datetime(2024, 3, 15, 6, 15, 42, tzinfo=UTC),
        env={"LIENTHONG_PAYMENT_SECRET": SECRET, "LIENTHONG_PAYMENT_PARTNER_CODE": "TINHHG",
             "LIENTHONG_PAYMENT_TOKEN": TOKEN},
    )
    app = create_mocks_app(config, systems=[mocks.payment.create_system])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mocks.test")


def golden(name: str) -> dict[str, Any]:
    return copy.deepcopy(load_json("payment", "golden", name))


async def init(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = await client.post("/payment/init", json=body or golden("INIT.request.json"), headers=AUTH)
    assert reply.status_code == 200
    return reply.json()


async def test_golden_init_with_the_vector_checksum_is_accepted(client: httpx.AsyncClient) -> None:
    """The mock accepts the golden INIT whose MaXacThuc is the literal vector (so its formula matches the contract)."""
    reply = await init(client)
    assert reply["error_code"] == "0"
    inner = json.loads(reply["message"])
    assert inner["UrlThanhToan"] == "http://127.0.0.1:8081/payment/pay/PAY-20240315-0001-1"


async def test_golden_query_and_bill_requests_with_vector_checksums_are_accepted(client: httpx.AsyncClient) -> None:
    """QUERY and GET_BILL goldens (vector checksums) pass the mock's check; QUERY's reply checksum matches the vector."""
    await init(client)
    query = (await client.post("/payment/query", json=golden("QUERY.request.json"), headers=AUTH)).json()
    assert query["error_code"] == "0"
    assert json.loads(query["message"])["TrangThaiGD"] == "3"
    bill = (await client.post("/payment/getbill", json=golden("GET_BILL.request.json"), headers=AUTH)).json()
    assert bill["error_code"] == "99"  # not paid yet: no receipt


async def test_query_reply_checksum_matches_the_literal_paid_vector(client: httpx.AsyncClient) -> None:
    """After a paid completion, the mock's QUERY reply is signed exactly like the contract's formula."""
    from security.checksums import maxacthuc_query_reply

    await init(client)
    await client.post("/__admin/payment/PAY-20240315-0001-1/complete", json={"result": "success", "send": False})
    inner = json.loads((await client.post("/payment/query", json=golden("QUERY.request.json"), headers=AUTH)).json()["message"])
    assert inner["TrangThaiGD"] == "1" and inner["ThoiGianGD"] == "20240315131542"
    assert inner["MaXacThuc"] == maxacthuc_query_reply(inner, SECRET)


@pytest.mark.parametrize("change", [{"SoTien": 150001}, {"ThoiGianGD": "20240315010502"}, {"MaXacThuc": "a" * 64}])
async def test_init_with_a_wrong_checksum_is_refused_97(client: httpx.AsyncClient, change: dict[str, Any]) -> None:
    """Tampered amount, a 12-hour time, or a forged MaXacThuc → error_code 97, nothing recorded."""
    body = golden("INIT.request.json") | change
    if "SoTien" in change:
        body["ThongTinBienLai"]["PhiLePhi"] = []
    reply = await init(client, body)
    assert reply["error_code"] == "97"
    assert (await client.get("/__admin/payment/")).json()["payments"] == []


async def test_init_refusals_token_schema_amount(client: httpx.AsyncClient) -> None:
    """No token → 401; not JSON or off-schema → 99; fees not adding up → 04; reused reference, other amount → 02."""
    assert (await client.post("/payment/init", json=golden("INIT.request.json"))).status_code == 401
    bad = await client.post("/payment/init", content=b"{", headers=AUTH)
    assert bad.json()["error_code"] == "99"
    assert (await init(client, golden("INIT.request.json") | {"SoTien": -5}))["error_code"] == "99"
    from security.checksums import maxacthuc_init

    wrong_sum = golden("INIT.request.json") | {"SoTien": 140000}
    wrong_sum["MaXacThuc"] = maxacthuc_init(wrong_sum, SECRET)
    assert (await init(client, wrong_sum))["error_code"] == "04"
    await init(client)
    other = golden("INIT.request.json") | {"SoTien": 140000}
    other["ThongTinBienLai"]["PhiLePhi"] = []
    other["MaXacThuc"] = maxacthuc_init(other, SECRET)
    assert (await init(client, other))["error_code"] == "02"


async def test_query_unknown_reference_is_01(client: httpx.AsyncClient) -> None:
    """QUERY for a MaThamChieu the platform never saw answers 01."""
    assert (await client.post("/payment/query", json=golden("QUERY.request.json"), headers=AUTH)).json()["error_code"] == "01"


def _pdf_is_well_formed(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[startxref:].startswith(b"xref\n")
    header = re.match(rb"xref\n0 (\d+)\n", pdf[startxref:])
    assert header is not None
    rows = pdf[startxref + header.end():].split(b"\n")[1:int(header.group(1))]
    for number, row in enumerate(rows, start=1):
        offset = int(row[:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % number), number


async def test_get_bill_of_a_paid_payment_is_a_well_formed_pdf(client: httpx.AsyncClient) -> None:
    """The receipt is base64 of a PDF whose xref offsets point at its objects and that names the payer."""
    await init(client)
    await client.post("/__admin/payment/PAY-20240315-0001-1/complete", json={"result": "success", "send": False})
    inner = json.loads((await client.post("/payment/getbill", json=golden("GET_BILL.request.json"), headers=AUTH)).json()["message"])
    pdf = base64.b64decode(inner["BienLai"])
    _pdf_is_well_formed(pdf)
    assert b"Nguyen Thi Anh" in pdf and b"150000" in pdf


async def test_hosted_page_pays_and_calls_back(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """The page shows the amount and both buttons; clicking "Thanh toán" settles and sends a signed callback."""
    from security.checksums import maxacthuc_callback

    await init(client)
    page = await client.get("/payment/pay/PAY-20240315-0001-1")
    assert "150.000 VND" in page.text and "Thanh toán</button>" in page.text and "Hủy</button>" in page.text
    done = await client.post("/payment/pay/PAY-20240315-0001-1", data={"result": "success"})
    assert "Đã thanh toán" in done.text
    [callback] = gateway.bodies
    assert callback["MaLoi"] == "00" and callback["SoTien"] == 150000
    assert callback["MaXacThuc"] == maxacthuc_callback(callback, SECRET)


async def test_hosted_page_cancel_sends_a_failed_callback(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Clicking "Hủy" settles the payment as failed and sends MaLoi other than 00."""
    await init(client)
    await client.post("/payment/pay/PAY-20240315-0001-1", data={"result": "failed"})
    assert gateway.bodies[0]["MaLoi"] != "00"
    state = (await client.get("/__admin/payment/PAY-20240315-0001-1")).json()
    assert state["status"] == "failed"


async def test_complete_with_duplicates_and_out_of_order(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Three identical success callbacks, then a stale failed one from an earlier attempt; the reply is reported."""
    await init(client)
    result = (await client.post("/__admin/payment/PAY-20240315-0001-1/complete",
                                json={"result": "success", "duplicates": 3, "out_of_order": True})).json()
    assert [b["MaLoi"] for b in gateway.bodies] == ["00", "00", "00", "99"]
    assert gateway.bodies[0] == gateway.bodies[1] == gateway.bodies[2]
    assert gateway.bodies[3]["ThoiGianGD"] < gateway.bodies[0]["ThoiGianGD"]
    assert result["status"] == "paid" and result["callbacks"][0]["status"] == 200
    assert result["callbacks"][0]["reply_checksum_ok"] is False  # our stand-in gateway signs nothing


async def test_lost_callback_and_bad_signature_fault(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """send=false settles without calling back; a bad_signature fault sends a wrong MaXacThuc once."""
    from security.checksums import maxacthuc_callback

    await init(client)
    lost = (await client.post("/__admin/payment/PAY-20240315-0001-1/complete", json={"result": "success", "send": False})).json()
    assert lost["lost"] is True and gateway.bodies == []
    await client.post("/__admin/faults", json={"target": "payment", "operation": "callback", "mode": "bad_signature", "count": 1})
    await client.post("/__admin/payment/PAY-20240315-0001-1/complete", json={"result": "success", "duplicates": 2})
    forged, genuine = gateway.bodies
    assert forged["MaXacThuc"] != maxacthuc_callback(forged, SECRET)
    assert genuine["MaXacThuc"] == maxacthuc_callback(genuine, SECRET)


async def test_complete_validation_and_reset(client: httpx.AsyncClient) -> None:
    """Unknown references are 404, bad options 422, and reset forgets every payment."""
    assert (await client.post("/__admin/payment/NOPE/complete", json={"result": "success"})).status_code == 404
    await init(client)
    assert (await client.post("/__admin/payment/PAY-20240315-0001-1/complete", json={"result": "maybe"})).status_code == 422
    assert (await client.post("/__admin/payment/PAY-20240315-0001-1/complete",
                              json={"result": "success", "duplicates": 0})).status_code == 422
    await client.post("/__admin/reset")
    assert (await client.get("/__admin/payment/")).json()["payments"] == []
