"""End to end: PortalClient through the exchange pipeline against the mock DVCQG portal
(``mocks.create_mocks_app``) over ``httpx.ASGITransport``. The mock validates every payload
against contracts/portal and shares no code with the adapter."""

import httpx
import pytest

from adapters.portal import DossierSync, ProgressStep, same_step
from mocks._core import MockConfig
from mocks.app import create_mocks_app

CODE = "000.00.12.H56-261122-0001"


@pytest.fixture
def mock_app(clock):
    return create_mocks_app(MockConfig(clock=clock.monotonic, portal_session_ttl_seconds=600))


@pytest.fixture
async def admin(mock_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mock_app), base_url="http://mocks.test") as http:
        yield http


@pytest.fixture
def portal(make_portal, mock_app):
    return make_portal(httpx.ASGITransport(app=mock_app), portal_url="http://mocks.test/portal")


def dossier(status="accepted"):
    return {
        "procedure_code": "1.001612", "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "sector_code": "G08", "sector_name": "Hộ kinh doanh", "agency_code": "000.00.12.H56",
        "channel": "in_person",
        "applicant": {"name": "Nguyễn Văn An", "id_number": "001203012345", "kind": "citizen",
                      "phone": "0912345678", "email": None, "address": "Hòa Thành"},
        "summary": "Tạp hóa An Phát", "received_at": "2026-11-22T13:05:00+07:00",
        "due_at": "2026-11-25T17:00:00+07:00", "status": status,
        "handling_unit": "Phòng Tài chính - Kế hoạch",
        "fees": [{"code": "LP001", "name": "Lệ phí", "amount": 50000, "method": "in_person", "kind": "charge"}],
        "documents": [{"id": "d1", "name": "Đơn.pdf", "component_code": "GT001", "url": "https://x.vn/d1",
                       "digitized": True, "reused": False, "from_national_repository": False}],
        "results": [], "note": "",
    }


def events(n):
    return [
        ProgressStep(CODE, {"status": "processing", "at": f"2026-11-23T13:{i:02d}:00+07:00",
                            "officer": "Lê Văn Cường", "officer_title": "Trưởng phòng",
                            "department": "Phòng TC-KH", "note": f"Bước {i}",
                            "due_at": "2026-11-25T17:00:00+07:00"})
        for i in range(n)
    ]


async def journal(admin, operation):
    params = {"target": "portal", **({"operation": operation} if operation else {})}
    reply = await admin.get("/__admin/requests", params=params)
    reply.raise_for_status()
    return reply.json()["requests"]


async def test_create_then_progress_then_lookup_round_trip(make_portal, mock_app, admin, ctx):
    """A new dossier is created (looked up first), its steps pushed in chunks, and TraCuuHoSo returns them matching ours."""
    portal = make_portal(httpx.ASGITransport(app=mock_app), portal_url="http://mocks.test/portal",
                         portal_progress_chunk=5)
    assert await portal.sync_dossiers([DossierSync(CODE, dossier())], ctx) == {CODE: "created"}
    steps = events(12)
    await portal.push_progress(steps, ctx)
    found = await portal.lookup_dossier(CODE, ctx)
    assert found.status == "accepted"
    assert found.record["NgayTiepNhan"] == "20261122130500"
    assert len(found.steps) == 12
    assert all(same_step(theirs, ours.to_wire()) for theirs, ours in zip(found.steps, steps, strict=True))
    pushes = await journal(admin, "CapNhatTienDoHoSoMC")
    assert len(pushes) == 3
    held = (await admin.get(f"/__admin/portal/dossiers/{CODE}")).json()
    assert held["duplicate_steps"] == 0


async def test_the_mock_accepts_every_request_as_valid(portal, admin, ctx):
    """Every request the adapter sent passed the mock's schema checks and auth."""
    await portal.sync_dossiers([DossierSync(CODE, dossier())], ctx)
    await portal.push_progress(events(2), ctx)
    await portal.lookup_dossier(CODE, ctx)
    await portal.get_procedure("1.001612", ctx)
    entries = await journal(admin, None)
    assert len(entries) >= 5
    assert [e["errors"] for e in entries if e["valid"] is False] == []
    assert all(e["auth_ok"] for e in entries)


async def test_a_create_of_a_known_dossier_becomes_an_update(portal, admin, ctx):
    """The mock answers "đã tồn tại" to a second create; the client resends it as an update."""
    await portal.sync_dossiers([DossierSync(CODE, dossier())], ctx)
    result = await portal.sync_dossiers([DossierSync(CODE, dossier("processing"), exists=False)], ctx)
    assert result == {CODE: "updated"}
    found = await portal.lookup_dossier(CODE, ctx)
    assert found.status == "processing"


async def test_expired_session_is_renewed(portal, admin, clock, ctx):
    """After the mock's session TTL passes, the client logs in again once and the call succeeds."""
    await portal.lookup_dossier(CODE, ctx)
    clock.advance(601)
    assert await portal.lookup_dossier(CODE, ctx) is None
    logins = await journal(admin, "auth")
    assert len(logins) == 2


async def test_wrapped_reply_style_is_understood(portal, admin, ctx):
    """With the mock wrapping replies in message, reads and writes still work."""
    (await admin.post("/__admin/portal/config", json={"reply_style": "wrapped"})).raise_for_status()
    await portal.sync_dossiers([DossierSync(CODE, dossier())], ctx)
    found = await portal.lookup_dossier(CODE, ctx)
    assert found is not None and found.code == CODE


async def test_catalogue_reads(portal, ctx):
    """LayDanhSachTTHC and LayThuTuc from the mock's seeded catalogue."""
    codes = await portal.list_procedure_codes(ctx)
    assert codes
    procedure = await portal.get_procedure(codes[0], ctx)
    assert procedure["code"] == codes[0] and procedure["name"]


async def test_transient_errors_are_retried_for_reads(portal, admin, ctx, audit):
    """A 503 fault on TraCuuHoSo is retried (idempotent read) and the audit shows both attempts."""
    fault = {"target": "portal", "operation": "TraCuuHoSo", "mode": "error", "status": 503, "count": 1}
    (await admin.post("/__admin/faults", json=fault)).raise_for_status()
    assert await portal.lookup_dossier(CODE, ctx) is None
    outcomes = [e.outcome for e in audit.entries if e.operation == "TraCuuHoSo"]
    assert outcomes == ["upstream_unavailable", "ok"]
