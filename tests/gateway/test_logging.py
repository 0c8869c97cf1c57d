"""No personal id, name, token or secret reaches a log line."""

from __future__ import annotations

import io
import json

import structlog

from gateway.logging import configure_logging


def test_redaction_masks_sensitive_keys_and_values_in_any_string() -> None:
    """Sensitive keys are replaced whole; ids, JWTs and bearer tokens inside free text are masked."""
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    try:
        log = structlog.get_logger("t")
        jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"
        log.info("citizen.lookup", id_number="001203012345", full_name="NGUYỄN VĂN A", password="hunter2",
                 detail=f"looked up 001203012345 / 012345678 with Bearer {jwt}", nested={"SoDinhDanh": "079195004321"},
                 status=200)
        line = stream.getvalue()
    finally:
        structlog.reset_defaults()
    for secret in ("001203012345", "012345678", "NGUYỄN", "hunter2", jwt, "079195004321"):
        assert secret not in line
    record = json.loads(line)
    assert record["status"] == 200 and record["event"] == "citizen.lookup"
    assert record["id_number"] == "[redacted]"


async def test_a_dossier_flow_logs_no_personal_data(settings) -> None:
    """Driving the API with personal data (applicant id, name, phone) logs none of it."""
    from tests.api.dossier_samples import dossier, event
    from tests.support.gateway import in_process_stack

    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    try:
        async with in_process_stack(settings) as stack:
            auth = await stack.token()
            await stack.api.put("/v1/dossiers/LOG-1", json=dossier(), headers=auth)
            await stack.api.post("/v1/dossiers/LOG-1/events", json=event("accepted", 1), headers=auth)
            while await stack.container.outbox.run_once():
                pass
    finally:
        structlog.reset_defaults()
    text = stream.getvalue()
    assert "outbox.delivered" in text  # the flow did log
    for secret in ("001203012345", "NGUYỄN VĂN A", "0912345678", "demo-secret", auth["Authorization"][7:]):
        assert secret not in text
