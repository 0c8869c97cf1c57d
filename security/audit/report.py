"""What an offline verification found: the problems, named, and what was checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Report:
    """Problems in the order found (at most ``max_problems`` kept, all counted)."""

    max_problems: int = 1000
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    entries: int = 0
    checkpoints: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    tree_size: int | None = None
    body_states: dict[str, int] = field(default_factory=dict)
    # The keys checkpoints were checked with (kid, fingerprint_sha256, source, validity):
    # compare the fingerprints with the gateway's published certificates.
    keys: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(message)

    @property
    def notes(self) -> list[str]:
        """What was not checked, and why (not problems)."""
        notes = []
        if self.body_states.get("redacted"):
            notes.append(f"{self.body_states['redacted']} bodies redacted: not compared with their digests")
        if self.body_states.get("purged"):
            notes.append(f"{self.body_states['purged']} bodies purged by retention: only digests remain")
        if self.body_states.get("omitted"):
            notes.append(f"{self.body_states['omitted']} entries exported without bodies")
        return notes

    def summary(self) -> str:
        span = f"entries {self.first_seq}..{self.last_seq}" if self.first_seq else "no entries"
        if self.ok:
            return (f"OK: {self.entries} {span} verified against {self.checkpoints} checkpoints "
                    f"(tree size {self.tree_size})")  # fmt: skip
        hidden = self.problem_count - len(self.problems)
        more = f" (first {len(self.problems)} listed)" if hidden else ""
        return f"FAILED: {self.problem_count} problems in {span}{more}"
