"""Roots and proofs of ``security.audit`` checked against RFC 6962 §2.1 written out naively
here, straight from the RFC's recursive definitions (not the project's code)."""

from __future__ import annotations

import hashlib
import random

import pytest

from security.audit import (
    InMemoryTreeStore,
    MerkleAccumulator,
    NodeMapStore,
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    plan_nodes,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from security.audit.merkle import root_from_leaves

# ---- RFC 6962 §2.1, as written ---------------------------------------------------------


def rfc_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]), on the leaf *data* (RFC 6962 §2.1)."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(d[:k]) + rfc_mth(d[k:])).digest()


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) (RFC 6962 §2.1.1)."""
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return rfc_path(m, d[:k]) + [rfc_mth(d[k:])]
    return rfc_path(m - k, d[k:]) + [rfc_mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) (RFC 6962 §2.1.2)."""
    n = len(d)
    if m == n:
        return [] if b else [rfc_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return rfc_subproof(m, d[:k], b) + [rfc_mth(d[k:])]
    return rfc_subproof(m - k, d[k:], False) + [rfc_mth(d[:k])]


def rfc_verify_path(m: int, d_m: bytes, path: list[bytes], n: int, root: bytes) -> bool:
    """Recompute the root from leaf m and its path by re-walking the RFC's recursion."""

    def walk(m: int, n: int, path: list[bytes]) -> bytes:
        if n == 1:
            assert not path
            return hashlib.sha256(b"\x00" + d_m).digest()
        k = 1
        while k * 2 < n:
            k *= 2
        *rest, last = path
        if m < k:
            return hashlib.sha256(b"\x01" + walk(m, k, rest) + last).digest()
        return hashlib.sha256(b"\x01" + last + walk(m - k, n - k, rest)).digest()

    try:
        return walk(m, n, list(path)) == root
    except (AssertionError, ValueError):
        return False


# ---- the tests ---------------------------------------------------------------------------

DATA = [f"entry {i}".encode() for i in range(70)]


def _store(n: int) -> InMemoryTreeStore:
    store = InMemoryTreeStore()
    store.extend(hashlib.sha256(b"\x00" + x).digest() for x in DATA[:n])
    return store


def test_roots_equal_the_rfc_mth_for_every_size_up_to_70() -> None:
    """The store, the accumulator and the iterative root all give RFC 6962's MTH."""
    for n in range(0, 71):
        store = _store(n)
        expected = rfc_mth(DATA[:n])
        assert store.root() == expected
        assert root_at(store, n) == expected
        assert root_from_leaves([hashlib.sha256(b"\x00" + x).digest() for x in DATA[:n]]) == expected
        for m in range(0, n + 1):
            assert root_at(store, m) == rfc_mth(DATA[:m])


def test_inclusion_proofs_match_the_rfc_path_for_sizes_1_to_70() -> None:
    """Every audit path equals PATH(m, D[n]) and verifies, by the RFC walk and by ours."""
    store = _store(70)
    for n in range(1, 71):
        root = rfc_mth(DATA[:n])
        for m in range(n):
            proof = inclusion_proof(store, m, n)
            assert proof == rfc_path(m, DATA[:n])
            assert rfc_verify_path(m, DATA[m], proof, n, root)
            leaf = hashlib.sha256(b"\x00" + DATA[m]).digest()
            assert verify_inclusion(m, n, leaf, proof, root)
            assert not verify_inclusion(m, n, hashlib.sha256(b"\x00x").digest(), proof, root)
            if n > 1:
                assert not verify_inclusion((m + 1) % n, n, leaf, proof, root)


def test_consistency_proofs_match_the_rfc_subproof_for_sizes_1_to_70() -> None:
    """Every consistency proof equals PROOF(m, D[n]) and our RFC 9162 verifier accepts it."""
    store = _store(70)
    for n in range(1, 71):
        for m in range(1, n + 1):
            proof = consistency_proof(store, m, n)
            assert proof == (rfc_subproof(m, DATA[:n], True) if m < n else [])
            assert verify_consistency(m, n, rfc_mth(DATA[:m]), rfc_mth(DATA[:n]), proof)


def test_tampered_consistency_proofs_are_refused() -> None:
    """A wrong old root, a wrong new root or a changed proof hash fails verification."""
    store = _store(70)
    bogus = hashlib.sha256(b"bogus").digest()
    for n in range(2, 71):
        for m in range(1, n):
            proof = consistency_proof(store, m, n)
            old, new = rfc_mth(DATA[:m]), rfc_mth(DATA[:n])
            assert not verify_consistency(m, n, bogus, new, proof)
            assert not verify_consistency(m, n, old, bogus, proof)
            for i in range(len(proof)):
                changed = proof[:i] + [bogus] + proof[i + 1 :]
                assert not verify_consistency(m, n, old, new, changed)


def test_random_pairs_in_a_large_tree_verify_against_the_rfc() -> None:
    """Random (m, n) pairs up to 1,000 leaves: paths and subproofs equal the RFC's."""
    rng = random.Random(6962)
    data = [f"x{i}".encode() for i in range(1000)]
    store = InMemoryTreeStore()
    store.extend(hashlib.sha256(b"\x00" + x).digest() for x in data)
    for _ in range(60):
        n = rng.randint(1, 1000)
        m = rng.randint(1, n)
        assert consistency_proof(store, m, n) == (rfc_subproof(m, data[:n], True) if m < n else [])
        leaf = rng.randrange(n)
        assert inclusion_proof(store, leaf, n) == rfc_path(leaf, data[:n])


def test_proofs_from_only_the_planned_nodes() -> None:
    """A store holding only the nodes a plan names (what one SQL query fetches) suffices."""
    full = _store(70)
    for m, n in [(0, 1), (5, 37), (64, 70), (69, 70)]:
        plan = inclusion_plan(m, n)
        ids = plan_nodes(plan)
        assert len(ids) <= 2 * n.bit_length() ** 2
        partial = NodeMapStore(n, full.node_hashes(ids))
        assert inclusion_proof(partial, m, n) == rfc_path(m, DATA[:n])
    plan = consistency_plan(13, 70)
    partial = NodeMapStore(70, full.node_hashes(plan_nodes(plan)))
    assert consistency_proof(partial, 13, 70) == rfc_subproof(13, DATA[:70], True)


def test_accumulator_resumes_from_stored_subtrees() -> None:
    """An accumulator rebuilt from the finished subtrees it reported continues identically."""
    first = MerkleAccumulator()
    stored = {}
    leaves = [hashlib.sha256(b"\x00" + x).digest() for x in DATA]
    for leaf in leaves[:45]:
        stored.update(first.append(leaf))
    resumed = MerkleAccumulator.resume(45, stored)
    for leaf in leaves[45:]:
        first.append(leaf)
        resumed.append(leaf)
    assert resumed.root() == first.root() == rfc_mth(DATA)


def test_out_of_range_requests_are_refused() -> None:
    """Asking for a leaf or a size beyond the tree raises instead of inventing a proof."""
    store = _store(10)
    with pytest.raises(ValueError):
        inclusion_proof(store, 10, 10)
    with pytest.raises(ValueError):
        consistency_proof(store, 5, 11)
    with pytest.raises(ValueError):
        consistency_proof(store, 6, 5)


def test_batch_extend_equals_one_by_one_appends() -> None:
    """Appending leaves in batches of any size gives the same frontier as one at a time."""
    rng = random.Random(9162)
    leaves = [hashlib.sha256(b"\x00%d" % i).digest() for i in range(600)]
    single, batched = MerkleAccumulator(), MerkleAccumulator()
    done = 0
    while done < len(leaves):
        step = rng.choice([0, 1, 2, 3, 7, 8, 31, 64, 100])
        chunk = leaves[done : done + step]
        batched.extend(chunk)
        for leaf in chunk:
            single.push(leaf)
        done += len(chunk)
        assert batched.size == single.size == done
        assert batched.frontier() == single.frontier()
        assert batched.root() == single.root() == root_from_leaves(leaves[:done])
