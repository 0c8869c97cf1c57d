"""Benchmark: the tamper-evident audit log against raw SHA-256, in one run.

Measures, on this machine and in this process:
1. raw SHA-256 of ~300-byte inputs (hashes/s): the baseline everything else is bounded by;
2. sealing: entries appended/s (canonical form → leaf hash → ``MerkleAccumulator.append``,
   finished subtrees collected as the sealer stores them), and the accumulator alone;
3. offline verification (entries/s) of a bundle of ``--entries`` entries, with bodies and
   with digests only (target ≥ 100,000 entries/s);
4. inclusion and consistency proof generation at ``--tree`` leaves from the complete-subtree
   cache (target ≤ 5 ms per inclusion proof).

    .venv/bin/python bench/audit.py [--entries 200000] [--tree 1000000]

Throughputs are the best of a few rounds, per CPU-second and per wall-second (the machine
is shared). Figures: docs/performance.md, "Audit log".
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from security.audit import (  # noqa: E402
    AuditKey,
    BundleEntry,
    InMemoryTreeStore,
    MerkleAccumulator,
    bundle_proofs,
    consistency_proof,
    entry_leaf_hash,
    inclusion_proof,
    sign_checkpoint,
    verify_bundle,
    verify_consistency,
    verify_inclusion,
    write_bundle,
)

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
# Throughputs are the best of ROUNDS runs (as ``timeit`` does): on a shared machine the
# slower runs measure the neighbours, not the code.
ROUNDS = 3
VERIFY_ROUNDS = 4


def make_entry(seq: int) -> tuple[dict, bytes, bytes]:
    request = b"<TraCuuThongTinCongDan><SoDinhDanh>%012d</SoDinhDanh></TraCuuThongTinCongDan>" % seq
    response = b'{"ok": true, "seq": %d, "pad": "%s"}' % (seq, b"x" * 120)
    entry = {
        "seq": seq, "at": (T0 + timedelta(milliseconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "direction": "outbound", "peer": "population", "operation": "TraCuuThongTinCongDan",
        "request_id": f"01J{seq:023d}", "caller": "one-stop-province", "officer_id": f"cb-{seq % 97}",
        "purpose": f"dossier H01.{seq:08d}", "outcome": "ok", "http_status": 200,
        "request_digest": hashlib.sha256(request).hexdigest(),
        "response_digest": hashlib.sha256(response).hexdigest(),
        "signature": {"scheme": "wsse-rsa-sha256", "key_id": "pop-2025", "verified": True},
        "upstream_ref": f"MYC{seq}", "body_ref": f"b/{seq}",
    }  # fmt: skip
    return entry, request, response


class Clock:
    """Wall time and this process's CPU time: on a shared machine the CPU-time rate is what
    one dedicated core would do; both are printed."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def rates(count: int, clock: Clock) -> tuple[float, float]:
    """(per CPU second, per wall second)."""
    return rate(count, clock.cpu), rate(count, clock.wall)


def bench_sha256(n: int) -> tuple[float, float]:
    data = [os.urandom(300) for _ in range(1000)]
    sha = hashlib.sha256
    best: tuple[float, float] = (0.0, 0.0)
    for _ in range(ROUNDS):
        with Clock() as clock:
            for i in range(n):
                sha(data[i % 1000]).digest()
        best = max(best, rates(n, clock))
    return best


def bench_sealing(n: int) -> tuple[tuple[float, float], tuple[float, float]]:
    entries = [make_entry(seq)[0] for seq in range(1, n + 1)]
    acc, stored = MerkleAccumulator(), 0
    with Clock() as sealing:
        for entry in entries:
            stored += len(acc.append(entry_leaf_hash(entry)))
    leaves = [hashlib.sha256(b"\x00%d" % i).digest() for i in range(n)]
    acc = MerkleAccumulator()
    with Clock() as appending:
        for leaf in leaves:
            acc.append(leaf)
    return rates(n, sealing), rates(n, appending)


def bench_verification(n: int, directory: Path) -> dict[str, tuple[float, float]]:
    """Best (per CPU-second, per wall-second) verification rates of a bundle with bodies and
    of one with digests only, plus the export rate."""
    key = ec.generate_private_key(ec.SECP256R1())
    store, items, checkpoints = InMemoryTreeStore(), [], []
    for seq in range(1, n + 1):
        entry, request, response = make_entry(seq)
        leaf = entry_leaf_hash(entry)
        store.append(leaf)
        items.append(BundleEntry(entry, leaf, request, response))
        if seq % 10_000 == 0 or seq == n:
            checkpoints.append(sign_checkpoint(seq, store.root(), T0 + timedelta(seconds=seq), key, "k"))
    proofs = bundle_proofs(store, 1, n, checkpoints)
    keys = [AuditKey("k", key.public_key()).public_record()]
    results: dict[str, tuple[float, float]] = {}
    with Clock() as written:
        write_bundle(directory / "included.jsonl", items, "included", checkpoints, proofs, keys)
    results["export"] = rates(n, written)
    write_bundle(directory / "omitted.jsonl", items, "omitted", checkpoints, proofs, keys)
    # Verify as the CLI does: in a process that holds nothing else (a heap of 200,000 live
    # entries would make every cyclic-GC pass slower and bias the figure).
    del items, store
    gc.collect()
    for mode in ("included", "omitted"):
        best: tuple[float, float] = (0.0, 0.0)
        for _ in range(VERIFY_ROUNDS):
            with Clock() as verified:
                report = verify_bundle(directory / f"{mode}.jsonl")
            if not report.ok:
                raise SystemExit(f"bundle did not verify: {report.problems[:3]}")
            best = max(best, rates(n, verified))
        results[mode] = best
    results["size"] = ((directory / "included.jsonl").stat().st_size, 0.0)
    return results


def bench_proofs(n: int, samples: int) -> tuple[float, list[float], list[float], bool]:
    start = time.perf_counter()
    store = InMemoryTreeStore()
    for i in range(n):
        store.append(hashlib.sha256(b"\x00%d" % i).digest())
    build = time.perf_counter() - start
    rng = random.Random(1)
    root = store.root()
    inclusion, consistency, ok = [], [], True
    for _ in range(samples):
        m = rng.randrange(n)
        t = time.perf_counter()
        proof = inclusion_proof(store, m, n)
        inclusion.append((time.perf_counter() - t) * 1000)
        ok &= verify_inclusion(m, n, store.leaf_hash(m), proof, root)
        first = rng.randint(1, n)
        t = time.perf_counter()
        proof = consistency_proof(store, first, n)
        consistency.append((time.perf_counter() - t) * 1000)
        if len(consistency) <= 20:  # root_at is not what is measured; check a few
            from security.audit import root_at

            ok &= verify_consistency(first, n, root_at(store, first), root, proof)
    return build, inclusion, consistency, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--tree", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    began = time.perf_counter()

    print(f"{'':36}{'per CPU-second':>16}{'per wall-second':>17}")
    sha, sha_wall = bench_sha256(500_000)
    print(f"{'raw SHA-256, 300-byte inputs':36}{sha:>16,.0f}{sha_wall:>17,.0f}  hashes")
    (sealing, sealing_wall), (accumulate, accumulate_wall) = bench_sealing(args.entries)
    print(f"{'sealing (canonical+leaf+append)':36}{sealing:>16,.0f}{sealing_wall:>17,.0f}  entries"
          f"  = {sealing / sha:.2f} x SHA-256")  # fmt: skip
    print(f"{'accumulator append alone':36}{accumulate:>16,.0f}{accumulate_wall:>17,.0f}  leaves"
          f"   = {accumulate / sha:.2f} x SHA-256")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        found = bench_verification(args.entries, Path(tmp))
    label = f"bundle export ({found['size'][0] / 1e6:.0f} MB, bodies)"
    print(f"{label:36}{found['export'][0]:>16,.0f}{found['export'][1]:>17,.0f}  entries"
          f"  ({args.entries:,} entries per bundle)")  # fmt: skip
    for mode, label in (("included", "offline verification, with bodies"), ("omitted", "offline verification, digests only")):
        verify, verify_wall = found[mode]
        # Judged per wall-second: large bundles are checked by worker processes, whose CPU
        # time the per-CPU-second column (this process only) does not count.
        print(f"{label:36}{verify:>16,.0f}{verify_wall:>17,.0f}  entries = {verify_wall / sha_wall:.3f} x SHA-256"
              f"   target >= 100,000/s (wall): {'PASS' if verify_wall >= 100_000 else 'FAIL'}")  # fmt: skip
    build, inclusion, consistency, ok = bench_proofs(args.tree, args.samples)
    p50, p99 = statistics.median(inclusion), statistics.quantiles(inclusion, n=100)[98]
    print(f"tree of {args.tree:,} leaves built in {build:.1f} s (all complete subtrees cached)")
    # p99 is judged: a lone maximum on a shared 2-core machine is the scheduler, not the proof.
    print(f"inclusion proof at {args.tree:,}       p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {max(inclusion):.3f} ms"
          f"   target p99 <= 5 ms: {'PASS' if p99 <= 5 else 'FAIL'}")  # fmt: skip
    print(f"consistency proof at {args.tree:,}     p50 {statistics.median(consistency):.3f} ms  "
          f"max {max(consistency):.3f} ms   proofs verified: {ok}")  # fmt: skip
    print(f"total run time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
