"""Build the portal client from settings (any object with the settings' attribute names)."""

from __future__ import annotations

from typing import Protocol

import httpx
from prometheus_client import CollectorRegistry

from adapters._exchange import Clock, DvcqgSessionAuth, ExchangeSettings, build_exchange
from adapters._exchange.pipeline import Sleep
from adapters.portal.client import PortalClient
from security.audit import AuditSink


class PortalSettings(ExchangeSettings, Protocol):
    portal_url: str
    portal_auth_path: str
    portal_integration_path: str
    portal_share_path: str
    portal_username: str
    portal_password: str
    portal_dstcode: str
    portal_madonvi: str
    portal_progress_chunk: int
    portal_ok_error_codes: list[str]


def build_portal_client(
    settings: PortalSettings,
    *,
    audit: AuditSink,
    registry: CollectorRegistry,
    http: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
) -> PortalClient:
    """The portal client the app uses: DVCQG session auth, the measured transport (unless
    ``http`` is injected), breaker and retries from settings, audit into ``audit``."""
    base = settings.portal_url.rstrip("/")
    ok_codes = tuple(str(c) for c in settings.portal_ok_error_codes)
    auth = DvcqgSessionAuth(
        login_url=base + settings.portal_auth_path,
        username=settings.portal_username,
        password=settings.portal_password,
        dstcode=settings.portal_dstcode,
        upstream="portal",
        ok_codes=ok_codes,
    )
    exchange = build_exchange(
        settings,
        name="portal",
        peer="portal",
        auth=auth,
        audit=audit,
        registry=registry,
        http=http,
        clock=clock,
        sleep=sleep,
    )
    return PortalClient(
        exchange=exchange,
        base_url=base,
        integration_path=settings.portal_integration_path,
        share_path=settings.portal_share_path,
        madonvi=settings.portal_madonvi,
        progress_chunk=settings.portal_progress_chunk,
        ok_error_codes=ok_codes,
    )
