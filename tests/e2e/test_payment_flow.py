"""The payment flow over real sockets: `lienthong serve` (the real app) and `lienthong mocks` in
their own processes, the province's webhook receiver in the test, on SQLite and PostgreSQL.

One run walks the whole issue: 50 concurrent creations with one key → one payment; pay on the
mock → 5 concurrent duplicate callbacks → one state change → one signed webhook, verified by
the receiver; forged and tampered callbacks change nothing; a lost callback is settled by the
reconcile job (its ages set to seconds here)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import uvicorn

from gateway.services.payments.webhooks import verify
from gateway.settings import DEV_PAYMENT_SECRET
from security.checksums import maxacthuc_callback
from tests.api.payment_samples import payment_body
from tests.support.processes import free_port, gateway_stack, running

pytestmark = [pytest.mark.network, pytest.mark.slow]

WEBHOOK_SECRET = "e2e-webhook-secret"


class Receiver:
    """The province: accepts webhooks whose Lienthong-Signature verifies, remembers them."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = secrets
        self.accepted: list[dict[str, Any]] = []
        self.refused = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:  # a bare ASGI app
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        header = dict(scope["headers"]).get(b"lienthong-signature", b"").decode()
        ok = verify(body, header, self.secrets, now=int(time.time()))
        if ok:
            self.accepted.append(json.loads(body))
        else:
            self.refused += 1
        await send({"type": "http.response.start", "status": 204 if ok else 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def events_of(self, payment_id: str) -> list[str]:
        return [e["type"] for e in self.accepted if e["data"]["payment"]["id"] == payment_id]

    async def wait_for(self, payment_id: str, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while not self.events_of(payment_id):
            assert time.monotonic() < deadline, f"no webhook for {payment_id}"
            await asyncio.sleep(0.1)


def _callback(reference: str, *, amount: int = 150000, secret: str = DEV_PAYMENT_SECRET) -> dict[str, Any]:
    """A success callback for ``reference`` signed with ``secret`` (the platform's, or a forger's)."""
    body: dict[str, Any] = {
        "LoaiBanTin": "CALLBACK", "MaLoi": "00", "MaDoiTac": "LIENTHONG", "MaThamChieu": reference,
        "SoTien": amount, "MaTienTe": "VND", "MaGiaoDich": "GD-FORGED", "MaNganHang": "VCB",
        "ThoiGianGD": "20261122093000", "ThongTinGiaoDich": "Le phi",
    }
    body["MaXacThuc"] = maxacthuc_callback(body, secret)
    return body


async def test_payment_flow_end_to_end(tmp_path, database_url: str) -> None:
    """Create (50× one key → one) → pay → 5 duplicate callbacks → one signed webhook; forgeries change nothing; a lost callback is reconciled."""
    receiver = Receiver([WEBHOOK_SECRET])
    hook_port = free_port()
    server = uvicorn.Server(uvicorn.Config(receiver, host="127.0.0.1", port=hook_port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    mocks, gateway, env = gateway_stack(
        tmp_path, database_url=database_url,
        province_webhook_url=f"http://127.0.0.1:{hook_port}/hooks", province_webhook_secret=WEBHOOK_SECRET,
        payment_reconcile_min_age="2", payment_reconcile_interval="1",
    )
    api_url = f"http://127.0.0.1:{env['LIENTHONG_PORT']}"
    mocks_url = f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}"
    try:
        with running(mocks, gateway):
            async with httpx.AsyncClient(base_url=api_url, timeout=30) as api, \
                    httpx.AsyncClient(base_url=mocks_url, timeout=30) as admin:
                await _walk(api, admin, receiver)
    finally:
        server.should_exit = True
        await serving
    assert receiver.refused == 0
    assert len({e["id"] for e in receiver.accepted}) == len(receiver.accepted)


async def _walk(api: httpx.AsyncClient, admin: httpx.AsyncClient, receiver: Receiver) -> None:
    form = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret"}
    token = (await api.post("/oauth/token", data=form)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    async def create(key: str, dossier: str) -> dict[str, Any]:
        reply = await api.post("/v1/payments", json=payment_body(dossier_code=dossier),
                               headers={**auth, "Idempotency-Key": key})
        assert reply.status_code == 201, reply.text
        return dict(reply.json()["payment"])

    async def status(payment: dict[str, Any]) -> str:
        return str((await api.get(f"/v1/payments/{payment['id']}", headers=auth)).json()["payment"]["status"])

    # 50 concurrent POSTs with one key: one payment, one INIT; the rest replay it or get 409.
    replies = await asyncio.gather(*(
        api.post("/v1/payments", json=payment_body(dossier_code="E2E-1"), headers={**auth, "Idempotency-Key": "e2e-1"})
        for _ in range(50)
    ))
    assert {r.status_code for r in replies} <= {201, 409}
    assert len({r.json()["payment"]["id"] for r in replies if r.status_code == 201}) == 1
    paid = next(r.json()["payment"] for r in replies if r.status_code == 201)
    listed = await api.get("/v1/payments", params={"dossier_code": "E2E-1"}, headers=auth)
    assert [p["id"] for p in listed.json()["payments"]] == [paid["id"]]
    inits = await admin.get("/__admin/requests", params={"target": "payment", "operation": "INIT"})
    assert len(inits.json()["requests"]) == 1

    # Pay on the mock: it sends 5 identical callbacks at once; one change, one webhook.
    done = await admin.post(f"/__admin/payments/{paid['reference']}-1/complete",
                            json={"result": "success", "duplicates": 5, "concurrent": True})
    assert done.status_code == 200, done.text
    assert [c["reply"]["MaLoi"] for c in done.json()["callbacks"]] == ["00"] * 5
    assert all(c["reply_checksum_ok"] for c in done.json()["callbacks"])
    await receiver.wait_for(paid["id"])
    assert await status(paid) == "paid"

    # Forged (a wrong secret) and tampered (SoTien changed after signing) callbacks: 97, nothing moves.
    untouched = await create("e2e-2", "E2E-2")
    ref = f"{untouched['reference']}-1"
    tampered = {**_callback(ref), "SoTien": 1000}
    for body in (_callback(ref, secret="not-the-platform"), tampered, _callback(ref, amount=1000, secret="x")):
        reply = await api.post("/national/payment/callback", json=body)
        assert reply.status_code == 200 and reply.json()["MaLoi"] == "97", reply.text

    # A lost callback: the citizen paid, the platform never called back; reconciliation settles it.
    lost = await create("e2e-3", "E2E-3")
    gone = await admin.post(f"/__admin/payments/{lost['reference']}-1/complete",
                            json={"result": "success", "send": False})
    assert gone.json()["callbacks"] == [] and gone.json()["lost"]
    await receiver.wait_for(lost["id"])
    settled = (await api.get(f"/v1/payments/{lost['id']}", headers=auth)).json()["payment"]
    assert settled["status"] == "paid" and settled["transaction_id"]

    await asyncio.sleep(1.5)  # room for a (wrong) second webhook or a late change to show up
    assert receiver.events_of(paid["id"]) == ["payment.paid"]
    assert receiver.events_of(lost["id"]) == ["payment.paid"]
    assert receiver.events_of(untouched["id"]) == []
    assert await status(untouched) == "pending"  # still pending after several reconcile runs
    feed = (await api.get("/v1/events", params={"after": ""}, headers=auth)).json()["events"]
    assert sorted(e["data"]["payment"]["id"] for e in feed) == sorted([paid["id"], lost["id"]])
