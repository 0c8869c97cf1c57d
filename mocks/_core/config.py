"""Settings of the mock national systems (kept apart from ``gateway.settings`` on purpose)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEV_PORTAL_USERNAME = "lienthong"
DEV_PORTAL_PASSWORD = "dev-portal-password"
DEV_PORTAL_PUSH_TOKEN = "dev-portal-push-token"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class MockConfig:
    """Everything the mocks need; tests build it directly, ``lienthong mocks`` uses ``from_env``.

    ``clock`` (monotonic seconds, for session expiry), ``now`` (wall clock, for the journal)
    and ``sleep`` (latency and timeout faults) are injected so tests need no real waiting.
    """

    gateway_url: str = "http://127.0.0.1:8080"  # where pushes and callbacks go
    port: int = 8081  # where ``lienthong mocks`` listens
    seed: int = 0  # of the RNG that decides fault ``rate``s: runs are reproducible
    journal_size: int = 10_000  # the request journal keeps only the latest N entries
    fault_timeout_seconds: float = 30.0  # how long a ``timeout`` fault hangs (upper bound)
    push_timeout_seconds: float = 10.0  # mock -> gateway calls (pushes, callbacks)

    portal_username: str = DEV_PORTAL_USERNAME
    portal_password: str = DEV_PORTAL_PASSWORD
    portal_dstcode: str | None = None  # None: any non-empty dstcode is accepted
    portal_session_ttl_seconds: float = 1800.0
    portal_reply_style: str = "plain"  # "plain" | "wrapped"
    portal_push_token: str = DEV_PORTAL_PUSH_TOKEN  # bearer token of pushes to the gateway

    # Every LIENTHONG_* variable, for systems that need settings of their own (payment secret...).
    env: Mapping[str, str] = field(default_factory=dict)

    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    now: Callable[[], datetime] = field(default=_utc_now, repr=False, compare=False)
    sleep: Callable[[float], Awaitable[Any]] = field(
        default=asyncio.sleep, repr=False, compare=False
    )
    # Transport for mock -> gateway HTTP calls; tests pass httpx.ASGITransport(gateway_app).
    gateway_transport: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MockConfig:
        """Read ``LIENTHONG_*`` variables (the same names the gateway reads)."""
        env = dict(os.environ if environ is None else environ)
        own = {k: v for k, v in env.items() if k.startswith("LIENTHONG_")}

        def get(name: str, default: str) -> str:
            return own.get(f"LIENTHONG_{name}") or default

        host = get("HOST", "127.0.0.1")
        if host in ("0.0.0.0", "::"):  # a listen address, not one to connect to
            host = "127.0.0.1"
        gateway_url = get("GATEWAY_URL", f"http://{host}:{get('PORT', '8080')}")
        return cls(
            gateway_url=gateway_url.rstrip("/"),
            port=int(get("MOCKS_PORT", "8081")),
            seed=int(get("MOCKS_SEED", "0")),
            journal_size=int(get("MOCKS_JOURNAL_SIZE", "10000")),
            fault_timeout_seconds=float(get("MOCKS_FAULT_TIMEOUT_SECONDS", "30")),
            portal_username=get("PORTAL_USERNAME", DEV_PORTAL_USERNAME),
            portal_password=get("PORTAL_PASSWORD", DEV_PORTAL_PASSWORD),
            portal_dstcode=own.get("LIENTHONG_MOCKS_PORTAL_DSTCODE") or None,
            portal_session_ttl_seconds=float(get("MOCKS_PORTAL_SESSION_TTL_SECONDS", "1800")),
            portal_reply_style=get("MOCKS_PORTAL_REPLY_STYLE", "plain"),
            portal_push_token=get("PORTAL_PUSH_TOKEN", DEV_PORTAL_PUSH_TOKEN),
            env=own,
        )
