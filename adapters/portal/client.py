"""The DVCQG portal client (DVCQG integration guide v1.4): look up, push and read dossiers
and procedures, every call through the exchange pipeline.

Writes go to ``{base}{integration_path}``, reads to ``{base}{share_path}``; the session key and
``dstcode`` header are added by ``DvcqgSessionAuth``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from adapters._exchange import CallContext, Exchange, Operation, OutboundRequest
from adapters.portal.errors import DossierAlreadyExists, check_reply
from adapters.portal.mapping import (
    PortalDossier,
    ProgressStep,
    dossier_from_wire,
    dossier_to_wire,
    procedure_from_wire,
    status_to_wire,
)
from adapters.portal.wire import (
    DossierWire,
    PortalReply,
    ProcedureCodeWire,
    ProcedureWire,
    envelope,
    parse_reply,
)


@dataclass(frozen=True)
class DossierSync:
    """A dossier to push with ``DongBoHoSoMC``. ``exists``: whether the portal already holds
    it (``isUpdating``), or ``None`` to ask the portal first (``TraCuuHoSo``)."""

    code: str
    dossier: Mapping[str, Any]
    exists: bool | None = None


SyncAction = Literal["created", "updated"]
STATUS_BATCH = 500  # dossiers per DongBoTrangThaiHoSo call
PARALLEL_CALLS = 4  # chunks of one push in flight at once (the portal answers each in ms)


class PortalClient:
    def __init__(
        self,
        *,
        exchange: Exchange,
        base_url: str,
        integration_path: str,
        share_path: str,
        madonvi: str,
        progress_chunk: int,
        ok_error_codes: Collection[str] = ("0",),
        parallel_calls: int = PARALLEL_CALLS,
    ) -> None:
        if progress_chunk < 1 or parallel_calls < 1:
            raise ValueError("progress_chunk and parallel_calls must be at least 1")
        self.exchange = exchange
        self._integration_url = base_url.rstrip("/") + integration_path
        self._share_url = base_url.rstrip("/") + share_path
        self._madonvi = madonvi
        self._chunk = progress_chunk
        self._ok_codes = frozenset(str(c) for c in ok_error_codes)
        self._parallel = parallel_calls

    @property
    def breaker_state(self) -> str:
        return self.exchange.breaker_state

    async def aclose(self) -> None:
        await self.exchange.aclose()

    async def lookup_dossier(self, ma_ho_so: str, ctx: CallContext) -> PortalDossier | None:
        """``TraCuuHoSo``: the dossier as the portal holds it, with its ``QuaTrinhXuLy``
        steps; ``None`` when the portal does not know it."""
        reply = await self._call(
            self._share_url,
            "TraCuuHoSo",
            {"MaHoSo": ma_ho_so},
            ctx,
            Operation("TraCuuHoSo", idempotent=True, upstream_ref=ma_ho_so),
        )
        if not reply.result:
            return None
        return dossier_from_wire(DossierWire.model_validate(reply.result[0]))

    async def sync_dossiers(
        self, records: Sequence[DossierSync], ctx: CallContext, *, idempotency_key: str | None = None
    ) -> dict[str, SyncAction]:
        """``DongBoHoSoMC`` with one ``data[]`` element per dossier; returns what each became.

        If the portal answers "đã tồn tại" to a create, the dossiers it names (all creates if
        it names none) are switched to updates and the call is sent again.
        """
        updating = {}
        for record in records:
            exists = record.exists
            if exists is None:
                exists = await self.lookup_dossier(record.code, ctx) is not None
            updating[record.code] = exists
        elements = {r.code: r.dossier for r in records}
        for _ in range(len(records) + 1):  # each resend turns at least one create into an update
            data = [
                dossier_to_wire(code, dossier, is_updating=updating[code])
                for code, dossier in elements.items()
            ]
            try:
                await self._call(
                    self._integration_url,
                    "DongBoHoSoMC",
                    {"data": data},
                    ctx,
                    # A full-record upsert: repeating it has the same effect.
                    Operation(
                        "DongBoHoSoMC",
                        idempotent=True,
                        idempotency_key=idempotency_key,
                        upstream_ref=",".join(elements),
                    ),
                )
            except DossierAlreadyExists as exc:
                creates = [code for code, known in updating.items() if not known]
                if not creates:
                    raise
                message = str(exc.extra.get("upstream_message", ""))
                named = [code for code in creates if code in message] or creates
                updating.update(dict.fromkeys(named, True))
                continue
            return {code: "updated" if known else "created" for code, known in updating.items()}
        raise AssertionError("unreachable: the loop ends when every dossier is an update")

    async def push_progress(
        self, steps: Sequence[ProgressStep], ctx: CallContext, *, idempotency_key: str | None = None
    ) -> None:
        """``CapNhatTienDoHoSoMC`` in chunks of ``progress_chunk`` steps. Appending steps is not
        idempotent: retried only with an ``idempotency_key`` (the outbox reconciles with
        ``TraCuuHoSo`` and ``same_step`` before resending).

        Chunks go ``parallel_calls`` at a time, except that a chunk holding a step of a dossier
        waits for the earlier chunks holding steps of it, and is not sent if one of them
        failed: each dossier's steps arrive in order. The first failure is raised once every
        chunk has finished or been given up."""
        wire = [step.to_wire() for step in steps]
        gate = asyncio.Semaphore(self._parallel)
        last: dict[str, asyncio.Task[None]] = {}  # dossier -> the latest chunk holding it

        async def send(chunk: list[dict[str, Any]], key: str | None, after: set[asyncio.Task[None]]) -> None:
            for earlier in after:
                await earlier  # raises when it failed: this chunk must not overtake it
            async with gate:
                await self._call(
                    self._integration_url,
                    "CapNhatTienDoHoSoMC",
                    {"data": chunk},
                    ctx,
                    Operation(
                        "CapNhatTienDoHoSoMC",
                        idempotency_key=key,
                        upstream_ref=",".join(dict.fromkeys(s["MaHoSo"] for s in chunk)),
                    ),
                )

        tasks = []
        for start in range(0, len(wire), self._chunk):
            chunk = wire[start : start + self._chunk]
            codes = {s["MaHoSo"] for s in chunk}
            after = {last[code] for code in codes if code in last}
            key = f"{idempotency_key}:{start}" if idempotency_key else None
            task = asyncio.create_task(send(chunk, key, after))
            tasks.append(task)
            last.update(dict.fromkeys(codes, task))
        _raise_first(await asyncio.gather(*tasks, return_exceptions=True))

    async def sync_statuses(self, statuses: Sequence[tuple[str, str, Any]], ctx: CallContext) -> None:
        """``DongBoTrangThaiHoSo``: set the current status of dossiers the portal holds, given
        as ``(code, normalized status, updated at)``: far lighter than resending each record.
        Chunks go ``parallel_calls`` at a time (each dossier is in one chunk)."""
        data = [status_to_wire(code, status, at) for code, status, at in statuses]
        gate = asyncio.Semaphore(self._parallel)

        async def send(chunk: list[dict[str, Any]]) -> None:
            async with gate:
                await self._call(
                    self._integration_url,
                    "DongBoTrangThaiHoSo",
                    {"data": chunk},
                    ctx,
                    # Setting a status to a value is idempotent.
                    Operation("DongBoTrangThaiHoSo", idempotent=True, upstream_ref=f"{len(chunk)} dossiers"),
                )

        chunks = [data[start : start + STATUS_BATCH] for start in range(0, len(data), STATUS_BATCH)]
        _raise_first(await asyncio.gather(*(send(chunk) for chunk in chunks), return_exceptions=True))

    async def get_procedure(self, ma_tthc: str, ctx: CallContext) -> dict[str, Any] | None:
        """``LayThuTuc``: one procedure of the national catalogue, normalized; ``None`` if
        the portal does not know the code."""
        reply = await self._call(
            self._share_url,
            "LayThuTuc",
            {"MaTTHC": ma_tthc},
            ctx,
            Operation("LayThuTuc", idempotent=True, upstream_ref=ma_tthc),
        )
        if not reply.result:
            return None
        return procedure_from_wire(ProcedureWire.model_validate(reply.result[0]))

    async def list_procedure_codes(self, ctx: CallContext) -> list[str]:
        """``LayDanhSachTTHC``: every ``MaTTHC`` of the national catalogue."""
        reply = await self._call(
            self._share_url, "LayDanhSachTTHC", {}, ctx, Operation("LayDanhSachTTHC", idempotent=True)
        )
        return [ProcedureCodeWire.model_validate(item).MATTHC for item in reply.result or []]

    async def _call(
        self,
        url: str,
        service: str,
        fields: dict[str, Any],
        ctx: CallContext,
        operation: Operation,
    ) -> PortalReply:
        request = OutboundRequest("POST", url, json=envelope(service, self._madonvi, **fields))
        return await self.exchange.call(request, ctx, operation, self._parser(service))

    def _parser(self, service: str) -> Callable[[httpx.Response], PortalReply]:
        def parse(response: httpx.Response) -> PortalReply:
            reply = parse_reply(response.content)
            check_reply(reply, service, self._ok_codes)
            return reply

        return parse


def _raise_first(results: list[Any]) -> None:
    for result in results:
        if isinstance(result, BaseException):
            raise result
