"""Who is calling and why (carried into every audit record), and the injected clock."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


@dataclass(frozen=True)
class CallContext:
    """The request that caused an outbound call: its id, the calling client, the officer and
    the purpose (every lookup of personal data is tied to a person and a reason)."""

    request_id: str
    caller: str | None = None
    officer_id: str | None = None
    purpose: str | None = None


class Clock(Protocol):
    """Time, injected: ``monotonic`` for deadlines, breakers and token expiry; ``now`` for
    timestamps in records."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)
