"""Export → offline verification, and each attack on a bundle named at the right place."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from security.audit import entry_leaf_hash, sign_checkpoint, verify_bundle

from .conftest import Log, build_log


@pytest.fixture(autouse=True, params=["this process", "worker processes"])
def verification_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every attack is detected the same whether entries are checked in this process or, as
    for large bundles, by worker processes each reading its own small byte range."""
    if request.param == "worker processes":
        import security.audit.verify as verify

        monkeypatch.setattr(verify, "PARALLEL_FROM", 1)
        monkeypatch.setattr(verify, "RANGE_BYTES", 700)  # a few lines per range
        monkeypatch.setattr(verify.os, "cpu_count", lambda: 2)
    return str(request.param)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def rewrite(path: Path, records: list[dict]) -> None:
    """Write records back with a fresh end record, as an attacker who knows the format would."""
    body = b"".join(orjson.dumps(r) + b"\n" for r in records if r["type"] != "end")
    entries = sum(1 for r in records if r["type"] == "entry")
    end = {"type": "end", "entries": entries}
    path.write_bytes(body + orjson.dumps(end) + b"\n")


def entry_record(records: list[dict], seq: int) -> dict:
    return next(r for r in records if r["type"] == "entry" and r["entry"]["seq"] == seq)


def test_an_untouched_bundle_verifies(log: Log, tmp_path: Path) -> None:
    """A full export verifies, across a key rotation, with progress reported to the end."""
    seen = []
    report = verify_bundle(log.export(tmp_path / "b.jsonl"), progress=lambda d, t: seen.append((d, t)))
    assert report.ok, report.problems
    assert (report.entries, report.checkpoints, report.tree_size) == (40, 4, 40)
    assert seen[-1] == (40, 40)
    assert {c.key_id for c in log.checkpoints} == {"audit-old", "audit-new"}


def test_a_partial_range_verifies_against_a_later_checkpoint(log: Log, tmp_path: Path) -> None:
    """Entries 13..27 are proved by the prefix frontier and the range proof to size 30."""
    report = verify_bundle(log.export(tmp_path / "b.jsonl", 13, 27))
    assert report.ok, report.problems
    assert (report.first_seq, report.last_seq, report.tree_size, report.entries) == (13, 27, 30, 15)


def test_a_bundle_without_bodies_verifies_and_says_so(log: Log, tmp_path: Path) -> None:
    """With bodies omitted only digests travel; the report notes it."""
    report = verify_bundle(log.export(tmp_path / "b.jsonl", bodies="omitted"))
    assert report.ok, report.problems
    assert report.notes == ["40 entries exported without bodies"]


def test_altered_entry_is_named(log: Log, tmp_path: Path) -> None:
    """Changing entry 17's content is caught at entry 17, and only there."""
    path = log.export(tmp_path / "b.jsonl")
    records = read(path)
    entry_record(records, 17)["entry"]["purpose"] = "no reason"
    rewrite(path, records)
    report = verify_bundle(path)
    assert report.problems == ["entry 17: leaf hash not included in checkpoint size 20 (entry altered)"]


def test_altered_entry_with_recomputed_leaf_hash_fails_the_covering_checkpoint(
    log: Log, tmp_path: Path
) -> None:
    """Recomputing the altered entry's leaf hash moves the failure to the tree: the first
    checkpoint after it (size 20) no longer matches, the one before (10) still does."""
    path = log.export(tmp_path / "b.jsonl", bodies="omitted")
    records = read(path)
    record = entry_record(records, 17)
    record["entry"]["outcome"] = "ok-but-forged"
    record["leaf_hash"] = entry_leaf_hash(record["entry"]).hex()
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert problems[0].startswith("checkpoint size 20: root does not match the tree of entries 1..20")
    assert "entries up to 10 matched" in problems[0]


def test_deleted_entry_is_named(log: Log, tmp_path: Path) -> None:
    """Removing entry 18 is reported as a jump 17 → 19, and the tree no longer matches."""
    path = log.export(tmp_path / "b.jsonl")
    records = [r for r in read(path) if not (r["type"] == "entry" and r["entry"]["seq"] == 18)]
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert "entry 18 missing (sequence jumps 17 → 19)" in problems
    assert any(p.startswith("checkpoint size 20: root does not match") for p in problems)


def test_deleted_entry_with_renumbering_fails_the_tree(log: Log, tmp_path: Path) -> None:
    """Deleting entry 18 and renumbering the rest breaks the leaf hashes from 18 on."""
    path = log.export(tmp_path / "b.jsonl", bodies="omitted")
    records = [r for r in read(path) if not (r["type"] == "entry" and r["entry"]["seq"] == 18)]
    for r in records:
        if r["type"] == "entry" and r["entry"]["seq"] > 18:
            r["entry"]["seq"] -= 1
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert "entry 18: content does not match its leaf hash (entry altered)" in problems
    assert "entry 40 missing (the bundle ends at entry 39)" in problems


def test_reordered_entries_are_named(log: Log, tmp_path: Path) -> None:
    """Swapping entries 5 and 6 in the bundle is reported as such."""
    path = log.export(tmp_path / "b.jsonl")
    records = read(path)
    i5 = records.index(entry_record(records, 5))
    records[i5], records[i5 + 1] = records[i5 + 1], records[i5]
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert "entries 5 and 6 reordered" in problems
    assert any(p.startswith("checkpoint size 10: root does not match") for p in problems)


def test_forged_checkpoint_is_named(log: Log, tmp_path: Path) -> None:
    """A checkpoint whose root was changed fails its signature check, by number and size."""
    path = log.export(tmp_path / "b.jsonl")
    records = read(path)
    checkpoints = [r for r in records if r["type"] == "checkpoint"]
    checkpoints[2]["root"] = hashlib.sha256(b"another history").hexdigest()
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert "checkpoint 3 (size 30): signature invalid" in problems


def test_checkpoint_by_unknown_key_is_named(log: Log, tmp_path: Path) -> None:
    """A checkpoint signed by a key the bundle does not carry is not trusted."""
    path = log.export(tmp_path / "b.jsonl")
    records = [r for r in read(path) if not (r["type"] == "key" and r["kid"] == "audit-new")]
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert "checkpoint 3 (size 30): signed by unknown key audit-new" in problems


def test_checkpoint_signed_by_retired_key_after_retirement_is_refused(tmp_path: Path) -> None:
    """The old key, retired after checkpoint 2, cannot sign checkpoint 4; 1 and 2 stay valid."""
    log = build_log()
    retired_at = log.keys[0].retired_at
    assert retired_at is not None
    last = log.checkpoints[3]
    log.checkpoints[3] = sign_checkpoint(
        last.size, last.root, last.at + timedelta(minutes=5), log.private_keys["audit-old"], "audit-old"
    )
    report = verify_bundle(log.export(tmp_path / "b.jsonl"))
    assert report.problems[0] == (
        f"checkpoint 4 (size 40): signed by retired key audit-old after its retirement at "
        f"{retired_at.isoformat()}"
    )
    assert not any(p.startswith(("checkpoint 1", "checkpoint 2")) for p in report.problems)


def test_truncated_bundle_is_named(log: Log, tmp_path: Path) -> None:
    """A bundle cut in the middle of an entry line is reported as truncated."""
    path = log.export(tmp_path / "b.jsonl")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    problems = verify_bundle(path).problems
    assert any(p.startswith("bundle truncated: no end record") for p in problems)
    assert any("missing (the bundle ends at entry" in p for p in problems)


def test_bundle_cut_at_a_line_boundary_is_truncated(log: Log, tmp_path: Path) -> None:
    """Dropping whole lines at the end (end record included) is still truncation."""
    path = log.export(tmp_path / "b.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-6]))
    problems = verify_bundle(path).problems
    assert "bundle truncated: no end record (after 35 entries)" in problems
    assert "entries 36..40 missing (the bundle ends at entry 35)" in problems


def test_body_not_matching_its_digest_is_named(log: Log, tmp_path: Path) -> None:
    """A response body changed in the bundle is caught at its entry."""
    path = log.export(tmp_path / "b.jsonl")
    records = read(path)
    entry_record(records, 9)["response_body"] = base64.b64encode(b'{"ok": false}').decode()
    rewrite(path, records)
    assert verify_bundle(path).problems == ["entry 9: response body does not match response_digest"]


def test_redacted_bodies_are_not_reported_as_tampering(log: Log, tmp_path: Path) -> None:
    """A body marked redacted is not compared with its digest, and the report notes it."""
    path = log.export(tmp_path / "b.jsonl")
    records = read(path)
    record = entry_record(records, 9)
    record["request_body"] = base64.b64encode(b"<x>[redacted]</x>").decode()
    record["body_state"] = "redacted"
    rewrite(path, records)
    report = verify_bundle(path)
    assert report.ok, report.problems
    assert report.notes == ["1 bodies redacted: not compared with their digests"]


def test_altered_entry_in_a_partial_range_is_named(log: Log, tmp_path: Path) -> None:
    """In a partial range (13..27), altered entry 25 is named against checkpoint size 30."""
    path = log.export(tmp_path / "b.jsonl", 13, 27)
    records = read(path)
    entry_record(records, 25)["entry"]["officer_id"] = "someone-else"
    rewrite(path, records)
    assert verify_bundle(path).problems == [
        "entry 25: leaf hash not included in checkpoint size 30 (entry altered)"
    ]


def test_forged_prefix_fails_the_range(log: Log, tmp_path: Path) -> None:
    """A partial range hashed onto a forged prefix does not reach the signed roots."""
    path = log.export(tmp_path / "b.jsonl", 23, 27)
    records = read(path)
    prefix = next(r for r in records if r["type"] == "prefix")
    prefix["hashes"][0] = hashlib.sha256(b"forged").hexdigest()
    rewrite(path, records)
    problems = verify_bundle(path).problems
    assert any("checkpoint size 30" in p or "not included in checkpoint size 30" in p for p in problems)


def test_end_record_count_catches_lines_removed_without_care(log: Log, tmp_path: Path) -> None:
    """Removing the last entry line but keeping the end record is named twice: the missing
    entry, and the end record's count."""
    path = log.export(tmp_path / "b.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-2] + lines[-1:]))
    problems = verify_bundle(path).problems
    assert "entry 40 missing (the bundle ends at entry 39)" in problems
    assert "bundle corrupted: the end record counts 40 entries, the bundle has 39" in problems


def test_data_after_the_end_record_is_reported(log: Log, tmp_path: Path) -> None:
    """Anything appended after the end record is not silently ignored."""
    path = log.export(tmp_path / "b.jsonl")
    with open(path, "ab") as out:
        out.write(b'{"type": "entry"}\n')
    assert verify_bundle(path).problems == ["data after the end record on line 53"]


def test_writer_refuses_a_gap_in_the_entries(log: Log, tmp_path: Path) -> None:
    """The exporter itself refuses entries that are not the declared contiguous range."""
    from security.audit import bundle_proofs, write_bundle

    items = log.bundle_items(1, 10)
    del items[4]
    with pytest.raises(ValueError, match="got 6 where 5 was due"):
        write_bundle(
            tmp_path / "b.jsonl", items, "included", log.checkpoints[:1],
            bundle_proofs(log.store, 1, 10, log.checkpoints[:1]), [],
        )  # fmt: skip


def _replace_entry_line(path: Path, seq: int, make_line) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_bytes().splitlines(keepends=True)
    for i, line in enumerate(lines):
        record = json.loads(line)
        if record["type"] == "entry" and record["entry"]["seq"] == seq:
            lines[i] = make_line(line)
    path.write_bytes(b"".join(lines))


def test_a_second_entry_member_cannot_smuggle_a_forged_entry(log: Log, tmp_path: Path) -> None:
    """The verifier hashes the line's last ``entry`` member in place; a forged entry added
    after the authentic one (even under an escaped key name) is the one checked, and caught."""
    assert orjson.loads(b'{"a":1,"\\u0061":2}') == {"a": 2}  # duplicate keys: the last wins
    path = log.export(tmp_path / "b.jsonl", bodies="omitted")
    forged = dict(log.entries[16], purpose="forged")
    _replace_entry_line(path, 17, lambda line: line[:-2] + b',"\\u0065ntry":' + orjson.dumps(forged) + b"}\n")
    assert verify_bundle(path).problems == ["entry 17: leaf hash not included in checkpoint size 20 (entry altered)"]


def test_a_reformatted_but_identical_entry_is_accepted(log: Log, tmp_path: Path) -> None:
    """An entry re-serialised with other spacing and key order still has the same canonical
    form, so it verifies (via the careful path)."""
    path = log.export(tmp_path / "b.jsonl")
    _replace_entry_line(path, 17, lambda line: json.dumps(json.loads(line), indent=None, separators=(", ", ": ")).encode() + b"\n")
    report = verify_bundle(path)
    assert report.ok, report.problems


def test_trusted_keys_catch_an_erased_retirement(tmp_path: Path) -> None:
    """An attacker who also erases the old key's retirement in the bundle passes the
    bundle-only check, but not a check against the officer's trusted copy of the keys."""
    log = build_log()
    last = log.checkpoints[3]
    log.checkpoints[3] = sign_checkpoint(
        last.size, last.root, last.at + timedelta(minutes=5), log.private_keys["audit-old"], "audit-old"
    )
    path = log.export(tmp_path / "b.jsonl")
    records = read(path)
    next(r for r in records if r["type"] == "key" and r["kid"] == "audit-old")["retired_at"] = None
    rewrite(path, records)
    assert verify_bundle(path).ok
    report = verify_bundle(path, keys=log.keyring())
    assert "key audit-old: the bundle's copy differs from the trusted key (public key or validity changed)" in report.problems
    assert any("signed by retired key audit-old" in p for p in report.problems)


def test_report_lists_key_fingerprints(log: Log, tmp_path: Path) -> None:
    """The report names each key used, with its SHA-256 fingerprint, for out-of-band checks."""
    report = verify_bundle(log.export(tmp_path / "b.jsonl"))
    assert [(k["kid"], k["fingerprint_sha256"]) for k in report.keys] == [
        (key.kid, key.fingerprint) for key in log.keys
    ]


def test_bundle_with_the_key_stores_certificates_round_trips(tmp_path: Path) -> None:
    """Keys as ``KeyStore.public_records("audit")`` publishes them (certificates, a rotation
    in the middle) are what a bundle carries; it verifies, and against them as trusted keys."""
    from datetime import datetime, timezone

    from security.audit import AuditKeyring, InMemoryTreeStore, bundle_proofs, write_bundle
    from security.keys import AUDIT, KeyStore

    clock = [datetime.now(timezone.utc) - timedelta(days=1)]
    store = KeyStore.ephemeral([AUDIT], clock=lambda: clock[0])
    log = build_log(n=30, rotate_at=None)
    tree = InMemoryTreeStore()
    checkpoints = []
    for seq, entry in enumerate(log.entries, 1):
        tree.append(entry_leaf_hash(entry))
        if seq % 10 == 0:
            if seq == 20:
                clock[0] += timedelta(hours=1)
                store.rotate(AUDIT)
            key = store.active(AUDIT)
            at = clock[0] + timedelta(minutes=seq)
            checkpoints.append(sign_checkpoint(seq, tree.root(), at, key.private_key, key.kid))  # type: ignore[arg-type]
    records = store.public_records(AUDIT)
    path = tmp_path / "b.jsonl"
    write_bundle(path, log.bundle_items(1, 30), "included", checkpoints, bundle_proofs(tree, 1, 30, checkpoints), records)
    report = verify_bundle(path)
    assert report.ok, report.problems
    assert len(report.keys) == 2
    trusted = verify_bundle(path, keys=AuditKeyring.from_public_records(records))
    assert trusted.ok, trusted.problems
