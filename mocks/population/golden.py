"""The golden citizen of ``contracts/population/golden/TraCuuThongTinCongDan.reply.xml``,
read from the contract, so the mock serves exactly the golden reply for that id."""

from __future__ import annotations

from functools import cache

from lxml import etree

import contracts.population as contract
from mocks.population.seed import Address, Citizen, HouseholdHead, Relative

_NS = {"dc": contract.NS_REPLY, "s": contract.NS_SOAP11}


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    return element.findtext(path, namespaces=_NS) or None


def _address(element: etree._Element) -> Address:
    return Address(*(_text(element, f"dc:{n}") or "" for n in
                     ("MaTinhThanh", "MaQuanHuyen", "MaPhuongXa", "ChiTiet", "QuocGia")))


def _relative(element: etree._Element | None) -> Relative | None:
    if element is None:
        return None
    return Relative(
        full_name=_text(element, "dc:HoVaTen") or "",
        id_number=_text(element, "dc:SoDinhDanh"),
        legacy_id=_text(element, "dc:SoCMND"),
        nationality=_text(element, "dc:QuocTich") or "VN",
    )


@cache
def golden_citizen() -> Citizen:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    root = etree.fromstring(contract.golden("TraCuuThongTinCongDan.reply.xml"), parser)
    c = root.find("s:Body/dc:CongdanCollection/dc:CongDan", _NS)
    head = c.find("dc:ChuHo", _NS)
    return Citizen(
        id_number=_text(c, "dc:SoDinhDanh") or "",
        legacy_id=_text(c, "dc:SoCMND"),
        family=_text(c, "dc:HoVaTen/dc:Ho") or "",
        middle=_text(c, "dc:HoVaTen/dc:ChuDem"),
        given=_text(c, "dc:HoVaTen/dc:Ten") or "",
        birth_year=int(_text(c, "dc:NgayThangNamSinh/dc:Nam") or 0),
        birth_date=_text(c, "dc:NgayThangNamSinh/dc:NgayThangNam"),
        gender=_text(c, "dc:GioiTinh") or "",
        ethnicity=_text(c, "dc:DanToc") or "",
        religion=_text(c, "dc:TonGiao") or "",
        nationality=_text(c, "dc:QuocTich") or "",
        marital=_text(c, "dc:TinhTrangHonNhan") or "",
        blood=_text(c, "dc:NhomMau") or "",
        birth_place=_address(c.find("dc:NoiDangKyKhaiSinh", _NS)),
        hometown=_address(c.find("dc:QueQuan", _NS)),
        permanent=_address(c.find("dc:ThuongTru", _NS)),
        current=_address(c.find("dc:NoiOHienTai", _NS)),
        father=_relative(c.find("dc:Cha", _NS)),
        mother=_relative(c.find("dc:Me", _NS)),
        spouse=_relative(c.find("dc:VoChong", _NS)),
        representative=_relative(c.find("dc:NguoiDaiDien", _NS)),
        head=HouseholdHead(
            relation=_text(head, "dc:QuanHe") or "",
            id_number=_text(head, "dc:SoDinhDanh") or "",
            legacy_id=_text(head, "dc:SoCMND"),
            full_name=_text(head, "dc:HoVaTen") or "",
        ),
        household_book=_text(c, "dc:SoSoHoKhau") or "",
    )
