"""SOAP 1.1 replies of the mock population database, built with lxml from the contract's
names (contracts/population): the lookup's CongdanCollection, the verify reply, Faults.

Replies are built without whitespace between elements, so a client that parses them with
``remove_blank_text`` still computes the same digests."""

from __future__ import annotations

from lxml import etree

import contracts.population as contract
from mocks.population.seed import Address, Citizen, Relative

SOAP = contract.NS_SOAP11
DC = contract.NS_REPLY
BCA = contract.NS_REQUEST


def envelope(payload: etree._Element) -> etree._Element:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP})
    etree.SubElement(root, f"{{{SOAP}}}Body").append(payload)
    return root


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _add(parent: etree._Element, name: str, text: str | None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{DC}}}{name}")
    child.text = text or None
    return child


def _address(parent: etree._Element, name: str, address: Address) -> None:
    element = etree.SubElement(parent, f"{{{DC}}}{name}")
    _add(element, "MaTinhThanh", address.province)
    _add(element, "MaQuanHuyen", address.district)
    _add(element, "MaPhuongXa", address.ward)
    _add(element, "ChiTiet", address.detail)
    _add(element, "QuocGia", address.country)


def _relative(parent: etree._Element, name: str, relative: Relative | None) -> None:
    if relative is None:
        return
    element = etree.SubElement(parent, f"{{{DC}}}{name}")
    _add(element, "HoVaTen", relative.full_name)
    _add(element, "QuocTich", relative.nationality)
    _add(element, "SoDinhDanh", relative.id_number)  # empty when unknown
    _add(element, "SoCMND", relative.legacy_id)


def citizen_element(citizen: Citizen) -> etree._Element:
    """One ``CongDan``, every field in the contract's order."""
    c = etree.Element(f"{{{DC}}}CongDan")
    _add(c, "SoDinhDanh", citizen.id_number)
    _add(c, "SoCMND", citizen.legacy_id)
    name = etree.SubElement(c, f"{{{DC}}}HoVaTen")
    _add(name, "Ho", citizen.family)
    if citizen.middle:
        _add(name, "ChuDem", citizen.middle)
    _add(name, "Ten", citizen.given)
    birth = etree.SubElement(c, f"{{{DC}}}NgayThangNamSinh")
    _add(birth, "Nam", str(citizen.birth_year))
    if citizen.birth_date:
        _add(birth, "NgayThangNam", citizen.birth_date)
    for field, value in (
        ("GioiTinh", citizen.gender), ("DanToc", citizen.ethnicity), ("TonGiao", citizen.religion),
        ("QuocTich", citizen.nationality), ("TinhTrangHonNhan", citizen.marital),
        ("NhomMau", citizen.blood),
    ):
        _add(c, field, value)
    _address(c, "NoiDangKyKhaiSinh", citizen.birth_place)
    _address(c, "QueQuan", citizen.hometown)
    _address(c, "ThuongTru", citizen.permanent)
    _address(c, "NoiOHienTai", citizen.current)
    _relative(c, "Cha", citizen.father)
    _relative(c, "Me", citizen.mother)
    _relative(c, "VoChong", citizen.spouse)
    _relative(c, "NguoiDaiDien", citizen.representative)
    head = etree.SubElement(c, f"{{{DC}}}ChuHo")
    _add(head, "QuanHe", citizen.head.relation)
    _add(head, "SoDinhDanh", citizen.head.id_number)
    _add(head, "SoCMND", citizen.head.legacy_id)
    _add(head, "HoVaTen", citizen.head.full_name)
    _add(c, "SoSoHoKhau", citizen.household_book)
    return c


def lookup_reply(citizens: list[Citizen]) -> etree._Element:
    """``CongdanCollection``; empty when nobody matched (not found is not a fault)."""
    collection = etree.Element(f"{{{DC}}}CongdanCollection", nsmap={None: DC})
    for citizen in citizens:
        collection.append(citizen_element(citizen))
    return envelope(collection)


def verify_reply(exists: bool) -> etree._Element:
    reply = etree.Element(f"{{{BCA}}}XacThucThongTinCongDanResponse", nsmap={"dcqg": BCA})
    etree.SubElement(reply, f"{{{BCA}}}TonTai").text = "true" if exists else "false"
    return envelope(reply)


def fault(code: str, message: str, *, detail: str | None = None) -> bytes:
    """A SOAP 1.1 Fault (``code`` like ``soapenv:Client`` or ``wsse:FailedCheck``)."""
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soapenv": SOAP, "wsse": _WSSE})
    body = etree.SubElement(root, f"{{{SOAP}}}Body")
    element = etree.SubElement(body, f"{{{SOAP}}}Fault")
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultstring").text = message
    etree.SubElement(element, "faultactor").text = BCA
    if detail:
        holder = etree.SubElement(element, "detail")
        etree.SubElement(holder, f"{{{BCA}}}ChiTiet").text = detail
    return serialize(root)


_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
