"""The services one gateway process holds, built by ``app.create_app`` and kept on
``app.state.container``. Routes reach them through ``gateway.api.deps``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.settings import Settings


@dataclass
class Container:
    settings: Settings
    upstream_transport: Any = None  # tests: one transport to the mock national systems
    registry: Any = None  # prometheus_client.CollectorRegistry of this app
    db: Any = None  # gateway.store.Database
    keys: Any = None  # security.keys.KeyStore
    clients: Any = None  # security.caller_auth.ClientRegistry
    tokens: Any = None  # security.caller_auth.TokenService
    audit: Any = None  # security.audit.AuditSink (the store-backed one)
    outbox: Any = None  # gateway.outbox.worker.OutboxWorker
    exchanges: dict[str, Any] = field(default_factory=dict)  # upstream name -> Exchange
    portal: Any = None  # adapters.portal.PortalClient
    population: Any = None  # adapters.population client
    payment: Any = None  # adapters.payment client
    services: dict[str, Any] = field(default_factory=dict)  # use cases by name
    workers: list[Any] = field(default_factory=list)  # background loops started with the app
    closers: list[Any] = field(default_factory=list)  # async callables run at shutdown
