"""Fakes shared by the adapter tests: a clock moved by hand, recorded sleeps, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from adapters._exchange import CallContext
from security.audit import ListAuditSink


class FakeClock:
    """Monotonic seconds and wall time that only move when a test says so."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.start = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 1000.0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


class RecordedSleep:
    """An injected ``sleep`` that advances the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)


@dataclass
class ExchangeSettingsForTests:
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    call_budget_seconds: float = 20.0
    retry_attempts: int = 3
    breaker_failure_threshold: int = 3
    breaker_reset_seconds: float = 10.0
    portal_url: str = "http://portal.test/portal"
    portal_auth_path: str = "/api/auth"
    portal_integration_path: str = "/api/integration"
    portal_share_path: str = "/api/share"
    portal_username: str = "lienthong"
    portal_password: str = "dev-portal-password"
    portal_dstcode: str = "000.00.00.H56"
    portal_madonvi: str = "000.00.12.H56"
    portal_progress_chunk: int = 10
    portal_ok_error_codes: list[str] = field(default_factory=lambda: ["0"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep(clock: FakeClock) -> RecordedSleep:
    return RecordedSleep(clock)


@pytest.fixture
def audit() -> ListAuditSink:
    return ListAuditSink()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def ctx() -> CallContext:
    return CallContext(
        request_id="req-1", caller="demo", officer_id="cb.0012", purpose="Đồng bộ hồ sơ"
    )


@pytest.fixture
def exchange_settings() -> ExchangeSettingsForTests:
    return ExchangeSettingsForTests()
