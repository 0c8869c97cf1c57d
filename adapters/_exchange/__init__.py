"""The exchange pipeline every outbound call to a national system goes through.

See ``pipeline.py`` for the order of steps; auth profiles in ``auth.py``; the error mapping
in ``errors.py``; the measured HTTP transport in ``transport.py``.
"""

from adapters._exchange.auth import (
    AuthProfile,
    DvcqgSessionAuth,
    NoAuth,
    OAuth2ClientCredentials,
    post_credentials,
)
from adapters._exchange.breaker import CircuitBreaker
from adapters._exchange.context import CallContext, Clock, SystemClock
from adapters._exchange.errors import error_for_status, map_httpx_error
from adapters._exchange.factory import ExchangeSettings, build_exchange
from adapters._exchange.hooks import Classify, SignatureInfo, Signer, Verifier
from adapters._exchange.metrics import ExchangeMetrics
from adapters._exchange.pipeline import Exchange, Operation
from adapters._exchange.request import OutboundRequest, encode_json
from adapters._exchange.retry import NO_RETRY, RetryPolicy
from adapters._exchange.transport import DEFAULT_TRANSPORT, AiohttpSender, Send, build_http_client

__all__ = [
    "DEFAULT_TRANSPORT",
    "NO_RETRY",
    "AiohttpSender",
    "AuthProfile",
    "CallContext",
    "CircuitBreaker",
    "Classify",
    "Clock",
    "DvcqgSessionAuth",
    "Exchange",
    "ExchangeMetrics",
    "ExchangeSettings",
    "NoAuth",
    "OAuth2ClientCredentials",
    "Operation",
    "OutboundRequest",
    "RetryPolicy",
    "Send",
    "SignatureInfo",
    "Signer",
    "SystemClock",
    "Verifier",
    "build_exchange",
    "build_http_client",
    "encode_json",
    "error_for_status",
    "map_httpx_error",
    "post_credentials",
]
