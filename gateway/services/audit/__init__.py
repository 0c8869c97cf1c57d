"""The audit trail inside the gateway: sealing recorded exchanges into the Merkle log
(``sealer``), reading it for officers (``reader``), exporting bundles (``export``), verifying
the live database (``live_verify``), retention (``purge``) and body protection at rest."""

from gateway.services.audit.protection import BodyProtection
from gateway.services.audit.sealer import AuditSealer, SealerConfig

__all__ = ["AuditSealer", "BodyProtection", "SealerConfig"]
