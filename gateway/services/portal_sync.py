"""Delivers the ``portal`` outbox topic to the national portal (DVCQG).

For a batch: ``DongBoHoSoMC`` once with the current record of every dossier in it
(``isUpdating`` from what we know, else from ``TraCuuHoSo``), then ``CapNhatTienDoHoSoMC``
with the new progress steps in order. A message whose earlier delivery has an unknown outcome
(its worker died, or a call failed part-way) is first reconciled with ``TraCuuHoSo``: steps
the portal already holds are acknowledged without being sent again, so each step is recorded
once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection, select, update

from adapters._exchange import CallContext
from adapters.portal import DossierSync, PortalDossier, ProgressStep
from adapters.portal.mapping import event_to_wire, same_step
from gateway.errors import GatewayError
from gateway.outbox import Message, Outcome
from gateway.services.dossiers import current_record
from gateway.store import Database
from gateway.store.tables import dossiers

log = structlog.get_logger("portal_sync")


class Portal(Protocol):
    async def lookup_dossier(self, ma_ho_so: str, ctx: CallContext) -> PortalDossier | None: ...
    async def sync_dossiers(self, records: list[DossierSync], ctx: CallContext) -> dict[str, str]: ...
    async def push_progress(self, steps: list[ProgressStep], ctx: CallContext) -> None: ...


def _failure(exc: GatewayError) -> str:
    return f"{exc.code}: {exc.detail}"


class PortalSyncHandler:
    def __init__(self, db: Database, portal: Portal) -> None:
        self.db = db
        self.portal = portal

    async def deliver(self, messages: list[Message]) -> list[Outcome]:
        ctx = CallContext(request_id=f"outbox-{messages[0].id}-{messages[-1].id}", caller="outbox")
        by_key: dict[str, list[Message]] = defaultdict(list)
        for message in messages:
            by_key[message.key].append(message)
        outcomes: dict[int, Outcome] = {}

        portal_view: dict[str, PortalDossier | None] = {}
        for code, group in by_key.items():
            if any(m.recovered or m.attempts for m in group):
                try:
                    portal_view[code] = await self.portal.lookup_dossier(code, ctx)
                except GatewayError as exc:
                    self._fail_key(outcomes, group, _failure(exc))
        live = {code: group for code, group in by_key.items() if group[0].id not in outcomes}
        if not live:
            return [outcomes[m.id] for m in messages]

        records = await self._records(list(live))
        syncs = [
            DossierSync(code, records[code][0], exists=True if records[code][1] else _exists(portal_view, code))
            for code in live
            if code in records
        ]
        try:
            if syncs:
                await self.portal.sync_dossiers(syncs, ctx)
                await self._mark_known([s.code for s in syncs])
        except GatewayError as exc:
            for group in live.values():
                self._fail_key(outcomes, group, _failure(exc))
            return [outcomes[m.id] for m in messages]

        steps: list[ProgressStep] = []
        step_messages: list[Message] = []
        for code, group in live.items():
            held = portal_view.get(code)
            for message in group:
                if message.payload.get("kind") != "progress":
                    outcomes[message.id] = Outcome.ok()
                    continue
                event = message.payload["event"]
                if held is not None and any(same_step(s, event_to_wire(code, event)) for s in held.steps):
                    outcomes[message.id] = Outcome.ok()  # the portal already has it
                    continue
                steps.append(ProgressStep(code, event))
                step_messages.append(message)
        if steps:
            try:
                await self.portal.push_progress(steps, ctx)
            except GatewayError as exc:
                by_step_key: dict[str, list[Message]] = defaultdict(list)
                for message in step_messages:
                    by_step_key[message.key].append(message)
                for group in by_step_key.values():
                    self._fail_key(outcomes, group, _failure(exc))
                return [outcomes[m.id] for m in messages]
            for message in step_messages:
                outcomes[message.id] = Outcome.ok()
        return [outcomes[m.id] for m in messages]

    @staticmethod
    def _fail_key(outcomes: dict[int, Outcome], group: list[Message], error: str) -> None:
        """The first message of a key carries the failure; the rest wait their turn."""
        outcomes[group[0].id] = Outcome.failed(error)
        for message in group[1:]:
            outcomes[message.id] = Outcome.skipped()

    async def _records(self, codes: list[str]) -> dict[str, tuple[dict[str, Any], bool]]:
        def read(conn: Connection) -> dict[str, tuple[dict[str, Any], bool]]:
            rows = conn.execute(
                select(dossiers.c.code, dossiers.c.status, dossiers.c.due_at, dossiers.c.record, dossiers.c.portal_known)
                .where(dossiers.c.code.in_(codes))
            )
            return {row.code: (current_record(row.code, row), row.portal_known) for row in rows}

        return await self.db.read_sync(read)

    async def _mark_known(self, codes: list[str]) -> None:
        def write(conn: Connection) -> None:
            conn.execute(
                update(dossiers).where(dossiers.c.code.in_(codes), dossiers.c.portal_known.is_(False)).values(portal_known=True)
            )

        await self.db.write_sync(write)


def _exists(portal_view: dict[str, PortalDossier | None], code: str) -> bool | None:
    """What ``TraCuuHoSo`` said, if we asked; ``None`` lets the client ask."""
    if code in portal_view:
        return portal_view[code] is not None
    return None
