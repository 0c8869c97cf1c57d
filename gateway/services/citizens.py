"""Citizen lookup and verification (API.md "Citizens") against the national population
database, through ``adapters.population``.

Every query is tied to an officer and a purpose; both travel in the ``CallContext`` into the
audit record of the outbound exchange. Queries refused here (a wrong id, a birth date in the
future, an invalid body) are recorded too, as *inbound* records with the refusal's code.

No personal data is cached: each lookup asks the database (a cache would have to be
encrypted and short-lived; none is configured).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from adapters._exchange import CallContext
from adapters.population import CitizenQuery
from contracts.errors import CitizenNotFound, GatewayError, InvalidIdNumber, InvalidRequest
from security.audit import AuditSink, ExchangeRecord

LEGACY_ID_LENGTH, ID_LENGTH = 9, 12
# 4th digit of a 12-digit id: gender and century. 0/1 male/female born 1900s, 2/3 2000s,
# 4/5 2100s (6-9 would be 2200s and later: not a plausible person).
MAX_CENTURY_DIGIT = 5


class CitizenDirectory(Protocol):
    """What the service needs of the population adapter (``PopulationClient``)."""

    async def lookup(self, query: CitizenQuery, ctx: CallContext) -> dict[str, Any] | None: ...

    async def verify(self, query: CitizenQuery, ctx: CallContext) -> bool: ...


def birth_year_of_id(id_number: str) -> int:
    """The birth year a 12-digit personal id encodes (century digit + two year digits)."""
    century = 1900 + int(id_number[3]) // 2 * 100
    return century + int(id_number[4:6])


def check_id_number(id_number: str, birth_date: str | None, *, today: date) -> None:
    """Raise ``InvalidIdNumber`` unless ``id_number`` is 9 digits (legacy) or a plausible
    12-digit personal id: century digit 0-5, a birth year not after ``today`` and equal to
    the year of ``birth_date`` when one is given."""
    if not (id_number.isascii() and id_number.isdigit()):
        raise InvalidIdNumber("id_number must contain digits only")
    if len(id_number) == LEGACY_ID_LENGTH:
        return
    if len(id_number) != ID_LENGTH:
        raise InvalidIdNumber("id_number must have 12 digits (personal id) or 9 (legacy id)")
    if int(id_number[3]) > MAX_CENTURY_DIGIT:
        raise InvalidIdNumber("id_number: impossible gender/century digit")
    year = birth_year_of_id(id_number)
    if year > today.year:
        raise InvalidIdNumber("id_number: the birth year it encodes is in the future")
    if birth_date and int(birth_date[:4]) != year:
        raise InvalidIdNumber("id_number does not match the birth year of birth_date")


def check_birth_date(birth_date: str | None, *, today: date) -> None:
    if not birth_date:
        return
    future = (
        int(birth_date) > today.year
        if len(birth_date) == 4
        else date.fromisoformat(birth_date) > today
    )
    if future:
        raise InvalidRequest(
            "birth_date is in the future",
            errors=[{"field": "birth_date", "message": "is in the future", "type": "future_date"}],
        )


class CitizenService:
    def __init__(
        self,
        directory: CitizenDirectory,
        *,
        audit: AuditSink,
        today: Callable[[], date],
        now: Callable[[], datetime],
    ) -> None:
        self._directory = directory
        self._audit = audit
        self._today = today  # in Asia/Ho_Chi_Minh: what "in the future" means to officers
        self._now = now

    def check(self, query: CitizenQuery) -> None:
        """Refuse a query the database must never see (``InvalidRequest`` subclasses)."""
        today = self._today()
        check_birth_date(query.birth_date, today=today)
        check_id_number(query.id_number, query.birth_date, today=today)

    async def lookup(self, query: CitizenQuery, ctx: CallContext) -> dict[str, Any]:
        """The normalized citizen; ``CitizenNotFound`` for an empty collection."""
        self.check(query)
        citizen = await self._directory.lookup(query, _with_query(ctx, query))
        if citizen is None:
            raise CitizenNotFound("no citizen with this id (and name / birth date)")
        return citizen

    async def verify(self, query: CitizenQuery, ctx: CallContext) -> bool:
        self.check(query)
        return await self._directory.verify(query, _with_query(ctx, query))

    async def refused(
        self, operation: str, body: bytes, ctx: CallContext, error: GatewayError
    ) -> None:
        """Record a query refused before it reached the database (inbound, from the province)."""
        await self._audit.record(
            ExchangeRecord(
                at=self._now(),
                direction="inbound",
                peer="province",
                operation=operation,
                request_id=ctx.request_id,
                caller=ctx.caller,
                officer_id=ctx.officer_id,
                purpose=ctx.purpose,
                outcome=error.code,
                http_status=error.http_status,
                duration_ms=0.0,
                request_bytes=body,
                response_bytes=None,
            )
        )


def _with_query(ctx: CallContext, query: CitizenQuery) -> CallContext:
    return CallContext(
        request_id=ctx.request_id,
        caller=ctx.caller,
        officer_id=query.officer_id,
        purpose=query.purpose,
    )
