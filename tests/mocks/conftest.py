"""Fixtures for the mock national systems: an injected clock and sleep, the app, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from mocks._core import MockConfig
from mocks.app import create_mocks_app


class FakeClock:
    """Monotonic seconds that only move when a test says so (or a fake sleep passes)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class RecordingSleep:
    """An ``asyncio.sleep`` stand-in that records durations and advances the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.calls = clock, []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep(clock: FakeClock) -> RecordingSleep:
    return RecordingSleep(clock)


@pytest.fixture
def mock_config(clock: FakeClock, sleep: RecordingSleep) -> MockConfig:
    return MockConfig(
        clock=clock,
        sleep=sleep,
        now=lambda: datetime(2026, 11, 22, 2, 30, tzinfo=UTC),
        portal_session_ttl_seconds=600,
    )


@pytest.fixture
def mocks_app(mock_config: MockConfig):  # noqa: ANN201 - a Starlette Router
    return create_mocks_app(mock_config)


@pytest.fixture
async def mocks_client(mocks_app) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=mocks_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mocks.test") as client:
        yield client
