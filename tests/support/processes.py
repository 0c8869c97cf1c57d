"""Real processes on loopback: `lienthong` commands started with their own environment, waited
for, and killed (gently or with SIGKILL) by the tests that need real sockets and crashes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

LIENTHONG = str(Path(sys.executable).with_name("lienthong"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    def __init__(self, args: list[str], env: Mapping[str, str], log: Path, ready_url: str | None) -> None:
        self.args, self.env, self.log_path, self.ready_url = args, dict(env), log, ready_url
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> Proc:
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen([LIENTHONG, *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if self.ready_url:
            wait_until_up(self.ready_url, timeout, self)
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no chance to finish anything in flight."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return bool(self.popen and self.popen.poll() is None)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_until_up(url: str, timeout: float, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.args} exited early:\n{proc.tail()}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not up after {timeout}s" + (f":\n{proc.tail()}" if proc else ""))


def base_env(tmp: Path, **settings: str) -> dict[str, str]:
    """The environment of a `lienthong` process: dev mode, everything under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update({"LIENTHONG_MODE": "dev", "LIENTHONG_VAR_DIR": str(tmp / "var"), "LIENTHONG_LOG_LEVEL": "WARNING"})
    env.update({f"LIENTHONG_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def running(*procs: Proc) -> Iterator[tuple[Proc, ...]]:
    try:
        for proc in procs:
            if proc.popen is None:
                proc.start()
        yield procs
    finally:
        for proc in reversed(procs):
            proc.stop()


def gateway_stack(tmp: Path, **settings: str) -> tuple[Proc, Proc, dict[str, str]]:
    """A mocks process and a gateway process (not started) wired to each other."""
    port, mocks_port = free_port(), free_port()
    env = base_env(tmp, port=str(port), mocks_port=str(mocks_port), **settings)
    mocks = Proc(["mocks"], env, tmp / "mocks.log", f"http://127.0.0.1:{mocks_port}/__admin/requests")
    gateway = Proc(["serve"], env, tmp / "gateway.log", f"http://127.0.0.1:{port}/healthz")
    return mocks, gateway, env
