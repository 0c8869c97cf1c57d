"""Dossier sync on the mock portal: create, update, "đã tồn tại", progress steps and counts."""

from __future__ import annotations

import httpx
from tests.mocks.portal.mock_portal_wire import MA_HO_SO, Portal, dossier, steps

from contracts.portal import validator


async def _admin_view(client: httpx.AsyncClient, code: str = MA_HO_SO) -> dict:
    reply = await client.get(f"/__admin/portal/dossiers/{code}")
    assert reply.status_code == 200
    return reply.json()


async def test_create_then_lookup(portal: Portal) -> None:
    """A created dossier is what TraCuuHoSo returns (without isUpdating), valid by the reply schema."""
    assert (await portal.write("DongBoHoSoMC", [dossier()]))["error_code"] == 0
    reply = await portal.read("TraCuuHoSo", MaHoSo=MA_HO_SO)
    assert list(validator("TraCuuHoSo.reply").iter_errors(reply)) == []
    record = reply["result"][0]
    assert record["ChuHoSo"] == "Nguyễn Văn An" and "isUpdating" not in record
    assert record["QuaTrinhXuLy"] == []


async def test_lookup_of_unknown_dossier_is_empty(portal: Portal) -> None:
    """TraCuuHoSo for an unknown MaHoSo answers error_code 0 with an empty result."""
    reply = await portal.read("TraCuuHoSo", MaHoSo="nope")
    assert reply["error_code"] == 0 and reply["result"] == []


async def test_creating_an_existing_dossier_says_already_exists(portal: Portal) -> None:
    """isUpdating False for a known MaHoSo gets a non-zero error_code with "đã tồn tại"."""
    await portal.write("DongBoHoSoMC", [dossier()])
    reply = await portal.write("DongBoHoSoMC", [dossier()])
    assert reply["error_code"] != 0 and "đã tồn tại" in reply["message"]


async def test_updating_an_unknown_dossier_says_it_does_not_exist(portal: Portal) -> None:
    """isUpdating True for an unknown MaHoSo gets a non-zero error_code with "không tồn tại"."""
    reply = await portal.write("DongBoHoSoMC", [dossier(updating=True)])
    assert reply["error_code"] != 0 and "không tồn tại" in reply["message"]


async def test_update_replaces_the_record_and_counts_receipts(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """An update replaces the stored record; every DongBoHoSoMC receipt is counted."""
    await portal.write("DongBoHoSoMC", [dossier()])
    await portal.write("DongBoHoSoMC", [dossier(updating=True, TrangThaiHoSo="4")])
    await portal.write("DongBoHoSoMC", [dossier(updating=True, TrangThaiHoSo="4")])
    view = await _admin_view(mocks_client)
    assert view["record"]["TrangThaiHoSo"] == "4"
    assert view["receipts"]["DongBoHoSoMC"] == 3
    assert view["status_history"] == [2, 4]


async def test_a_refused_batch_applies_nothing(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """If one element of data[] is refused, no element of the batch is applied."""
    await portal.write("DongBoHoSoMC", [dossier("A")])
    reply = await portal.write("DongBoHoSoMC", [dossier("B"), dossier("A")])
    assert "đã tồn tại" in reply["message"]
    assert (await mocks_client.get("/__admin/portal/dossiers/B")).status_code == 404


async def test_progress_steps_are_appended_in_order_and_duplicates_counted(
    portal: Portal, mocks_client: httpx.AsyncClient
) -> None:
    """Steps appear once each in QuaTrinhXuLy, in order; re-sent steps raise their receipt count."""
    await portal.write("DongBoHoSoMC", [dossier()])
    first, second = steps()
    assert (await portal.write("CapNhatTienDoHoSoMC", [first]))["error_code"] == 0
    await portal.write("CapNhatTienDoHoSoMC", [first, second])  # first re-sent
    record = (await portal.read("TraCuuHoSo", MaHoSo=MA_HO_SO))["result"][0]
    assert record["QuaTrinhXuLy"] == [first, second]
    view = await _admin_view(mocks_client)
    assert [s["receipts"] for s in view["steps"]] == [2, 1]
    assert view["receipts"]["CapNhatTienDoHoSoMC"] == 3
    assert view["duplicate_steps"] == 1 and view["duplicate_step_receipts"] == 1
    stats = (await mocks_client.get("/__admin/portal/stats")).json()
    assert stats["step_receipts"] == 3 and stats["steps"] == 2 and stats["duplicate_step_receipts"] == 1


async def test_steps_for_an_unknown_dossier_are_refused(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """CapNhatTienDoHoSoMC for a MaHoSo the portal does not hold is refused, whole batch."""
    await portal.write("DongBoHoSoMC", [dossier()])
    reply = await portal.write("CapNhatTienDoHoSoMC", [steps()[0], steps("unknown")[1]])
    assert reply["error_code"] != 0 and "không tồn tại" in reply["message"]
    assert (await _admin_view(mocks_client))["steps"] == []


async def test_status_sync_updates_the_record_and_flags_disallowed_moves(
    portal: Portal, mocks_client: httpx.AsyncClient
) -> None:
    """DongBoTrangThaiHoSo sets TrangThaiHoSo; a move transitions.json forbids is flagged."""
    await portal.write("DongBoHoSoMC", [dossier(TrangThaiHoSo="2")])
    assert (await portal.write("DongBoTrangThaiHoSo", [{"MaHoSo": MA_HO_SO, "TrangThaiHoSo": 4}]))["error_code"] == 0
    await portal.write("DongBoTrangThaiHoSo", [{"MaHoSo": MA_HO_SO, "TrangThaiHoSo": 2}])  # back: not allowed
    view = await _admin_view(mocks_client)
    assert view["record"]["TrangThaiHoSo"] == 2
    assert view["receipts"]["DongBoTrangThaiHoSo"] == 2
    assert view["invalid_transitions"] == [{"from": 4, "to": 2}]


async def test_unknown_dossier_in_admin_is_404(mocks_client: httpx.AsyncClient) -> None:
    """The admin view of a dossier the portal does not hold is a 404."""
    assert (await mocks_client.get("/__admin/portal/dossiers/none")).status_code == 404


async def test_catalogue_reads(portal: Portal) -> None:
    """LayDanhSachTTHC lists the seeded codes and LayThuTuc returns one record, both schema-valid."""
    listing = await portal.read("LayDanhSachTTHC")
    assert list(validator("LayDanhSachTTHC.reply").iter_errors(listing)) == []
    assert "1.001612" in {p["MATTHC"] for p in listing["result"]}
    one = await portal.read("LayThuTuc", MaTTHC="1.001612")
    assert list(validator("LayThuTuc.reply").iter_errors(one)) == []
    assert one["result"][0]["TENTTHC"] == "Đăng ký thành lập hộ kinh doanh"
    assert (await portal.read("LayThuTuc", MaTTHC="9.999999"))["result"] == []


async def test_service_on_the_wrong_path_is_refused(portal: Portal) -> None:
    """A read service sent to the integration path (or an unknown service) gets error_code -1."""
    assert (await portal.call("integration", "TraCuuHoSo", MaHoSo="x")).json()["error_code"] == -1
    assert (await portal.call("share", "XoaHoSo")).json()["error_code"] == -1
