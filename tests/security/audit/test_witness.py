"""Witness copies of checkpoints: append-only files or HTTP, and detection of a rewrite."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import httpx
import pytest

from security.audit import (
    InMemoryTreeStore,
    compare_with_witness,
    consistency_proof,
    read_witness_directory,
    sign_checkpoint,
    write_witness,
)

from .conftest import Log, build_log


def test_directory_witness_is_append_only(log: Log, tmp_path: Path) -> None:
    """Each checkpoint becomes its own file; writing the same one again is refused."""
    for checkpoint in log.checkpoints:
        write_witness(checkpoint, tmp_path / "witness")
    assert read_witness_directory(tmp_path / "witness") == log.checkpoints
    with pytest.raises(FileExistsError):
        write_witness(log.checkpoints[0], tmp_path / "witness")


def test_http_witness_receives_the_checkpoint(log: Log) -> None:
    """The checkpoint's published JSON is POSTed; an error status raises."""
    received = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(201 if len(received) == 1 else 503)

    transport = httpx.MockTransport(handler)
    write_witness(log.checkpoints[0], "https://witness.example/checkpoints", transport=transport)
    assert received == [log.checkpoints[0].to_json()]
    with pytest.raises(httpx.HTTPStatusError):
        write_witness(log.checkpoints[1], "https://witness.example/checkpoints", transport=transport)


def test_an_honest_log_agrees_with_its_witness(log: Log, tmp_path: Path) -> None:
    """A log that only grew is consistent with every witnessed checkpoint."""
    for checkpoint in log.checkpoints[:3]:
        write_witness(checkpoint, tmp_path)
    prove = functools.partial(consistency_proof, log.store)
    assert compare_with_witness(read_witness_directory(tmp_path), 40, log.store.root(), prove) == []


def test_a_rewritten_history_is_detected(log: Log, tmp_path: Path) -> None:
    """A database rebuilt with entry 5 altered (and re-signed) disagrees with the witness
    from the first checkpoint covering entry 5; a shortened log is named too."""
    for checkpoint in log.checkpoints:
        write_witness(checkpoint, tmp_path)
    rewritten = InMemoryTreeStore()
    for seq in range(1, 36):
        leaf = log.store.leaf_hash(seq - 1) if seq != 5 else hashlib.sha256(b"\x00forged").digest()
        rewritten.append(leaf)
    prove = functools.partial(consistency_proof, rewritten)
    problems = compare_with_witness(read_witness_directory(tmp_path), 35, rewritten.root(), prove)
    assert len(problems) == 4
    assert problems[0].startswith("witnessed checkpoint size 10 (")
    assert "is not consistent with the log's tree of size 35 (history rewritten)" in problems[0]
    assert problems[3].endswith("the log now has only 35 entries (entries removed)")


def test_rewrite_detected_even_when_resigned_with_the_real_key(tmp_path: Path) -> None:
    """An attacker holding the audit key builds another history and signs its root: the
    signature is fine, but the witness's root for size 20 cannot be proved consistent."""
    log = build_log(rotate_at=None)
    write_witness(log.checkpoints[1], tmp_path)
    other = InMemoryTreeStore()
    other.extend(hashlib.sha256(b"\x00" + bytes([i])).digest() for i in range(40))
    key = log.private_keys["audit-old"]
    resigned = sign_checkpoint(40, other.root(), log.checkpoints[3].at, key, "audit-old")
    prove = functools.partial(consistency_proof, other)
    problems = compare_with_witness(read_witness_directory(tmp_path), resigned.size, resigned.root, prove)
    assert len(problems) == 1 and "history rewritten" in problems[0]
