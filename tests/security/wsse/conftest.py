"""Session-wide throw-away identities: the gateway, its peer, and a stranger."""

from __future__ import annotations

import pytest

from tests.security.wsse.helpers import Party, make_party


@pytest.fixture(scope="session")
def gateway() -> Party:
    return make_party("test gateway")


@pytest.fixture(scope="session")
def peer() -> Party:
    return make_party("test population database")


@pytest.fixture(scope="session")
def stranger() -> Party:
    return make_party("someone else")
