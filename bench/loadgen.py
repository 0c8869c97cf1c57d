"""A lean HTTP/1.1 load generator for the benchmarks: keep-alive connections on raw asyncio
streams, requests serialized once up front, responses read by ``Content-Length``.

Why not httpx or aiohttp: on two cores the load generator shares the CPU with the server it
measures. httpx on its aiohttp transport spends about as much CPU per request as a light
route does (measured: docs/performance.md, "Load generator"), so the figure read would be the
client's as much as the gateway's. This client parses nothing but the status line and
``Content-Length``: it does what ``wrk`` does, in Python, so no system package is needed.

Each connection sends its requests one after another (so per-connection order holds, e.g. one
dossier's events), every connection at once::

    result = await run(host, port, [[request(...), ...], ...])
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import orjson


def request(method: str, path: str, *, json: object | None = None, body: bytes | None = None,
            headers: Mapping[str, str] | None = None, host: str = "127.0.0.1") -> bytes:
    """One serialized HTTP/1.1 request, keep-alive."""
    if json is not None:
        body = orjson.dumps(json)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if json is not None:
        lines.append("Content-Type: application/json")
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + (body or b"")


@dataclass
class Result:
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[bytes] = field(default_factory=list)  # first bytes of unexpected replies

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _connection(host: str, port: int, requests: Sequence[bytes], expect: set[int], result: Result) -> None:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 22)
    try:
        for raw in requests:
            started = time.perf_counter()
            writer.write(raw)
            status, body = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status not in expect and len(result.failures) < 5:
                result.failures.append(body[:300])
    finally:
        writer.close()


async def run(host: str, port: int, per_connection: Sequence[Sequence[bytes]],
              expect: set[int] | frozenset[int] = frozenset({200, 201, 202})) -> Result:
    """Send each connection's requests in order, all connections concurrently; time the whole."""
    result = Result()
    started = time.perf_counter()
    await asyncio.gather(*(_connection(host, port, reqs, set(expect), result) for reqs in per_connection))
    result.elapsed = time.perf_counter() - started
    return result
