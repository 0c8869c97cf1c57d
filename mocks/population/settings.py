"""Settings of the mock population database: which auth profile it enforces, the credentials
it accepts (development defaults), and WS-Security. Read from ``MockConfig.env`` with the same
``LIENTHONG_POPULATION_*`` names the gateway reads, so one environment configures both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mocks._core import MockConfig

PROFILES = ("ndxp", "wso2", "vnpt", "none")

DEV_NDXP_CLIENT = "VN/GOV/000.00.12.H56/lienthong"
DEV_NDXP_API_KEY = "dev-ndxp-api-key"
DEV_NDXP_USERNAME = "lienthong"
DEV_NDXP_SECRET = "dev-ndxp-secret"
DEV_LGSP_CLIENT_KEY = "lienthong"
DEV_LGSP_CLIENT_SECRET = "dev-lgsp-client-secret"
DEV_VNPT_ACCESS_KEY = "dev-vnpt-access-key"
DEV_VNPT_SECRET_KEY = "dev-vnpt-secret-key"
DEV_VNPT_APP_NAME = "lienthong"
DEV_VNPT_PARTNER_CODE = "000.00.12.H56"
DEV_VNPT_PARTNER_CODE_CUS = "000.00.12.H56"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class PopulationMockSettings:
    auth_profile: str = "ndxp"
    # NDXP: X-Road-Client, ApiKey, Timestamp (epoch ms) within the window, Basic digest
    ndxp_client: str = DEV_NDXP_CLIENT
    ndxp_api_key: str = DEV_NDXP_API_KEY
    ndxp_username: str = DEV_NDXP_USERNAME
    ndxp_secret: str = DEV_NDXP_SECRET
    ndxp_auth_url: str | None = None  # None: the URL the request reached the service at
    ndxp_window_seconds: float = 300.0
    # WSO2-style LGSP: POST /population/token with Basic key:secret
    lgsp_client_key: str = DEV_LGSP_CLIENT_KEY
    lgsp_client_secret: str = DEV_LGSP_CLIENT_SECRET
    token_ttl_seconds: float = 3600.0
    # VNPT-style LGSP: lgspaccesstoken on POST /population/vnpt/token and on every call
    vnpt_access_key: str = DEV_VNPT_ACCESS_KEY
    vnpt_secret_key: str = DEV_VNPT_SECRET_KEY
    vnpt_app_name: str = DEV_VNPT_APP_NAME
    vnpt_partner_code: str = DEV_VNPT_PARTNER_CODE
    vnpt_partner_code_cus: str = DEV_VNPT_PARTNER_CODE_CUS
    # WS-Security
    require_signature: bool = True  # requests must be signed by a trusted gateway certificate
    sign_replies: bool = True
    max_skew_seconds: float = 120.0
    # Key material. Tests give it directly; otherwise it comes from the key store in keys_dir
    # (``wsse`` certificates trusted, the ``mock-population`` key signs), loaded on first use.
    trusted_certs: Sequence[Any] | None = field(default=None, repr=False)
    signing_key: Any = field(default=None, repr=False)  # PEM bytes or a private key object
    signing_cert: Any = field(default=None, repr=False)  # PEM bytes or an x509.Certificate
    key_store: Any = field(default=None, repr=False)  # a security.keys.KeyStore to use as is
    keys_dir: Path = Path("var/keys")  # else KeyStore.ensure_dev_keys(keys_dir), lazily
    population_seed: int = 0
    population_size: int = 3000

    def __post_init__(self) -> None:
        if self.auth_profile not in PROFILES:
            raise ValueError(f"population auth profile must be one of {PROFILES}, not {self.auth_profile!r}")

    @classmethod
    def from_config(cls, config: MockConfig) -> PopulationMockSettings:
        return cls.from_env(config.env, seed=config.seed)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, seed: int = 0) -> PopulationMockSettings:
        def get(name: str, default: str) -> str:
            return env.get(f"LIENTHONG_POPULATION_{name}") or default

        var_dir = Path(env.get("LIENTHONG_VAR_DIR") or "var")
        return cls(
            auth_profile=get("AUTH", "ndxp"),
            ndxp_client=get("NDXP_CLIENT", DEV_NDXP_CLIENT),
            ndxp_api_key=get("NDXP_API_KEY", DEV_NDXP_API_KEY),
            ndxp_username=get("NDXP_USERNAME", DEV_NDXP_USERNAME),
            ndxp_secret=get("NDXP_SECRET", DEV_NDXP_SECRET),
            ndxp_auth_url=env.get("LIENTHONG_POPULATION_NDXP_AUTH_URL") or None,
            lgsp_client_key=get("LGSP_CLIENT_KEY", DEV_LGSP_CLIENT_KEY),
            lgsp_client_secret=get("LGSP_CLIENT_SECRET", DEV_LGSP_CLIENT_SECRET),
            vnpt_access_key=get("VNPT_ACCESS_KEY", DEV_VNPT_ACCESS_KEY),
            vnpt_secret_key=get("VNPT_SECRET_KEY", DEV_VNPT_SECRET_KEY),
            vnpt_app_name=get("VNPT_APP_NAME", DEV_VNPT_APP_NAME),
            vnpt_partner_code=get("VNPT_PARTNER_CODE", DEV_VNPT_PARTNER_CODE),
            vnpt_partner_code_cus=get("VNPT_PARTNER_CODE_CUS", DEV_VNPT_PARTNER_CODE_CUS),
            require_signature=_flag(env.get("LIENTHONG_POPULATION_WSSE_SIGN"), True),
            keys_dir=Path(env.get("LIENTHONG_KEYS_DIR") or var_dir / "keys"),
            population_seed=int(env.get("LIENTHONG_MOCKS_POPULATION_SEED") or seed),
            population_size=int(env.get("LIENTHONG_MOCKS_POPULATION_SIZE") or 3000),
        )
