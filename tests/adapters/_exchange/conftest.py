"""Build an ``Exchange`` over ``httpx.MockTransport`` with every part injected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters._exchange import (
    AuthProfile,
    CircuitBreaker,
    Exchange,
    ExchangeMetrics,
    NoAuth,
    RetryPolicy,
)

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def make_exchange(clock, sleep, audit, registry):
    def build(
        handler: Handler,
        *,
        auth: AuthProfile | None = None,
        attempts: int = 3,
        threshold: int = 3,
        budget: float = 20.0,
        timeout: httpx.Timeout | None = None,
        **parts: Any,
    ) -> Exchange:
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(handler),
            timeout=timeout or httpx.Timeout(2.0, connect=1.0),
        )
        return Exchange(
            name="upstream",
            peer="portal",
            http=http,
            auth=auth or NoAuth(),
            audit=audit,
            breaker=CircuitBreaker(
                name="upstream", failure_threshold=threshold, reset_seconds=10.0, clock=clock
            ),
            retry=RetryPolicy(attempts=attempts, base_seconds=0.5, cap_seconds=4.0, random=lambda: 0.5),
            budget_seconds=budget,
            clock=clock,
            metrics=ExchangeMetrics.for_registry(registry),
            sleep=sleep,
            **parts,
        )

    return build
