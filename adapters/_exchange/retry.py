"""Bounded retries with exponential backoff and full jitter (AWS architecture blog's
"full jitter": sleep a uniform random time in [0, min(cap, base * 2**attempt)])."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` counts the first try: 3 means at most two retries."""

    attempts: int = 3
    base_seconds: float = 0.2
    cap_seconds: float = 5.0
    random: Callable[[], float] = field(default=random.random, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (retry_number - 1))
        return ceiling * self.random()


NO_RETRY = RetryPolicy(attempts=1)
