"""Serve an ASGI app on a free loopback port from a background thread (uvicorn, its own event
loop), for tests marked ``network`` that need real sockets but not a separate process.

    with serve_asgi(create_mocks_app(config)) as base_url:
        ...  # e.g. "http://127.0.0.1:41234"
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_loopback_socket() -> socket.socket:
    """A bound (not yet listening) socket on 127.0.0.1 with a port the OS chose: handing the
    socket itself to uvicorn leaves no window for another process to take the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_asgi(app: Any, *, startup_timeout: float = 10.0, **config: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread; yield its base URL; stop it on exit."""
    sock = free_loopback_socket()
    host, port = sock.getsockname()
    options = {"log_level": "warning", "lifespan": "on", "access_log": False, **config}
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the ASGI server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
