"""``MaXacThuc`` checksums of the DVCQG payment platform, protocol 1.0.6.

Each checksum is a plain SHA-256 (not an HMAC), lower-case hex, of the field values joined by
``|`` in a fixed order, followed by ``|`` and the shared secret, encoded as UTF-8
(shared/reference/national-systems.md §3; the callback-reply and QUERY-reply formulas are our
reconstruction, see contracts/payment/README.md). Values enter exactly as received: strings
as they are, integers as their decimal digits; anything else is refused rather than
re-formatted, because a re-formatted number (``150000.0``) would silently change the hash.
A value containing ``|`` is refused too: it would make the joined string ambiguous (a field
boundary could move without changing the checksum).

Used by the payment adapter and the mock payment platform alike; both are tested against the
literal vectors in ``contracts/payment/vectors.json`` so a wrong formula cannot pass both.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

INIT_FIELDS = (
    "LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien", "LoaiHinhThanhToan",
    "MaKenhThanhToan", "MaThietBi", "NgonNgu", "MaTienTe", "MaNganHang", "ThongTinGiaoDich",
    "ThoiGianGD", "Ip",
)  # fmt: skip
CALLBACK_FIELDS = (
    "LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe", "MaGiaoDich",
    "MaNganHang", "ThoiGianGD", "ThongTinGiaoDich",
)  # fmt: skip
CALLBACK_REPLY_FIELDS = ("MaLoi", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
QUERY_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")  # and GET_BILL
QUERY_REPLY_FIELDS = ("MaDoiTac", "MaThamChieu", "TrangThaiGD", "MaGiaoDich", "SoTien", "ThoiGianGD")

SCHEME = "maxacthuc-sha256"


class ChecksumInputError(ValueError):
    """The fields cannot be checksummed as received (missing, wrong type, or containing '|')."""


def _wire_text(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ChecksumInputError(f"{name}: {type(value).__name__} cannot enter MaXacThuc exactly")
    text = value if isinstance(value, str) else str(value)
    if "|" in text:
        raise ChecksumInputError(f"{name} contains '|'")
    return text


def maxacthuc(order: Sequence[str], fields: Mapping[str, object], secret: str) -> str:
    """sha256_hex(f1|f2|...|fn|secret) over the values of ``fields`` in ``order``."""
    try:
        parts = [_wire_text(name, fields[name]) for name in order]
    except KeyError as exc:
        raise ChecksumInputError(f"missing field {exc.args[0]}") from exc
    parts.append(secret)
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def maxacthuc_init(fields: Mapping[str, object], secret: str) -> str:
    """``MaXacThuc`` of an INIT request."""
    return maxacthuc(INIT_FIELDS, fields, secret)


def maxacthuc_callback(fields: Mapping[str, object], secret: str) -> str:
    """``MaXacThuc`` of a payment-result callback (platform → partner)."""
    return maxacthuc(CALLBACK_FIELDS, fields, secret)


def maxacthuc_callback_reply(fields: Mapping[str, object], secret: str) -> str:
    """``MaXacThuc`` of the partner's reply to a callback (our reconstruction)."""
    return maxacthuc(CALLBACK_REPLY_FIELDS, fields, secret)


def maxacthuc_query(fields: Mapping[str, object], secret: str) -> str:
    """``MaXacThuc`` of a QUERY or GET_BILL request (same formula, ``LoaiBanTin`` differs)."""
    return maxacthuc(QUERY_FIELDS, fields, secret)


def maxacthuc_query_reply(fields: Mapping[str, object], secret: str) -> str:
    """``MaXacThuc`` of a QUERY reply's inner JSON (our reconstruction)."""
    return maxacthuc(QUERY_REPLY_FIELDS, fields, secret)


def checksum_equal(received: object, expected: str) -> bool:
    """Constant-time comparison of two hex checksums, ignoring case; False for non-text input."""
    if not isinstance(received, str):
        return False
    try:
        a = received.lower().encode("ascii")
        b = expected.lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(a, b)
