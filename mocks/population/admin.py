"""Admin routes of the mock population database, under ``/__admin/population``:
``GET /citizens?limit=&offset=`` (the seed, normalized for testers), ``GET /citizens/{id}``
(one citizen by 12- or 9-digit id), ``POST``/``DELETE /soap-fault`` (the older spelling of
a ``soap_fault`` fault in the shared registry, kept for testers' scripts), ``GET /stats``.
See docs/mocks.md."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from mocks._core import FaultRegistry, FaultSpecError
from mocks.population.state import PopulationState

TARGET = "population"


def create_population_admin(state: PopulationState, faults: FaultRegistry) -> Router:
    def soap_faults() -> list[int]:
        return [f.id for f in faults.list() if f.target == TARGET and f.mode == "soap_fault"]

    async def list_citizens(request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit", "100"))
            offset = int(request.query_params.get("offset", "0"))
        except ValueError:
            return JSONResponse({"error": "limit and offset must be integers"}, status_code=422)
        if limit < 0 or offset < 0:
            return JSONResponse({"error": "limit and offset must not be negative"}, status_code=422)
        citizens = state.population.citizens
        page = citizens[offset: offset + limit]
        return JSONResponse({"total": len(citizens), "citizens": [c.summary() for c in page]})

    async def get_citizen(request: Request) -> Response:
        number = request.path_params["number"]
        pop = state.population
        citizen = pop.find(id_number=number) if len(number) == 12 else pop.find(legacy_id=number)
        if citizen is None:
            return JSONResponse({"error": "no such citizen"}, status_code=404)
        return JSONResponse(citizen.summary())

    async def add_soap_fault(request: Request) -> Response:
        try:
            spec = await request.json() if await request.body() else {}
        except ValueError:
            return JSONResponse({"error": "body must be JSON"}, status_code=422)
        if not isinstance(spec, dict) or set(spec) - {"faultcode", "faultstring", "operation", "count"}:
            return JSONResponse({"error": "fields: faultcode, faultstring, operation, count"}, status_code=422)
        try:
            fault = faults.add({**spec, "target": TARGET, "mode": "soap_fault"}, targets=(TARGET,))
        except FaultSpecError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse(fault.to_json(), status_code=201)

    async def clear_soap_faults(request: Request) -> Response:
        ids = soap_faults()
        for fault_id in ids:
            faults.remove(fault_id)
        return JSONResponse({"removed": len(ids)})

    async def stats(request: Request) -> Response:
        return JSONResponse({
            "citizens": len(state.population.citizens),
            "lookups": state.lookups,
            "verifications": state.verifications,
            "queued_soap_faults": len(soap_faults()),
        })

    return Router(routes=[
        Route("/citizens", list_citizens, methods=["GET"]),
        Route("/citizens/{number}", get_citizen, methods=["GET"]),
        Route("/soap-fault", add_soap_fault, methods=["POST"]),
        Route("/soap-fault", clear_soap_faults, methods=["DELETE"]),
        Route("/stats", stats, methods=["GET"]),
    ])
