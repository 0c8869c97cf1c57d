"""The mocks' stand-in for the province's webhook receiver keeps what it was sent."""

from __future__ import annotations

import httpx

from mocks.app import create_mocks_app


async def test_webhooks_are_kept_with_their_signature_header() -> None:
    """A POST to /__admin/webhooks is listed back with its body and headers, in order."""
    app = create_mocks_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mocks") as http:
        for n in (1, 2):
            reply = await http.post("/__admin/webhooks", content=f'{{"id": "evt_{n}"}}',
                                    headers={"Lienthong-Signature": f"t=1,v1=ab{n}"})
            assert reply.status_code == 200
        kept = (await http.get("/__admin/webhooks")).json()["webhooks"]
    assert [w["body"] for w in kept] == ['{"id": "evt_1"}', '{"id": "evt_2"}']
    assert kept[1]["headers"]["lienthong-signature"] == "t=1,v1=ab2"
