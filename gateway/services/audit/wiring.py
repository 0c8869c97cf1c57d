"""How ``app.py`` puts the audit trail together: the sink (with body protection), the
officers' reader and the background sealer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gateway.services.audit.protection import BodyProtection
from gateway.services.audit.reader import AuditReader
from gateway.services.audit.sealer import AuditSealer, SealerConfig
from gateway.store.audit_sink import StoreAuditSink


def install(container: Any, *, clock: Callable[[], datetime]) -> None:
    """Set ``container.audit`` (the store sink) and the ``audit`` / ``audit_sealer`` services."""
    settings, db = container.settings, container.db
    protection = BodyProtection(settings.audit_body_protection, container.keys)
    container.audit = StoreAuditSink(db, protection)
    container.services["audit"] = AuditReader(db, container.keys, protection, clock=clock)
    sealer = container.services["audit_sealer"] = AuditSealer(
        db, container.keys, clock=clock, config=SealerConfig.from_settings(settings)
    )
    container.closers.append(sealer.stop)  # frees its PostgreSQL lease even if never started


async def start(container: Any) -> None:
    """Start the sealer (when enabled) with the app's other background loops."""
    sealer = container.services["audit_sealer"]
    if container.settings.audit_sealer_enabled:
        await sealer.start()
        container.workers.append(sealer)
