"""Naming gaps, swaps and duplicates in a stream of sequence numbers, without holding it."""

from __future__ import annotations

from security.audit.report import Report


class SequenceTracker:
    """Follows the ``seq`` of each entry read; reports deleted, reordered, duplicated and
    out-of-range entries. Keeps only the open gaps (a few, in any real case)."""

    def __init__(self, first: int, last: int, report: Report) -> None:
        self.first, self.last, self.report = first, last, report
        self.max_seen = first - 1
        self.previous = first - 1
        self.gaps: list[list[int]] = []  # [lo, hi, seq before the jump, seq after it]

    def see(self, seq: int) -> None:
        report = self.report
        if not self.first <= seq <= self.last:
            report.problem(f"entry {seq} is outside the bundle's range {self.first}..{self.last}")
        if seq == self.max_seen + 1:
            self.max_seen = seq
        elif seq > self.max_seen:
            self.gaps.append([self.max_seen + 1, seq - 1, self.previous, seq])
            self.max_seen = seq
        else:
            gap = next((g for g in self.gaps if g[0] <= seq <= g[1]), None)
            if gap is None:
                report.problem(f"entry {seq} duplicated (found again after entry {self.previous})")
            else:
                if gap[0] == gap[1] == seq and gap[3] == self.previous == seq + 1:
                    report.problem(f"entries {seq} and {seq + 1} reordered")
                else:
                    report.problem(f"entry {seq} out of order (found after entry {self.previous})")
                self._close(gap, seq)
        self.previous = seq

    def _close(self, gap: list[int], seq: int) -> None:
        self.gaps.remove(gap)
        lo, hi, before, after = gap
        if lo < seq:
            self.gaps.append([lo, seq - 1, before, after])
        if seq < hi:
            self.gaps.append([seq + 1, hi, before, after])

    def finish(self) -> None:
        for lo, hi, before, after in sorted(self.gaps):
            which = f"entry {lo}" if lo == hi else f"entries {lo}..{hi}"
            if before < self.first:
                self.report.problem(f"{which} missing (the range starts at {after}, not {self.first})")
            else:
                self.report.problem(f"{which} missing (sequence jumps {before} → {after})")
        if self.max_seen < self.last:
            which = f"entry {self.last}" if self.max_seen + 1 == self.last else f"entries {self.max_seen + 1}..{self.last}"
            self.report.problem(f"{which} missing (the bundle ends at entry {self.max_seen})")
