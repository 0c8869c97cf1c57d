"""``create_mocks_app``: one ASGI app serving every mock national system and ``/__admin``.

Systems are discovered by name: a package ``mocks.<name>`` (portal, population, payment)
that exposes ``create_system(ctx: MockContext) -> MockSystem`` is mounted at ``/<name>``.
Adding a system therefore needs no change here; tests may pass ``systems=`` explicitly.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import AsyncIterator, Sequence

from starlette.routing import Mount, Router

from mocks._core import FaultRegistry, Journal, MockConfig, MockContext, MockSystem, SystemFactory
from mocks._core.admin import create_admin_app
from mocks._core.system import KNOWN_TARGETS
from mocks._core.wire import quiet_injected_resets


def discover_systems() -> list[SystemFactory]:
    """The ``create_system`` factories of the mock packages present in this checkout."""
    factories = []
    for name in KNOWN_TARGETS:
        if importlib.util.find_spec(f"mocks.{name}") is None:
            continue
        module = importlib.import_module(f"mocks.{name}")  # a broken package fails loudly
        factories.append(module.create_system)
    return factories


def create_mocks_app(
    config: MockConfig | None = None,
    *,
    systems: Sequence[SystemFactory] | None = None,
) -> Router:
    """The mocks as one ASGI app; ``app.mocks`` is the :class:`MockContext`, ``app.systems`` the built systems by name."""
    config = config or MockConfig()
    quiet_injected_resets()  # an injected reset is a test step, not a server error
    ctx = MockContext(
        config=config,
        faults=FaultRegistry(seed=config.seed),
        journal=Journal(size=config.journal_size),
    )
    built: list[MockSystem] = [factory(ctx) for factory in (systems if systems is not None else discover_systems())]

    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        yield
        for system in built:
            if system.aclose is not None:
                await system.aclose()

    routes = [Mount("/__admin", app=create_admin_app(ctx, built))]
    routes += [Mount(f"/{s.name}", app=s.app) for s in built]
    router = Router(routes=routes, lifespan=lifespan)
    router.mocks = ctx  # type: ignore[attr-defined]  # handy in tests: app.mocks.journal
    router.systems = {s.name: s for s in built}  # type: ignore[attr-defined]
    return router
