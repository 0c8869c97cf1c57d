"""Route dependencies as ``Annotated`` aliases, overridable in tests.

They are ``async def`` on purpose: FastAPI runs plain ``def`` dependencies in its thread pool,
a thread hop per dependency per request on the hot path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from gateway.container import Container
from gateway.store import Database


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_container(request: Request) -> Container:
    return container_of(request)


async def get_db(request: Request) -> Database:
    return container_of(request).db


async def get_request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def service(name: str) -> Any:
    """A dependency returning the use-case object registered under ``name``."""

    async def _get(request: Request) -> Any:
        return container_of(request).services[name]

    return Depends(_get)


ContainerDep = Annotated[Container, Depends(get_container)]
DatabaseDep = Annotated[Database, Depends(get_db)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
