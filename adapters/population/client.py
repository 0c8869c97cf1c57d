"""The population database client (CSDL quốc gia về dân cư, contract v1.0): look up and verify
citizens, every call through the exchange pipeline.

``TraCuuThongTinCongDan`` → the normalized citizen (``None`` for an empty collection);
``XacThucThongTinCongDan`` → ``TonTai``. Each call gets a fresh ``MaYeuCau`` (a UUID), which
is the audit record's ``upstream_ref``; the officer is ``MaCanBo`` and, with the purpose and
the caller, in the record too (``CallContext``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from adapters._exchange import CallContext, Exchange, Operation, OutboundRequest
from adapters.population.errors import fault_error, map_zeep_error
from adapters.population.mapping import CitizenQuery, citizen_from_wire, query_to_wire
from adapters.population.signing import checked_envelope
from adapters.population.wire import CONTENT_TYPE, LOOKUP, VERIFY, PopulationCodec, find_fault
from contracts.errors import ContractViolation

T = TypeVar("T")


def new_request_id() -> str:
    return str(uuid.uuid4())


class PopulationClient:
    def __init__(
        self,
        *,
        exchange: Exchange,
        codec: PopulationCodec,
        url: str,
        ma_dvc: str,
        ma_tich_hop_lookup: str = "037",
        ma_tich_hop_verify: str = "037",
        request_ids: Callable[[], str] = new_request_id,
    ) -> None:
        self.exchange = exchange
        self.codec = codec
        self._url = url
        self._ma_dvc = ma_dvc
        self._ma_tich_hop = {LOOKUP: ma_tich_hop_lookup, VERIFY: ma_tich_hop_verify}
        self._request_ids = request_ids

    @property
    def breaker_state(self) -> str:
        return self.exchange.breaker_state

    async def aclose(self) -> None:
        await self.exchange.aclose()

    async def lookup(self, query: CitizenQuery, ctx: CallContext) -> dict[str, Any] | None:
        """``TraCuuThongTinCongDan``: the first ``CongDan`` of the reply, normalized; ``None``
        when the collection is empty (the database's "not found")."""
        return await self._call(LOOKUP, query, ctx, _first_citizen)

    async def verify(self, query: CitizenQuery, ctx: CallContext) -> bool:
        """``XacThucThongTinCongDan``: whether a citizen with this id and name (and birth
        date, when given) exists."""
        if not query.full_name:
            raise ValueError("XacThucThongTinCongDan needs the full name")
        return await self._call(VERIFY, query, ctx, _exists)

    async def _call(
        self, operation: str, query: CitizenQuery, ctx: CallContext, read: Callable[[Any], T]
    ) -> T:
        request_id = self._request_ids()
        fields = query_to_wire(
            query, request_id=request_id, ma_dvc=self._ma_dvc, ma_tich_hop=self._ma_tich_hop[operation]
        )
        try:
            body = self.codec.build(operation, fields)
        except Exception as exc:
            mapped = map_zeep_error(exc, operation)
            if mapped is None:
                raise
            raise mapped from exc
        request = OutboundRequest(
            "POST",
            self._url,
            headers={"Content-Type": CONTENT_TYPE, "SOAPAction": '""'},
            content=body,
        )
        # Reads: repeating a lookup changes nothing (each attempt is signed afresh).
        op = Operation(operation, idempotent=True, upstream_ref=request_id)
        return await self.exchange.call(request, ctx, op, self._parser(operation, read))

    def _parser(self, operation: str, read: Callable[[Any], T]) -> Callable[[httpx.Response], T]:
        def parse(response: httpx.Response) -> T:
            try:
                envelope = checked_envelope(response, operation)
                fault = find_fault(envelope)
                if fault is not None:
                    raise fault_error(fault, operation)
                return read(self.codec.read(operation, envelope))
            except Exception as exc:
                mapped = map_zeep_error(exc, operation)
                if mapped is None:
                    raise  # GatewayErrors pass; ValueError & co become ContractViolation
                raise mapped from exc

        return parse


def _first_citizen(collection: Any) -> dict[str, Any] | None:
    if not isinstance(collection, list):
        raise ContractViolation("population TraCuuThongTinCongDan: CongdanCollection expected")
    return citizen_from_wire(collection[0]) if collection else None


def _exists(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ContractViolation("population XacThucThongTinCongDan: TonTai must be a boolean")
    return value
