"""PortalClient against ``httpx.MockTransport`` handlers replaying the golden messages of
``contracts/portal/golden/``; every request the client sends is checked against its schema."""

import json

import httpx
import pytest

from adapters.portal import DossierSync, ProgressStep
from contracts import load_json
from contracts.errors import UpstreamAuthFailed, UpstreamRejected
from contracts.portal import validator

CODE = "000.00.12.H56-261122-0001"


def golden(name):
    return load_json("portal", "golden", name)


class GoldenPortal:
    """Answers login with the golden session, each service with a scripted reply, and checks
    every request body against the contract."""

    def __init__(self, replies: dict[str, list]) -> None:
        self.replies = replies
        self.requests: list[dict] = []
        self.logins = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert request.headers["dstcode"] == "000.00.00.H56"
        if request.url.path == "/portal/api/auth":
            validator("auth.request").validate(body)
            self.logins += 1
            return httpx.Response(200, json=golden("auth.reply.json"))
        service = body["service"]
        validator(f"{service}.request").validate(body)
        expected_path = "/portal/api/integration" if service in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC") else "/portal/api/share"
        assert request.url.path == expected_path
        self.requests.append(body)
        queue = self.replies[service]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(200, json=reply)


OK = {"error_code": 0, "message": "Thành công", "result": []}


def dossier():
    return {
        "procedure_code": "1.001612", "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "sector_code": "G08", "sector_name": "Hộ kinh doanh", "agency_code": "000.00.12.H56",
        "channel": "online",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "001203012345", "kind": "citizen",
                      "phone": None, "email": None, "address": None},
        "summary": "Tạp hóa", "received_at": "2026-11-22T09:30:00+07:00",
        "due_at": "2026-11-25T17:00:00+07:00", "status": "accepted", "handling_unit": "Phòng TC-KH",
        "fees": [], "documents": [], "results": [], "note": None,
    }


async def test_lookup_sends_the_golden_request_and_reads_the_dossier(make_portal, ctx):
    """TraCuuHoSo goes out exactly as the golden request and returns the record with its two progress steps."""
    portal = GoldenPortal({"TraCuuHoSo": [golden("TraCuuHoSo.reply.json")]})
    client = make_portal(httpx.MockTransport(portal))
    found = await client.lookup_dossier(CODE, ctx)
    assert portal.requests == [golden("TraCuuHoSo.request.json")]
    assert found.code == CODE and found.status == "processing" and found.status_code == "4"
    assert [s["NoiDungXuLy"] for s in found.steps] == ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ"]
    assert found.record["SoGiayToChuHoSo"] == "001203012345"


async def test_lookup_accepts_wrapped_replies(make_portal, ctx):
    """A reply wrapped in message by a provincial proxy gives the same dossier."""
    portal = GoldenPortal({"TraCuuHoSo": [golden("TraCuuHoSo.reply.wrapped.json")]})
    found = await make_portal(httpx.MockTransport(portal)).lookup_dossier(CODE, ctx)
    assert found.status == "processing" and len(found.steps) == 2


async def test_lookup_of_an_unknown_dossier_is_none(make_portal, ctx):
    """An empty result means the portal does not hold the dossier."""
    portal = GoldenPortal({"TraCuuHoSo": [golden("TraCuuHoSo.reply.not-found.json")]})
    assert await make_portal(httpx.MockTransport(portal)).lookup_dossier(CODE, ctx) is None


async def test_sync_asks_the_portal_when_the_caller_does_not_know(make_portal, ctx):
    """With exists=None the client looks the dossier up first and sends isUpdating accordingly."""
    portal = GoldenPortal({"TraCuuHoSo": [golden("TraCuuHoSo.reply.not-found.json")], "DongBoHoSoMC": [OK]})
    client = make_portal(httpx.MockTransport(portal))
    assert await client.sync_dossiers([DossierSync(CODE, dossier())], ctx) == {CODE: "created"}
    assert [r["service"] for r in portal.requests] == ["TraCuuHoSo", "DongBoHoSoMC"]
    assert portal.requests[1]["data"][0]["isUpdating"] == "False"


async def test_sync_sends_several_dossiers_in_one_call(make_portal, ctx):
    """One DongBoHoSoMC call carries every dossier, each with its own isUpdating."""
    portal = GoldenPortal({"DongBoHoSoMC": [OK]})
    client = make_portal(httpx.MockTransport(portal))
    result = await client.sync_dossiers(
        [DossierSync("A-1", dossier(), exists=True), DossierSync("A-2", dossier(), exists=False)], ctx)
    assert result == {"A-1": "updated", "A-2": "created"}
    [call] = portal.requests
    assert [(e["MaHoSo"], e["isUpdating"]) for e in call["data"]] == [("A-1", "True"), ("A-2", "False")]


async def test_already_exists_switches_the_named_dossier_to_update(make_portal, ctx, audit):
    """On "đã tồn tại" the dossier the portal names is resent as an update; the others stay creates."""
    portal = GoldenPortal({"DongBoHoSoMC": [golden("DongBoHoSoMC.reply.already-exists.json"), OK]})
    client = make_portal(httpx.MockTransport(portal))
    result = await client.sync_dossiers(
        [DossierSync(CODE, dossier(), exists=False), DossierSync("B-9", dossier(), exists=False)], ctx)
    assert result == {CODE: "updated", "B-9": "created"}
    first, second = portal.requests
    assert [e["isUpdating"] for e in first["data"]] == ["False", "False"]
    assert [e["isUpdating"] for e in second["data"]] == ["True", "False"]
    assert [e.outcome for e in audit.entries] == ["upstream_rejected", "ok"]


async def test_already_exists_without_a_name_switches_every_create(make_portal, ctx):
    """If the message names no dossier of the batch, every create becomes an update."""
    reply = {"error_code": 409, "message": "Hồ sơ đã tồn tại", "result": []}
    portal = GoldenPortal({"DongBoHoSoMC": [reply, OK]})
    client = make_portal(httpx.MockTransport(portal))
    result = await client.sync_dossiers([DossierSync("X-1", dossier(), exists=False)], ctx)
    assert result == {"X-1": "updated"}


async def test_progress_is_pushed_in_chunks(make_portal, ctx):
    """25 steps with portal_progress_chunk=10 go out as three calls of 10, 10 and 5 steps, in order."""
    portal = GoldenPortal({"CapNhatTienDoHoSoMC": [OK]})
    client = make_portal(httpx.MockTransport(portal), portal_progress_chunk=10)
    steps = [
        ProgressStep(CODE, {"status": "processing", "at": f"2026-11-23T{8 + i // 60:02d}:{i % 60:02d}:00+07:00",
                            "officer": "Cán bộ", "note": f"Bước {i}"})
        for i in range(25)
    ]
    await client.push_progress(steps, ctx)
    assert [len(r["data"]) for r in portal.requests] == [10, 10, 5]
    notes = [s["NoiDungXuLy"] for r in portal.requests for s in r["data"]]
    assert notes == [f"Bước {i}" for i in range(25)]


async def test_progress_push_is_not_retried_without_an_idempotency_key(make_portal, ctx):
    """Appending steps twice would duplicate them: a 503 is raised, not retried, unless a key is given."""
    calls = []

    def handler(request):
        if request.url.path.endswith("/api/auth"):
            return httpx.Response(200, json=golden("auth.reply.json"))
        calls.append(1)
        return httpx.Response(503) if len(calls) == 1 else httpx.Response(200, json=OK)

    client = make_portal(httpx.MockTransport(handler))
    step = ProgressStep(CODE, {"status": "processing", "at": "2026-11-23T08:00:00+07:00", "officer": "A"})
    with pytest.raises(Exception) as info:
        await client.push_progress([step], ctx)
    assert info.value.code == "upstream_unavailable" and len(calls) == 1
    calls.clear()
    await client.push_progress([step], ctx, idempotency_key="evt-1")
    assert len(calls) == 2


async def test_invalid_session_reply_logs_in_again_once(make_portal, ctx):
    """The golden session-invalid reply makes the client log in again and resend the call once."""
    portal = GoldenPortal({"TraCuuHoSo": [golden("reply.session-invalid.json"),
                                          golden("TraCuuHoSo.reply.json")]})
    client = make_portal(httpx.MockTransport(portal))
    assert (await client.lookup_dossier(CODE, ctx)).code == CODE
    assert portal.logins == 2 and len(portal.requests) == 2


async def test_persistent_session_failure_is_an_auth_error(make_portal, ctx):
    """If the fresh session is refused too, UpstreamAuthFailed is raised."""
    portal = GoldenPortal({"TraCuuHoSo": [golden("reply.session-invalid.json")]})
    with pytest.raises(UpstreamAuthFailed):
        await make_portal(httpx.MockTransport(portal)).lookup_dossier(CODE, ctx)
    assert portal.logins == 2


async def test_acceptable_error_codes_are_configurable(make_portal, ctx):
    """error_code "3" is a rejection by default and success where a province configures it."""
    reply = {"error_code": "3", "message": "Đã nhận", "result": []}
    step = ProgressStep(CODE, {"status": "processing", "at": "2026-11-23T08:00:00+07:00", "officer": "A"})
    strict = make_portal(httpx.MockTransport(GoldenPortal({"CapNhatTienDoHoSoMC": [reply]})))
    with pytest.raises(UpstreamRejected) as info:
        await strict.push_progress([step], ctx)
    assert info.value.extra["error_code"] == "3"
    lenient = make_portal(httpx.MockTransport(GoldenPortal({"CapNhatTienDoHoSoMC": [reply]})),
                          portal_ok_error_codes=["0", "3", "-3"])
    await lenient.push_progress([step], ctx)


async def test_procedures_are_read_from_the_catalogue(make_portal, ctx):
    """LayDanhSachTTHC lists codes; LayThuTuc returns the normalized procedure, None when unknown."""
    portal = GoldenPortal({
        "LayDanhSachTTHC": [golden("LayDanhSachTTHC.reply.json")],
        "LayThuTuc": [golden("LayThuTuc.reply.json"), {"error_code": 0, "result": []}],
    })
    client = make_portal(httpx.MockTransport(portal))
    assert await client.list_procedure_codes(ctx) == ["1.001612", "1.001193"]
    procedure = await client.get_procedure("1.001612", ctx)
    assert procedure["code"] == "1.001612" and procedure["channels"][0]["channel"] == "in_person"
    assert await client.get_procedure("9.999999", ctx) is None


async def test_a_reply_that_is_not_json_is_a_contract_violation(make_portal, ctx):
    """An HTML error page with status 200 is a contract violation, not a crash."""
    def handler(request):
        if request.url.path.endswith("/api/auth"):
            return httpx.Response(200, json=golden("auth.reply.json"))
        return httpx.Response(200, content=b"<html>Bad gateway</html>")

    with pytest.raises(Exception) as info:
        await make_portal(httpx.MockTransport(handler)).lookup_dossier(CODE, ctx)
    assert info.value.code == "contract_violation"


async def test_breaker_state_is_exposed(make_portal, ctx):
    """The client reports its circuit state for /readyz."""
    client = make_portal(httpx.MockTransport(GoldenPortal({"TraCuuHoSo": [OK]})))
    assert client.breaker_state == "closed"


def _step(code, n):
    return ProgressStep(code, {"status": "processing", "at": f"2026-11-23T08:00:{n:02d}+07:00", "officer": "A",
                               "note": f"Bước {n}"})


class SlowPortal:
    """Answers each progress call after a pause, recording when each started and ended and
    how many were in flight at once; calls holding ``fail_code`` are refused."""

    def __init__(self, fail_code: str | None = None) -> None:
        self.fail_code = fail_code
        self.events: list[tuple[str, list[str]]] = []
        self.in_flight = self.most_in_flight = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        import asyncio

        body = json.loads(request.content)
        if request.url.path.endswith("/api/auth"):
            return httpx.Response(200, json=golden("auth.reply.json"))
        codes = [s["MaHoSo"] for s in body["data"]]
        self.events.append(("start", codes))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.02)
        self.in_flight -= 1
        self.events.append(("end", codes))
        if self.fail_code in codes:
            return httpx.Response(200, json={"error_code": -1, "message": "Dữ liệu không hợp lệ", "result": []})
        return httpx.Response(200, json=OK)


async def test_chunks_of_different_dossiers_go_out_together_and_each_dossier_stays_in_order(make_portal, ctx):
    """Chunks sharing no dossier are in flight at once; a chunk holding a later step of a
    dossier starts only after the chunk holding its earlier step has been answered."""
    portal = SlowPortal()
    client = make_portal(httpx.MockTransport(portal), portal_progress_chunk=2)
    await client.push_progress([_step("A", 0), _step("B", 0), _step("C", 0), _step("D", 0), _step("A", 1), _step("E", 0)], ctx)
    assert portal.most_in_flight >= 2
    assert portal.events.index(("start", ["A", "E"])) > portal.events.index(("end", ["A", "B"]))
    assert sorted(codes for kind, codes in portal.events if kind == "end") == [["A", "B"], ["A", "E"], ["C", "D"]]


async def test_a_failed_chunk_holds_back_later_chunks_of_its_dossiers(make_portal, ctx):
    """When a chunk is refused, later chunks holding any of its dossiers are not sent (their
    steps would overtake the refused ones); chunks of other dossiers still go; the refusal is raised."""
    portal = SlowPortal(fail_code="B")
    client = make_portal(httpx.MockTransport(portal), portal_progress_chunk=2)
    with pytest.raises(UpstreamRejected):
        await client.push_progress([_step("A", 0), _step("B", 0), _step("C", 0), _step("D", 0), _step("A", 1), _step("E", 0)], ctx)
    sent = [codes for kind, codes in portal.events if kind == "start"]
    assert sorted(sent) == [["A", "B"], ["C", "D"]]
