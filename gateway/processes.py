"""Several gateway processes on one port (``lienthong serve --workers N``, PostgreSQL only).

Each process binds its own listening socket with ``SO_REUSEPORT``, so the kernel spreads new
connections evenly over the processes. (uvicorn's own ``workers=`` shares one socket, and with
long-lived keep-alive connections one process measured taking 14 or all 16 of 16 connections:
the second process sat idle.) The parent migrates the schema and, in development, generates the
keys once, starts the processes, forwards SIGTERM/SIGINT to them and stops them all when one
exits, so a supervisor (systemd, Kubernetes) sees the service fail as a whole.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
from multiprocessing.connection import wait
from types import FrameType

import uvicorn

from gateway.logging import configure_logging
from gateway.settings import Settings


def serve_processes(settings: Settings, count: int) -> int:
    """Run ``count`` gateway processes until they stop; the exit status for the command."""
    _prepare_shared_state(settings)
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters: nothing inherited half-set-up
    children = [spawn.Process(target=_serve_one, name=f"gateway-{i + 1}") for i in range(count)]
    for child in children:
        child.start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    wait([child.sentinel for child in children])  # the first to stop (or all, on a signal)
    stop(signal.SIGTERM, None)
    for child in children:
        child.join(30)
        if child.is_alive():
            child.kill()
            child.join()
    # uvicorn re-raises the signal it stopped on: dying of our SIGTERM is a clean stop.
    clean = (0, -signal.SIGTERM, -signal.SIGINT)
    return int(any(child.exitcode not in clean for child in children))


def _serve_one() -> None:
    """One gateway process: settings from the same LIENTHONG_* environment as the parent."""
    from app import create_app

    settings = Settings()
    configure_logging(settings.log_level)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_config=None, access_log=False))
    server.run(sockets=[_listening_socket(settings.host, settings.port)])


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _prepare_shared_state(settings: Settings) -> None:
    """What the processes would otherwise race for: the schema (migrated once, here) and, in
    development mode, the generated keys (every process must sign with the same ones)."""
    from app import create_worker_container
    from gateway.store import Database, upgrade

    create_worker_container(settings)  # loads (dev: generates) keys and callers, checks production rules

    async def migrate() -> None:
        db = Database.from_url(settings.database_url)
        try:
            await upgrade(db.engine)
        finally:
            await db.close()

    asyncio.run(migrate())
