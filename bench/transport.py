"""Benchmark: the default httpx transport vs httpx-aiohttp's ``AiohttpTransport``.

Starts a tiny JSON upstream (uvicorn, one worker, 127.0.0.1) in a subprocess, then sends a
bounded number of POSTs at concurrency 16 through ``httpx.AsyncClient`` with each transport,
alternating rounds to even out a noisy machine, and prints requests/s, p50, p99 and the ratio.

    .venv/bin/python bench/transport.py [--requests 2000] [--rounds 3]

Figures and the choice they justify: docs/performance.md, "HTTP transport".
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import textwrap
import time

import httpx
from httpx_aiohttp import AiohttpTransport

CONCURRENCY = 16
UPSTREAM = textwrap.dedent(
    """
    import uvicorn

    BODY = b'{"error_code":0,"message":"Th\\xc3\\xa0nh c\\xc3\\xb4ng","result":[{"MaHoSo":"H1"}]}'

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": BODY})

    uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False)
    """
)
PAYLOAD = {"session": "s", "madonvi": "000.00.12.H56", "service": "TraCuuHoSo", "MaHoSo": "H1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("upstream did not start")


def make_client(kind: str) -> httpx.AsyncClient:
    timeout = httpx.Timeout(5.0, connect=2.0)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    if kind == "aiohttp":
        return httpx.AsyncClient(transport=AiohttpTransport(limits=limits), timeout=timeout)
    return httpx.AsyncClient(timeout=timeout, limits=limits)


async def run_round(kind: str, url: str, requests: int) -> dict[str, float]:
    latencies: list[float] = []
    async with make_client(kind) as client:
        for _ in range(50):  # warm up connections
            (await client.post(url, json=PAYLOAD)).raise_for_status()
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.post(url, json=PAYLOAD)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
    }


async def main(requests: int, rounds: int) -> None:
    port = free_port()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM.replace("{port}", str(port))])
    try:
        wait_until_listening(port)
        url = f"http://127.0.0.1:{port}/api/share"
        results: dict[str, list[dict[str, float]]] = {"httpx": [], "aiohttp": []}
        for _ in range(rounds):
            for kind in results:
                results[kind].append(await run_round(kind, url, requests))
    finally:
        upstream.terminate()
        upstream.wait(timeout=10)
    print(f"{requests} requests x {rounds} rounds per transport, concurrency {CONCURRENCY}, "
          "medians of rounds")
    print(f"{'transport':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    medians = {}
    for kind, runs in results.items():
        medians[kind] = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
        m = medians[kind]
        print(f"{kind:<10} {m['rps']:>8.0f} {m['p50']:>8.2f} {m['p99']:>8.2f}")
    print(f"aiohttp / httpx throughput ratio: {medians['aiohttp']['rps'] / medians['httpx']['rps']:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
