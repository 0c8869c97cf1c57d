"""Vietnamese names, with diacritics, upper case as the population database returns them.

Family names roughly by frequency (Nguyễn is about 38 % of the population)."""

from __future__ import annotations

FAMILY_NAMES = (
    "NGUYỄN", "TRẦN", "LÊ", "PHẠM", "HOÀNG", "HUỲNH", "PHAN", "VŨ", "VÕ", "ĐẶNG", "BÙI",
    "ĐỖ", "HỒ", "NGÔ", "DƯƠNG", "LÝ", "ĐINH", "TRỊNH", "ĐÀO", "MAI",
)
FAMILY_WEIGHTS = (38, 11, 9, 7, 5, 4, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1)

MIDDLE_MALE = ("VĂN", "ĐỨC", "MINH", "QUỐC", "HỮU", "THANH", "CÔNG", "XUÂN", "ĐÌNH", "GIA")
MIDDLE_FEMALE = ("THỊ", "NGỌC", "THU", "THANH", "MINH", "PHƯƠNG", "KIM", "HỒNG", "BẢO", "MỸ")

GIVEN_MALE = (
    "AN", "BÌNH", "CƯỜNG", "DŨNG", "ĐẠT", "HẢI", "HIẾU", "HOÀNG", "HÙNG", "HUY", "KHANG",
    "KHOA", "LONG", "MẠNH", "NAM", "NGHĨA", "PHÚC", "QUÂN", "SƠN", "TÀI", "THÀNH", "THẮNG",
    "TRUNG", "TUẤN", "VIỆT", "VINH", "VŨ",
)
GIVEN_FEMALE = (
    "ANH", "CHI", "DUNG", "GIANG", "HÀ", "HẠNH", "HẰNG", "HOA", "HƯƠNG", "HUYỀN", "LAN",
    "LIÊN", "LINH", "LOAN", "MAI", "NGA", "NGỌC", "NHUNG", "OANH", "PHƯƠNG", "QUYÊN",
    "THẢO", "THỦY", "TRANG", "UYÊN", "VY", "YẾN",
)
