"""A circuit breaker per upstream: stop calling a national system that keeps failing.

    closed ──N consecutive failures──▶ open ──reset_seconds──▶ half_open
      ▲                                  ▲                        │
      └────────── trial call ok ─────────┼──── trial call failed ─┘

Only failures that say "the upstream is not working" count (timeouts, unreachable, 5xx —
the retryable ones); a rejection (4xx, a business error code) proves the upstream answers,
so it counts as a success. In ``half_open`` one trial call goes through; others fail fast
until it settles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from adapters._exchange.context import Clock
from contracts.errors import CircuitOpen

State = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}


class CircuitBreaker:
    def __init__(
        self,
        *,
        name: str,
        failure_threshold: int,
        reset_seconds: float,
        clock: Clock,
        on_change: Callable[[State], None] | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self._threshold = failure_threshold
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._on_change = on_change
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock.monotonic() - self._opened_at >= self._reset_seconds:
            return "half_open"
        return "open"

    @property
    def state_value(self) -> int:
        """0 closed, 1 half_open, 2 open (the Prometheus gauge)."""
        return STATE_VALUES[self.state]

    def before_call(self) -> None:
        """Raise ``CircuitOpen`` unless a call may go through now."""
        state = self.state
        if state == "closed":
            return
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return
        raise CircuitOpen(f"{self.name}: circuit {state}", upstream=self.name)

    def record_success(self) -> None:
        was = self.state
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False
        if was != "closed":
            self._notify("closed")

    def record_failure(self) -> None:
        state = self.state
        self._failures += 1
        if state == "half_open" or (state == "closed" and self._failures >= self._threshold):
            self._opened_at = self._clock.monotonic()
            self._trial_in_flight = False
            self._notify("open")

    def release(self) -> None:
        """A call that neither succeeded nor failed (e.g. cancelled) frees the trial slot."""
        self._trial_in_flight = False

    def _notify(self, state: State) -> None:
        if self._on_change is not None:
            self._on_change(state)
