"""The gateway's error contract: one tree, stable codes.

The codes are part of the published API (``code`` in problem+json), which is why the tree lives
in ``contracts/`` where adapters, security and the gateway can all reach it without importing
each other. ``gateway.errors`` re-exports it.

    GatewayError
    ├── InvalidRequest            422 invalid_request
    │   ├── InvalidIdNumber       422 invalid_id_number
    │   ├── AmountMismatch        422 amount_mismatch
    │   └── IdempotencyKeyReused  422 idempotency_key_reused
    ├── Unauthorized              401 unauthorized
    ├── Forbidden                 403 forbidden
    ├── NotFound                  404 not_found
    │   ├── DossierNotFound       404 dossier_not_found
    │   ├── CitizenNotFound       404 citizen_not_found
    │   ├── PaymentNotFound       404 payment_not_found
    │   └── ProcedureNotFound     404 procedure_not_found
    ├── Conflict                  409 conflict
    │   ├── InvalidTransition     409 invalid_transition
    │   └── IdempotencyKeyInUse   409 idempotency_key_in_use
    ├── PayloadTooLarge           413 payload_too_large
    ├── ContractViolation         502 contract_violation     (an upstream broke its wire format)
    ├── SecurityError             502 security_error
    │   ├── SignatureInvalid      502 signature_invalid
    │   ├── ChecksumInvalid       502 checksum_invalid
    │   └── ReplayDetected        502 replay_detected
    ├── UpstreamError             502 upstream_error
    │   ├── UpstreamTimeout       504 upstream_timeout       retryable
    │   ├── UpstreamUnavailable   503 upstream_unavailable   retryable
    │   │   └── CircuitOpen       503 circuit_open           retryable
    │   ├── UpstreamRejected      502 upstream_rejected
    │   │   └── UpstreamAuthFailed 502 upstream_auth_failed
    │   └── UpstreamFault         502 upstream_fault        (a SOAP Fault)
    └── ConfigurationError        500 configuration_error
"""

from __future__ import annotations

from typing import Any, ClassVar


class GatewayError(Exception):
    code: ClassVar[str] = "gateway_error"
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False
    title: ClassVar[str] = "Gateway error"

    def __init__(self, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class InvalidRequest(GatewayError):
    code, http_status, title = "invalid_request", 422, "Invalid request"


class InvalidIdNumber(InvalidRequest):
    code, title = "invalid_id_number", "Invalid id number"


class AmountMismatch(InvalidRequest):
    code, title = "amount_mismatch", "Fees do not add up to the amount"


class IdempotencyKeyReused(InvalidRequest):
    code, title = "idempotency_key_reused", "Idempotency key reused with a different body"


class Unauthorized(GatewayError):
    code, http_status, title = "unauthorized", 401, "Unauthorized"


class Forbidden(GatewayError):
    code, http_status, title = "forbidden", 403, "Forbidden"


class NotFound(GatewayError):
    code, http_status, title = "not_found", 404, "Not found"


class DossierNotFound(NotFound):
    code, title = "dossier_not_found", "Dossier not found"


class CitizenNotFound(NotFound):
    code, title = "citizen_not_found", "Citizen not found"


class PaymentNotFound(NotFound):
    code, title = "payment_not_found", "Payment not found"


class ProcedureNotFound(NotFound):
    code, title = "procedure_not_found", "Procedure not found"


class Conflict(GatewayError):
    code, http_status, title = "conflict", 409, "Conflict"


class InvalidTransition(Conflict):
    code, title = "invalid_transition", "Status transition not allowed"


class IdempotencyKeyInUse(Conflict):
    code, title = "idempotency_key_in_use", "A request with this idempotency key is in flight"


class PayloadTooLarge(GatewayError):
    code, http_status, title = "payload_too_large", 413, "Payload too large"


class ContractViolation(GatewayError):
    code, http_status, title = "contract_violation", 502, "Upstream reply violates the contract"


class SecurityError(GatewayError):
    code, http_status, title = "security_error", 502, "Security check failed"


class SignatureInvalid(SecurityError):
    code, title = "signature_invalid", "Signature invalid"


class ChecksumInvalid(SecurityError):
    code, title = "checksum_invalid", "Checksum invalid"


class ReplayDetected(SecurityError):
    code, title = "replay_detected", "Replay detected"


class UpstreamError(GatewayError):
    code, http_status, title = "upstream_error", 502, "Upstream error"


class UpstreamTimeout(UpstreamError):
    code, http_status, title = "upstream_timeout", 504, "Upstream timed out"
    retryable = True


class UpstreamUnavailable(UpstreamError):
    code, http_status, title = "upstream_unavailable", 503, "Upstream unavailable"
    retryable = True


class CircuitOpen(UpstreamUnavailable):
    code, title = "circuit_open", "Upstream circuit open"


class UpstreamRejected(UpstreamError):
    code, title = "upstream_rejected", "Upstream rejected the request"


class UpstreamAuthFailed(UpstreamRejected):
    code, title = "upstream_auth_failed", "Upstream refused our credentials"


class UpstreamFault(UpstreamError):
    code, title = "upstream_fault", "Upstream returned a fault"


class ConfigurationError(GatewayError):
    code, http_status, title = "configuration_error", 500, "Configuration error"
