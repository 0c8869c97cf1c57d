"""RequestOnlyRoute: documented like any route, called without dependency solving, and
refused at declaration for an endpoint that would need solving."""

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request, Response

from gateway.api.routing import RequestOnlyRoute


async def test_endpoint_gets_the_request_and_is_documented() -> None:
    router = APIRouter(route_class=RequestOnlyRoute)

    @router.post("/echo/{anything}", summary="echo")
    async def echo(request: Request) -> Response:
        return Response(request.path_params["anything"].encode() + await request.body())

    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
        reply = await http.post("/echo/ab", content=b"-cd")
    assert reply.text == "ab-cd"
    assert app.openapi()["paths"]["/echo/{anything}"]["post"]["summary"] == "echo"


def test_endpoint_with_parameters_is_refused() -> None:
    router = APIRouter(route_class=RequestOnlyRoute)

    async def needs_solving(request: Request, limit: int = 10) -> Response:
        return Response()

    with pytest.raises(TypeError, match="takes the Request alone"):
        router.add_api_route("/x", needs_solving, methods=["GET"])


async def test_fast_lane_answers_its_routes_and_passes_the_rest_on() -> None:
    from gateway.api.routing import FastLane, PrefixRouter

    router = PrefixRouter(prefix="/hook", route_class=RequestOnlyRoute)
    calls: list[str] = []

    @router.post("/in", summary="hook")
    async def hook(request: Request) -> Response:
        calls.append(request.url.path)
        return Response(b"took " + await request.body())

    app = FastAPI()
    app.include_router(router)

    app.add_middleware(FastLane, routes=router.routes)
    lane = app.build_middleware_stack()
    while not isinstance(lane, FastLane):
        lane = lane.app
    assert list(lane.lanes) == [("POST", "/hook/in")]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
        taken = await http.post("/hook/in", content=b"it")
        wrong_method = await http.get("/hook/in")
        elsewhere = await http.post("/hook/other")
    assert taken.text == "took it" and calls == ["/hook/in"]
    assert wrong_method.status_code == 405 and elsewhere.status_code == 404  # FastAPI's answers
    assert app.openapi()["paths"]["/hook/in"]["post"]["summary"] == "hook"
