"""Fixtures of the population adapter tests: settings, an ephemeral key store, the codec
(WSDL parsed once per session) and a signer playing the population database's side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.population import PopulationCodec
from security import wsse
from security.keys import MOCK_POPULATION, WSSE, KeyStore

POPULATION_URL = "http://population.test/population"


@dataclass
class PopulationSettingsForTests:
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    call_budget_seconds: float = 20.0
    retry_attempts: int = 3
    breaker_failure_threshold: int = 3
    breaker_reset_seconds: float = 10.0
    population_url: str = POPULATION_URL
    population_auth: str = "none"
    population_ma_dvc: str = "VPCP"
    population_ma_tich_hop_lookup: str = "037"
    population_ma_tich_hop_verify: str = "037"
    population_operation_timeout: float = 5.0
    # the mock's development credentials (mocks/population/settings.py)
    population_ndxp_client: str = "VN/GOV/000.00.12.H56/lienthong"
    population_ndxp_api_key: str = "dev-ndxp-api-key"
    population_ndxp_username: str = "lienthong"
    population_ndxp_secret: str = "dev-ndxp-secret"
    population_ndxp_auth_url: str = ""
    population_lgsp_token_url: str = ""
    population_lgsp_client_key: str = "lienthong"
    population_lgsp_client_secret: str = "dev-lgsp-client-secret"
    population_vnpt_token_url: str = ""
    population_vnpt_access_key: str = "dev-vnpt-access-key"
    population_vnpt_secret_key: str = "dev-vnpt-secret-key"
    population_vnpt_app_name: str = "lienthong"
    population_vnpt_partner_code: str = "000.00.12.H56"
    population_vnpt_partner_code_cus: str = "000.00.12.H56"
    population_wsse_sign: bool = True
    population_wsse_require_reply_signature: bool = True
    population_peer_cert: Path | None = None


@pytest.fixture(scope="session")
def keys() -> KeyStore:
    return KeyStore.ephemeral([WSSE, MOCK_POPULATION])


@pytest.fixture(scope="session")
def codec() -> PopulationCodec:
    return PopulationCodec()


@pytest.fixture
def population_settings() -> PopulationSettingsForTests:
    return PopulationSettingsForTests()


@pytest.fixture(scope="session")
def peer_signer(keys: KeyStore) -> wsse.Signer:
    """Signs replies as the population database would (its own key, not ours)."""
    entry = keys.active(MOCK_POPULATION)
    return wsse.Signer(wsse.SigningIdentity.load(entry.private_key, entry.certificate))


@pytest.fixture(scope="session")
def our_verifier(keys: KeyStore) -> wsse.Verifier:
    """Verifies what the gateway signed, as the population database would."""
    return wsse.Verifier(trusted_certs=[keys.active(WSSE).certificate])
