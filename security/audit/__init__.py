"""The audit trail of exchanges with national systems: record type and sink protocol, and the
tamper-evident log (RFC 6962 Merkle tree, signed checkpoints, bundles, offline verifier)."""

from security.audit.accumulator import MerkleAccumulator, frontier_ids
from security.audit.bodies import BodyEnvelopeError, envelope_key_id, open_body, seal_body
from security.audit.bundle import (
    BodiesMode,
    BodyState,
    BundleEntry,
    BundleProofs,
    bundle_node_ids,
    bundle_proofs,
    write_bundle,
)
from security.audit.checkpoint import (
    Checkpoint,
    checkpoint_problem,
    sign_checkpoint,
    verify_checkpoint,
)
from security.audit.entry import (
    Entry,
    EntryInvalid,
    canonical,
    canonical_json,
    check_entry,
    entry_from_record,
    entry_leaf_hash,
    format_time,
    parse_time,
)
from security.audit.keys import AuditKey, AuditKeyring
from security.audit.memory_store import InMemoryTreeStore
from security.audit.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from security.audit.record import AuditSink, ExchangeRecord, ListAuditSink, sha256_hex
from security.audit.redaction import PERSONAL_FIELDS, redact_body
from security.audit.report import Report
from security.audit.tree import (
    NodeId,
    NodeMapStore,
    TreeStore,
    assemble,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    plan_nodes,
    range_nodes,
    root_at,
)
from security.audit.verify import verify_bundle
from security.audit.witness import compare_with_witness, read_witness_directory, write_witness

__all__ = [
    "EMPTY_ROOT",
    "PERSONAL_FIELDS",
    "AuditKey",
    "AuditKeyring",
    "AuditSink",
    "BodiesMode",
    "BodyEnvelopeError",
    "BodyState",
    "BundleEntry",
    "BundleProofs",
    "Checkpoint",
    "Entry",
    "EntryInvalid",
    "ExchangeRecord",
    "InMemoryTreeStore",
    "ListAuditSink",
    "MerkleAccumulator",
    "NodeId",
    "NodeMapStore",
    "Report",
    "TreeStore",
    "assemble",
    "bundle_node_ids",
    "bundle_proofs",
    "canonical",
    "canonical_json",
    "check_entry",
    "checkpoint_problem",
    "compare_with_witness",
    "consistency_plan",
    "consistency_proof",
    "entry_from_record",
    "entry_leaf_hash",
    "envelope_key_id",
    "format_time",
    "frontier_ids",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_body",
    "parse_time",
    "plan_nodes",
    "range_nodes",
    "read_witness_directory",
    "redact_body",
    "root_at",
    "seal_body",
    "sha256_hex",
    "sign_checkpoint",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "write_bundle",
    "write_witness",
]
