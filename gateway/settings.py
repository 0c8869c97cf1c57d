"""Settings: environment variables prefixed ``LIENTHONG_`` (and optionally a ``.env`` file).

Create a ``Settings`` object and pass it to ``create_app``; nothing reads the environment at
import time, so tests build settings directly: ``Settings(database_url=...)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CLIENT_ID = "demo"
DEV_CLIENT_SECRET = "demo-secret"
DEV_WEBHOOK_SECRET = "dev-webhook-secret"
DEV_PORTAL_PASSWORD = "dev-portal-password"
DEV_PAYMENT_SECRET = "dev-payment-secret"
DEV_PORTAL_PUSH_TOKEN = "dev-portal-push-token"
DEV_PAYMENT_TOKEN = "dev-payment-token"
DEV_POPULATION_SECRETS = {
    "population_ndxp_api_key": "dev-ndxp-api-key",
    "population_ndxp_secret": "dev-ndxp-secret",
    "population_lgsp_client_secret": "dev-lgsp-client-secret",
    "population_vnpt_access_key": "dev-vnpt-access-key",
    "population_vnpt_secret_key": "dev-vnpt-secret-key",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIENTHONG_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    mode: Literal["dev", "production"] = "dev"
    host: str = "127.0.0.1"
    port: int = 8080
    mocks_port: int = 8081
    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite+aiosqlite:///<var_dir>/lienthong.db
    keys_dir: Path | None = None  # default: <var_dir>/keys
    gateway_url: str = ""  # default: http://<host>:<port>
    log_level: str = "INFO"
    max_body_bytes: int = 1_048_576
    # Gateway processes `lienthong serve` starts on one port (PostgreSQL only: SQLite is
    # one process by design). Each runs the API, an outbox worker and the audit sealer.
    workers: int = Field(default=1, ge=1, le=64)

    # Callers (provincial systems). Secrets are stored hashed: "client_id" -> scrypt hash.
    # In dev mode a client "demo" / "demo-secret" with every scope exists.
    clients_file: Path | None = None
    token_ttl_seconds: int = 900
    token_audience: str = "lienthong"

    # National portal (DVCQG)
    portal_url: str = ""
    portal_auth_path: str = "/api/auth"
    portal_integration_path: str = "/api/integration"
    portal_share_path: str = "/api/share"
    portal_username: str = "lienthong"
    portal_password: str = ""
    portal_dstcode: str = "000.00.00.H56"
    portal_madonvi: str = "000.00.00.H56"
    portal_progress_chunk: int = 10
    portal_ok_error_codes: list[str] = Field(default_factory=lambda: ["0"])
    portal_push_token: str = ""  # the portal authenticates its pushes with this bearer token
    procedure_cache_hours: float = 24.0

    # National population database (SOAP; auth profile "ndxp" | "wso2" | "vnpt" | "none")
    population_url: str = ""
    population_auth: Literal["ndxp", "wso2", "vnpt", "none"] = "ndxp"
    population_ma_dvc: str = "VPCP"
    population_ma_tich_hop_lookup: str = "037"
    population_ma_tich_hop_verify: str = "037"
    population_operation_timeout: float = 10.0
    population_ndxp_client: str = "VN/GOV/000.00.12.H56/lienthong"
    population_ndxp_api_key: str = ""
    population_ndxp_username: str = "lienthong"
    population_ndxp_secret: str = ""
    population_ndxp_auth_url: str = ""  # default: population_url
    population_lgsp_token_url: str = ""  # default: {population_url}/token
    population_lgsp_client_key: str = "lienthong"
    population_lgsp_client_secret: str = ""
    population_vnpt_token_url: str = ""  # default: {population_url}/vnpt/token
    population_vnpt_access_key: str = ""
    population_vnpt_secret_key: str = ""
    population_vnpt_app_name: str = "lienthong"
    population_vnpt_partner_code: str = "000.00.12.H56"
    population_vnpt_partner_code_cus: str = "000.00.12.H56"
    population_wsse_sign: bool = True
    population_wsse_require_reply_signature: bool = True
    population_peer_cert: Path | None = None  # default: the mock's certificate from the key store

    # National payment platform
    payment_url: str = ""
    payment_partner_code: str = "LIENTHONG"
    payment_secret: str = ""
    payment_token: str = ""  # Bearer token of the platform (or use payment_token_url + client key/secret)
    payment_token_url: str = ""
    payment_client_key: str = ""
    payment_client_secret: str = ""
    payment_reconcile_min_age: float = 1800.0  # seconds: QUERY payments pending longer than this…
    payment_reconcile_max_age: float = 259200.0  # …and younger than this (3 days); older ones expire
    payment_reconcile_interval: float = 300.0
    idempotency_retention_days: int = 30  # Idempotency-Key records are kept at least this long

    # Province webhooks
    province_webhook_url: str = ""
    province_webhook_secret: str = ""
    province_webhook_secrets: list[str] = Field(default_factory=list)  # during rotation, newest first

    # Exchange pipeline
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    call_budget_seconds: float = 20.0
    retry_attempts: int = 3
    breaker_failure_threshold: int = 5
    breaker_reset_seconds: float = 10.0

    # Outbox
    outbox_enabled: bool = True
    outbox_batch_size: int = 200
    outbox_max_attempts: int = 10
    outbox_lease_seconds: float = 30.0
    outbox_poll_seconds: float = 0.2
    outbox_concurrency: int = 2
    outbox_backoff_base_seconds: float = 1.0
    outbox_backoff_max_seconds: float = 300.0

    # Audit trail
    audit_sealer_enabled: bool = True
    audit_seal_interval_seconds: float = 0.5  # how often the sealer looks for unsealed entries
    audit_seal_batch: int = 2000  # entries sealed per transaction at most
    audit_checkpoint_every: int = 1000  # sign a checkpoint every N entries…
    audit_checkpoint_seconds: float = 60.0  # …or after T seconds with new entries
    audit_witness: str = ""  # a directory or an http(s):// URL receiving each checkpoint
    audit_body_protection: Literal["encrypt", "redact", "none"] = "encrypt"  # stored bodies

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'lienthong.db'}"
        if self.keys_dir is None:
            self.keys_dir = self.var_dir / "keys"
        if not self.gateway_url:
            self.gateway_url = f"http://{self.host}:{self.port}"
        if self.mode == "dev":
            mocks = f"http://127.0.0.1:{self.mocks_port}"
            self.portal_url = self.portal_url or f"{mocks}/portal"
            self.population_url = self.population_url or f"{mocks}/population/"
            for name, value in DEV_POPULATION_SECRETS.items():
                setattr(self, name, getattr(self, name) or value)
            self.payment_url = self.payment_url or f"{mocks}/payment"
            self.portal_password = self.portal_password or DEV_PORTAL_PASSWORD
            self.portal_push_token = self.portal_push_token or DEV_PORTAL_PUSH_TOKEN
            self.payment_secret = self.payment_secret or DEV_PAYMENT_SECRET
            if not self.payment_token_url:
                self.payment_token = self.payment_token or DEV_PAYMENT_TOKEN
            self.province_webhook_url = self.province_webhook_url or f"http://127.0.0.1:{self.mocks_port}/__admin/webhooks"
            self.province_webhook_secret = self.province_webhook_secret or DEV_WEBHOOK_SECRET
        return self

    @property
    def is_dev(self) -> bool:
        return self.mode == "dev"

    def production_problems(self) -> list[str]:
        """Why production mode must refuse to start (empty when all is well)."""
        problems = []
        dev_values = {
            "portal_password": DEV_PORTAL_PASSWORD,
            "payment_secret": DEV_PAYMENT_SECRET,
            "province_webhook_secret": DEV_WEBHOOK_SECRET,
            "portal_push_token": DEV_PORTAL_PUSH_TOKEN,
        }
        for name, value in DEV_POPULATION_SECRETS.items():
            if getattr(self, name) == value:
                problems.append(f"LIENTHONG_{name.upper()} is the development default")
        if getattr(self, "audit_body_protection", "encrypt") == "none":
            problems.append("LIENTHONG_AUDIT_BODY_PROTECTION=none would store personal data in clear")
        if self.payment_token == DEV_PAYMENT_TOKEN:
            problems.append("LIENTHONG_PAYMENT_TOKEN is the development default")
        for name, dev_value in dev_values.items():
            value = getattr(self, name)
            if not value:
                problems.append(f"LIENTHONG_{name.upper()} is not set")
            elif value == dev_value:
                problems.append(f"LIENTHONG_{name.upper()} is the development default")
        for name in ("portal_url", "population_url", "payment_url"):
            if not getattr(self, name):
                problems.append(f"LIENTHONG_{name.upper()} is not set")
        if self.clients_file is None:
            problems.append("LIENTHONG_CLIENTS_FILE is not set (no callers could authenticate)")
        return problems
