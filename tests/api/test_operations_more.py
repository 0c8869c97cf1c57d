"""Metrics, procedures (cached from the portal), dead letters and production-mode refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app import create_app
from gateway.errors import ConfigurationError
from gateway.settings import Settings
from gateway.store.tables import outbox
from tests.api.dossier_samples import dossier
from tests.support.gateway import in_process_stack


async def test_metrics_expose_upstream_calls_and_circuits(settings: Settings) -> None:
    """/metrics is Prometheus text naming the upstream call counter after a call was made."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        await stack.api.get("/v1/procedures/1.001612", headers=auth)
        text = (await stack.api.get("/metrics")).text
        assert "lienthong_upstream_calls_total" in text
        assert "lienthong_upstream_circuit_state" in text


async def test_procedure_is_fetched_once_then_served_from_cache(settings: Settings) -> None:
    """GET /v1/procedures/{code} normalizes LayThuTuc; the second read does not call the portal."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token("dossiers.read")
        first = await stack.api.get("/v1/procedures/1.001612", headers=auth)
        assert first.status_code == 200, first.text
        assert first.json()["code"] == "1.001612" and first.json()["name"]
        journal = (await stack.admin.get("/__admin/requests", params={"operation": "LayThuTuc"})).json()
        again = await stack.api.get("/v1/procedures/1.001612", headers=auth)
        assert again.json() == first.json()
        assert (await stack.admin.get("/__admin/requests", params={"operation": "LayThuTuc"})).json()["count"] == journal["count"]
        missing = await stack.api.get("/v1/procedures/9.999999", headers=auth)
        assert missing.status_code == 404 and missing.json()["code"] == "procedure_not_found"


async def test_dead_letters_are_listed_and_replayed(settings: Settings) -> None:
    """A dead message shows in /v1/sync/dead-letters and /v1/sync/status; replay delivers it."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        await stack.api.put("/v1/dossiers/DEAD-1", json=dossier(), headers=auth)
        async with stack.container.db.begin() as conn:
            await conn.execute(update(outbox).values(state="dead", attempts=10, last_error="upstream_timeout: slow"))
        dead = (await stack.api.get("/v1/sync/dead-letters", headers=auth)).json()["items"]
        assert [d["key"] for d in dead] == ["DEAD-1"] and dead[0]["last_error"] == "upstream_timeout: slow"
        status = (await stack.api.get("/v1/sync/status", headers=auth)).json()
        assert status["dead_letters"] == 1 and status["circuits"]["portal"] == "closed"
        assert (await stack.api.get("/v1/dossiers/DEAD-1", headers=auth)).json()["sync"]["state"] == "dead"
        replay = await stack.api.post(f"/v1/sync/dead-letters/{dead[0]['id']}/replay", headers=auth)
        assert replay.status_code == 202
        while await stack.container.outbox.run_once():
            pass
        assert (await stack.api.get("/v1/dossiers/DEAD-1", headers=auth)).json()["sync"]["state"] == "synced"
        assert (await stack.api.post("/v1/sync/dead-letters/999/replay", headers=auth)).status_code == 404
        reader = await stack.token("dossiers.read")
        assert (await stack.api.get("/v1/sync/status", headers=reader)).status_code == 403


def test_production_mode_refuses_development_secrets(tmp_path) -> None:
    """LIENTHONG_MODE=production with default secrets does not start, and says why."""
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(mode="production", var_dir=tmp_path))
    assert "LIENTHONG_PORTAL_PASSWORD" in str(refused.value)
