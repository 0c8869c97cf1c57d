"""The audit API (/v1/audit): scope, page cap, entries with decrypted bodies, proofs checked by
an independent RFC 6962 verifier, consistency, certificates, and reads being audited."""

from __future__ import annotations

import pytest

from gateway.settings import Settings
from security.audit import canonical
from tests.gateway.services.audit.helpers import (
    record,
    rfc_consistency_ok,
    rfc_leaf,
    rfc_mth,
    rfc_root_from_inclusion,
)
from tests.support.gateway import in_process_stack


async def seal(stack, force: bool = True) -> None:
    sealer = stack.container.services["audit_sealer"]
    while await sealer.run_once():
        pass
    if force:
        await sealer.run_once(force_checkpoint=True)


@pytest.fixture
def audit_settings(tmp_path, database_url) -> Settings:
    # The sealer is driven by hand here, so the test decides when entries are sealed.
    return Settings(var_dir=tmp_path / "var", database_url=database_url, outbox_enabled=False,
                    audit_sealer_enabled=False, audit_checkpoint_every=8)


async def test_callers_without_audit_read_are_refused_and_the_refusal_is_audited(audit_settings) -> None:
    """No token → 401, a token without audit.read → 403; both refusals become entries."""
    async with in_process_stack(audit_settings) as stack:
        assert (await stack.api.get("/v1/audit/entries")).status_code == 401
        auth = await stack.token("dossiers.read")
        for path in ("/v1/audit/entries", "/v1/audit/checkpoints/latest", "/v1/audit/entries/1/proof",
                     "/v1/audit/consistency?from=1&to=2", "/v1/audit/certificates", "/v1/audit/entries/1"):
            reply = await stack.api.get(path, headers=auth)
            assert reply.status_code == 403, path
            assert reply.json()["code"] == "forbidden"
        await seal(stack)
        officer = await stack.token("audit.read")
        items = (await stack.api.get("/v1/audit/entries?operation=audit.read&limit=500", headers=officer)).json()["items"]
        outcomes = [(i["outcome"], i["caller"], i["http_status"]) for i in items]
        assert outcomes[0] == ("unauthorized", None, 401)
        assert outcomes[1:7] == [("forbidden", "demo", 403)] * 6
        assert len(outcomes) == 7  # the listing read itself is not sealed yet…
        await seal(stack)
        later = (await stack.api.get("/v1/audit/entries?after=7", headers=officer)).json()["items"]
        assert (later[0]["outcome"], later[0]["caller"], later[0]["upstream_ref"]) == ("ok", "demo", "entries")


async def test_page_size_is_capped(audit_settings) -> None:
    """limit above 500 is refused with invalid_request; 500 is accepted; absurd numbers are
    refused the same way (never a database error)."""
    async with in_process_stack(audit_settings) as stack:
        auth = await stack.token("audit.read")
        reply = await stack.api.get("/v1/audit/entries?limit=501", headers=auth)
        assert reply.status_code == 422 and reply.json()["code"] == "invalid_request"
        assert (await stack.api.get("/v1/audit/entries?limit=500", headers=auth)).status_code == 200
        for path in (f"/v1/audit/entries/{2**63}", f"/v1/audit/entries?after={2**64}", "/v1/audit/entries/0",
                     f"/v1/audit/consistency?from=1&to={2**63}", "/v1/audit/consistency?from=5&to=2"):
            reply = await stack.api.get(path, headers=auth)
            assert reply.status_code == 422 and reply.json()["code"] == "invalid_request", path


async def test_entries_filters_detail_and_decrypted_bodies(audit_settings) -> None:
    """Entries list in log order with filters; one entry shows its bodies decrypted, matching
    their digests, and its canonical bytes hash to its leaf."""
    async with in_process_stack(audit_settings) as stack:
        for i in range(5):
            await stack.container.audit.record(record(i, peer="payment" if i % 2 else "population"))
        await seal(stack)
        auth = await stack.token("audit.read")
        page = (await stack.api.get("/v1/audit/entries?peer=payment", headers=auth)).json()
        assert [e["upstream_ref"] for e in page["items"]] == ["MYC-1", "MYC-3"]
        first = (await stack.api.get("/v1/audit/entries?request_id=req-0", headers=auth)).json()["items"][0]
        assert first["signature"] == {"scheme": "wsse-rsa-sha256", "key_id": "peer-kid", "verified": True}
        detail = (await stack.api.get(f"/v1/audit/entries/{first['seq']}", headers=auth)).json()
        assert detail["body_protection"] == "encrypted"
        assert detail["request_body"]["state"] == "exact" and detail["request_body"]["digest_matches"] is True
        assert "<SoDinhDanh>000000000000</SoDinhDanh>" in detail["request_body"]["content"]
        assert rfc_leaf(detail["canonical"].encode()).hex() == detail["leaf_hash"] == first["leaf_hash"]
        assert (await stack.api.get("/v1/audit/entries/9999", headers=auth)).status_code == 404


async def test_inclusion_and_consistency_proofs_verify_independently(audit_settings) -> None:
    """Every entry's inclusion proof against several sizes, and consistency proofs between
    sizes, check out with the test's own RFC 6962 code, against signed checkpoint roots."""
    async with in_process_stack(audit_settings) as stack:
        for i in range(21):
            await stack.container.audit.record(record(i))
        await seal(stack)
        auth = await stack.token("audit.read")
        entries = (await stack.api.get("/v1/audit/entries?limit=500", headers=auth)).json()["items"]
        leaves = [rfc_leaf(canonical({k: v for k, v in e.items() if k != "leaf_hash"})) for e in entries]
        latest = (await stack.api.get("/v1/audit/checkpoints/latest", headers=auth)).json()
        n = latest["size"]
        assert n == len(entries) and bytes.fromhex(latest["root"]) == rfc_mth(leaves[:n])
        for size in (1, 7, 8, 13, n):
            for seq in range(1, size + 1):
                proof = (await stack.api.get(f"/v1/audit/entries/{seq}/proof?size={size}", headers=auth)).json()
                path = [bytes.fromhex(h) for h in proof["proof"]]
                assert bytes.fromhex(proof["leaf_hash"]) == leaves[seq - 1]
                assert rfc_root_from_inclusion(seq - 1, size, leaves[seq - 1], path) == rfc_mth(leaves[:size])
        default = (await stack.api.get("/v1/audit/entries/3/proof", headers=auth)).json()
        assert default["tree_size"] == n and default["checkpoint"]["root"] == latest["root"]
        for m, k in ((0, n), (1, n), (4, 13), (7, 8), (8, n), (13, 13), (5, 21)):
            body = (await stack.api.get(f"/v1/audit/consistency?from={m}&to={k}", headers=auth)).json()
            proof = [bytes.fromhex(h) for h in body["proof"]]
            assert rfc_consistency_ok(m, k, rfc_mth(leaves[:m]), rfc_mth(leaves[:k]), proof, leaves), (m, k)
        beyond = await stack.api.get(f"/v1/audit/entries/1/proof?size={n + 50}", headers=auth)
        assert beyond.status_code == 422


async def test_certificates_list_current_and_retired_keys(audit_settings) -> None:
    """wsse, audit and caller-jwt public records; after a rotation the old audit key is retired."""
    async with in_process_stack(audit_settings) as stack:
        auth = await stack.token("audit.read")
        stack.container.keys.rotate("audit")
        items = (await stack.api.get("/v1/audit/certificates", headers=auth)).json()["items"]
        purposes = {i["purpose"] for i in items}
        assert {"wsse", "audit", "caller-jwt"} <= purposes and "at-rest" not in purposes
        audit = [i for i in items if i["purpose"] == "audit"]
        assert [i["status"] for i in audit] == ["active", "retired"]
        assert audit[0]["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
        assert all("private" not in key for i in items for key in i)


async def test_a_stored_soap_request_verifies_with_xmlsec1_as_documented(audit_settings, tmp_path) -> None:
    """docs/audit.md: the request body of a citizen lookup, read back (decrypted) from the
    audit API, verifies with xmlsec1 against the wsse certificate from /v1/audit/certificates;
    an altered copy does not."""
    import shutil
    import subprocess

    xmlsec1 = shutil.which("xmlsec1")
    assert xmlsec1, "the xmlsec1 command-line tool is required (make system-deps)"
    async with in_process_stack(audit_settings) as stack:
        lookup = {"id_number": "001203012345", "purpose": "Xác minh chủ hồ sơ", "officer_id": "cb.0012"}
        reply = await stack.api.post("/v1/citizens/lookup", json=lookup, headers=await stack.token("citizens.read"))
        assert reply.status_code == 200, reply.text
        await seal(stack)
        auth = await stack.token("audit.read")
        [item] = (await stack.api.get("/v1/audit/entries?operation=TraCuuThongTinCongDan", headers=auth)).json()["items"]
        detail = (await stack.api.get(f"/v1/audit/entries/{item['seq']}", headers=auth)).json()
        assert detail["body_protection"] == "encrypted" and detail["request_body"]["digest_matches"] is True
        certs = (await stack.api.get("/v1/audit/certificates", headers=auth)).json()["items"]
        wsse = next(c for c in certs if c["purpose"] == "wsse" and c["status"] == "active")
    message, cert = tmp_path / "request.xml", tmp_path / "wsse-cert.pem"
    message.write_text(detail["request_body"]["content"], encoding="utf-8")
    cert.write_text(wsse["certificate_pem"])
    command = [xmlsec1, "--verify", "--id-attr:Id", "Body", "--id-attr:Id", "Timestamp",
               "--pubkey-cert-pem", str(cert), str(message)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    message.write_text(detail["request_body"]["content"].replace("001203012345", "001203012346"), encoding="utf-8")
    assert subprocess.run(command, capture_output=True, timeout=30, check=False).returncode != 0
