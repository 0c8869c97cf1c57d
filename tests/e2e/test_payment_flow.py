"""The payment flow over real sockets: gateway and mock platform in their own processes, the
province's webhook receiver in the test. create → pay on the mock → 5 concurrent duplicate
callbacks → one state change → one signed webhook, verified by the receiver."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import uvicorn

from gateway.services.payments.webhooks import verify
from gateway.settings import DEV_WEBHOOK_SECRET
from tests.support.processes import free_port, gateway_stack, running

pytestmark = [pytest.mark.network, pytest.mark.slow]


class Receiver:
    """The province: accepts webhooks whose Lienthong-Signature verifies, remembers them."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = secrets
        self.accepted: list[dict] = []
        self.refused = 0

    async def __call__(self, scope, receive, send) -> None:  # a bare ASGI app
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


def _payment_body() -> dict:
    return {
        "dossier_code": "E2E-PAY-1", "procedure_code": "1.001612", "procedure_name": "Đăng ký hộ kinh doanh",
        "agency_code": "000.00.12.H56", "agency_name": "UBND huyện A", "amount": 150000,
        "description": "Lệ phí", "payer": {"full_name": "NGUYỄN VĂN A"},
        "fees": [{"name": "Lệ phí", "amount": 150000, "kind": "le_phi"}],
    }


async def test_pay_duplicate_callbacks_one_signed_webhook(tmp_path) -> None:
    """Five concurrent duplicate callbacks make one state change and one webhook whose signature verifies."""
    receiver = Receiver([DEV_WEBHOOK_SECRET])
    hook_port = free_port()
    server = uvicorn.Server(uvicorn.Config(receiver, host="127.0.0.1", port=hook_port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    mocks, gateway, env = gateway_stack(tmp_path, province_webhook_url=f"http://127.0.0.1:{hook_port}/hooks")
    api_url = f"http://127.0.0.1:{env['LIENTHONG_PORT']}"
    mocks_url = f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}"
    try:
        with running(mocks, gateway):
            async with httpx.AsyncClient(base_url=api_url, timeout=10) as api, \
                    httpx.AsyncClient(base_url=mocks_url, timeout=30) as admin:
                form = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret"}
                token = (await api.post("/oauth/token", data=form)).json()["access_token"]
                auth = {"Authorization": f"Bearer {token}"}
                created = await api.post("/v1/payments", json=_payment_body(),
                                         headers={**auth, "Idempotency-Key": "e2e-1"})
                assert created.status_code == 201, created.text
                payment = created.json()["payment"]
                done = await admin.post(f"/__admin/payment/{payment['reference']}-1/complete",
                                        json={"result": "success", "duplicates": 5, "concurrent": True})
                assert [c["reply"]["MaLoi"] for c in done.json()["callbacks"]] == ["00"] * 5
                for _ in range(100):
                    if receiver.accepted:
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)  # room for a (wrong) second webhook to show up
                read = await api.get(f"/v1/payments/{payment['id']}", headers=auth)
                assert read.json()["payment"]["status"] == "paid"
    finally:
        server.should_exit = True
        await serving
    assert receiver.refused == 0
    assert [event["type"] for event in receiver.accepted] == ["payment.paid"]
    assert receiver.accepted[0]["data"]["payment"]["id"] == payment["id"]
