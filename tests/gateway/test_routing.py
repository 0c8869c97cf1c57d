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
