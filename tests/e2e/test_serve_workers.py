"""`lienthong serve --workers N`: several gateway processes on one port (each with its own
SO_REUSEPORT socket), PostgreSQL only."""

from __future__ import annotations

import os
import subprocess

import httpx
import pytest

from tests.e2e.dossier_load import TEN_STEPS, portal_steps, post_dossiers, wait_synced
from tests.support.processes import LIENTHONG, Proc, base_env, free_port, gateway_stack, running

pytestmark = [pytest.mark.network, pytest.mark.slow]


def test_several_processes_are_refused_on_sqlite(tmp_path) -> None:
    env = base_env(tmp_path, port=str(free_port()), workers="2")
    done = subprocess.run([LIENTHONG, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "several gateway processes need PostgreSQL" in done.stderr


@pytest.mark.postgres
async def test_two_processes_on_postgres_share_the_work(tmp_path, postgres_url: str) -> None:
    """Two processes answer on one port with the same keys (a token from one is good at the
    other) and their outbox workers deliver every step once, in order."""
    mocks, _, env = gateway_stack(tmp_path, database_url=postgres_url)
    api_url = f"http://127.0.0.1:{env['LIENTHONG_PORT']}"
    gateway = Proc(["serve", "--workers", "2"], env, tmp_path / "gateway.log", f"{api_url}/healthz")
    codes = [f"W2-{i:02d}" for i in range(20)]
    with running(mocks, gateway):
        children = _children(gateway)
        assert len(children) == 2
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as api, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}", timeout=10) as admin:
            # Fresh connections land on either process: every call below authenticates anew.
            await post_dossiers(api, codes, TEN_STEPS[:5])
            await wait_synced(api, 60)
            for code in codes:
                notes, receipts, _ = await portal_steps(admin, code)
                assert notes == [f"Bước {m}" for m in range(1, 6)] and receipts == [1] * 5, code
    assert gateway.popen is not None and gateway.popen.returncode == 0  # SIGTERM: a clean stop
    for pid in children:  # ... of every process, not just the parent
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read()


def _children(proc: Proc) -> list[int]:
    """The gateway processes uvicorn started under ``proc`` (its worker processes)."""
    assert proc.popen is not None
    found = []
    for line in subprocess.run(["ps", "-ww", "-o", "pid=,ppid=,args=", "-e"], capture_output=True, text=True).stdout.splitlines():
        pid, ppid, args = line.split(None, 2)
        if int(ppid) == proc.popen.pid and "spawn_main" in args:
            found.append(int(pid))
    return found


@pytest.mark.postgres
def test_one_process_dying_stops_the_service(tmp_path, postgres_url: str) -> None:
    """A supervisor must see the failure: when one process dies, all stop, with a failure status."""
    env = base_env(tmp_path, port=str(free_port()), database_url=postgres_url)
    gateway = Proc(["serve", "--workers", "2"], env, tmp_path / "gateway.log",
                   f"http://127.0.0.1:{env['LIENTHONG_PORT']}/healthz")
    with running(gateway):
        victim, survivor = _children(gateway)
        os.kill(victim, 9)
        assert gateway.popen is not None
        assert gateway.popen.wait(30) != 0
        assert not os.path.exists(f"/proc/{survivor}") or "zombie" in open(f"/proc/{survivor}/status").read()
