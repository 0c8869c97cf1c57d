"""Liveness, readiness, request ids, problem+json and the body limit."""

import httpx


async def test_healthz_answers_and_carries_a_request_id(client: httpx.AsyncClient) -> None:
    """Every response carries X-Request-ID, echoing a sane one the caller sent."""
    reply = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert reply.status_code == 200
    assert reply.headers["x-request-id"] == "abc-123"
    fresh = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"})
    assert fresh.headers["x-request-id"] not in ("", "bad id\twith tab")


async def test_readyz_reports_the_database(client: httpx.AsyncClient) -> None:
    """Readiness names its checks; the database check passes on a fresh SQLite file."""
    reply = await client.get("/readyz")
    assert reply.json()["checks"]["database"] == "ok"


async def test_unknown_path_is_problem_json(client: httpx.AsyncClient) -> None:
    """An unknown path answers 404 as problem+json with a stable code and the request id."""
    reply = await client.get("/nope", headers={"X-Request-ID": "r1"})
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "not_found"
    assert reply.json()["request_id"] == "r1"


async def test_oversized_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    """A body over the limit is refused before any route sees it."""
    reply = await client.post("/healthz", content=b"x" * 2_000_000)
    assert reply.status_code == 413
    assert reply.json()["code"] == "payload_too_large"


async def test_oversized_body_of_unstated_length_is_refused_with_413(client: httpx.AsyncClient) -> None:
    """Without Content-Length (chunked), the body is counted as it streams in."""

    async def chunks():
        for _ in range(40):
            yield b"x" * 64_000

    reply = await client.post("/v1/dossiers/HS-1/events", content=chunks())
    assert "content-length" not in reply.request.headers
    assert reply.status_code == 413
    assert reply.json()["code"] == "payload_too_large"
