"""Offline verification of an export bundle: no database, no network, precise findings.

``verify_bundle(path, progress=...)`` reads the bundle once, streaming, and reports every
problem it can name: which entry (``seq``) or checkpoint, and which check failed. What it
checks (bundle.py describes the format):

- checkpoints: signature by a bundled key, the key valid at the checkpoint's time (not
  retired before it, inside its certificate's validity); consecutive checkpoints consistent;
- entries: well formed; ``seq`` contiguous (missing, reordered, duplicated entries named);
  canonical form → leaf hash equal to the log's leaf hash; bodies equal to their digests;
- the tree: the log's leaf hashes, on top of the prefix frontier, give each checkpoint's root
  (sizes inside the range) and are consistent with the last checkpoint (range proof);
- the file: complete (end record present, entry count matches).

When the log's leaf hashes are proved by the checkpoints, an entry whose content does not
hash to its leaf is named alone ("entry 17: leaf hash not included in checkpoint size 40").
"""

from __future__ import annotations

import hashlib
import os
from binascii import a2b_base64
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

import orjson

from security.audit.bundle import FORMAT, VERSION
from security.audit.keys import AuditKeyring
from security.audit.report import Report
from security.audit.verify_checks import BundleChecks

Progress = Callable[[int, int], None]  # (entries done, entries expected)
PROGRESS_EVERY = 4096
PARALLEL_FROM = 50_000  # entries: from this size, worker processes (one per core) parse and hash
RANGE_BYTES = 4 << 20  # bytes of bundle per unit of work
# fork starts a worker in milliseconds (spawn re-imports everything: ~0.5 s each); the
# verifier runs in a single-threaded command, where forking is safe.
_START_METHOD = "fork" if "fork" in get_all_start_methods() else "spawn"


def verify_bundle(
    path: str | Path,
    progress: Progress | None = None,
    *,
    keys: AuditKeyring | None = None,
    max_problems: int = 1000,
) -> Report:
    """Verify the bundle at ``path`` offline; ``progress(done, total)`` is called as entries
    are checked. The report lists every problem found (``report.ok`` when none).

    The bundle carries its own audit keys; anyone who can edit the bundle can edit those too
    (e.g. erase a retirement). Pass ``keys`` — the officer's own copy of the gateway's
    certificates — to check against those instead; otherwise compare ``report.keys``'
    fingerprints with the published certificates."""
    report = Report(max_problems=max_problems)
    checks = BundleChecks(report, keys)
    total, ended, last_line, line_no, offset = 0, None, b"", 0, 0
    with open(path, "rb") as bundle:
        lines = enumerate(bundle, 1)
        for line_no, line in lines:  # the header, keys, checkpoints and proofs
            last_line = line
            offset += len(line)
            record = _record(line, line_no, report)
            if record is None:
                if not line.endswith(b"\n"):
                    break
                continue
            kind = record["type"]
            if line_no == 1:
                if kind != "header" or record.get("format") != FORMAT or record.get("version") != VERSION:
                    report.problem("not a Liên thông audit bundle (version 1): no header")
                    return report
                first, last = record.get("first_seq"), record.get("last_seq")
                if type(first) is not int or type(last) is not int or not 1 <= first <= last:
                    report.problem(f"header: bad range first_seq={first!r} last_seq={last!r}")
                    return report
                checks.header = record
                total = last - first + 1
            elif kind in ("entry", "end"):
                checks.start_entries()
                if kind == "end":
                    ended = record
                    break
                checks.add_entry(record, line_no)
                if total >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
                    scanned = _scanned_in_workers(Path(path), offset, line_no)
                else:
                    scanned = ((n, _Line(l), _usual(l)) for n, l in lines)
                ended, last_line, line_no = _entries(scanned, checks, progress, total)
                break
            else:
                checks.add_setup(kind, record, line_no)
    if checks.header is None:
        report.problem("not a Liên thông audit bundle: no readable header line (empty or damaged file)")
        return report
    if checks.sequence is None:
        checks.start_entries()
    checks.finish()
    if ended is None:
        cut = "" if last_line.endswith(b"\n") else ", last line cut off"
        report.problem(f"bundle truncated: no end record (after {report.entries} entries{cut})")
    elif ended.get("entries") != report.entries:
        report.problem(f"bundle corrupted: the end record counts {ended.get('entries')} entries, "
                       f"the bundle has {report.entries}")  # fmt: skip
    if progress is not None:
        progress(report.entries, total)
    return report


def _record(line: bytes, line_no: int, report: Report) -> dict | None:  # type: ignore[type-arg]
    try:
        record = orjson.loads(line)
        record["type"]
    except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
        if line.endswith(b"\n"):  # a cut-off last line is reported as truncation
            report.problem(f"line {line_no}: not a bundle record (corrupted)")
        return None
    return record if isinstance(record, dict) else None


class _Line:
    """A line in hand (serial reading)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self) -> bytes:
        return self.data


class _LineAt:
    """A line read again from the file only when needed (the careful path, rare)."""

    __slots__ = ("path", "position")

    def __init__(self, path: Path, position: int) -> None:
        self.path, self.position = path, position

    def read(self) -> bytes:
        with open(self.path, "rb") as file:
            file.seek(self.position)
            return file.readline()


def _usual(line: bytes) -> tuple[int, bytes, str] | None:
    """The usual entry line — well formed, its canonical bytes hashing to its listed leaf,
    exact bodies matching their digests — as ``(seq, leaf hash, body state)``; ``None`` for
    anything else (the careful path then names the problem). Pure: also runs in workers."""
    try:
        record = orjson.loads(line)
        if record["type"] != "entry":
            return None
        entry = record["entry"]
        seq = entry["seq"]
        # The writer puts the entry's canonical bytes last on the line: hash them as they
        # are. If they hash to the leaf, they are the log's bytes, and (the entry being the
        # line's last member, and duplicate keys resolving to the last) ``entry`` is them.
        start = line.rfind(b',"entry":')
        listed = hashlib.sha256(b"\x00" + line[start + 9 : -2]).digest()
        if type(seq) is not int or start < 0 or listed.hex() != record["leaf_hash"]:
            return None
        state = record["body_state"]
        if state == "exact":
            request, response = record.get("request_body"), record.get("response_body")
            if (
                request is None
                or _digest(request) != entry["request_digest"]
                or (response is None) != (entry["response_digest"] is None)
                or (response is not None and _digest(response) != entry["response_digest"])
            ):
                return None
        return seq, listed, state
    except Exception:  # noqa: BLE001 - any surprise: the careful path says what it is
        return None


def _digest(body_b64: str) -> str:
    return hashlib.sha256(a2b_base64(body_b64, strict_mode=True)).hexdigest()


def _scan_range(path: Path, start: int, end: int) -> list[tuple[int, tuple[int, bytes, str] | None]]:
    """Worker: ``(offset, _usual(line))`` for every line that starts in ``[start, end)``."""
    found = []
    with open(path, "rb") as file:
        file.seek(start)
        position = start
        while position < end:
            line = file.readline()
            if not line:
                break
            found.append((position, _usual(line)))
            position += len(line)
    return found


def _scanned_in_workers(path: Path, offset: int, line_no: int):  # type: ignore[no-untyped-def]
    """``(line_no, line, usual)`` for the lines after ``offset``, parsed and hashed by one
    worker process per core, each reading its own byte range of the file; results come back
    in file order, a few ranges ahead. The order-dependent checks stay in this process."""
    size = path.stat().st_size
    ranges = _line_aligned_ranges(path, offset, size)
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=get_context(_START_METHOD)) as pool:
        in_flight: deque = deque()
        for start, end in ranges:
            in_flight.append(pool.submit(_scan_range, path, start, end))
            while len(in_flight) > 2 * workers:
                for position, usual in in_flight.popleft().result():
                    line_no += 1
                    yield line_no, _LineAt(path, position), usual
        while in_flight:
            for position, usual in in_flight.popleft().result():
                line_no += 1
                yield line_no, _LineAt(path, position), usual


def _line_aligned_ranges(path: Path, offset: int, size: int) -> list[tuple[int, int]]:
    """``[offset, size)`` cut into ranges of about RANGE_BYTES that start at line starts."""
    cuts = [offset]
    with open(path, "rb") as file:
        position = offset + RANGE_BYTES
        while position < size:
            file.seek(position)
            file.readline()  # to the start of the next line
            position = file.tell()
            if position >= size:
                break
            cuts.append(position)
            position += RANGE_BYTES
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if a < b]


def _entries(scanned, checks: BundleChecks, progress: Progress | None, total: int):  # type: ignore[no-untyped-def]
    """The entry lines, up to the end record. The usual entry (well formed, next in sequence,
    hashing to its listed leaf, exact bodies matching) passes on ``_usual``'s verdict plus the
    order checks here; anything else goes through ``checks.add_entry``, which names the
    problem."""
    report, sequence, accumulator = checks.report, checks.sequence, checks.accumulator
    trusted, last_seq = checks.trusted, sequence.last
    careful = checks.add_entry
    states = dict.fromkeys(("exact", "redacted", "purged", "absent", "omitted"), 0)
    pending: list[bytes] = []  # leaf hashes not yet in the accumulator (extended in batches)
    line_no, line, position = 0, b"", accumulator.size
    held: Any = None

    def flush() -> None:
        accumulator.extend(pending)
        pending.clear()

    for line_no, held, usual in scanned:
        if usual is not None and usual[0] == sequence.max_seen + 1 and usual[0] <= last_seq and usual[2] in states:
            seq, listed, state = usual
            sequence.max_seen = sequence.previous = seq
            pending.append(listed)
            states[state] += 1
            position += 1
            if position in trusted:
                flush()
                checks.check_tree_size()
            elif not position % PROGRESS_EVERY:
                flush()
                if progress is not None:
                    progress(report.entries + sum(states.values()), total)
            continue
        flush()
        line = held.read()
        record = _record(line, line_no, report)
        if record is None:
            if not line.endswith(b"\n"):
                break
            continue
        if record["type"] == "end":
            if next(scanned, None) is not None:
                report.problem(f"data after the end record on line {line_no}")
            _merge(report, states)
            return record, line, line_no
        if record["type"] != "entry":
            report.problem(f"line {line_no}: {record['type']} record among the entries")
            continue
        careful(record, line_no)
        position = accumulator.size
    flush()
    _merge(report, states)
    return None, (held.read() if held is not None else line), line_no  # the last line: was it cut?


def _merge(report: Report, states: dict[str, int]) -> None:
    """Add the entries checked inline to the report."""
    for state, count in states.items():
        if count:
            report.entries += count
            report.body_states[state] = report.body_states.get(state, 0) + count
