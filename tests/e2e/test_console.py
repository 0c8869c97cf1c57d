"""The officers' console in headless Chromium: log in, open an exchange, and see its inclusion
proof and the checkpoint's signature verified *in the browser*; a row edited in the database
is shown as failing; operators see sync status and charts."""

from __future__ import annotations

import asyncio
import os
import sqlite3

import httpx
import pytest

from app import create_app
from gateway.settings import DEV_PORTAL_PUSH_TOKEN, Settings
from tests.e2e.cdp import chromium_page, chromium_path
from tests.support.servers import serve_asgi

pytestmark = [
    pytest.mark.network,
    # In CI Chromium must be there (make system-deps): missing, the test fails instead of skipping.
    pytest.mark.skipif(chromium_path() is None and not os.environ.get("CI"),
                       reason="chromium is not installed (make system-deps)"),
]


async def _prepare(base: str) -> None:
    """A few audited exchanges (a refused portal push with bodies, officer reads), sealed
    and covered by a checkpoint."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        reply = await http.post("/national/portal/dossiers", json={"MaHoSo": 5},
                                headers={"Authorization": f"Bearer {DEV_PORTAL_PUSH_TOKEN}"})
        assert reply.status_code == 400
        form = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret"}
        token = (await http.post("/oauth/token", data=form)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(3):
            await http.get("/v1/audit/certificates", headers=auth)
        for _ in range(100):
            latest = await http.get("/v1/audit/checkpoints/latest", headers=auth)
            if latest.status_code == 200 and latest.json()["size"] >= 4:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("no checkpoint covered the first entries")


async def test_console_verifies_an_inclusion_proof_in_the_browser(tmp_path) -> None:
    db_file = tmp_path / "gateway.db"
    settings = Settings(var_dir=tmp_path / "var", database_url=f"sqlite+aiosqlite:///{db_file}",
                        outbox_enabled=False, audit_seal_interval_seconds=0.1, audit_checkpoint_every=4)
    with serve_asgi(create_app(settings)) as base:
        await _prepare(base)
        async with chromium_page(tmp_path / "profile") as page:
            await page.goto(f"{base}/console")
            await page.js("""(() => {
                document.getElementById('client-id').value = 'demo';
                document.getElementById('client-secret').value = 'demo-secret';
                document.getElementById('login-form').requestSubmit(); })()""")
            await page.wait_for("document.querySelectorAll('#entries tbody tr').length >= 4")
            assert await page.js("document.getElementById('login-view').hidden") is True
            # The plain-http fallback SHA-256 agrees with Web Crypto (FIPS 180-4 "abc", and more).
            assert await page.js("LT.hex(LT.sha256js(new TextEncoder().encode('abc')))") == (
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            assert await page.js("""(async () => { for (const n of [0, 55, 56, 64, 119, 1000]) {
                const data = new Uint8Array(n).map((_, i) => i * 7);
                if (LT.hex(LT.sha256js(data)) !== LT.hex(await LT.sha256(data))) return n; } return 'same'; })()""") == "same"

            # The portal push: entry 1, inbound, with its bodies.
            await page.js("document.querySelector('#entries tbody tr[data-seq=\"1\"]').click()")
            status = await page.wait_for(
                "(t => t.startsWith('checking') ? '' : t)(document.getElementById('proof-status').textContent)")
            assert status.startswith("Inclusion proof verified in this browser: entry 1 is in the tree of size")
            signature = await page.wait_for("document.getElementById('checkpoint-status').textContent")
            assert signature.startswith("Checkpoint signature verified"), signature
            assert '"MaHoSo"' in await page.js("document.getElementById('d-request').textContent")
            assert "push-dossier" in await page.js("document.getElementById('d-fields').textContent")

            # Someone edits entry 2 in the database: the browser's own hashing says so.
            with sqlite3.connect(db_file) as conn:
                conn.execute("UPDATE audit_entries SET caller = 'nobody' WHERE log_seq = 2")
            await page.js("document.querySelector('#entries tbody tr[data-seq=\"2\"]').click()")
            failed = await page.wait_for(
                "(t => t.startsWith('checking') || t.startsWith('Inclusion proof verified') ? '' : t)"
                "(document.getElementById('proof-status').textContent)")
            assert failed.startswith("Leaf hash FAILED"), failed

            # Operators: the demo client holds admin, so sync status and charts show.
            await page.js("document.querySelector('nav button[data-tab=\"operations\"]').click()")
            await page.wait_for("document.querySelector('#exchange-chart svg rect') !== null")
            assert await page.js("document.getElementById('sync-panel').hidden") is False
            assert "portal" in await page.wait_for("document.getElementById('circuits').textContent")
            assert "backlog" in await page.js("document.getElementById('sync-figures').textContent")
            png = await page.screenshot()
            assert png.startswith(b"\x89PNG") and len(png) > 10_000
