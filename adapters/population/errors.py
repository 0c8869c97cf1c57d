"""How the population database's failures become gateway errors.

zeep raises its own exceptions while reading the WSDL, building envelopes and reading
replies; this table maps every class ``zeep.exceptions`` defines (a test walks the module
and fails on any class without an entry), looked up along the class hierarchy, always
``raise ... from exc``:

    zeep.exceptions                          gateway
    Fault                                 →  UpstreamFault        (a SOAP Fault)
    TransportError                        →  UpstreamUnavailable  (refined by HTTP status)
    SignatureVerificationFailed           →  SignatureInvalid
    DTDForbidden, EntitiesForbidden,
    ExternalReferenceForbidden            →  SecurityError        (XML bomb, XXE: an attack)
    XMLSyntaxError, XMLParseError,
    UnexpectedElementError, ValidationError,
    IncompleteMessage, NamespaceError     →  ContractViolation    (the reply broke the contract)
    LookupError, WsdlSyntaxError,
    IncompleteOperation                   →  ConfigurationError   (our WSDL or our call is wrong)
    Error (anything else zeep raises)     →  ContractViolation
    ZeepWarning (under filterwarnings=error) →  ContractViolation

A SOAP Fault in a reply is found right after parsing and before signature verification
(``fault_error``): an unsigned fault must surface as the upstream's error, not as a
signature failure that hides it.
"""

from __future__ import annotations

from zeep import exceptions as zx

from adapters._exchange import error_for_status
from adapters.population.wire import SoapFault
from contracts.errors import (
    ConfigurationError,
    ContractViolation,
    GatewayError,
    SecurityError,
    SignatureInvalid,
    UpstreamFault,
    UpstreamUnavailable,
)

ZEEP_ERRORS: dict[type[Exception], type[GatewayError]] = {
    zx.Fault: UpstreamFault,
    zx.TransportError: UpstreamUnavailable,
    zx.SignatureVerificationFailed: SignatureInvalid,
    zx.DTDForbidden: SecurityError,
    zx.EntitiesForbidden: SecurityError,
    zx.ExternalReferenceForbidden: SecurityError,
    zx.XMLSyntaxError: ContractViolation,
    zx.XMLParseError: ContractViolation,
    zx.UnexpectedElementError: ContractViolation,
    zx.ValidationError: ContractViolation,
    zx.IncompleteMessage: ContractViolation,
    zx.NamespaceError: ContractViolation,
    zx.LookupError: ConfigurationError,
    zx.WsdlSyntaxError: ConfigurationError,
    zx.IncompleteOperation: ConfigurationError,
    zx.Error: ContractViolation,
    zx.ZeepWarning: ContractViolation,
}


def gateway_class_for_zeep(exc_type: type[BaseException]) -> type[GatewayError] | None:
    """The mapped class for a zeep exception class (most specific entry), or ``None``."""
    for klass in exc_type.__mro__:
        if klass in ZEEP_ERRORS:
            return ZEEP_ERRORS[klass]
    return None


def map_zeep_error(exc: BaseException, operation: str) -> GatewayError | None:
    """The gateway error for a zeep exception, or ``None`` when ``exc`` is not zeep's.

    The detail names the zeep class only: zeep's messages may quote reply content, which
    can hold personal data."""
    where = f"population {operation}"
    if isinstance(exc, zx.Fault):
        return UpstreamFault(f"{where}: SOAP Fault {exc.code or ''}".rstrip())
    if isinstance(exc, zx.TransportError):
        by_status = error_for_status(exc.status_code, "population", operation)
        if by_status is not None:
            return by_status
    klass = gateway_class_for_zeep(type(exc))
    if klass is None:
        return None
    return klass(f"{where}: {type(exc).__name__}", zeep_error=type(exc).__name__)


def fault_error(fault: SoapFault, operation: str) -> UpstreamFault:
    """The upstream's SOAP Fault as ``UpstreamFault``; its code and message (no personal
    data: they describe the service's state) are kept for the caller and the audit log."""
    error_code = fault.detail.get("MaLoi")
    return UpstreamFault(
        f"population {operation}: SOAP Fault {fault.code}: {fault.message}"[:500],
        fault_code=fault.code,
        **({"upstream_error_code": error_code} if error_code else {}),
    )
