"""The checks behind ``verify_bundle``: keys and checkpoints before the entries, each entry
(the careful path, for anything unusual), the tree at each checkpoint, and the final range
proof. ``verify.py`` runs the common case of an entry inline and calls ``add_entry`` here
for the rest."""

from __future__ import annotations

import binascii
import hashlib
from binascii import a2b_base64
from typing import Any

import orjson

from security.audit.accumulator import MerkleAccumulator
from security.audit.checkpoint import Checkpoint, checkpoint_problem
from security.audit.entry import EntryInvalid, canonical
from security.audit.keys import AuditKey, AuditKeyring
from security.audit.merkle import verify_consistency
from security.audit.report import Report
from security.audit.sequence import SequenceTracker

_ZERO = bytes(32)
BODY_STATES = frozenset({"exact", "redacted", "purged", "absent", "omitted"})
_sha256 = hashlib.sha256
_dumps, _SORT_KEYS = orjson.dumps, orjson.OPT_SORT_KEYS


def _describe(key: AuditKey, source: str) -> dict[str, Any]:
    return {
        "kid": key.kid, "fingerprint_sha256": key.fingerprint, "source": source,
        "not_before": key.not_before, "not_after": key.not_after, "retired_at": key.retired_at,
    }  # fmt: skip


def _name(seq: object, line_no: int) -> str:
    return f"entry {seq}" if type(seq) is int else f"entry on line {line_no}"


class BundleChecks:
    """The checks of one bundle, fed record by record (``verify.py`` drives them)."""

    def __init__(self, report: Report, trusted_keys: AuditKeyring | None = None) -> None:
        self.report = report
        self.trusted_keys = trusted_keys
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
        keyring = self._keyring()
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
        self.check_tree_size()
        self.sequence = SequenceTracker(first_seq, header.get("last_seq", first_seq - 1), report)

    def _keyring(self) -> AuditKeyring:
        """The bundle's keys, or the officer's trusted copy (which the bundle must agree with)."""
        report = self.report
        if self.trusted_keys is None:
            report.keys = [_describe(key, "bundle") for key in self.keys]
            return AuditKeyring(self.keys)
        for key in self.keys:
            trusted = self.trusted_keys.get(key.kid)
            if trusted is not None and not trusted.same_as(key):
                report.problem(f"key {key.kid}: the bundle's copy differs from the trusted key "
                               "(public key or validity changed)")  # fmt: skip
        report.keys = [_describe(key, "trusted") for key in self.trusted_keys]
        return self.trusted_keys

    # ---- the entries ---------------------------------------------------------------------

    def add_entry(self, record: dict[str, Any], line_no: int) -> None:
        """The careful path: one entry that is not the usual case, every check spelled out."""
        entry = record.get("entry")
        seq = entry.get("seq") if type(entry) is dict else None
        if type(seq) is int:
            self.sequence.see(seq)  # type: ignore[union-attr]
        try:
            # A leaf hash proved by a checkpoint already proves these are the log's bytes;
            # ``canonical`` (with its schema check) explains a mismatch below.
            computed = _sha256(b"\x00" + _dumps(entry, option=_SORT_KEYS)).digest()
        except (TypeError, orjson.JSONEncodeError):
            computed = None
        try:
            listed = bytes.fromhex(record["leaf_hash"])
            if len(listed) != 32 or listed.hex() != record["leaf_hash"]:
                raise ValueError("not 64 lower-case hex digits")
        except (KeyError, TypeError, ValueError):
            self.report.problem(f"{_name(seq, line_no)}: leaf_hash missing or not a SHA-256 hex digest")
            listed = computed or _ZERO
        if computed != listed:
            try:
                canonical(entry)  # type: ignore[arg-type]
            except EntryInvalid as exc:
                self.report.problem(f"{_name(seq, line_no)}: malformed ({exc})")
                computed = None
            else:
                if type(seq) is int:
                    self.content_mismatch.append(seq)
        accumulator = self.accumulator
        accumulator.push(listed)
        if accumulator.size in self.trusted:
            self.check_tree_size()
        state = record.get("body_state")
        if state not in BODY_STATES:
            self.report.problem(f"{_name(seq, line_no)}: body_state missing or unknown ({state!r})")
            state = "unknown"
        states = self.report.body_states
        states[state] = states.get(state, 0) + 1
        if state == "exact" and computed is not None and type(entry) is dict:
            self._check_bodies(seq, line_no, entry, record)
        self.report.entries += 1

    def _check_bodies(self, seq: object, line_no: int, entry: dict[str, Any], record: dict[str, Any]) -> None:
        for side in ("request", "response"):
            encoded, digest = record.get(side + "_body"), entry.get(side + "_digest")
            name = _name(seq, line_no)
            if encoded is None:
                if digest is not None:
                    self.report.problem(f"{name}: {side} body missing (body_state exact, {side}_digest set)")
                continue
            try:
                body = a2b_base64(encoded, strict_mode=True)
            except (binascii.Error, TypeError, ValueError):
                self.report.problem(f"{name}: {side} body is not base64")
                continue
            if digest is None or _sha256(body).hexdigest() != digest:
                self.report.problem(f"{name}: {side} body does not match {side}_digest")

    def check_tree_size(self) -> None:
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
                covering = min((s for s in self.trusted if s >= seq), default=anchor)
                report.problem(f"entry {seq}: leaf hash not included in checkpoint size {covering} "
                               "(entry altered)")  # fmt: skip
            else:
                report.problem(f"entry {seq}: content does not match its leaf hash (entry altered)")
        report.first_seq, report.last_seq, report.tree_size = first, last, anchor
