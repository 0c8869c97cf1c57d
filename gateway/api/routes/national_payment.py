"""The payment platform's result callback (protocol 1.0.6), authenticated by ``MaXacThuc``.

Not behind a JWT: the checksum over the exact values received is the authentication. Always
answered in the platform's format (``{MaLoi, MoTaLoi, MaDoiTac, MaThamChieu, ThoiGianGD,
MaXacThuc}``), malformed bodies included; the codes are listed in
``gateway/services/payments/callbacks.py``.
"""

from __future__ import annotations

import orjson
import structlog
from fastapi import Request, Response

from gateway.api.deps import container_of
from gateway.api.routing import PrefixRouter, RequestOnlyRoute
from gateway.services.payments import CallbackService

router = PrefixRouter(prefix="/national/payment", tags=["national systems"], route_class=RequestOnlyRoute)
log = structlog.get_logger("api.payments")


@router.post(
    "/callback",
    summary="The national payment platform's result callback (MaXacThuc-authenticated)",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": {"type": "object"}, "example": {
                "LoaiBanTin": "PAY", "MaLoi": "00", "MaDoiTac": "LIENTHONG",
                "MaThamChieu": "LT261122K7M3P9QX2D-1", "SoTien": "100000", "MaTienTe": "VND",
                "MaGiaoDich": "GD000123", "MaNganHang": "VCB", "ThoiGianGD": "20261122093000",
                "ThongTinGiaoDich": "Le phi", "MaXacThuc": "<sha256 hex>"}}},
            "required": True,
        }
    },
)
async def payment_callback(request: Request) -> Response:
    # A hot path: a RequestOnlyRoute (nothing for FastAPI to solve), the service taken from
    # the container, the reply serialized by orjson.
    callbacks: CallbackService = container_of(request).services["payment_callbacks"]
    raw = await request.body()
    try:
        result = await callbacks.handle(raw, request_id=str(getattr(request.state, "request_id", "")))
    except Exception as exc:  # not stored, so not acknowledged: the platform will send it again
        log.error("payments.callback.crashed", error=type(exc).__name__)
        reply = callbacks.platform.callback_reply({}, "99", "Các lỗi khác")
        return Response(orjson.dumps(reply), status_code=503, media_type="application/json")
    return Response(orjson.dumps(result.reply), media_type="application/json")
