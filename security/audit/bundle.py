"""The export bundle: one self-contained JSON Lines file an officer can verify offline.

Each line is one JSON object with a ``type``, in this order (docs/audit.md has examples)::

    header       format "lienthong-audit-bundle", version 1, first_seq, last_seq,
                 tree_size (the last checkpoint's), bodies ("included" | "omitted"), created_at
    key          an audit public key: kid, public_key_pem, certificate_pem?, not_before,
                 not_after, retired_at (as ``GET /v1/audit/certificates`` publishes them)
    checkpoint   a signed checkpoint (size, root, at, key_id, signature), by increasing size
    prefix       size = first_seq - 1 and the hashes of the complete subtrees covering those
                 leaves (the Merkle frontier), so a partial range can be hashed into the tree
    consistency  from, to, proof: between each pair of consecutive checkpoints
    range_proof  from = last_seq, to = tree_size, proof: consistency of the range's tree with
                 the last checkpoint; with the prefix, it proves every entry's inclusion
    entry        leaf_hash (hex, as the log holds it), body_state, request_body /
                 response_body (base64, when bodies are included), and last, entry: the log
                 entry in its canonical bytes, verbatim (so it can be hashed in place)
    end          entries (the count): its absence means the file was cut short

A partial range is proved by (prefix, entries, range_proof): the verifier hashes the entries
onto the prefix's frontier, getting the root at ``last_seq``, and checks that root's
consistency with the signed root at ``tree_size``. That is an inclusion proof for the whole
range in O(log n) hashes instead of one audit path per entry.

``write_bundle`` streams: entries are written as the iterator yields them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import orjson

from security.audit.accumulator import frontier_ids
from security.audit.checkpoint import Checkpoint
from security.audit.entry import Entry, canonical, format_time
from security.audit.merkle import leaf_hash
from security.audit.tree import NodeId, TreeStore, consistency_plan, consistency_proof, plan_nodes

FORMAT = "lienthong-audit-bundle"
VERSION = 1
BodiesMode = Literal["included", "omitted"]
# exact: the bytes as sent/received; redacted: personal fields removed (no longer match the
# digest); purged: removed by retention; absent: there was no body; omitted: not exported.
BodyState = Literal["exact", "redacted", "purged", "absent", "omitted"]


@dataclass(frozen=True)
class BundleEntry:
    """One entry to export, with the leaf hash the log holds for it and its bodies."""

    entry: Entry
    leaf_hash: bytes | None = None  # None: computed from the entry
    request_body: bytes | None = None
    response_body: bytes | None = None
    body_state: BodyState = "exact"


@dataclass(frozen=True)
class BundleProofs:
    """The hashes that tie entries first_seq..last_seq to the bundle's checkpoints."""

    first_seq: int
    last_seq: int
    prefix: list[bytes]
    consistency: list[tuple[int, int, list[bytes]]]
    range_proof: tuple[int, int, list[bytes]]


def bundle_node_ids(first_seq: int, last_seq: int, checkpoint_sizes: Sequence[int]) -> set[NodeId]:
    """Every complete subtree ``bundle_proofs`` reads: fetch them in one query, then call it
    with a ``NodeMapStore``."""
    sizes = sorted(set(checkpoint_sizes))
    ids = set(frontier_ids(first_seq - 1))
    for m, n in zip(sizes, sizes[1:]):
        ids |= plan_nodes(consistency_plan(m, n))
    ids |= plan_nodes(consistency_plan(last_seq, sizes[-1]))
    return ids


def bundle_proofs(
    store: TreeStore, first_seq: int, last_seq: int, checkpoints: Sequence[Checkpoint]
) -> BundleProofs:
    """The proofs for a bundle of entries first_seq..last_seq with these checkpoints (the
    last one must cover last_seq)."""
    sizes = sorted({c.size for c in checkpoints})
    if not sizes or sizes[-1] < last_seq:
        raise ValueError(f"no checkpoint covers entry {last_seq}: export up to a checkpoint")
    if not 1 <= first_seq <= last_seq:
        raise ValueError(f"bad range {first_seq}..{last_seq}")
    ids = frontier_ids(first_seq - 1)
    found = store.node_hashes(ids)
    return BundleProofs(
        first_seq=first_seq,
        last_seq=last_seq,
        prefix=[found[node] for node in ids],
        consistency=[(m, n, consistency_proof(store, m, n)) for m, n in zip(sizes, sizes[1:])],
        range_proof=(last_seq, sizes[-1], consistency_proof(store, last_seq, sizes[-1])),
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write_bundle(
    out_path: str | Path,
    entries: Iterable[BundleEntry],
    bodies: BodiesMode,
    checkpoints: Sequence[Checkpoint],
    proofs: BundleProofs,
    certificates: Iterable[Mapping[str, Any]],
    *,
    created_at: datetime | None = None,
) -> int:
    """Write the bundle to ``out_path``; return the number of entries written. Raises
    ``ValueError`` (and leaves a file without an end record) if the entries are not exactly
    first_seq..last_seq in order."""
    ordered = sorted(checkpoints, key=lambda c: c.size)
    count = 0
    with open(out_path, "wb") as out:

        def emit(record: dict[str, Any]) -> None:
            out.write(orjson.dumps(record) + b"\n")

        emit({
            "type": "header", "format": FORMAT, "version": VERSION,
            "first_seq": proofs.first_seq, "last_seq": proofs.last_seq,
            "tree_size": proofs.range_proof[1], "bodies": bodies,
            "created_at": format_time(created_at or datetime.now(timezone.utc)),
        })  # fmt: skip
        for record in certificates:
            emit({"type": "key", **{k: v for k, v in record.items() if k != "type"}})
        for checkpoint in ordered:
            emit({"type": "checkpoint", **checkpoint.to_json()})
        emit({"type": "prefix", "size": proofs.first_seq - 1, "hashes": [h.hex() for h in proofs.prefix]})
        for m, n, proof in proofs.consistency:
            emit({"type": "consistency", "from": m, "to": n, "proof": [h.hex() for h in proof]})
        m, n, proof = proofs.range_proof
        emit({"type": "range_proof", "from": m, "to": n, "proof": [h.hex() for h in proof]})
        expected = proofs.first_seq
        for item in entries:
            if item.entry.get("seq") != expected:
                raise ValueError(f"entries must be {proofs.first_seq}..{proofs.last_seq} in order: "
                                 f"got {item.entry.get('seq')} where {expected} was due")  # fmt: skip
            data = canonical(item.entry)
            leaf = item.leaf_hash if item.leaf_hash is not None else leaf_hash(data)
            record: dict[str, Any] = {"type": "entry", "leaf_hash": leaf.hex()}
            if bodies == "included":
                record["body_state"] = item.body_state
                if item.request_body is not None:
                    record["request_body"] = _b64(item.request_body)
                if item.response_body is not None:
                    record["response_body"] = _b64(item.response_body)
            else:
                record["body_state"] = "omitted"
            # The entry's canonical bytes go last, verbatim: the verifier hashes them in place.
            out.write(orjson.dumps(record)[:-1] + b',"entry":' + data + b"}\n")
            count += 1
            expected += 1
        if expected != proofs.last_seq + 1:
            raise ValueError(f"entries ended at {expected - 1}, not at {proofs.last_seq}")
        out.write(orjson.dumps({"type": "end", "entries": count}) + b"\n")
    return count
