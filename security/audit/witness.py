"""Witnesses: copies of signed checkpoints kept outside the gateway's database.

Whoever can rewrite the database can rebuild a whole new tree and re-sign it (if they hold
the audit key), but cannot change what a witness already holds. Comparing the witness's
checkpoints with the database's current tree (a consistency proof from each witnessed size to
the current size) shows whether history was rewritten.

Targets: a directory (one file per checkpoint, ``checkpoint-<size>-<time>.json``, created
exclusively so nothing is overwritten) or an ``http(s)://`` URL (the checkpoint JSON POSTed,
with a timeout).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import httpx

from security.audit.checkpoint import Checkpoint
from security.audit.entry import format_time
from security.audit.merkle import verify_consistency

ConsistencyProver = Callable[[int, int], Sequence[bytes]]


def witness_filename(checkpoint: Checkpoint) -> str:
    stamp = format_time(checkpoint.at).replace(":", "").replace("-", "")
    return f"checkpoint-{checkpoint.size:012d}-{stamp}.json"


def write_witness(
    checkpoint: Checkpoint,
    target: str | Path,
    *,
    timeout: float = 5.0,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Hand ``checkpoint`` to the witness at ``target``; return where it went. Raises
    ``FileExistsError`` rather than overwrite, ``httpx.HTTPError`` if the endpoint fails."""
    body = json.dumps(checkpoint.to_json(), sort_keys=True).encode() + b"\n"
    if isinstance(target, str) and target.startswith(("http://", "https://")):
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(target, content=body, headers={"content-type": "application/json"})
            response.raise_for_status()
        return target
    directory = Path(target)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / witness_filename(checkpoint)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # append-only: never replace
    with os.fdopen(fd, "wb") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    return str(path)


def read_witness_directory(directory: str | Path) -> list[Checkpoint]:
    """Every checkpoint a directory witness holds, by size."""
    found = [
        Checkpoint.from_json(json.loads(path.read_text()))
        for path in sorted(Path(directory).glob("checkpoint-*.json"))
    ]
    return sorted(found, key=lambda c: (c.size, c.at))


def compare_with_witness(
    witnessed: Iterable[Checkpoint],
    current_size: int,
    current_root: bytes,
    prove: ConsistencyProver,
) -> list[str]:
    """What the witness shows was rewritten (empty when nothing). ``current_size`` and
    ``current_root`` describe the database's tree now; ``prove(m, n)`` returns its
    consistency proof between sizes m and n (e.g. ``functools.partial(consistency_proof,
    store)``). Check the witnessed checkpoints' signatures separately."""
    problems = []
    for checkpoint in witnessed:
        name = f"witnessed checkpoint size {checkpoint.size} ({format_time(checkpoint.at)})"
        if checkpoint.size > current_size:
            problems.append(f"{name}: the log now has only {current_size} entries (entries removed)")
            continue
        proof = prove(checkpoint.size, current_size)
        if not verify_consistency(checkpoint.size, current_size, checkpoint.root, current_root, proof):
            problems.append(
                f"{name}: root {checkpoint.root.hex()} is not consistent with the log's tree "
                f"of size {current_size} (history rewritten)"
            )
    return problems
