"""Adapter for the National Public Service Portal (DVCQG), DVCQG integration guide v1.4."""

from adapters.portal.client import DossierSync, PortalClient, SyncAction
from adapters.portal.errors import DossierAlreadyExists
from adapters.portal.factory import PortalSettings, build_portal_client
from adapters.portal.mapping import (
    PortalDossier,
    ProgressStep,
    dossier_to_wire,
    event_to_wire,
    procedure_from_wire,
    same_step,
)
from adapters.portal.wire import from_date14, to_date14

__all__ = [
    "DossierAlreadyExists",
    "DossierSync",
    "PortalClient",
    "PortalDossier",
    "PortalSettings",
    "ProgressStep",
    "SyncAction",
    "build_portal_client",
    "dossier_to_wire",
    "event_to_wire",
    "from_date14",
    "procedure_from_wire",
    "same_step",
    "to_date14",
]
