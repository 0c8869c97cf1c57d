"""The mock national population database (CSDL quốc gia về dân cư), SOAP 1.1 on lxml against
``contracts/population``: ``TraCuuThongTinCongDan`` and ``XacThucThongTinCongDan`` over a
seeded synthetic population, with the NDXP / WSO2 / VNPT auth profiles and WS-Security.

Mounted by ``mocks.app.create_mocks_app`` at ``/population`` (wire, token endpoints) and
``/__admin/population``. Tests build it with their own settings::

    create_mocks_app(config, systems=[population_system(PopulationMockSettings(...))])
"""

from __future__ import annotations

from collections.abc import Callable

from mocks._core import MockContext, MockSystem, wire_app
from mocks.population.admin import create_population_admin
from mocks.population.auth import PopulationAuth
from mocks.population.keys import MockKeys
from mocks.population.service import PopulationWire
from mocks.population.settings import PROFILES, PopulationMockSettings
from mocks.population.state import PopulationState

NAME = "population"


def create_population_system(ctx: MockContext, settings: PopulationMockSettings) -> MockSystem:
    config = ctx.config
    state = PopulationState(seed=settings.population_seed, size=settings.population_size)
    auth = PopulationAuth(
        settings, clock=config.clock, epoch_ms=lambda: int(config.now().timestamp() * 1000)
    )
    keys = MockKeys(settings, config.now)

    def reset() -> None:
        state.reset()
        auth.reset()

    return MockSystem(
        name=NAME,
        app=wire_app(ctx, NAME, PopulationWire(state, config, auth, keys, ctx.faults)),
        reset=reset,
        admin_app=create_population_admin(state, ctx.faults),
    )


def create_system(ctx: MockContext) -> MockSystem:
    """The factory ``create_mocks_app`` discovers: settings from ``LIENTHONG_*``."""
    return create_population_system(ctx, PopulationMockSettings.from_config(ctx.config))


def population_system(settings: PopulationMockSettings) -> Callable[[MockContext], MockSystem]:
    """A factory for ``create_mocks_app(systems=[...])`` with explicit settings."""
    return lambda ctx: create_population_system(ctx, settings)


__all__ = [
    "NAME",
    "PROFILES",
    "PopulationMockSettings",
    "PopulationState",
    "create_population_system",
    "create_system",
    "population_system",
]
