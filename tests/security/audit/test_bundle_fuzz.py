"""Random damage to a bundle: the verifier never crashes, and any change to checkpoints,
proofs or entries is reported. (The header's informational fields and the bundled key records
are not authenticated by anything in the bundle: see ``test_trusted_keys_*``.)"""

from __future__ import annotations

import random
from pathlib import Path

from security.audit import verify_bundle

from .conftest import Log


def test_single_byte_changes_are_always_reported(log: Log, tmp_path: Path) -> None:
    """300 random one-byte changes to checkpoint, proof and entry lines each yield a problem."""
    original = log.export(tmp_path / "b.jsonl").read_bytes()
    keys_end = original.index(b'{"type":"checkpoint"')
    rng = random.Random(5)
    damaged = tmp_path / "damaged.jsonl"
    for _ in range(300):
        position = rng.randrange(keys_end, len(original) - 1)
        replacement = rng.choice([b for b in b'0123456789abcdefxyz{}[]":,\\ ' if b != original[position]])
        damaged.write_bytes(original[:position] + bytes([replacement]) + original[position + 1 :])
        report = verify_bundle(damaged)
        assert not report.ok, f"change at byte {position} ({original[position:position + 1]!r} → {bytes([replacement])!r}) unnoticed"


def test_random_changes_to_key_records_never_crash(log: Log, tmp_path: Path) -> None:
    """Damaged key records (bad PEM, unknown curves, bad times) are reported, not raised."""
    original = log.export(tmp_path / "b.jsonl").read_bytes()
    start, end = original.index(b'{"type":"key"'), original.index(b'{"type":"checkpoint"')
    rng = random.Random(7)
    damaged = tmp_path / "damaged.jsonl"
    for _ in range(200):
        position = rng.randrange(start, end)
        damaged.write_bytes(original[:position] + bytes([rng.choice(b"0123abcxyz{}\\\" ")]) + original[position + 1 :])
        verify_bundle(damaged)


def test_random_garbage_and_cuts_never_crash(log: Log, tmp_path: Path) -> None:
    """Cuts at random places and garbage files give a report, not an exception."""
    original = log.export(tmp_path / "b.jsonl").read_bytes()
    rng = random.Random(6)
    damaged = tmp_path / "damaged.jsonl"
    for _ in range(50):
        damaged.write_bytes(original[: rng.randrange(len(original))])
        assert not verify_bundle(damaged).ok
    for data in (b"", b"\n", b"[]\n", b"null\n", b'{"type":"header"}\n', bytes(range(256))):
        damaged.write_bytes(data)
        assert not verify_bundle(damaged).ok
