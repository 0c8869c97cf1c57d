"""The audit trail of exchanges with national systems: record type and sink protocol, and the
tamper-evident log (RFC 6962 Merkle tree, signed checkpoints, bundles, offline verifier)."""

from security.audit.accumulator import MerkleAccumulator, frontier_ids
from security.audit.memory_store import InMemoryTreeStore
from security.audit.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from security.audit.record import AuditSink, ExchangeRecord, ListAuditSink, sha256_hex
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

__all__ = [
    "EMPTY_ROOT",
    "AuditSink",
    "ExchangeRecord",
    "InMemoryTreeStore",
    "ListAuditSink",
    "MerkleAccumulator",
    "NodeId",
    "NodeMapStore",
    "TreeStore",
    "assemble",
    "consistency_plan",
    "consistency_proof",
    "frontier_ids",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "plan_nodes",
    "range_nodes",
    "root_at",
    "sha256_hex",
    "verify_consistency",
    "verify_inclusion",
]
