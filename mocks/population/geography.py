"""Administrative units for synthetic addresses: real GSO codes of provinces (2 digits) and
districts (3 digits); ward codes (5 digits) are real for Hà Nội and TP Hồ Chí Minh's first
districts and illustrative elsewhere. The personal id uses ``"0" + province code``."""

from __future__ import annotations

# province code -> (name, [(district code, district name, [(ward code, ward name), ...]), ...])
UNITS: dict[str, tuple[str, list[tuple[str, str, list[tuple[str, str]]]]]] = {
    "01": ("Thành phố Hà Nội", [
        ("001", "Quận Ba Đình", [("00001", "Phường Phúc Xá"), ("00004", "Phường Trúc Bạch"),
                                 ("00006", "Phường Vĩnh Phúc"), ("00008", "Phường Liễu Giai"),
                                 ("00031", "Phường Giảng Võ")]),
        ("002", "Quận Hoàn Kiếm", [("00037", "Phường Phúc Tân"), ("00040", "Phường Đồng Xuân"),
                                   ("00043", "Phường Hàng Mã")]),
        ("005", "Quận Cầu Giấy", [("00157", "Phường Nghĩa Đô"), ("00160", "Phường Nghĩa Tân"),
                                  ("00163", "Phường Mai Dịch")]),
        ("006", "Quận Đống Đa", [("00199", "Phường Cát Linh"), ("00200", "Phường Văn Miếu"),
                                 ("00203", "Phường Quốc Tử Giám")]),
    ]),
    "79": ("Thành phố Hồ Chí Minh", [
        ("760", "Quận 1", [("26734", "Phường Tân Định"), ("26737", "Phường Đa Kao"),
                           ("26740", "Phường Bến Nghé"), ("26743", "Phường Bến Thành")]),
        ("770", "Quận 3", [("27127", "Phường 14"), ("27130", "Phường 12"),
                           ("27133", "Phường 11")]),
        ("765", "Quận Bình Thạnh", [("26905", "Phường 13"), ("26908", "Phường 11"),
                                    ("26911", "Phường 27")]),
        ("766", "Quận Tân Bình", [("26965", "Phường 2"), ("26968", "Phường 4"),
                                  ("26971", "Phường 12")]),
    ]),
    "48": ("Thành phố Đà Nẵng", [
        ("492", "Quận Hải Châu", [("20194", "Phường Thanh Bình"), ("20195", "Phường Thuận Phước"),
                                  ("20197", "Phường Thạch Thang")]),
        ("493", "Quận Sơn Trà", [("20242", "Phường Thọ Quang"), ("20245", "Phường Nại Hiên Đông")]),
    ]),
    "31": ("Thành phố Hải Phòng", [
        ("303", "Quận Hồng Bàng", [("11296", "Phường Quán Toan"), ("11299", "Phường Hùng Vương")]),
        ("305", "Quận Lê Chân", [("11359", "Phường Cát Dài"), ("11362", "Phường An Biên")]),
    ]),
    "92": ("Thành phố Cần Thơ", [
        ("916", "Quận Ninh Kiều", [("31117", "Phường Cái Khế"), ("31120", "Phường An Hòa"),
                                   ("31123", "Phường Thới Bình")]),
        ("919", "Quận Cái Răng", [("31186", "Phường Lê Bình"), ("31189", "Phường Hưng Phú")]),
    ]),
    "56": ("Tỉnh Khánh Hòa", [
        ("568", "Thành phố Nha Trang", [("22333", "Phường Vĩnh Hòa"), ("22336", "Phường Vĩnh Hải"),
                                        ("22339", "Phường Vĩnh Phước")]),
    ]),
    "38": ("Tỉnh Thanh Hóa", [
        ("380", "Thành phố Thanh Hóa", [("14755", "Phường Điện Biên"), ("14758", "Phường Lam Sơn"),
                                        ("14761", "Phường Ba Đình")]),
    ]),
    "40": ("Tỉnh Nghệ An", [
        ("412", "Thành phố Vinh", [("16681", "Phường Đông Vĩnh"), ("16684", "Phường Hà Huy Tập")]),
    ]),
    "46": ("Tỉnh Thừa Thiên Huế", [
        ("474", "Thành phố Huế", [("19753", "Phường Phú Thuận"), ("19756", "Phường Phú Bình")]),
    ]),
    "87": ("Tỉnh Đồng Tháp", [
        ("866", "Thành phố Cao Lãnh", [("29869", "Phường 11"), ("29872", "Phường 1")]),
    ]),
    "93": ("Tỉnh Hậu Giang", [
        ("930", "Thành phố Vị Thanh", [("31318", "Phường I"), ("31321", "Phường III")]),
    ]),
}

PROVINCE_CODES = tuple(UNITS)
# Where people are born and live, roughly by population (weights for random.choices).
PROVINCE_WEIGHTS = (8, 9, 2, 2, 2, 1, 4, 3, 1, 2, 1)

STREETS = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Chu Trinh",
    "Nguyễn Trãi", "Điện Biên Phủ", "Hùng Vương", "Quang Trung", "Lê Duẩn", "Võ Thị Sáu",
    "Nguyễn Du", "Bà Triệu", "Hoàng Diệu", "Trần Phú",
)
