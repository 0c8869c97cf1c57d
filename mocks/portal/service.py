"""The mock DVCQG portal's wire endpoints (national-systems.md §1; contracts/portal/).

``POST /api/auth`` (login), ``POST /api/integration`` (writes: DongBoHoSoMC,
CapNhatTienDoHoSoMC, DongBoTrangThaiHoSo) and ``POST /api/share`` (reads: TraCuuHoSo,
LayDanhSachTTHC, LayThuTuc), dispatched on ``"service"``. Every payload is checked against
its contract schema; replies are HTTP 200 with ``error_code`` (codes in
contracts/portal/README.md). Shares nothing with ``adapters/``.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson

from contracts import load_json
from contracts.portal import registry, validator
from mocks._core import Fault, JournalEntry, MockConfig, MockReply, MockRequest
from mocks._core.fastcheck import fast_check_or_none
from mocks.portal.state import PortalState

AUTH_PATH, INTEGRATION_PATH, SHARE_PATH = "/api/auth", "/api/integration", "/api/share"
WRITES = ("DongBoHoSoMC", "CapNhatTienDoHoSoMC", "DongBoTrangThaiHoSo")
READS = ("TraCuuHoSo", "LayDanhSachTTHC", "LayThuTuc")

OK = 0
INVALID = -1
NO_DSTCODE = 400
SESSION_INVALID = 401
LOGIN_REFUSED = 403
NOT_FOUND = 404
ALREADY_EXISTS = 409

MSG_SESSION_INVALID = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn"
PORTAL_NAME = "Cổng Dịch vụ công quốc gia"


class PortalError(Exception):
    """A refusal that becomes an ``{"error_code", "message"}`` reply."""

    def __init__(self, error_code: int, message: str) -> None:
        super().__init__(message)
        self.error_code, self.message = error_code, message


class PortalWire:
    """Implements ``mocks._core.WireHandler`` for the portal."""

    def __init__(self, state: PortalState, config: MockConfig) -> None:
        self.state, self.config = state, config
        # Compile every validator once: validation is the only per-request heavy work.
        names = ("auth", *WRITES, *READS)
        self._validators = {name: validator(f"{name}.request") for name in names}
        self._fast = {
            name: fast_check_or_none(load_json("portal", "schemas", f"{name}.request.json"), registry())
            for name in names
        }

    def operation(self, request: MockRequest) -> str | None:
        if request.path == AUTH_PATH:
            return "auth"
        if request.path in (INTEGRATION_PATH, SHARE_PATH):
            body = request.json()
            service = body.get("service") if isinstance(body, dict) else None
            return service if isinstance(service, str) else None
        return None

    async def handle(self, request: MockRequest, entry: JournalEntry, fault: Fault | None) -> MockReply:
        if request.path not in (AUTH_PATH, INTEGRATION_PATH, SHARE_PATH):
            return MockReply.text("Not Found", 404)
        if request.method != "POST":
            return MockReply.text("Method Not Allowed", 405)
        if request.path == AUTH_PATH:
            return MockReply.json(self._login(request, entry))
        try:
            result, message = self._serve(request, entry)
            plain: dict[str, Any] = {"error_code": OK, "message": message, "result": result}
        except PortalError as exc:
            plain = {"error_code": exc.error_code, "message": exc.message, "result": []}
        if self.state.reply_style == "wrapped":
            text = orjson.dumps(plain).decode()
            return MockReply.json({"error_code": plain["error_code"], "message": text})
        return MockReply.json(plain)

    # -- login -----------------------------------------------------------------------------
    def _login(self, request: MockRequest, entry: JournalEntry) -> dict[str, Any]:
        try:
            body = self._checked(request, entry, "auth")
        except PortalError as exc:
            entry.auth_ok = False
            return {"error_code": exc.error_code, "message": exc.message}
        dstcode_ok = self._dstcode_ok(request)
        credentials_ok = hmac.compare_digest(
            body["username"].encode(), self.config.portal_username.encode()
        ) & hmac.compare_digest(body["password"].encode(), self.config.portal_password.encode())
        entry.auth_ok = dstcode_ok and credentials_ok
        if not dstcode_ok:
            return {"error_code": NO_DSTCODE, "message": "Thiếu hoặc sai mã đơn vị (dstcode)"}
        if not credentials_ok:
            return {"error_code": LOGIN_REFUSED, "message": "Tên đăng nhập hoặc mật khẩu không đúng"}
        return {"session": self.state.open_session(), "error_code": OK, "message": "Đăng nhập thành công"}

    def _dstcode_ok(self, request: MockRequest) -> bool:
        dstcode = request.headers.get("dstcode", "")
        expected = self.config.portal_dstcode
        return bool(dstcode) and (expected is None or dstcode == expected)

    # -- integration and share -------------------------------------------------------------
    def _serve(self, request: MockRequest, entry: JournalEntry) -> tuple[list[Any], str]:
        try:
            raw = request.json()
        except ValueError as exc:
            entry.valid = False
            entry.errors.append(f"body is not JSON: {exc}")
            raise PortalError(INVALID, "Dữ liệu không hợp lệ: nội dung không phải JSON") from exc
        if not isinstance(raw, dict):
            entry.valid = False
            entry.errors.append("body is not a JSON object")
            raise PortalError(INVALID, "Dữ liệu không hợp lệ: nội dung không phải đối tượng JSON")
        service = entry.operation
        allowed = WRITES if request.path == INTEGRATION_PATH else READS
        if service not in allowed:
            entry.valid = False
            entry.errors.append(f"service {service!r} is not served on {request.path}")
            raise PortalError(INVALID, f"Dữ liệu không hợp lệ: dịch vụ {service!r} không được hỗ trợ")
        # Validate first so the journal always says whether the payload was valid, then
        # refuse a bad session before a bad payload (as an authenticating proxy would).
        try:
            body = self._checked(request, entry, service)
            problem = None
        except PortalError as exc:
            body, problem = None, exc
        entry.auth_ok = self._dstcode_ok(request) and self.state.session_valid(raw.get("session"))
        if not self._dstcode_ok(request):
            raise PortalError(NO_DSTCODE, "Thiếu hoặc sai mã đơn vị (dstcode)")
        if not entry.auth_ok:
            raise PortalError(SESSION_INVALID, MSG_SESSION_INVALID)
        if problem is not None:
            raise problem
        assert body is not None
        return getattr(self, f"_{service}")(body)

    def _checked(self, request: MockRequest, entry: JournalEntry, name: str) -> Any:
        try:
            body = request.json()
        except ValueError as exc:
            entry.valid = False
            entry.errors.append(f"body is not JSON: {exc}")
            raise PortalError(INVALID, "Dữ liệu không hợp lệ: nội dung không phải JSON") from exc
        fast = self._fast[name]
        if fast is not None and fast(body):
            entry.valid = True
            return body
        errors = [  # jsonschema explains (and has the last word)
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in self._validators[name].iter_errors(body)
        ]
        entry.valid = not errors
        if errors:
            entry.errors.extend(errors)
            raise PortalError(INVALID, "Dữ liệu không hợp lệ: " + "; ".join(errors[:5]))
        return body

    def _require_known(self, codes: list[str]) -> None:
        for code in codes:
            if code not in self.state.dossiers:
                raise PortalError(NOT_FOUND, f"Hồ sơ {code} không tồn tại trên {PORTAL_NAME}")

    def _DongBoHoSoMC(self, body: dict[str, Any]) -> tuple[list[Any], str]:
        known = set()  # all-or-nothing: check the whole batch before applying any element
        for element in body["data"]:
            code = element["MaHoSo"]
            exists = code in self.state.dossiers or code in known
            if element["isUpdating"] == "False" and exists:
                raise PortalError(ALREADY_EXISTS, f"Hồ sơ {code} đã tồn tại trên {PORTAL_NAME}")
            if element["isUpdating"] == "True" and not exists:
                raise PortalError(NOT_FOUND, f"Hồ sơ {code} không tồn tại trên {PORTAL_NAME}")
            known.add(code)
        for element in body["data"]:
            self.state.sync_dossier(element)
        return [{"MaHoSo": e["MaHoSo"]} for e in body["data"]], "Đồng bộ hồ sơ thành công"

    def _CapNhatTienDoHoSoMC(self, body: dict[str, Any]) -> tuple[list[Any], str]:
        self._require_known([step["MaHoSo"] for step in body["data"]])
        for step in body["data"]:
            self.state.add_step(step)
        return [], f"Cập nhật {len(body['data'])} bước xử lý thành công"

    def _DongBoTrangThaiHoSo(self, body: dict[str, Any]) -> tuple[list[Any], str]:
        self._require_known([element["MaHoSo"] for element in body["data"]])
        for element in body["data"]:
            self.state.set_status(element)
        return [{"MaHoSo": e["MaHoSo"]} for e in body["data"]], "Đồng bộ trạng thái thành công"

    def _TraCuuHoSo(self, body: dict[str, Any]) -> tuple[list[Any], str]:
        record = self.state.lookup(body["MaHoSo"])
        return ([record], "Thành công") if record else ([], "Không tìm thấy hồ sơ")

    def _LayDanhSachTTHC(self, body: dict[str, Any]) -> tuple[list[Any], str]:
        procedures = self.state.procedures.values()
        return [{"MATTHC": p["MATTHC"], "TENTTHC": p["TENTTHC"]} for p in procedures], "Thành công"

    def _LayThuTuc(self, body: dict[str, Any]) -> tuple[list[Any], str]:
        procedure = self.state.procedures.get(body["MaTTHC"])
        return ([procedure], "Thành công") if procedure else ([], "Không tìm thấy thủ tục")
