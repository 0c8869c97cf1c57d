"""An in-memory ``TreeStore``: the complete-subtree cache a database table would hold.

Level ``L`` is one ``bytearray`` of 32-byte hashes, the hash of subtree ``(L, i)`` at offset
``32 * i``: a million leaves take ~64 MB (two million hashes) and any proof is a few dozen
slice reads. Appending goes through a ``MerkleAccumulator``, exactly as the sealer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from security.audit.accumulator import MerkleAccumulator
from security.audit.tree import NodeId

HASH_SIZE = 32


class InMemoryTreeStore:
    """Leaf hashes and every complete subtree hash, appended in order."""

    def __init__(self) -> None:
        self._accumulator = MerkleAccumulator()
        self._levels: list[bytearray] = []

    @property
    def size(self) -> int:
        return self._accumulator.size

    @property
    def accumulator(self) -> MerkleAccumulator:
        return self._accumulator

    def append(self, leaf: bytes) -> None:
        levels = self._levels
        for (level, _index), h in self._accumulator.append(leaf):
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += h  # nodes of a level finish in index order

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        return self._accumulator.root()

    def node_hashes(self, ids: Iterable[NodeId]) -> Mapping[NodeId, bytes]:
        found = {}
        for level, index in ids:
            start = index * HASH_SIZE
            data = self._levels[level] if level < len(self._levels) else b""
            if start + HASH_SIZE > len(data):
                raise KeyError((level, index))
            found[(level, index)] = bytes(data[start : start + HASH_SIZE])
        return found

    def leaf_hash(self, leaf_index: int) -> bytes:
        return self.node_hashes([(0, leaf_index)])[(0, leaf_index)]
