"""Translate httpx failures and HTTP statuses into the gateway's error tree.

Like httpx's own ``map_httpcore_exceptions``: one table from the lower library's exception
classes to ours, looked up along the class hierarchy, always ``raise ... from exc``. A test
walks every exception class httpx exports and fails on any that finds no entry here, so a new
httpx release cannot slip an unmapped failure through.

    httpx                              gateway
    TimeoutException (all four)     →  UpstreamTimeout       (retryable)
    NetworkError, ProtocolError,
    RemoteProtocolError, ProxyError →  UpstreamUnavailable   (retryable)
    LocalProtocolError, UnsupportedProtocol,
    InvalidURL                      →  ConfigurationError    (our request or URL is wrong)
    DecodingError, TooManyRedirects,
    CookieConflict                  →  ContractViolation     (the upstream broke the format)
    HTTPStatusError                 →  by status, see ``error_for_status``
    StreamError (misuse of httpx)   →  GatewayError          (a bug of ours: a plain 500)
"""

from __future__ import annotations

import httpx

from contracts.errors import (
    ConfigurationError,
    ContractViolation,
    GatewayError,
    UpstreamAuthFailed,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)

HTTPX_ERRORS: dict[type[Exception], type[GatewayError]] = {
    httpx.TimeoutException: UpstreamTimeout,
    httpx.NetworkError: UpstreamUnavailable,
    httpx.ProtocolError: UpstreamUnavailable,
    httpx.RemoteProtocolError: UpstreamUnavailable,
    httpx.ProxyError: UpstreamUnavailable,
    httpx.LocalProtocolError: ConfigurationError,
    httpx.UnsupportedProtocol: ConfigurationError,
    httpx.InvalidURL: ConfigurationError,
    httpx.DecodingError: ContractViolation,
    httpx.TooManyRedirects: ContractViolation,
    httpx.CookieConflict: ContractViolation,
    httpx.HTTPStatusError: UpstreamRejected,  # refined by status in ``map_httpx_error``
    httpx.StreamError: GatewayError,
}


def gateway_class_for(exc_type: type[BaseException]) -> type[GatewayError] | None:
    """The mapped class for an httpx exception class (most specific entry), or ``None``."""
    for klass in exc_type.__mro__:
        if klass in HTTPX_ERRORS:
            return HTTPX_ERRORS[klass]
    return None


def error_for_status(status: int, upstream: str, operation: str) -> GatewayError | None:
    """The error an HTTP status means, or ``None`` for 2xx.

    401/403 → ``UpstreamAuthFailed`` (our credentials), other 4xx → ``UpstreamRejected``,
    5xx → ``UpstreamUnavailable`` (retryable), 1xx/3xx → ``ContractViolation`` (we never
    follow redirects to national systems).
    """
    where = f"{upstream} {operation}"
    if 200 <= status < 300:
        return None
    if status in (401, 403):
        return UpstreamAuthFailed(f"{where}: HTTP {status}", http_status=status)
    if 400 <= status < 500:
        return UpstreamRejected(f"{where}: HTTP {status}", http_status=status)
    if status >= 500:
        return UpstreamUnavailable(f"{where}: HTTP {status}", http_status=status)
    return ContractViolation(f"{where}: unexpected HTTP {status}", http_status=status)


def map_httpx_error(exc: Exception, upstream: str, operation: str) -> GatewayError | None:
    """The gateway error for an exception raised while talking to an upstream, or ``None``
    when it is not a transport failure (a bug of ours: let it surface as a 500).

    Also covers what a non-default transport may leak (aiohttp errors, ``TimeoutError`` from
    the total budget). The caller raises the result ``from exc``.
    """
    where = f"{upstream} {operation}"
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, httpx.HTTPStatusError):
        mapped = error_for_status(exc.response.status_code, upstream, operation)
        if mapped is not None:
            return mapped
    if isinstance(exc, TimeoutError):  # asyncio.timeout of the call budget
        return UpstreamTimeout(f"{where}: call budget exhausted")
    if isinstance(exc, httpx.TimeoutException) and _refused_not_timed_out(exc):
        return UpstreamUnavailable(f"{where}: connection failed")
    klass = gateway_class_for(type(exc))
    if klass is not None:
        return klass(f"{where}: {type(exc).__name__}")
    if isinstance(exc, httpx.HTTPError | OSError):  # a future httpx class: safe default
        return UpstreamUnavailable(f"{where}: {type(exc).__name__}")
    if _is_aiohttp_error(exc):
        return UpstreamUnavailable(f"{where}: {type(exc).__name__}")
    return None


def _refused_not_timed_out(exc: httpx.TimeoutException) -> bool:
    # httpx-aiohttp maps every aiohttp connection error (refused, reset, disconnected) to
    # ConnectTimeout; look at the aiohttp error it chained to tell a real timeout apart.
    cause = exc.__cause__
    return (
        cause is not None
        and _is_aiohttp_error(cause)  # type: ignore[arg-type]  # any exception will do
        and not isinstance(cause, TimeoutError)
    )


def _is_aiohttp_error(exc: BaseException) -> bool:
    # Checked by module name so this file does not import aiohttp when it is not in use.
    return type(exc).__module__.startswith("aiohttp")
