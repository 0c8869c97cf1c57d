from datetime import UTC, datetime

import pytest

from adapters.portal import dossier_to_wire, event_to_wire, procedure_from_wire, same_step, to_date14
from adapters.portal.mapping import ProgressStep, status_codes
from adapters.portal.wire import ProcedureWire, from_date14, parse_reply
from contracts import load_json, read_bytes
from contracts.errors import InvalidRequest
from contracts.portal import validator

CODE = "000.00.12.H56-261122-0001"


def normalized_dossier(**changes):
    dossier = {
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "sector_code": "G08",
        "sector_name": "Thành lập và hoạt động của hộ kinh doanh",
        "agency_code": "000.00.12.H56",
        "channel": "online",
        "applicant": {
            "name": "Nguyễn Văn An",
            "id_number": "001203012345",
            "kind": "citizen",
            "phone": "0912345678",
            "email": "nguyenvanan@example.vn",
            "address": "Số 1 Lê Lợi, Hòa Thành",
        },
        "summary": "Đăng ký thành lập hộ kinh doanh tạp hóa An Phát",
        "received_at": "2026-11-22T13:05:09+07:00",
        "due_at": "2026-11-25T17:00:00+07:00",
        "status": "accepted",
        "handling_unit": "Phòng Tài chính - Kế hoạch huyện Hòa Thành",
        "fees": [{"code": "LP001", "name": "Lệ phí đăng ký hộ kinh doanh", "amount": 50000,
                  "method": "online", "kind": "charge"}],
        "documents": [{"id": "f3a1c2", "name": "Giấy đề nghị.pdf", "component_code": "GT001",
                       "url": "https://motcua.example.gov.vn/files/f3a1c2", "digitized": True,
                       "reused": False, "from_national_repository": True}],
        "results": [{"id": "kq1", "name": "Giấy chứng nhận", "component_code": "KQ001",
                     "url": "https://motcua.example.gov.vn/files/kq1"}],
        "note": "Ghi chú",
    }
    dossier.update(changes)
    return dossier


def envelope_of(service, data):
    return {"session": "s", "madonvi": "000.00.12.H56", "service": service, "data": data}


def test_every_dossier_field_maps_to_its_dongbohosomc_field():
    """Each normalized field lands in its DongBoHoSoMC field, with national codes and 24-hour portal times."""
    element = dossier_to_wire(CODE, normalized_dossier(), is_updating=False)
    expected = {
        "MaHoSo": CODE, "MaTTHC": "1.001612", "TenTTHC": "Đăng ký thành lập hộ kinh doanh",
        "MaLinhVuc": "G08", "TenLinhVuc": "Thành lập và hoạt động của hộ kinh doanh",
        "KenhThucHien": "2", "ChuHoSo": "Nguyễn Văn An", "SoGiayToChuHoSo": "001203012345",
        "LoaiDoiTuong": "1", "ThongTinKhac": "Số 1 Lê Lợi, Hòa Thành",
        "Email": "nguyenvanan@example.vn", "SoDienThoai": "0912345678",
        "TrichYeuHoSo": "Đăng ký thành lập hộ kinh doanh tạp hóa An Phát",
        "NgayTiepNhan": "20261122130509", "NgayHenTra": "20261125170000", "TrangThaiHoSo": "2",
        "DonViXuLy": "Phòng Tài chính - Kế hoạch huyện Hòa Thành", "GhiChu": "Ghi chú",
        "HoSoCoThanhPhanSoHoa": "1", "isUpdating": "False",
        "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "001203012345"}],
        "TaiLieuNop": [{"TepDinhKemId": "f3a1c2", "TenTepDinhKem": "Giấy đề nghị.pdf",
                        "IsDeleted": "False", "MaThanhPhanHoSo": "GT001",
                        "DuongDanTaiTepTin": "https://motcua.example.gov.vn/files/f3a1c2",
                        "DuocSoHoa": "1", "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "1",
                        "MaKetQuaThayThe": ""}],
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí đăng ký hộ kinh doanh", "MaPhiLePhi": "LP001",
                           "HinhThucThu": "2", "Gia": "50000", "LoaiPhiLePhi": "2"}],
        "DanhSachGiayToKetQua": [{"TenGiayTo": "Giấy chứng nhận", "MaThanhPhanHoSo": "KQ001",
                                  "GiayToId": "kq1",
                                  "DuongDanTepTinKetQua": "https://motcua.example.gov.vn/files/kq1",
                                  "MaGiayToKetQua": ""}],
    }
    assert {k: element[k] for k in expected} == expected
    validator("DongBoHoSoMC.request").validate(envelope_of("DongBoHoSoMC", [element]))


def test_update_flag_is_the_string_the_portal_expects():
    """isUpdating is "True"/"False" as text, chosen by the caller."""
    assert dossier_to_wire(CODE, normalized_dossier(), is_updating=True)["isUpdating"] == "True"


@pytest.mark.parametrize(
    ("channel", "kind", "kenh", "loai"),
    [("in_person", "citizen", "1", "1"), ("online", "business", "2", "2"),
     ("postal", "agency", "3", "3"), ("online", "organization", "2", "4")],
)
def test_channel_and_applicant_kind_codes(channel, kind, kenh, loai):
    """KenhThucHien and LoaiDoiTuong follow the national code lists."""
    dossier = normalized_dossier(channel=channel)
    dossier["applicant"] = {**dossier["applicant"], "kind": kind}
    element = dossier_to_wire(CODE, dossier, is_updating=False)
    assert (element["KenhThucHien"], element["LoaiDoiTuong"]) == (kenh, loai)


def test_every_status_keeps_its_own_national_code():
    """All ten statuses map to statuses.json codes; 5, 6 and 8 are never rewritten to 9."""
    table = {s["name"]: s["code"] for s in load_json("portal", "statuses.json")["statuses"]}
    assert status_codes() == table
    for name, code in table.items():
        assert dossier_to_wire(CODE, normalized_dossier(status=name), is_updating=True)["TrangThaiHoSo"] == str(code)
    assert [table[n] for n in ("awaiting_supplement", "awaiting_payment", "suspended")] == [5, 6, 8]


def test_portal_times_use_the_24_hour_clock_in_vietnam():
    """13:05 local is 1305 (not 0105), whatever offset the input carries."""
    assert to_date14("2026-11-22T13:05:00+07:00") == "20261122130500"
    assert to_date14(datetime(2026, 11, 22, 6, 5, tzinfo=UTC)) == "20261122130500"
    assert to_date14("2026-11-22T23:59:59-01:00") == "20261123075959"
    assert from_date14("20261122130500").isoformat() == "2026-11-22T13:05:00+07:00"
    assert to_date14(None) == ""


def test_times_without_an_offset_are_refused():
    """A naive time would be a guess about its zone: refused as an invalid request."""
    with pytest.raises(InvalidRequest):
        dossier_to_wire(CODE, normalized_dossier(received_at="2026-11-22T13:05:00"), is_updating=False)


def test_unknown_codes_are_refused():
    """An unknown channel, applicant kind or status is an invalid request, not a silent default."""
    for change in ({"channel": "fax"}, {"status": "done"}):
        with pytest.raises(InvalidRequest):
            dossier_to_wire(CODE, normalized_dossier(**change), is_updating=False)


def test_status_event_maps_to_capnhattiendohosomc():
    """A status event becomes one CapNhatTienDoHoSoMC element with every field, valid for the contract."""
    event = {"status": "processing", "at": "2026-11-23T14:15:00+07:00", "officer": "Lê Văn Cường",
             "officer_title": "Trưởng phòng", "department": "Phòng Tài chính - Kế hoạch",
             "note": "Thẩm định hồ sơ", "due_at": "2026-11-25T17:00:00+07:00"}
    step = event_to_wire(CODE, event)
    assert step == {
        "MaHoSo": CODE, "NguoiXuLy": "Lê Văn Cường", "ChucDanh": "Trưởng phòng",
        "ThoiDiemXuLy": "20261123141500", "PhongBanXuLy": "Phòng Tài chính - Kế hoạch",
        "NoiDungXuLy": "Thẩm định hồ sơ", "TrangThai": "4", "NgayBatDau": "20261123141500",
        "NgayKetThucTheoQuyDinh": "20261125170000",
    }
    assert ProgressStep(CODE, event).to_wire() == step
    validator("CapNhatTienDoHoSoMC.request").validate(envelope_of("CapNhatTienDoHoSoMC", [step]))
    # the golden request's second step is this step (it started earlier; events carry no start)
    golden = load_json("portal", "golden", "CapNhatTienDoHoSoMC.request.json")["data"][1]
    assert {**step, "NgayBatDau": golden["NgayBatDau"]} == golden


def test_same_step_compares_dossier_time_status_and_content():
    """Reconciliation sees a portal step as ours iff MaHoSo, ThoiDiemXuLy, TrangThai and NoiDungXuLy agree."""
    ours = event_to_wire(CODE, {"status": "accepted", "at": "2026-11-22T09:30:00+07:00",
                                "officer": "Trần Thị Bình", "note": "Tiếp nhận hồ sơ"})
    portal = {**ours, "TrangThai": 2, "ChucDanh": "different"}  # a number, another title
    assert same_step(portal, ours)
    for key, value in (("MaHoSo", "X"), ("ThoiDiemXuLy", "20261122093001"), ("TrangThai", "4"),
                       ("NoiDungXuLy", "Khác")):
        assert not same_step({**portal, key: value}, ours)


def test_procedure_is_normalized_from_laythutuc():
    """The LayThuTuc golden reply normalizes to code, name, level, sectors, agencies, channels, documents, results, legal bases."""
    reply = parse_reply(read_bytes("portal", "golden", "LayThuTuc.reply.json"))
    procedure = procedure_from_wire(ProcedureWire.model_validate(reply.result[0]))
    assert (procedure["code"], procedure["name"], procedure["kind"], procedure["level"]) == (
        "1.001612", "Đăng ký thành lập hộ kinh doanh", "1", "Cấp Huyện")
    assert procedure["sectors"] == [{"code": "G08", "name": "Thành lập và hoạt động của hộ kinh doanh"}]
    assert procedure["agencies"] == [{"name": "Phòng Tài chính - Kế hoạch"}]
    online = procedure["channels"][1]
    assert online["channel"] == "online"
    assert online["processing_times"][0]["duration"] == 3
    assert online["processing_times"][0]["fees"][0]["amount"] == 50000
    assert procedure["required_documents"][0]["documents"][1]["copies"] == 1
    assert procedure["results"] == [{"code": "KQ001", "name": "Giấy chứng nhận đăng ký hộ kinh doanh"}]
    assert procedure["legal_bases"][0]["number"] == "01/2021/NĐ-CP"
    assert procedure["decision_id"] == "QD-1001612"


def test_wrapped_and_plain_replies_parse_alike():
    """A reply wrapped by a provincial proxy reads the same as the plain one."""
    plain = parse_reply(read_bytes("portal", "golden", "TraCuuHoSo.reply.json"))
    wrapped = parse_reply(read_bytes("portal", "golden", "TraCuuHoSo.reply.wrapped.json"))
    assert wrapped.error_code == plain.error_code == "0"
    assert wrapped.result == plain.result
