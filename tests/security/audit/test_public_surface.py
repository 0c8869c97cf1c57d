"""The package's public surface: what the database side, the API and the CLI build on."""

from __future__ import annotations

import security.audit

EXPECTED = {
    # the record written by the exchange pipeline
    "AuditSink", "ExchangeRecord", "ListAuditSink", "sha256_hex",
    # entries
    "Entry", "EntryInvalid", "canonical", "canonical_json", "check_entry", "entry_from_record",
    "entry_leaf_hash", "format_time", "parse_time",
    # the Merkle tree, proofs and their verifiers
    "EMPTY_ROOT", "leaf_hash", "node_hash", "verify_inclusion", "verify_consistency",
    "NodeId", "TreeStore", "NodeMapStore", "InMemoryTreeStore", "MerkleAccumulator",
    "frontier_ids", "range_nodes", "inclusion_plan", "consistency_plan", "plan_nodes",
    "assemble", "root_at", "inclusion_proof", "consistency_proof",
    # checkpoints, keys, witnesses
    "Checkpoint", "sign_checkpoint", "checkpoint_problem", "verify_checkpoint", "AuditKey",
    "AuditKeyring", "write_witness", "read_witness_directory", "compare_with_witness",
    # stored bodies
    "seal_body", "open_body", "envelope_key_id", "BodyEnvelopeError", "redact_body",
    "PERSONAL_FIELDS",
    # bundles
    "BodiesMode", "BodyState", "BundleEntry", "BundleProofs", "bundle_node_ids",
    "bundle_proofs", "write_bundle", "verify_bundle", "Report",
}  # fmt: skip


def test_public_surface_is_exactly_the_documented_one() -> None:
    """``security.audit`` re-exports these names and no others, and each one resolves."""
    assert set(security.audit.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(security.audit, name) is not None


def test_security_audit_imports_nothing_above_security() -> None:
    """The audit package imports only ``security`` and ``contracts`` of ours (house rules)."""
    import ast
    from pathlib import Path

    for path in Path(security.audit.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top = node.module.split(".")[0]
                assert top not in {"gateway", "adapters", "mocks", "app"}, f"{path.name} imports {node.module}"
