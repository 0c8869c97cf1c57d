"""A small audit log built the way the sealer builds it: records → entries → tree →
checkpoints signed by the audit key, with a key rotation in the middle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from security.audit import (
    AuditKey,
    AuditKeyring,
    BundleEntry,
    Checkpoint,
    ExchangeRecord,
    InMemoryTreeStore,
    bundle_proofs,
    entry_from_record,
    entry_leaf_hash,
    sign_checkpoint,
    write_bundle,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)


def make_record(seq: int) -> ExchangeRecord:
    request = f'<TraCuuThongTinCongDan><SoDinhDanh>0010900{seq:05d}</SoDinhDanh></TraCuuThongTinCongDan>'
    return ExchangeRecord(
        at=T0 + timedelta(seconds=seq),
        direction="outbound",
        peer="population",
        operation="TraCuuThongTinCongDan",
        request_id=f"req-{seq}",
        caller="one-stop",
        officer_id=f"officer-{seq % 3}",
        purpose="dossier H01.{seq}",
        outcome="ok" if seq % 7 else "upstream_timeout",
        http_status=200 if seq % 7 else None,
        duration_ms=12.5,
        request_bytes=request.encode(),
        response_bytes=f'{{"ok": true, "n": {seq}}}'.encode() if seq % 7 else None,
        signature_scheme="wsse-rsa-sha256",
        signature_key_id="pop-1",
        signature_verified=True if seq % 7 else None,
    )


@dataclass
class Log:
    """Entries 1..n with bodies, a tree, and checkpoints every ``every`` entries (and at n)."""

    records: list[ExchangeRecord] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)
    store: InMemoryTreeStore = field(default_factory=InMemoryTreeStore)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    keys: list[AuditKey] = field(default_factory=list)
    private_keys: dict[str, ec.EllipticCurvePrivateKey] = field(default_factory=dict)

    def keyring(self) -> AuditKeyring:
        return AuditKeyring(self.keys)

    def bundle_items(self, first: int, last: int) -> list[BundleEntry]:
        return [
            BundleEntry(
                entry=self.entries[seq - 1],
                leaf_hash=self.store.leaf_hash(seq - 1),
                request_body=self.records[seq - 1].request_bytes,
                response_body=self.records[seq - 1].response_bytes,
            )
            for seq in range(first, last + 1)
        ]

    def export(self, path: Path, first: int = 1, last: int | None = None, *, bodies: str = "included") -> Path:
        last = last or len(self.entries)
        cover = [c for c in self.checkpoints if c.size >= last][:1]
        chosen = [c for c in self.checkpoints if c.size < last] + cover
        proofs = bundle_proofs(self.store, first, last, chosen)
        certificates = [key.public_record() for key in self.keys]
        write_bundle(path, self.bundle_items(first, last), bodies, chosen, proofs, certificates)  # type: ignore[arg-type]
        return path


def build_log(n: int = 40, every: int = 10, rotate_at: int | None = 20) -> Log:
    """Checkpoints at every ``every`` entries; the first key retires right after the
    checkpoint at ``rotate_at`` and a second key signs the later ones."""
    log = Log()
    old_key, new_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    rotation = T0 + timedelta(seconds=(rotate_at or n + 1) + 0.5)
    log.keys = [
        AuditKey("audit-old", old_key.public_key(), retired_at=rotation if rotate_at else None),
        AuditKey("audit-new", new_key.public_key(), not_before=rotation),
    ]
    for seq in range(1, n + 1):
        record = make_record(seq)
        entry = entry_from_record(seq, record, body_ref=f"bodies/{seq}")
        log.records.append(record)
        log.entries.append(entry)
        log.store.append(entry_leaf_hash(entry))
        if seq % every == 0 or seq == n:
            at = record.at + timedelta(milliseconds=100)
            key, kid = (old_key, "audit-old") if at < rotation else (new_key, "audit-new")
            log.checkpoints.append(sign_checkpoint(seq, log.store.root(), at, key, kid))
    log.private_keys = {"audit-old": old_key, "audit-new": new_key}
    return log


@pytest.fixture
def log() -> Log:
    return build_log()
