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
    routed: list[bool] = []

    @router.post("/in", summary="hook")
    async def hook(request: Request) -> Response:
        routed.append("route" in request.scope)  # FastAPI's router sets it when it matches
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
    assert taken.text == "took it" and routed == [False]  # answered by the lane, not the router
    assert wrong_method.status_code == 405 and elsewhere.status_code == 404  # FastAPI's answers
    assert app.openapi()["paths"]["/hook/in"]["post"]["summary"] == "hook"


def test_prefix_router_passes_over_paths_outside_its_prefix(monkeypatch) -> None:
    from fastapi import APIRouter
    from starlette.routing import Match

    from gateway.api.routing import PrefixRouter

    def walks_the_routes(self, scope):  # FastAPI's matching: must not be reached
        raise AssertionError("matched route by route")

    monkeypatch.setattr(APIRouter, "matches", walks_the_routes)

    router = PrefixRouter(prefix="/v1/things")

    @router.get("/{code}")
    async def thing(code: str) -> dict[str, str]:
        return {"code": code}

    app = FastAPI()
    app.include_router(router)
    scope = {"type": "http", "method": "GET", "path": "/v1/other/x", "root_path": "", "app": app}
    assert router.matches(scope) == (Match.NONE, {})  # decided by the prefix alone


async def test_prefix_router_still_routes_its_own_paths() -> None:
    from gateway.api.routing import PrefixRouter

    router = PrefixRouter(prefix="/v1/things")

    @router.get("/{code}")
    async def thing(code: str) -> dict[str, str]:
        return {"code": code}

    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
        assert (await http.get("/v1/things/a1")).json() == {"code": "a1"}
        assert (await http.get("/v1/other/a1")).status_code == 404
