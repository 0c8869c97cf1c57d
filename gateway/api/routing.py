"""Leaner routing for the API's hot paths: ``RequestOnlyRoute``, ``PrefixRouter``, ``FastLane``.

``RequestOnlyRoute`` is for hot endpoints that read the request themselves.

FastAPI solves a route's dependencies on every request, even for an endpoint whose only
parameter is the ``Request``: ~80 function calls and ~0.1 ms of CPU for nothing to solve
(measured on the payment callback). A route of this class is declared and documented by
FastAPI as usual, but its endpoint is called with the request directly. It refuses, at
start-up, an endpoint that would need solving (any parameter but the request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute, APIRouter
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send


class RequestOnlyRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        dependant = self.dependant
        needs_solving = (dependant.path_params, dependant.query_params, dependant.header_params,
                         dependant.cookie_params, dependant.body_params, dependant.dependencies)
        if any(needs_solving) or dependant.request_param_name is None:
            raise TypeError(f"{endpoint.__name__}: a RequestOnlyRoute endpoint takes the Request alone")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


class PrefixRouter(APIRouter):
    """An ``APIRouter`` that passes over a request outside its prefix at once.

    FastAPI tries included routers in order and, for each, every route it holds (~70 function
    calls for a router of three routes): a request for the fourth router pays for the first
    three. Every route of a prefixed router starts with the prefix, so a path that does not
    cannot match any of them."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.prefix and not get_route_path(scope).startswith(self.prefix):
            return Match.NONE, {}
        return super().matches(scope)


class FastLane:
    """Pure ASGI: a request for a ``RequestOnlyRoute`` with a fixed path goes straight to its
    endpoint, past FastAPI's router and its per-request exception and exit-stack wrappers
    (~190 function calls and ~0.1 ms per payment callback, measured); anything else passes on.

    Installed inside the gateway's own middleware (request id, body limit), which still apply;
    FastAPI's exception handlers do not, so a lane's endpoint must answer every outcome itself
    (the payment callback does: always a reply in the platform's format).
    The routes stay declared with FastAPI: the OpenAPI document, and any request the lane does
    not take (another method, a path with parameters), are FastAPI's as before."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.lanes: dict[tuple[str, str], Callable[[Request], Awaitable[Response]]] = {
            (method, route.path): route.endpoint
            for route in routes
            if isinstance(route, RequestOnlyRoute) and "{" not in route.path
            for method in route.methods or ()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.lanes.get((scope["method"], get_route_path(scope)))
            if endpoint is not None:
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
