"""Delivers the ``portal`` outbox topic to the national portal (DVCQG).

For one batch, in order:
1. ``DongBoHoSoMC`` with the current record of every dossier that was PUT in the batch
   (``isUpdating`` from what we know, else from ``TraCuuHoSo``);
2. ``DongBoTrangThaiHoSo`` with the current status of the dossiers that only have new events
   (a few bytes each instead of the whole record);
3. ``CapNhatTienDoHoSoMC`` with the new progress steps, in order.

A message whose earlier delivery has an unknown outcome (its worker died, or a call failed
part-way) is first reconciled with ``TraCuuHoSo``: steps the portal already holds are
acknowledged without being sent again, so each step is recorded once.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import islice
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection, bindparam, select, update

from adapters._exchange import CallContext
from adapters.portal import DossierSync, PortalDossier, ProgressStep
from adapters.portal.mapping import event_to_wire, same_step
from gateway.errors import GatewayError
from gateway.outbox import Message, Outcome
from gateway.outbox.claims import one_of
from gateway.services.dossiers import current_record
from gateway.store import Database
from gateway.store.tables import dossiers

log = structlog.get_logger("portal_sync")

_RECORDS = select(dossiers.c.code, dossiers.c.status, dossiers.c.due_at, dossiers.c.record, dossiers.c.portal_known,
                  dossiers.c.updated_at).where(dossiers.c.code.in_(bindparam("codes", expanding=True)))
# One parameter for all codes: compiled once, not once per batch size as an expanding IN.
_STATUSES = {
    dialect: select(dossiers.c.code, dossiers.c.status, dossiers.c.updated_at)
    .where(one_of(dossiers.c.code, "codes", dialect))
    for dialect in ("postgresql", "sqlite")
}
STATUS_MEMORY = 100_000  # dossiers whose last status sent by this process is remembered
_MARK_KNOWN = update(dossiers).where(
    dossiers.c.code.in_(bindparam("codes", expanding=True)), dossiers.c.portal_known.is_(False)
).values(portal_known=True)


class Portal(Protocol):
    async def lookup_dossier(self, ma_ho_so: str, ctx: CallContext) -> PortalDossier | None: ...
    async def sync_dossiers(self, records: list[DossierSync], ctx: CallContext) -> dict[str, str]: ...
    async def sync_statuses(self, statuses: list[tuple[str, str, Any]], ctx: CallContext) -> None: ...
    async def push_progress(self, steps: list[ProgressStep], ctx: CallContext) -> None: ...


def _failure(exc: GatewayError) -> str:
    return f"{exc.code}: {exc.detail}"


class PortalSyncHandler:
    def __init__(self, db: Database, portal: Portal) -> None:
        self.db = db
        self.portal = portal
        # code -> (status, updated_at) the portal was last sent by us: while a backlog drains,
        # each batch holds a step of the same dossiers, whose current status it already has.
        self._sent_status: dict[str, tuple[str, Any]] = {}

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

        try:
            await self._sync_records_and_statuses(live, portal_view, ctx)
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

    async def _sync_records_and_statuses(
        self, live: dict[str, list[Message]], portal_view: dict[str, PortalDossier | None], ctx: CallContext
    ) -> None:
        # A dossier needs its whole record sent when it was PUT in this batch, or when the
        # portal is found not to hold it (reconciliation); otherwise its status is enough.
        full = [code for code, group in live.items()
                if any(m.payload.get("kind") == "dossier" for m in group)
                or (code in portal_view and portal_view[code] is None)]
        status_only = [code for code in live if code not in set(full)]
        if full:
            records = await self.db.read_sync(lambda conn: conn.execute(_RECORDS, {"codes": full}).all())
            syncs = [
                DossierSync(row.code, current_record(row.code, row),
                            exists=True if row.portal_known else _exists(portal_view, row.code))
                for row in records
            ]
            await self.portal.sync_dossiers(syncs, ctx)
            await self.db.write_sync(lambda conn: conn.execute(_MARK_KNOWN, {"codes": full}))
        for code in full:
            self._sent_status.pop(code, None)  # the record carried a status of its own
        if status_only:
            statuses = _STATUSES[self.db.dialect]
            rows = await self.db.read_sync(lambda conn: conn.execute(statuses, {"codes": status_only}).all())
            changed = [(code, status, at) for code, status, at in rows if self._sent_status.get(code) != (status, at)]
            if changed:
                await self.portal.sync_statuses(changed, ctx)
                self._remember(changed)

    def _remember(self, sent: list[tuple[str, str, Any]]) -> None:
        for code, status, at in sent:
            self._sent_status.pop(code, None)  # re-inserted last: the dict stays oldest-first
            self._sent_status[code] = (status, at)
        for code in list(islice(self._sent_status, max(0, len(self._sent_status) - STATUS_MEMORY))):
            del self._sent_status[code]

    @staticmethod
    def _fail_key(outcomes: dict[int, Outcome], group: list[Message], error: str) -> None:
        """The first message of a key carries the failure; the rest wait their turn."""
        outcomes[group[0].id] = Outcome.failed(error)
        for message in group[1:]:
            outcomes[message.id] = Outcome.skipped()


def _exists(portal_view: dict[str, PortalDossier | None], code: str) -> bool | None:
    """What ``TraCuuHoSo`` said, if we asked; ``None`` lets the client ask."""
    if code in portal_view:
        return portal_view[code] is not None
    return None
