"""How the payment platform's refusals map onto the gateway's error tree.

    envelope error_code      gateway error
    "0"                   →  (success)
    "01" order not found  →  PaymentNotFound (GET_BILL); QUERY answers status "unknown" instead
    "97" bad checksum     →  PlatformRejected: the platform refused our MaXacThuc (wrong secret?)
    anything else         →  PlatformRejected, with ``platform_code`` and the platform's message
    HTTP 401/403          →  UpstreamAuthFailed (pipeline: the token is refreshed, retried once)
"""

from __future__ import annotations

from contracts.errors import GatewayError, PaymentNotFound, UpstreamRejected

NOT_FOUND = "01"
BAD_CHECKSUM = "97"


class PlatformRejected(UpstreamRejected):
    """The payment platform answered with a non-zero ``error_code`` (kept in ``platform_code``)."""

    def __init__(self, detail: str, *, platform_code: str, platform_message: str = "") -> None:
        super().__init__(detail, platform_code=platform_code)
        self.platform_code = platform_code
        self.platform_message = platform_message


def rejection(operation: str, platform_code: str, message: str) -> GatewayError:
    """The error for a refused INIT/QUERY/GET_BILL (message is the platform's text)."""
    if platform_code == NOT_FOUND:
        return PaymentNotFound(f"payment {operation}: the platform has no such MaThamChieu")
    if platform_code == BAD_CHECKSUM:
        detail = f"payment {operation}: the platform refused our MaXacThuc (check payment_secret)"
    else:
        detail = f"payment {operation}: refused with error_code {platform_code}"
    return PlatformRejected(detail, platform_code=platform_code, platform_message=message[:200])
