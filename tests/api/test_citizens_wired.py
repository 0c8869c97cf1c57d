"""Citizen lookup through the real app factory: signed SOAP to the mock, audited."""

from __future__ import annotations

from sqlalchemy import select

from gateway.settings import Settings
from gateway.store.tables import audit_entries
from tests.support.gateway import in_process_stack

LOOKUP = {"id_number": "001203012345", "purpose": "Xác minh chủ hồ sơ", "officer_id": "cb.0012"}


async def test_lookup_and_verify_through_the_app(settings: Settings) -> None:
    """create_app wires the population adapter: a seeded citizen is found, verify answers, and
    each exchange lands in the audit table with its WS-Security signature verified."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token("citizens.read")
        reply = await stack.api.post("/v1/citizens/lookup", json=LOOKUP, headers=auth)
        assert reply.status_code == 200, reply.text
        citizen = reply.json()["citizen"]
        assert citizen["id_number"] == "001203012345"
        assert reply.json()["source"] == "population"
        verify = await stack.api.post("/v1/citizens/verify", json={**LOOKUP, "full_name": citizen["full_name"]}, headers=auth)
        assert verify.json() == {"match": True}
        async with stack.container.db.read() as conn:
            rows = (await conn.execute(select(audit_entries).where(audit_entries.c.peer == "population"))).all()
        lookups = [r for r in rows if r.operation == "TraCuuThongTinCongDan"]
        assert lookups and lookups[0].officer_id == "cb.0012" and lookups[0].purpose == "Xác minh chủ hồ sơ"
        assert lookups[0].signature_scheme == "wsse-rsa-sha256" and lookups[0].signature_verified is True
        row = lookups[0]
        assert b"TraCuuThongTinCongDan" not in row.request_body  # personal data encrypted at rest
        sent = stack.container.audit.protection.reveal(row.request_body, row.body_protection, "request", row.request_digest)
        assert b"TraCuuThongTinCongDan" in sent


async def test_missing_scope_is_403(settings: Settings) -> None:
    async with in_process_stack(settings) as stack:
        auth = await stack.token("dossiers.read")
        reply = await stack.api.post("/v1/citizens/lookup", json=LOOKUP, headers=auth)
        assert reply.status_code == 403 and reply.json()["code"] == "forbidden"


async def test_an_oversized_body_is_in_the_audit_table(settings: Settings) -> None:
    """The body limit's 413 for /v1/citizens/lookup lands in the audit table (peer province, no body)."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token("citizens.read")
        big = b'{"id_number": "' + b"1" * (settings.max_body_bytes + 1) + b'"}'
        reply = await stack.api.post("/v1/citizens/lookup", content=big, headers=auth)
        assert reply.status_code == 413
        async with stack.container.db.read() as conn:
            rows = (await conn.execute(select(audit_entries).where(audit_entries.c.outcome == "payload_too_large"))).all()
        assert [(r.peer, r.operation, r.http_status, r.request_id) for r in rows] == [
            ("province", "citizens.lookup", 413, reply.headers["X-Request-ID"])]
        assert not rows[0].request_body


async def test_the_openapi_document_names_the_scope_and_the_reply(settings: Settings) -> None:
    """The citizen routes check the caller themselves (no dependency to solve); the app's
    OpenAPI document still names their scope, request body and reply model."""
    async with in_process_stack(settings) as stack:
        spec = (await stack.api.get("/openapi.json")).json()
    for path, reply in (("/v1/citizens/lookup", "CitizenLookupResponse"), ("/v1/citizens/verify", "CitizenVerifyResponse")):
        operation = spec["paths"][path]["post"]
        assert operation["security"] == [{"ClientCredentials": ["citizens.read"]}]
        assert "id_number" in operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(reply)
