"""Route dependencies as ``Annotated`` aliases, overridable in tests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from gateway.container import Container
from gateway.store import Database


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_db(request: Request) -> Database:
    return get_container(request).db


def get_request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def service(name: str) -> Any:
    """A dependency returning the use-case object registered under ``name``."""

    def _get(request: Request) -> Any:
        return get_container(request).services[name]

    return Depends(_get)


ContainerDep = Annotated[Container, Depends(get_container)]
DatabaseDep = Annotated[Database, Depends(get_db)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
