"""The request journal: what each mock national system received and what it made of it.

A bounded ring buffer (``MockConfig.journal_size``), so a 100k-event benchmark costs at most
that many entries of memory. Read with ``GET /__admin/requests``.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class JournalEntry:
    target: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    seq: int = 0
    operation: str | None = None
    auth_ok: bool | None = None  # None: the system does not check auth for this request
    signature_ok: bool | None = None  # None: nothing to verify
    valid: bool | None = None  # the payload satisfied its wire schema
    errors: list[str] = field(default_factory=list)
    status: int | None = None  # HTTP status sent; None if the connection was dropped
    fault: str | None = None  # the injected fault mode, if any
    duration_ms: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.received_at.isoformat(),
            "target": self.target,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body.decode("utf-8", errors="replace"),
            "operation": self.operation,
            "auth_ok": self.auth_ok,
            "signature_ok": self.signature_ok,
            "valid": self.valid,
            "errors": self.errors,
            "status": self.status,
            "fault": self.fault,
            "duration_ms": self.duration_ms,
        }


class Journal:
    def __init__(self, *, size: int = 10_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self.total = 0  # received since the last clear, including entries evicted

    def record(self, entry: JournalEntry) -> JournalEntry:
        entry.seq = next(self._seq)
        self._entries.append(entry)
        self.total += 1
        return entry

    def query(
        self,
        *,
        target: str | None = None,
        operation: str | None = None,
        after: int = 0,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries oldest first; ``limit`` keeps the latest N of those that match."""
        found = [
            e
            for e in self._entries
            if e.seq > after
            and (target is None or e.target == target)
            and (operation is None or e.operation == operation)
        ]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
