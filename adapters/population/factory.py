"""Build the population client from settings (any object with the attribute names of
``PopulationSettings``) and the key store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from prometheus_client import CollectorRegistry

from adapters._exchange import (
    AiohttpSender,
    AuthProfile,
    Clock,
    ExchangeSettings,
    NoAuth,
    OAuth2ClientCredentials,
    SystemClock,
    build_exchange,
    build_http_client,
)
from adapters._exchange.pipeline import Sleep
from adapters.population.auth import NdxpDigestAuth, VnptLgspAuth, lgsp_access_token
from adapters.population.client import PopulationClient
from adapters.population.signing import SoapReplyChecker, WsseRequestSigner, classify_soap_reply
from adapters.population.wire import PopulationCodec
from contracts.errors import ConfigurationError
from security import wsse
from security.audit import AuditSink
from security.keys import MOCK_POPULATION, WSSE, KeyStore

AUTH_PROFILES = ("ndxp", "wso2", "vnpt", "none")


class PopulationSettings(ExchangeSettings, Protocol):
    population_url: str
    population_auth: str  # "ndxp" | "wso2" | "vnpt" | "none"
    population_ma_dvc: str
    population_ma_tich_hop_lookup: str
    population_ma_tich_hop_verify: str
    population_operation_timeout: float  # total budget of one call (all attempts)
    # NDXP direct
    population_ndxp_client: str  # X-Road-Client: the member id
    population_ndxp_api_key: str
    population_ndxp_username: str
    population_ndxp_secret: str
    population_ndxp_auth_url: str  # "" -> population_url
    # WSO2-style LGSP (OAuth2 client credentials)
    population_lgsp_token_url: str  # "" -> {population_url}/token
    population_lgsp_client_key: str
    population_lgsp_client_secret: str
    # VNPT-style LGSP
    population_vnpt_token_url: str  # "" -> {population_url}/vnpt/token
    population_vnpt_access_key: str
    population_vnpt_secret_key: str
    population_vnpt_app_name: str
    population_vnpt_partner_code: str
    population_vnpt_partner_code_cus: str
    # WS-Security
    population_wsse_sign: bool
    population_wsse_require_reply_signature: bool
    population_peer_cert: Path | None  # None: the mock's certificate from the key store


@dataclass(frozen=True)
class _ExchangeView:
    """The exchange settings, with the population call budget as the operation timeout."""

    connect_timeout: float
    read_timeout: float
    call_budget_seconds: float
    retry_attempts: int
    breaker_failure_threshold: int
    breaker_reset_seconds: float


def build_auth(settings: PopulationSettings, clock: Clock) -> AuthProfile:
    """The auth profile ``population_auth`` names."""
    profile = settings.population_auth
    base = settings.population_url.rstrip("/")
    if profile == "none":
        return NoAuth()
    if profile == "ndxp":
        return NdxpDigestAuth(
            client_id=settings.population_ndxp_client,
            api_key=settings.population_ndxp_api_key,
            username=settings.population_ndxp_username,
            secret=settings.population_ndxp_secret,
            auth_url=settings.population_ndxp_auth_url or settings.population_url,
            clock=clock,
        )
    if profile == "wso2":
        return OAuth2ClientCredentials(
            token_url=settings.population_lgsp_token_url or f"{base}/token",
            client_key=settings.population_lgsp_client_key,
            client_secret=settings.population_lgsp_client_secret,
            clock=clock,
            upstream="population",
        )
    if profile == "vnpt":
        header = lgsp_access_token(
            access_key=settings.population_vnpt_access_key,
            secret_key=settings.population_vnpt_secret_key,
            app_name=settings.population_vnpt_app_name,
            partner_code=settings.population_vnpt_partner_code,
            partner_code_cus=settings.population_vnpt_partner_code_cus,
        )
        return VnptLgspAuth(
            token_url=settings.population_vnpt_token_url or f"{base}/vnpt/token",
            access_token_header=header,
            clock=clock,
        )
    raise ConfigurationError(
        f"population_auth must be one of {', '.join(AUTH_PROFILES)}, not {profile!r}"
    )


def peer_certificates(settings: PopulationSettings, keys: KeyStore) -> list[Any]:
    """Certificates trusted for replies: the configured file, else every certificate the
    key store holds for the mock population database (active and retired; dev)."""
    if settings.population_peer_cert is not None:
        try:
            return [Path(settings.population_peer_cert).read_bytes()]
        except OSError as exc:
            raise ConfigurationError(f"population_peer_cert unreadable: {exc}") from exc
    return [e.certificate for e in keys.entries(MOCK_POPULATION) if e.certificate is not None]


def build_reply_verifier(
    settings: PopulationSettings, keys: KeyStore, clock: Clock
) -> wsse.Verifier | None:
    """Replies are verified whenever a peer certificate is known, and must be signed when
    ``population_wsse_require_reply_signature``; ``None``: nothing to verify with."""
    certificates = peer_certificates(settings, keys)
    required = settings.population_wsse_require_reply_signature
    if not certificates:
        if required:
            raise ConfigurationError(
                "population replies must be signed but no peer certificate is configured "
                "(LIENTHONG_POPULATION_PEER_CERT)"
            )
        return None
    return wsse.Verifier(trusted_certs=certificates, clock=clock.now, require_signature=required)


def build_population_client(
    settings: PopulationSettings,
    *,
    keys: KeyStore,
    audit: AuditSink,
    registry: CollectorRegistry,
    http: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    codec: PopulationCodec | None = None,
) -> PopulationClient:
    """The population client the app uses: the configured auth profile, WS-Security from
    the key store (signing with ``wsse``, replies checked against the peer's certificates),
    audit into ``audit``. Lookups go out through the lean ``AiohttpSender`` unless ``http``
    is injected (tests), which then carries everything."""
    clock = clock or SystemClock()
    send = None
    if http is None:
        http = build_http_client(connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout)
        send = AiohttpSender(connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout)
    signer = None
    if settings.population_wsse_sign:
        entry = keys.active(WSSE)
        assert entry.private_key is not None and entry.certificate is not None
        identity = wsse.SigningIdentity.load(entry.private_key, entry.certificate)  # type: ignore[arg-type]
        signer = WsseRequestSigner(wsse.Signer(identity, clock=clock.now), key_id=entry.kid)
    verifier = build_reply_verifier(settings, keys, clock)
    view = _ExchangeView(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        call_budget_seconds=settings.population_operation_timeout,
        retry_attempts=settings.retry_attempts,
        breaker_failure_threshold=settings.breaker_failure_threshold,
        breaker_reset_seconds=settings.breaker_reset_seconds,
    )
    exchange = build_exchange(
        view,
        name="population",
        peer="population",
        auth=build_auth(settings, clock),
        audit=audit,
        registry=registry,
        http=http,
        clock=clock,
        sleep=sleep,
        signer=signer,
        verifier=SoapReplyChecker(verifier),
        classify=classify_soap_reply,
        send=send,
    )
    return PopulationClient(
        exchange=exchange,
        codec=codec or PopulationCodec(),
        url=settings.population_url,
        ma_dvc=settings.population_ma_dvc,
        ma_tich_hop_lookup=settings.population_ma_tich_hop_lookup,
        ma_tich_hop_verify=settings.population_ma_tich_hop_verify,
    )
