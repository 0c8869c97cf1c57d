"""Merkle tree hashing and proof verification, as in RFC 6962 §2.1 / RFC 9162 §2.1.

Leaves are numbered from 0 (the audit entry with ``seq`` s is leaf ``s - 1``). The tree of
``n`` leaves has the RFC's shape (the left subtree is the largest power of two smaller than
``n``; nothing is padded), so roots and proofs are interchangeable with any RFC 9162 verifier.

The verifiers below are the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
(consistency), step for step; they need nothing but hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256() (RFC 6962 §2.1)

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf list: SHA-256(0x00 || data)."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return _sha256(NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k such that k < n <= 2k (n > 1): where RFC 6962 splits a list of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: is ``leaf`` (a leaf hash) at ``leaf_index`` of the tree with
    ``root`` and ``tree_size`` leaves, given the audit path ``proof``?"""
    if not 0 <= leaf_index < tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``first`` leaves with ``first_root`` a prefix of the
    tree of ``second`` leaves with ``second_root``?"""
    if not 0 <= first <= second:
        return False
    if first == 0:  # the empty tree is a prefix of every tree; there is nothing to prove
        return not proof and first_root == EMPTY_ROOT
    if first == second:  # SUBPROOF(m, D[m], true) is empty: the roots must be equal
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is itself a node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (iterative; for tests and small trees)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Pairing left to right and carrying the odd last node up reproduces the RFC's shape.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]
