"""Appending to the Merkle tree one leaf at a time, in O(log n) state.

The sealer keeps a ``MerkleAccumulator``: the hashes of the complete subtrees that cover the
leaves so far (the tree's compact range, at most one per bit of the size). Each append
returns the complete subtrees it finished, which the sealer stores in its
``(level, index) → hash`` table; after a restart the accumulator is rebuilt from that table
with ``MerkleAccumulator.resume(size, hashes)`` reading ``frontier_ids(size)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from security.audit.merkle import node_hash
from security.audit.tree import NodeId, fold, range_nodes

_sha256 = hashlib.sha256


def frontier_ids(size: int) -> list[NodeId]:
    """The complete subtrees an accumulator of ``size`` leaves holds, highest first."""
    return range_nodes(0, size)


class MerkleAccumulator:
    """The right edge of an append-only RFC 6962 tree: its size, root, and nothing more."""

    __slots__ = ("_size", "_levels", "_hashes")

    def __init__(self) -> None:
        self._size = 0
        self._levels: list[int] = []  # levels of the frontier subtrees, highest first
        self._hashes: list[bytes] = []

    @classmethod
    def resume(cls, size: int, hashes: Mapping[NodeId, bytes]) -> MerkleAccumulator:
        """An accumulator at ``size`` leaves from the stored hashes of ``frontier_ids(size)``."""
        acc = cls()
        for level, index in frontier_ids(size):
            acc._levels.append(level)
            acc._hashes.append(hashes[(level, index)])
        acc._size = size
        return acc

    @classmethod
    def from_frontier(cls, size: int, hashes: Iterable[bytes]) -> MerkleAccumulator:
        """An accumulator from its frontier hashes given in order (as a bundle carries them)."""
        ids = frontier_ids(size)
        listed = list(hashes)
        if len(listed) != len(ids):
            raise ValueError(f"a tree of size {size} has {len(ids)} frontier hashes, not {len(listed)}")
        return cls.resume(size, dict(zip(ids, listed)))

    @property
    def size(self) -> int:
        return self._size

    def frontier(self) -> list[bytes]:
        """The frontier hashes, highest subtree first (see ``frontier_ids``)."""
        return list(self._hashes)

    def append(self, leaf: bytes) -> list[tuple[NodeId, bytes]]:
        """Add a leaf hash; return the complete subtrees this finished (the leaf included)."""
        index = self._size
        levels, hashes = self._levels, self._hashes
        finished = [((0, index), leaf)]
        level, h = 0, leaf
        while levels and levels[-1] == level:
            levels.pop()
            h = node_hash(hashes.pop(), h)
            level += 1
            finished.append(((level, index >> level), h))
        levels.append(level)
        hashes.append(h)
        self._size = index + 1
        return finished

    def push(self, leaf: bytes) -> None:
        """Append a leaf hash, discarding the finished subtrees (for verifiers)."""
        levels, hashes = self._levels, self._hashes
        # The subtrees to merge are exactly the trailing 1-bits of the old size.
        size = self._size
        h = leaf
        while size & 1:
            levels.pop()
            h = _sha256(b"\x01" + hashes.pop() + h).digest()
            size >>= 1
        levels.append((self._size ^ (self._size + 1)).bit_length() - 1)
        hashes.append(h)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaf hashes at once, level by level (fewer Python steps per hash than
        ``push``; the verifier feeds it batches)."""
        nodes = list(leaves)
        added = len(nodes)
        levels, hashes = self._levels, self._hashes
        level = 0
        new_levels: list[int] = []
        new_hashes: list[bytes] = []
        while nodes:
            if levels and levels[-1] == level:  # the frontier's subtree at this level comes first
                levels.pop()
                nodes.insert(0, hashes.pop())
            if len(nodes) % 2:  # the odd one out stays on the frontier at this level
                new_levels.append(level)
                new_hashes.append(nodes.pop())
            it = iter(nodes)
            nodes = [_sha256(b"\x01" + left + right).digest() for left, right in zip(it, it)]
            level += 1
        # Frontier subtrees above the batch's height stay; the new ones go after them.
        levels.extend(reversed(new_levels))
        hashes.extend(reversed(new_hashes))
        self._size += added

    def root(self) -> bytes:
        """MTH of all leaves appended so far (SHA-256 of nothing for an empty tree)."""
        return fold(self._hashes)
