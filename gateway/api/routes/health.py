"""Operations: liveness, readiness (with the failing checks named) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.api.deps import ContainerDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process runs")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to serve: database, keys and each upstream's circuit")
async def readyz(container: ContainerDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        await container.db.ping()
        checks["database"] = "ok"
    except Exception as exc:  # any failure of the ping means not ready
        checks["database"] = f"failing: {type(exc).__name__}"
    if container.keys is not None:
        problems = container.keys.problems()
        checks["keys"] = "ok" if not problems else "failing: " + "; ".join(problems)
    for name, exchange in sorted(container.exchanges.items()):
        state = exchange.breaker.state
        checks[f"upstream.{name}"] = "ok" if state != "open" else "failing: circuit open"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(container: ContainerDep) -> Response:
    return Response(generate_latest(container.registry), media_type=CONTENT_TYPE_LATEST)
