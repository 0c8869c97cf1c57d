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
- the file: complete (end record present, entry count and SHA-256 of the content match).

When the log's leaf hashes are proved by the checkpoints, an entry whose content does not
hash to its leaf is named alone ("entry 17: leaf hash not included in checkpoint size 40").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from security.audit.accumulator import MerkleAccumulator
from security.audit.bundle import FORMAT, VERSION
from security.audit.checkpoint import Checkpoint, checkpoint_problem
from security.audit.entry import EntryInvalid, canonical
from security.audit.keys import AuditKey, AuditKeyring
from security.audit.merkle import leaf_hash, verify_consistency
from security.audit.report import Report
from security.audit.sequence import SequenceTracker

Progress = Callable[[int, int], None]  # (entries done, entries expected)
PROGRESS_EVERY = 4096
_ZERO = bytes(32)


class _Verifier:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.header: dict[str, Any] | None = None
        self.keys: list[AuditKey] = []
        self.checkpoints: list[Checkpoint] = []  # bundle order
        self.trusted: dict[int, Checkpoint] = {}  # size → checkpoint that passed its checks
        self.consistency: dict[tuple[int, int], list[bytes]] = {}
        self.prefix: tuple[int, list[bytes]] | None = None
        self.range_proof: tuple[int, int, list[bytes]] | None = None
        self.accumulator = MerkleAccumulator()
        self.tree_failed = False
        self.tree_checked: list[int] = []  # checkpoint sizes compared with the leaves
        self.last_match: int | None = None  # the largest checkpoint size whose root matched
        self.content_mismatch: list[int] = []  # seqs whose content ≠ the log's leaf hash
        self.sequence: SequenceTracker | None = None

    # ---- before the entries --------------------------------------------------------------

    def add_setup(self, kind: str, record: dict[str, Any], line_no: int) -> None:
        problem = self.report.problem
        try:
            if kind == "key":
                self.keys.append(AuditKey.from_public_record(record))
            elif kind == "checkpoint":
                self.checkpoints.append(Checkpoint.from_json(record))
            elif kind == "prefix":
                self.prefix = (record["size"], [bytes.fromhex(h) for h in record["hashes"]])
            elif kind == "consistency":
                proof = [bytes.fromhex(h) for h in record["proof"]]
                self.consistency[(record["from"], record["to"])] = proof
            elif kind == "range_proof":
                proof = [bytes.fromhex(h) for h in record["proof"]]
                self.range_proof = (record["from"], record["to"], proof)
            else:
                problem(f"line {line_no}: unknown record type {kind!r}")
        except (KeyError, TypeError, ValueError) as exc:
            problem(f"line {line_no}: malformed {kind} record ({exc})")

    def start_entries(self) -> None:
        """Check keys, checkpoints and their consistency; seed the tree with the prefix."""
        report, header = self.report, self.header or {}
        keyring = AuditKeyring(self.keys)
        for number, checkpoint in enumerate(self.checkpoints, 1):
            why = checkpoint_problem(checkpoint, keyring)
            if why is not None:
                report.problem(f"checkpoint {number} (size {checkpoint.size}): {why}")
                continue
            other = self.trusted.get(checkpoint.size)
            if other is not None and other.root != checkpoint.root:
                report.problem(f"checkpoint {number} (size {checkpoint.size}): a second, different "
                               "root for the same size (the log was forked)")  # fmt: skip
            self.trusted.setdefault(checkpoint.size, checkpoint)
        report.checkpoints = len(self.checkpoints)
        if not self.trusted:
            report.problem("no trustworthy checkpoint: nothing in the bundle is authenticated")
        sizes = sorted(self.trusted)
        for m, n in zip(sizes, sizes[1:]):
            proof = self.consistency.get((m, n))
            first, second = self.trusted[m], self.trusted[n]
            if second.at < first.at:
                report.problem(f"checkpoint size {n} is dated before checkpoint size {m}")
            if proof is None:
                report.problem(f"no consistency proof between checkpoints size {m} and size {n}")
            elif not verify_consistency(m, n, first.root, second.root, proof):
                report.problem(f"checkpoint size {m} is not consistent with checkpoint size {n} "
                               "(history rewritten between them)")  # fmt: skip
        first_seq = header.get("first_seq", 1)
        prefix_size, hashes = self.prefix or (first_seq - 1, [])
        if prefix_size != first_seq - 1:
            report.problem(f"prefix covers {prefix_size} entries, but the range starts at {first_seq}")
        try:
            self.accumulator = MerkleAccumulator.from_frontier(prefix_size, hashes)
        except ValueError as exc:
            report.problem(f"prefix: {exc}")
            self.accumulator = MerkleAccumulator()
        self._check_tree_size()
        self.sequence = SequenceTracker(first_seq, header.get("last_seq", first_seq - 1), report)

    # ---- the entries ---------------------------------------------------------------------

    def add_entry(self, record: dict[str, Any], line_no: int) -> None:
        report = self.report
        entry = record.get("entry")
        seq = entry.get("seq") if isinstance(entry, dict) else None
        name = f"entry {seq}" if type(seq) is int else f"entry on line {line_no}"
        assert self.sequence is not None
        if type(seq) is int:
            self.sequence.see(seq)
        try:
            computed = leaf_hash(canonical(entry))  # type: ignore[arg-type]
        except EntryInvalid as exc:
            report.problem(f"{name}: malformed ({exc})")
            computed = None
        try:
            listed = bytes.fromhex(record["leaf_hash"])
        except (KeyError, TypeError, ValueError):
            report.problem(f"{name}: leaf_hash missing or not hex")
            listed = computed or _ZERO
        if computed is not None and computed != listed and type(seq) is int:
            self.content_mismatch.append(seq)
        self.accumulator.extend((listed,))
        if self.accumulator.size in self.trusted:
            self._check_tree_size()
        if computed is not None:
            self._check_bodies(name, entry, record)  # type: ignore[arg-type]
        report.entries += 1

    def _check_bodies(self, name: str, entry: dict[str, Any], record: dict[str, Any]) -> None:
        state = record.get("body_state", "omitted")
        self.report.body_states[state] = self.report.body_states.get(state, 0) + 1
        if state != "exact":
            return
        for side in ("request", "response"):
            encoded, digest = record.get(f"{side}_body"), entry[f"{side}_digest"]
            if encoded is None:
                if digest is not None and side == "request":
                    self.report.problem(f"{name}: request body missing though bodies are exact")
                continue
            try:
                body = base64.b64decode(encoded, validate=True)
            except (binascii.Error, TypeError, ValueError):
                self.report.problem(f"{name}: {side} body is not base64")
                continue
            if digest is None or hashlib.sha256(body).hexdigest() != digest:
                self.report.problem(f"{name}: {side} body does not match {side}_digest")

    def _check_tree_size(self) -> None:
        size = self.accumulator.size
        checkpoint = self.trusted.get(size)
        if checkpoint is None or size in self.tree_checked:
            return
        self.tree_checked.append(size)
        if self.accumulator.root() == checkpoint.root:
            self.last_match = size
            return
        self.tree_failed = True
        first = (self.header or {}).get("first_seq", 1)
        since = "" if self.last_match is None else f"; entries up to {self.last_match} matched"
        self.report.problem(f"checkpoint size {size}: root does not match the tree of entries "
                            f"{first}..{size} (entries altered, removed or reordered{since})")  # fmt: skip

    # ---- after the entries ---------------------------------------------------------------

    def finish(self) -> None:
        report, header = self.report, self.header or {}
        assert self.sequence is not None
        self.sequence.finish()
        first, last = header.get("first_seq", 1), header.get("last_seq", 0)
        anchor = max(self.trusted) if self.trusted else None
        if anchor is not None and anchor < last:
            report.problem(f"entries {anchor + 1}..{last} are not covered by any checkpoint "
                           f"(the last trustworthy one has size {anchor})")  # fmt: skip
            self.tree_failed = True
        elif anchor is not None and self.accumulator.size < anchor and anchor not in self.tree_checked:
            proof = self.range_proof
            size = self.accumulator.size
            if proof is None or proof[0] != last or proof[1] != anchor:
                report.problem(f"no range proof from entry {last} to checkpoint size {anchor}")
                self.tree_failed = True
            elif not verify_consistency(size, anchor, self.accumulator.root(), self.trusted[anchor].root, proof[2]):
                report.problem(f"entries {first}..{last}: not included in checkpoint size {anchor} "
                               "(range proof fails: entries altered, removed or reordered)")  # fmt: skip
                self.tree_failed = True
        authenticated = bool(self.trusted) and not self.tree_failed
        for seq in self.content_mismatch:
            if authenticated:
                covering = min(s for s in self.trusted if s >= seq)
                report.problem(f"entry {seq}: leaf hash not included in checkpoint size {covering} "
                               "(entry altered)")  # fmt: skip
            else:
                report.problem(f"entry {seq}: content does not match its leaf hash (entry altered)")
        report.first_seq, report.last_seq, report.tree_size = first, last, anchor


def verify_bundle(path: str | Path, progress: Progress | None = None, *, max_problems: int = 1000) -> Report:
    """Verify the bundle at ``path`` offline; ``progress(done, total)`` is called as entries
    are checked. The report lists every problem found (``report.ok`` when none)."""
    report = Report(max_problems=max_problems)
    verifier = _Verifier(report)
    digest = hashlib.sha256()
    total, started, ended, last_line = 0, False, None, b""
    with open(path, "rb") as bundle:
        for line_no, line in enumerate(bundle, 1):
            last_line = line
            try:
                record = orjson.loads(line)
                kind = record["type"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                if not line.endswith(b"\n"):
                    break  # a cut-off last line: reported as truncation below
                report.problem(f"line {line_no}: not a bundle record (corrupted)")
                digest.update(line)
                continue
            if kind == "end":
                ended = record
                break
            digest.update(line)
            if line_no == 1:
                if kind != "header" or record.get("format") != FORMAT or record.get("version") != VERSION:
                    report.problem("not a Liên thông audit bundle (version 1): no header")
                    return report
                verifier.header = record
                total = max(0, record.get("last_seq", 0) - record.get("first_seq", 1) + 1)
            elif kind == "entry":
                if not started:
                    verifier.start_entries()
                    started = True
                verifier.add_entry(record, line_no)
                if progress is not None and report.entries % PROGRESS_EVERY == 0:
                    progress(report.entries, total)
            elif started:
                report.problem(f"line {line_no}: {kind} record among the entries")
            else:
                verifier.add_setup(kind, record, line_no)
    if verifier.header is None:
        report.problem("bundle truncated: empty file")
        return report
    if not started:
        verifier.start_entries()
    verifier.finish()
    if ended is None:
        cut = "" if last_line.endswith(b"\n") else ", last line cut off"
        report.problem(f"bundle truncated: no end record (after {report.entries} entries{cut})")
    elif ended.get("entries") != report.entries or ended.get("sha256") != digest.hexdigest():
        report.problem("bundle corrupted: the end record's entry count or SHA-256 does not match")
    if progress is not None:
        progress(report.entries, total)
    return report
