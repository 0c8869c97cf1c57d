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
from binascii import a2b_base64
from collections.abc import Callable
from pathlib import Path

import orjson

from security.audit.bundle import FORMAT, VERSION
from security.audit.keys import AuditKeyring
from security.audit.report import Report
from security.audit.verify_checks import BundleChecks

Progress = Callable[[int, int], None]  # (entries done, entries expected)
PROGRESS_EVERY = 4096


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
    total, ended, last_line, line_no = 0, None, b"", 0
    with open(path, "rb") as bundle:
        lines = enumerate(bundle, 1)
        for line_no, line in lines:  # the header, keys, checkpoints and proofs
            last_line = line
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
                ended, last_line, line_no = _entries(bundle, lines, checks, progress, total)
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


def _entries(bundle, lines, checks: BundleChecks, progress: Progress | None, total: int):  # type: ignore[no-untyped-def]
    """The entry lines, up to the end record. The usual entry (well formed, next in sequence,
    hashing to its listed leaf, exact bodies matching) is checked inline; anything else goes
    through ``checks.add_entry``, which names the problem."""
    report, sequence, accumulator = checks.report, checks.sequence, checks.accumulator
    trusted, last_seq = checks.trusted, sequence.last
    loads, sha256 = orjson.loads, hashlib.sha256
    careful = checks.add_entry
    states = dict.fromkeys(("exact", "redacted", "purged", "absent", "omitted"), 0)
    pending: list[bytes] = []  # leaf hashes not yet in the accumulator (extended in batches)
    line_no, line, position = 0, b"", accumulator.size

    def flush() -> None:
        accumulator.extend(pending)
        pending.clear()

    for line_no, line in lines:
        try:
            record = loads(line)
            if record["type"] != "entry":
                raise KeyError("type")
            entry = record["entry"]
            seq = entry["seq"]
            # The writer puts the entry's canonical bytes last on the line: hash them as they
            # are. If they hash to the leaf, they are the log's bytes, and (the entry being the
            # line's last member, and duplicate keys resolving to the last) ``entry`` is them.
            start = line.rfind(b',"entry":')
            listed = sha256(b"\x00" + line[start + 9 : -2]).digest()
            if (
                seq != sequence.max_seen + 1
                or seq > last_seq
                or start < 0
                or listed.hex() != record["leaf_hash"]
            ):
                raise KeyError("unusual")
            state = record["body_state"]
            if state == "exact":
                request, response = record.get("request_body"), record.get("response_body")
                if (
                    request is None
                    or sha256(a2b_base64(request, strict_mode=True)).hexdigest() != entry["request_digest"]
                    or (response is None) != (entry["response_digest"] is None)
                    or (response is not None and sha256(a2b_base64(response, strict_mode=True)).hexdigest() != entry["response_digest"])
                ):
                    raise KeyError("unusual")
            elif state not in states:
                raise KeyError("unusual")
        except Exception:  # noqa: BLE001 - any surprise: the careful path says what it is
            flush()
            record = _record(line, line_no, report)
            if record is None:
                if not line.endswith(b"\n"):
                    break
                continue
            if record["type"] == "end":
                if bundle.read(1):
                    report.problem(f"data after the end record on line {line_no}")
                _merge(report, states)
                return record, line, line_no
            if record["type"] != "entry":
                report.problem(f"line {line_no}: {record['type']} record among the entries")
                continue
            careful(record, line_no)
            position = accumulator.size
        else:
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
    flush()
    _merge(report, states)
    return None, line, line_no


def _merge(report: Report, states: dict[str, int]) -> None:
    """Add the entries checked inline to the report."""
    for state, count in states.items():
        if count:
            report.entries += count
            report.body_states[state] = report.body_states.get(state, 0) + count
