"""The mock payment platform's wire endpoints (national-systems.md §3; contracts/payment/).

``POST /init``, ``/query``, ``/getbill`` (JSON, Bearer token, ``MaXacThuc`` checked, replies
``{"error_code", "message"}`` with codes of contracts/payment/README.md), ``POST
/oauth/token`` (client credentials), and the hosted payment page ``GET|POST
/pay/{MaThamChieu}``. Shares nothing with ``adapters/``.
"""

from __future__ import annotations

import base64
import hmac
import html
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import orjson

from contracts.payment import validator
from mocks._core import Fault, JournalEntry, MockConfig, MockReply, MockRequest
from mocks.payment.callbacks import CallbackSender
from mocks.payment.pdf import receipt_pdf
from mocks.payment.settings import PaymentMockSettings
from mocks.payment.state import PAID, TRANG_THAI_GD, MockPayment, PaymentPlatformState
from security.checksums import (
    ChecksumInputError,
    checksum_equal,
    maxacthuc_init,
    maxacthuc_query,
    maxacthuc_query_reply,
)

PATHS = {"/init": "INIT", "/query": "QUERY", "/getbill": "GET_BILL"}
MESSAGES = {"01": "Không tìm thấy giao dịch", "02": "Mã tham chiếu đã tồn tại", "04": "Số tiền không hợp lệ",
            "97": "Sai mã xác thực (MaXacThuc)", "99": "Các lỗi khác"}


class PlatformError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def _envelope(inner: dict[str, Any]) -> MockReply:
    return MockReply.json({"error_code": "0", "message": orjson.dumps(inner).decode()})


def _refusal(code: str, detail: str = "") -> MockReply:
    message = MESSAGES.get(code, "Lỗi") + (f": {detail}" if detail else "")
    return MockReply.json({"error_code": code, "message": message})


class PaymentWire:
    """Implements ``mocks._core.WireHandler`` for the payment platform."""

    def __init__(self, state: PaymentPlatformState, config: MockConfig, settings: PaymentMockSettings,
                 sender: CallbackSender) -> None:
        self.state, self.config, self.settings, self.sender = state, config, settings, sender
        self._validators = {kind: validator(f"{kind}.request") for kind in PATHS.values()}

    def operation(self, request: MockRequest) -> str | None:
        if request.path in PATHS:
            return PATHS[request.path]
        if request.path == "/oauth/token":
            return "token"
        if request.path.startswith("/pay/"):
            return "pay_page"
        return None

    async def handle(self, request: MockRequest, entry: JournalEntry, fault: Fault | None) -> MockReply:
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request, entry)
        if request.path.startswith("/pay/") and request.method in ("GET", "POST"):
            return await self._page(request)
        kind = PATHS.get(request.path)
        if kind is None:
            return MockReply.text("Not Found", 404)
        if request.method != "POST":
            return MockReply.text("Method Not Allowed", 405)
        entry.auth_ok = self._authorized(request)
        if not entry.auth_ok:
            return MockReply.json({"error_code": "401", "message": "Token không hợp lệ"}, status=401)
        try:
            body = self._checked(kind, request, entry)
            if kind == "INIT":
                return self._init(body)
            payment = self.state.payments.get(body["MaThamChieu"])
            if payment is None or payment.partner != body["MaDoiTac"]:
                raise PlatformError("01")
            if kind == "QUERY":
                return self._query(payment, bad_signature=fault is not None and fault.mode == "bad_signature")
            return self._bill(payment)
        except PlatformError as exc:
            entry.errors.append(f"{exc.code} {exc.detail}".strip())
            return _refusal(exc.code, exc.detail)

    def _authorized(self, request: MockRequest) -> bool:
        given = request.headers.get("authorization", "")
        if not given.startswith("Bearer "):
            return False
        token = given.removeprefix("Bearer ")
        return hmac.compare_digest(token.encode(), self.settings.token.encode()) or token in self.state.tokens

    def _checked(self, kind: str, request: MockRequest, entry: JournalEntry) -> dict[str, Any]:
        """Parse, schema-check, then verify MaXacThuc on the exact values received."""
        try:
            body = request.json()
        except ValueError:
            entry.valid = False
            raise PlatformError("99", "dữ liệu không phải JSON") from None
        error = next(iter(self._validators[kind].iter_errors(body)), None)
        entry.valid = error is None
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            raise PlatformError("99", f"{where}: {error.message}")
        if body["MaDoiTac"] != self.settings.partner_code:
            raise PlatformError("99", "MaDoiTac không đúng")
        compute = maxacthuc_init if kind == "INIT" else maxacthuc_query
        try:
            expected = compute(body, self.settings.secret)
        except ChecksumInputError:
            expected = ""
        entry.signature_ok = bool(expected) and checksum_equal(body["MaXacThuc"], expected)
        if not entry.signature_ok:
            raise PlatformError("97")
        return dict(body)

    def pay_url(self, reference: str) -> str:
        return f"{self.settings.public_url}/payment/pay/{quote(reference, safe='')}"

    def _init(self, body: dict[str, Any]) -> MockReply:
        reference, amount = body["MaThamChieu"], body["SoTien"]
        fees = body["ThongTinBienLai"]["PhiLePhi"]
        if fees and sum(f["SoTien"] for f in fees) != amount:
            raise PlatformError("04", "tổng PhiLePhi khác SoTien")
        known = self.state.payments.get(reference)
        if known is not None:
            if known.amount != amount:
                raise PlatformError("02", "khác số tiền")
            known.inits += 1  # idempotent per MaThamChieu: same answer again
        else:
            self.state.payments[reference] = MockPayment(
                reference=reference, partner=body["MaDoiTac"], amount=amount,
                info=body["ThongTinGiaoDich"], created_at=body["ThoiGianGD"], init_body=body,
            )
        return _envelope({"UrlThanhToan": self.pay_url(reference), "MaThamChieu": reference,
                          "MaDoiTac": body["MaDoiTac"]})

    def _query(self, payment: MockPayment, *, bad_signature: bool) -> MockReply:
        inner: dict[str, Any] = {
            "MaDoiTac": payment.partner, "MaThamChieu": payment.reference,
            "TrangThaiGD": TRANG_THAI_GD[payment.status], "MaGiaoDich": payment.transaction_id,
            "SoTien": payment.amount, "MaTienTe": "VND", "MaNganHang": payment.bank_code,
            "ThoiGianGD": payment.settled_at,
        }
        inner["MaXacThuc"] = maxacthuc_query_reply(inner, self.settings.secret)
        if bad_signature:
            inner["MaXacThuc"] = "0" * 64
        return _envelope(inner)

    def _bill(self, payment: MockPayment) -> MockReply:
        if payment.status != PAID:
            raise PlatformError("99", "giao dịch chưa thành công, chưa có biên lai")
        body = payment.init_body
        receipt = body["ThongTinBienLai"]
        lines = [
            f"Ma tham chieu: {payment.reference}",
            f"Ma giao dich: {payment.transaction_id}  Ngan hang: {payment.bank_code}",
            f"Thoi gian: {payment.settled_at}",
            f"Nguoi nop: {receipt['HoTenNguoiNop']}",
            f"Ho so: {receipt['MaHoSo']}  Don vi: {receipt['MaDonVi']}",
            *(f"- {f['TenPhiLePhi']}: {f['SoTien']} VND" for f in receipt["PhiLePhi"]),
            f"Tong cong: {payment.amount} VND",
        ]
        pdf = receipt_pdf(lines)
        return _envelope({"MaDoiTac": payment.partner, "MaThamChieu": payment.reference,
                          "TenFile": f"bienlai-{payment.reference}.pdf",
                          "BienLai": base64.b64encode(pdf).decode("ascii")})

    def _token(self, request: MockRequest, entry: JournalEntry) -> MockReply:
        expected = base64.b64encode(f"{self.settings.client_key}:{self.settings.client_secret}".encode()).decode()
        given = request.headers.get("authorization", "").removeprefix("Basic ")
        form = parse_qs(request.body.decode("utf-8", "replace"))
        entry.auth_ok = hmac.compare_digest(given.encode(), expected.encode())
        if not entry.auth_ok or form.get("grant_type") != ["client_credentials"]:
            return MockReply.json({"error": "invalid_client"}, status=401)
        token = f"mock-{self.state.next_transaction_id().lower()}"
        self.state.tokens.add(token)
        return MockReply.json({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    async def _page(self, request: MockRequest) -> MockReply:
        reference = unquote(request.path.removeprefix("/pay/"))
        payment = self.state.payments.get(reference)
        if payment is None:
            return MockReply(404, _page_html("Không tìm thấy giao dịch", "").encode(), "text/html; charset=utf-8")
        if request.method == "POST":
            result = parse_qs(request.body.decode("utf-8", "replace")).get("result", [""])[0]
            if result not in ("success", "failed"):
                return MockReply.text("result must be success or failed", 422)
            outcome = await self.sender.complete(payment, result)
            status = "Đã thanh toán" if payment.status == PAID else "Thanh toán không thành công"
            sent = outcome["callbacks"][0] if outcome["callbacks"] else {}
            detail = f"Phản hồi của hệ thống tỉnh: HTTP {sent.get('status')} {html.escape(str(sent.get('reply')))}"
            return MockReply(200, _page_html(status, detail).encode(), "text/html; charset=utf-8")
        return MockReply(200, _pay_form(payment, request.path).encode(), "text/html; charset=utf-8")


def _page_html(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<body><h1>{html.escape(title)}</h1><p>{body}</p></body></html>")


def _pay_form(payment: MockPayment, path: str) -> str:
    amount = f"{payment.amount:,}".replace(",", ".")
    action = html.escape("/payment" + path, quote=True)
    state = "" if payment.status == "pending" else f"<p>Trạng thái hiện tại: {payment.status}</p>"
    return (
        "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Thanh toán trực tuyến</title><body>"
        "<h1>Cổng thanh toán (mô phỏng)</h1>"
        f"<p>Mã tham chiếu: <b>{html.escape(payment.reference)}</b></p>"
        f"<p>Nội dung: {html.escape(payment.info)}</p>"
        f"<p>Số tiền: <b>{amount} VND</b></p>{state}"
        f"<form method=\"post\" action=\"{action}\">"
        "<button name=\"result\" value=\"success\">Thanh toán</button> "
        "<button name=\"result\" value=\"failed\">Hủy</button></form></body></html>"
    )
