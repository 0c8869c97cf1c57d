"""Proofs from stored complete subtrees: what a database needs to answer in O(log n) lookups.

Every node of the RFC 6962 tree of any size is either a *complete* subtree (2**level leaves
starting at a multiple of 2**level, named ``(level, index)``) or a right-edge node whose hash
is the right fold of at most log2(n) complete subtrees (its "compact range"). Complete
subtrees never change once their last leaf is appended, so a store can persist them as a
table ``(level, index) → hash`` written by the sealer (see ``MerkleAccumulator.append``).

Proof generation is split in three pure steps so that an async database layer can batch:

    plan = inclusion_plan(leaf_index, tree_size)      # which ranges the proof hashes cover
    ids = plan_nodes(plan)                            # which (level, index) rows to fetch
    proof = assemble(plan, {id: hash for id in ids})  # one SELECT ... WHERE (level, index) IN

``inclusion_proof(store, ...)`` and friends do the three steps against a ``TreeStore``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from security.audit.merkle import EMPTY_ROOT, largest_power_of_two_below, node_hash

NodeId = tuple[int, int]  # (level, index): leaves [index * 2**level, (index + 1) * 2**level)
Range = tuple[int, int]  # leaves [lo, hi)


def range_nodes(lo: int, hi: int) -> list[NodeId]:
    """The complete subtrees covering leaves [lo, hi), left to right (the compact range)."""
    nodes: list[NodeId] = []
    while lo < hi:
        # The biggest aligned complete subtree starting at lo that fits before hi.
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while lo + (1 << level) > hi:
            level -= 1
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its compact range's hashes (right fold, RFC 6962 shape)."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def inclusion_plan(leaf_index: int, tree_size: int) -> list[Range]:
    """The ranges whose hashes form the audit path PATH(m, D[n]) (RFC 6962 §2.1.1), leaf
    to root."""
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"leaf {leaf_index} is not in a tree of size {tree_size}")
    path: list[Range] = []
    lo, hi = 0, tree_size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if leaf_index < lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_plan(first: int, second: int) -> list[Range]:
    """The ranges whose hashes form PROOF(m, D[n]) (RFC 6962 §2.1.2), bottom up."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    path: list[Range] = []
    lo, hi, whole = 0, second, True  # whole: the old tree is the entire current subtree
    while first != hi:
        k = largest_power_of_two_below(hi - lo)
        if first <= lo + k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
            whole = False
    if not whole:
        path.append((lo, hi))
    path.reverse()
    return path


def plan_nodes(plan: Iterable[Range]) -> set[NodeId]:
    """Every complete subtree whose hash the plan needs."""
    return {node for lo, hi in plan for node in range_nodes(lo, hi)}


def assemble(plan: Iterable[Range], hashes: Mapping[NodeId, bytes]) -> list[bytes]:
    """The proof hashes, from the complete subtrees' hashes (``KeyError`` if one is missing)."""
    return [fold([hashes[node] for node in range_nodes(lo, hi)]) for lo, hi in plan]


@runtime_checkable
class TreeStore(Protocol):
    """Hashes of complete subtrees of an append-only Merkle tree (level 0 = leaf hashes)."""

    @property
    def size(self) -> int: ...

    def node_hashes(self, ids: Iterable[NodeId]) -> Mapping[NodeId, bytes]:
        """The hashes of these complete subtrees, all inside the first ``size`` leaves."""
        ...


def _check_size(store: TreeStore, tree_size: int) -> None:
    if tree_size > store.size:
        raise ValueError(f"tree size {tree_size} is beyond the log's size {store.size}")


def root_at(store: TreeStore, tree_size: int) -> bytes:
    """MTH of the first ``tree_size`` leaves."""
    _check_size(store, tree_size)
    ids = range_nodes(0, tree_size)
    found = store.node_hashes(ids)
    return fold([found[node] for node in ids])


def inclusion_proof(store: TreeStore, leaf_index: int, tree_size: int) -> list[bytes]:
    """The audit path of leaf ``leaf_index`` (0-based) in the tree of ``tree_size`` leaves."""
    _check_size(store, tree_size)
    plan = inclusion_plan(leaf_index, tree_size)
    return assemble(plan, store.node_hashes(plan_nodes(plan)))


def consistency_proof(store: TreeStore, first: int, second: int) -> list[bytes]:
    """The proof that the tree of ``first`` leaves is a prefix of the tree of ``second``."""
    _check_size(store, second)
    plan = consistency_plan(first, second)
    return assemble(plan, store.node_hashes(plan_nodes(plan)))


class NodeMapStore:
    """A ``TreeStore`` over hashes already fetched (e.g. by one database query)."""

    def __init__(self, size: int, hashes: Mapping[NodeId, bytes]) -> None:
        self._size = size
        self._hashes = hashes

    @property
    def size(self) -> int:
        return self._size

    def node_hashes(self, ids: Iterable[NodeId]) -> Mapping[NodeId, bytes]:
        return {node: self._hashes[node] for node in ids}
