"""``lienthong audit verify`` without ``--bundle``: the live database, end to end.

Reads the whole log once, in ``log_seq`` order, and checks:

- sequence: ``log_seq`` runs 1..n without a gap (a deleted row is named);
- each entry: its row, put back in canonical form, hashes to the leaf stored when it was
  sealed (an edited row is named by its seq); its stored bodies (decrypted) match their
  digests unless redacted or purged;
- the tree: the stored leaves rebuild every stored complete subtree (what proofs are made
  of) and, at each checkpoint's size, the checkpoint's root;
- each checkpoint: signed by an audit key valid at its time (rotation-aware), not beyond the
  log's size;
- optionally, a directory witness: its checkpoints are consistent with the database's tree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from gateway.services.audit import log as audit_log
from gateway.services.audit.protection import BodyEnvelopeError, BodyProtection
from gateway.services.audit.reader import _with_leaf
from gateway.store.tables.audit import audit_entries
from security.audit import (
    AuditKeyring,
    EntryInvalid,
    MerkleAccumulator,
    NodeMapStore,
    Report,
    canonical,
    checkpoint_problem,
    compare_with_witness,
    consistency_plan,
    consistency_proof,
    leaf_hash,
    plan_nodes,
    read_witness_directory,
    sha256_hex,
)

CHUNK = 2000
e = audit_entries
Progress = Callable[[int, int], None]


def verify_live(
    conn: Connection,
    keyring: AuditKeyring,
    protection: BodyProtection | None = None,
    *,
    witness_dir: str | Path | None = None,
    progress: Progress | None = None,
    max_problems: int = 1000,
) -> Report:
    """Check the log in the database; ``protection`` given: also check the stored bodies."""
    report = Report(max_problems=max_problems)
    size = audit_log.sealed_size(conn)
    checkpoints = audit_log.checkpoints(conn)
    report.tree_size, report.checkpoints = size, len(checkpoints)
    by_size = {}
    for checkpoint in checkpoints:
        problem = checkpoint_problem(checkpoint, keyring)
        if problem:
            report.problem(f"checkpoint size {checkpoint.size}: {problem}")
        if checkpoint.size > size:
            report.problem(f"checkpoint size {checkpoint.size}: beyond the log's {size} entries (entries removed)")
        by_size[checkpoint.size] = checkpoint
    tree = MerkleAccumulator()  # over the stored leaves
    expected = 1
    columns = [*audit_log.ENTRY_COLUMNS, e.c.body_protection, e.c.bodies_purged_at]
    if protection is not None:
        columns += [e.c.request_body, e.c.response_body]
    for start in range(1, size + 1, CHUNK):
        query = _with_leaf(*columns).where(e.c.log_seq.between(start, start + CHUNK - 1)).order_by(e.c.log_seq)
        finished: list[tuple[tuple[int, int], bytes]] = []
        for row in conn.execute(query):
            seq = row.log_seq
            if seq != expected:
                which = f"entry {expected}" if seq == expected + 1 else f"entries {expected}..{seq - 1}"
                report.problem(f"{which} missing (sequence jumps {expected - 1} → {seq})")
                return _stop(report, "the tree cannot be rebuilt past a missing entry")
            expected = seq + 1
            stored = bytes(row.leaf_hash) if row.leaf_hash is not None else None
            _check_entry(report, row, stored)
            if protection is not None:
                _check_bodies(report, row, protection)
            if stored is None:
                return _stop(report, f"no stored leaf hash for entry {seq}")
            finished.extend(node for node in tree.append(stored) if node[0][0] > 0)
            checkpoint = by_size.get(tree.size)
            if checkpoint is not None and checkpoint.root != tree.root():
                report.problem(f"checkpoint size {tree.size}: root does not match the stored leaves "
                               f"(history rewritten at or before entry {tree.size})")  # fmt: skip
            report.entries += 1
        _check_subtrees(report, conn, finished)
        if progress is not None:
            progress(expected - 1, size)
    if expected - 1 != size:
        report.problem(f"entries {expected}..{size} missing")
    report.first_seq, report.last_seq = (1, size) if size else (None, None)
    if witness_dir is not None:
        _check_witness(report, conn, keyring, witness_dir, size, tree)
    return report


def unsealed_count(conn: Connection) -> int:
    """Rows the sealer has not reached yet (not a problem: it runs behind the requests)."""
    return int(conn.execute(select(func.count()).where(e.c.log_seq.is_(None))).scalar() or 0)


def _stop(report: Report, why: str) -> Report:
    report.problem(f"verification stopped: {why}")
    return report


def _check_entry(report: Report, row: Any, stored: bytes | None) -> None:
    seq = row.log_seq
    try:
        computed = leaf_hash(canonical(audit_log.entry_of(row)))
    except (EntryInvalid, ValueError) as exc:
        report.problem(f"entry {seq}: malformed in the database ({exc})")
        return
    if stored is not None and computed != stored:
        report.problem(f"entry {seq}: content does not hash to its sealed leaf (row altered after sealing)")


def _check_bodies(report: Report, row: Any, protection: BodyProtection) -> None:
    if row.bodies_purged_at is not None or row.body_protection == "redacted":
        return
    for which, stored, digest in (("request", row.request_body, row.request_digest),
                                  ("response", row.response_body, row.response_digest)):  # fmt: skip
        if stored is None:
            if digest is not None:
                report.problem(f"entry {row.log_seq}: {which} body missing ({which}_digest set, not purged)")
            continue
        try:
            body = protection.reveal(bytes(stored), row.body_protection, which, digest)
        except BodyEnvelopeError as exc:
            report.problem(f"entry {row.log_seq}: {which} body cannot be opened ({exc})")
            continue
        if body is None or sha256_hex(body) != digest:
            report.problem(f"entry {row.log_seq}: {which} body does not match {which}_digest")


def _check_subtrees(report: Report, conn: Connection, finished: list[tuple[tuple[int, int], bytes]]) -> None:
    stored = audit_log.node_hashes(conn, [node for node, _ in finished])
    for node, h in finished:
        if stored.get(node) != h:
            level, idx = node
            lo, hi = idx << level, (idx + 1) << level
            state = "missing" if node not in stored else "differs from its leaves"
            report.problem(f"stored subtree over entries {lo + 1}..{hi} {state} (proofs there would be wrong)")


def _check_witness(report: Report, conn: Connection, keyring: AuditKeyring, directory: str | Path,
                   size: int, tree: MerkleAccumulator) -> None:  # fmt: skip
    witnessed = read_witness_directory(directory)
    for checkpoint in witnessed:
        problem = checkpoint_problem(checkpoint, keyring)
        if problem:
            report.problem(f"witnessed checkpoint size {checkpoint.size}: {problem}")
    ids = set().union(*(plan_nodes(consistency_plan(c.size, size)) for c in witnessed if c.size <= size))
    store = NodeMapStore(size, audit_log.node_hashes(conn, ids))

    def prove(m: int, n: int) -> list[bytes]:
        try:
            return consistency_proof(store, m, n)
        except KeyError:
            return []

    for problem in compare_with_witness(witnessed, size, tree.root(), prove):
        report.problem(problem)
