"""Benchmark: signed citizen lookups through the gateway vs direct zeep calls to the mock
population database, and the cost of signing / verifying one message vs raw xmlsec.

Starts ``lienthong mocks`` and ``lienthong serve`` (dev mode, shared development keys in a
temporary var dir, each its own process, exactly as an operator runs them), then, alternating
rounds:

- **gateway**: ``POST /v1/citizens/lookup`` (bearer token, scope citizens.read) over 8
  keep-alive connections — API → adapter (envelope, auth profile, WS-Security sign) → mock →
  verify the mock's signature → map → audit record → JSON — sent by ``bench.loadgen`` (raw
  asyncio streams, so the load generator does not eat the CPU the gateway needs);
- **direct**: ``zeep.AsyncClient`` with ``security.wsse.WsseX509`` (same key, same peer
  certificate, same auth profile headers) calling the mock at concurrency 8, on
  ``httpx_aiohttp.AiohttpTransport`` (httpx's default transport tops out around 300
  requests/s on this machine): the baseline as issue #3 defines it.

For each round the CPU time each process spent
(gateway, mocks: ``/proc/<pid>/stat``; the bench itself: ``time.process_time``) is divided by
the requests, so a reader can see where the time goes on a shared machine.

Then single-message micro-benchmarks in this process: the adapter's signer
(``WsseRequestSigner``) vs a raw xmlsec signature of the same envelope (parse, template,
sign, serialize), and the adapter's reply check (``SoapReplyChecker``) vs raw xmlsec verify.

    .venv/bin/python -m bench.population [--requests 400] [--rounds 3] [--concurrency 8]

Figures: docs/performance.md, "Signed citizen lookups".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import timeit
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import xmlsec
import zeep
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from httpx_aiohttp import AiohttpTransport
from lxml import etree

from adapters._exchange import OutboundRequest, SystemClock
from bench import loadgen
from adapters.population import CitizenQuery, PopulationCodec, query_to_wire
from adapters.population.factory import build_auth, build_reply_verifier
from adapters.population.signing import SoapReplyChecker, WsseRequestSigner
from adapters.population.wire import HARDENED, LOOKUP, ContractsOnlyTransport
from contracts import population as contract
from gateway.settings import Settings
from security import wsse
from security.keys import MOCK_POPULATION, WSSE, KeyStore
from tests.support.processes import gateway_stack, running

Call = Callable[[str], Awaitable[Any]]

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)] * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU ms per request of each process (and of this one) between ``__init__`` and ``per``."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        self.bench_before = time.process_time()

    def per(self, requests: int) -> dict[str, float]:
        result = {f"cpu_{name}": (cpu_seconds(pid) - self.before[name]) / requests * 1000
                  for name, pid in self.pids.items()}
        result["cpu_bench"] = (time.process_time() - self.bench_before) / requests * 1000
        return result


async def run_round(
    call: Call, ids: list[str], requests: int, concurrency: int, pids: dict[str, int]
) -> dict[str, float]:
    for i in range(20):  # warm up connections and caches
        await call(ids[i % len(ids)])
    meter = CpuMeter(pids)
    latencies: list[float] = []
    queue = list(range(requests))

    async def worker() -> None:
        while queue:
            i = queue.pop()
            started = time.perf_counter()
            await call(ids[i % len(ids)])
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    result = {"rps": requests / elapsed, "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99)}
    return result | meter.per(requests)


def lookup_requests(ids: list[str], count: int, offset: int, headers: dict[str, str]) -> list[bytes]:
    return [loadgen.request("POST", "/v1/citizens/lookup", headers=headers, json={
        "id_number": ids[(offset + i) % len(ids)], "purpose": "benchmark", "officer_id": "cb.bench"})
        for i in range(count)]


async def run_gateway_round(
    port: int, headers: dict[str, str], ids: list[str], requests: int, concurrency: int, pids: dict[str, int]
) -> dict[str, float]:
    """The gateway path: ``concurrency`` keep-alive connections, each sending its share in turn."""
    per_connection = -(-requests // concurrency)
    sent = per_connection * concurrency

    async def send(batches: list[list[bytes]]) -> loadgen.Result:
        result = await loadgen.run("127.0.0.1", port, batches, expect={200})
        if result.statuses.get(200) != sum(map(len, batches)):
            raise RuntimeError(f"gateway: {result.statuses} {result.failures[:1]}")
        return result

    await send([lookup_requests(ids, 3, c, headers) for c in range(concurrency)])  # warm up
    loads = [lookup_requests(ids, per_connection, c * per_connection, headers) for c in range(concurrency)]
    meter = CpuMeter(pids)
    result = await send(loads)
    return {"rps": result.rate, "p50": result.percentile_ms(0.5), "p99": result.percentile_ms(0.99)} | meter.per(sent)


class ProfileAuth(httpx.Auth):
    """The gateway's auth profile as an ``httpx.Auth`` (zeep replaces client default headers)."""

    def __init__(self, profile: Any, http: httpx.AsyncClient) -> None:
        self.profile, self.http = profile, http

    async def async_auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def, override]
        outbound = OutboundRequest(request.method, str(request.url), content=b"")
        for name, value in (await self.profile.authenticate(outbound, self.http)).headers.items():
            request.headers[name] = value
        yield request


def direct_client(settings: Any, keys: KeyStore) -> tuple[Any, Call, httpx.AsyncClient]:
    """zeep.AsyncClient signing with our wsse key, verifying with the mock's certificate."""
    entry = keys.active(WSSE)
    signer = wsse.Signer(wsse.SigningIdentity.load(entry.private_key, entry.certificate))
    verifier = build_reply_verifier(settings, keys, SystemClock())
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    auth_http = httpx.AsyncClient(timeout=timeout)
    http = httpx.AsyncClient(
        transport=AiohttpTransport(), timeout=timeout,
        auth=ProfileAuth(build_auth(settings, SystemClock()), auth_http),
    )
    wsdl = contract.wsdl_path()

    class Transport(AsyncTransport):
        def load(self, url: str) -> bytes:
            return ContractsOnlyTransport(wsdl.parent).load(url)

    transport = Transport(client=http, wsdl_client=httpx.Client(), operation_timeout=settings.read_timeout)
    client = zeep.AsyncClient(str(wsdl), transport=transport, settings=HARDENED,
                              wsse=wsse.WsseX509(signer, verifier))
    binding = client.wsdl.bindings[contract.BINDING]
    service = AsyncServiceProxy(client, binding, address=settings.population_url)
    counter = iter(range(10**9))

    async def call(id_number: str) -> Any:
        query = CitizenQuery(id_number=id_number, officer_id="cb.bench", purpose="benchmark")
        fields = query_to_wire(query, request_id=f"bench-{next(counter)}",
                               ma_dvc=settings.population_ma_dvc, ma_tich_hop="037")
        return await service.TraCuuThongTinCongDan(**fields)

    return client, call, auth_http


def raw_xmlsec_sign(key: xmlsec.Key, cert_der: bytes, envelope: bytes) -> bytes:
    """The floor: the same WS-Security signature with xmlsec and nothing else."""
    import base64

    root = etree.fromstring(envelope)
    soap, wsu, wsse_ns = contract.NS_SOAP11, wsse.WSU, wsse.WSSE
    body = root.find(f"{{{soap}}}Body")
    header = etree.Element(f"{{{soap}}}Header")
    body.addprevious(header)
    security = etree.SubElement(header, f"{{{wsse_ns}}}Security")
    ts = etree.SubElement(security, f"{{{wsu}}}Timestamp")
    ts.set(f"{{{wsu}}}Id", "TS-1")
    etree.SubElement(ts, f"{{{wsu}}}Created").text = "2026-11-22T02:30:00.000Z"
    etree.SubElement(ts, f"{{{wsu}}}Expires").text = "2026-11-22T02:35:00.000Z"
    token = etree.SubElement(security, f"{{{wsse_ns}}}BinarySecurityToken")
    token.text = base64.b64encode(cert_der).decode()
    body.set(f"{{{wsu}}}Id", "Body-1")
    signature = xmlsec.template.create(root, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256)
    security.append(signature)
    ctx = xmlsec.SignatureContext()
    for element in (body, ts):
        ref = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256, uri="#" + element.get(f"{{{wsu}}}Id"))
        xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
        ctx.register_id(element, "Id", wsu)
    xmlsec.template.ensure_key_info(signature)
    ctx.key = key
    ctx.sign(signature)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def raw_xmlsec_verify(key: xmlsec.Key, signed: bytes) -> None:
    root = etree.fromstring(signed)
    ctx = xmlsec.SignatureContext()
    for element in root.iter():
        if element.get(f"{{{wsse.WSU}}}Id"):
            ctx.register_id(element, "Id", wsse.WSU)
    ctx.key = key
    ctx.verify(root.find(f".//{{{xmlsec.constants.DSigNs}}}Signature"))


def run_sync(coroutine: Any) -> Any:
    """Drive a coroutine that never suspends (the signer and checker do CPU work only)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the coroutine suspended")


def micro(keys: KeyStore, settings: Any, number: int = 300) -> dict[str, float]:
    """µs per message: adapter sign vs raw xmlsec sign; adapter verify vs raw xmlsec verify."""
    ours = keys.active(WSSE)
    identity = wsse.SigningIdentity.load(ours.private_key, ours.certificate)
    adapter_signer = WsseRequestSigner(wsse.Signer(identity), key_id=ours.kid)
    query = CitizenQuery(id_number="001203012345", officer_id="cb.0012", purpose="p", full_name="NGUYỄN VĂN A")
    envelope = PopulationCodec().build(LOOKUP, query_to_wire(query, request_id="r", ma_dvc="VPCP", ma_tich_hop="037"))
    request = OutboundRequest("POST", "http://x", content=envelope)

    peer = keys.active(MOCK_POPULATION)
    peer_signer = wsse.Signer(wsse.SigningIdentity.load(peer.private_key, peer.certificate))
    reply = peer_signer.sign(contract.golden("TraCuuThongTinCongDan.reply.xml"))
    checker = SoapReplyChecker(build_reply_verifier(settings, keys, SystemClock()))
    response = httpx.Response(200, content=reply)
    peer_key = wsse.TrustedCertificates([peer.certificate]).find(peer.certificate).key  # type: ignore[union-attr]

    def per_call(fn: Callable[[], Any]) -> float:
        fn()
        return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6

    result = {
        "sign_adapter": per_call(lambda: run_sync(adapter_signer.sign(request))),
        "sign_raw": per_call(lambda: raw_xmlsec_sign(identity.key, identity.certificate_der, envelope)),
        "verify_adapter": per_call(lambda: run_sync(checker.verify(b"", response))),
        "verify_raw": per_call(lambda: raw_xmlsec_verify(peer_key, reply)),
    }
    return result


async def measure(requests: int, rounds: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mocks, gateway, env = gateway_stack(Path(tmp))
        port, mocks_port = env["LIENTHONG_PORT"], env["LIENTHONG_MOCKS_PORT"]
        # the mock's SOAP endpoint is its mount, with the slash (Starlette redirects without)
        env["LIENTHONG_POPULATION_URL"] = f"http://127.0.0.1:{mocks_port}/population/"
        env["LIENTHONG_OUTBOX_ENABLED"] = "false"
        env["LIENTHONG_LOG_LEVEL"] = "WARNING"  # as in production: no per-call info lines
        mocks.env.update(env)
        gateway.env.update(env)
        with running(mocks, gateway):
            settings = Settings(
                var_dir=Path(tmp) / "var", port=int(port), mocks_port=int(mocks_port),
                population_url=env["LIENTHONG_POPULATION_URL"])
            keys = KeyStore.load(settings.keys_dir)  # the development keys both processes share
            pids = {"gateway": gateway.popen.pid, "mocks": mocks.popen.pid}  # type: ignore[union-attr]
            mocks_url = f"http://127.0.0.1:{mocks_port}"
            async with httpx.AsyncClient(base_url=mocks_url) as admin:
                seed = (await admin.get("/__admin/population/citizens", params={"limit": 200})).json()
            ids = [c["id_number"] for c in seed["citizens"]]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
                token = (await api.post("/oauth/token", data={
                    "grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret",
                    "scope": "citizens.read"})).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            zeep_client, direct, auth_http = direct_client(settings, keys)
            results: dict[str, list[dict[str, float]]] = {"direct zeep": [], "gateway": []}
            try:
                for _ in range(rounds):
                    results["direct zeep"].append(await run_round(direct, ids, requests, concurrency, pids))
                    results["gateway"].append(
                        await run_gateway_round(int(port), bearer, ids, requests, concurrency, pids))
            finally:
                await zeep_client.transport.aclose()
                await auth_http.aclose()
            costs = micro(keys, settings)
    print(f"{requests} signed lookups x {rounds} rounds per path, concurrency {concurrency}, medians of rounds; "
          f"load average {os.getloadavg()[0]:.1f}")
    columns = ("rps", "p50", "p99", "cpu_gateway", "cpu_mocks", "cpu_bench")
    print(f"{'path':<12} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}   CPU ms/request: {'gateway':>7} {'mocks':>6} {'bench':>6}")
    medians = {}
    for path, runs in results.items():
        medians[path] = m = {k: statistics.median(r[k] for r in runs) for k in columns}
        print(f"{path:<12} {m['rps']:>7.0f} {m['p50']:>8.2f} {m['p99']:>8.2f}   "
              f"{'':>15} {m['cpu_gateway']:>7.2f} {m['cpu_mocks']:>6.2f} {m['cpu_bench']:>6.2f}")
    added = medians["gateway"]["p50"] - medians["direct zeep"]["p50"]
    print(f"gateway adds {added:.2f} ms p50 over the direct call (target <= 5 ms)")
    print(f"sign one message:   adapter {costs['sign_adapter']:.0f} us, raw xmlsec {costs['sign_raw']:.0f} us, "
          f"ratio {costs['sign_adapter'] / costs['sign_raw']:.2f} (target <= 1.5)")
    print(f"verify one message: adapter {costs['verify_adapter']:.0f} us, raw xmlsec {costs['verify_raw']:.0f} us, "
          f"ratio {costs['verify_adapter'] / costs['verify_raw']:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds, args.concurrency))
