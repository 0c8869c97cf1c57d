"""Composition of the mocks: configuration, discovery and registering another system."""

from __future__ import annotations

import httpx

from mocks._core import MockConfig, MockContext, MockReply, MockSystem, wire_app
from mocks.app import create_mocks_app, discover_systems


def test_config_from_env_reads_the_gateway_settings_names() -> None:
    """MockConfig.from_env reads LIENTHONG_* names itself, with the dev portal credentials as default."""
    config = MockConfig.from_env({"LIENTHONG_PORT": "9000", "LIENTHONG_MOCKS_PORT": "9001"})
    assert (config.gateway_url, config.port) == ("http://127.0.0.1:9000", 9001)
    assert (config.portal_username, config.portal_password) == ("lienthong", "dev-portal-password")
    config = MockConfig.from_env({
        "LIENTHONG_GATEWAY_URL": "http://gw.test/", "LIENTHONG_PORTAL_PASSWORD": "s3cret",
        "LIENTHONG_PAYMENT_SECRET": "x", "HOME": "/root",
    })
    assert config.gateway_url == "http://gw.test" and config.portal_password == "s3cret"
    assert config.env == {
        "LIENTHONG_GATEWAY_URL": "http://gw.test/", "LIENTHONG_PORTAL_PASSWORD": "s3cret",
        "LIENTHONG_PAYMENT_SECRET": "x",
    }


def test_portal_is_discovered() -> None:
    """The portal package is found and mounted without being listed anywhere."""
    assert "portal" in {f.__module__.split(".")[1] for f in discover_systems()}


class _Echo:
    def operation(self, request):  # noqa: ANN001, ANN201
        return "echo"

    async def handle(self, request, entry, fault):  # noqa: ANN001, ANN201
        entry.auth_ok = True
        return MockReply.json({"path": request.path, "body": request.body.decode()})


async def test_another_system_plugs_in_with_faults_journal_and_reset() -> None:
    """A system built on wire_app is mounted at /<name>, journalled, faultable and reset."""
    resets: list[str] = []

    def create_system(ctx: MockContext) -> MockSystem:
        return MockSystem(name="population", app=wire_app(ctx, "population", _Echo()), reset=lambda: resets.append("x"))

    app = create_mocks_app(MockConfig(), systems=[create_system])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        assert (await client.post("/population/soap", content=b"hi")).json() == {"path": "/soap", "body": "hi"}
        await client.post("/__admin/faults", json={"target": "population", "operation": "echo", "mode": "error", "status": 502})
        assert (await client.post("/population/soap")).status_code == 502
        entry = (await client.get("/__admin/requests", params={"target": "population"})).json()["requests"][0]
        assert (entry["operation"], entry["auth_ok"], entry["path"]) == ("echo", True, "/population/soap")
        assert (await client.get("/__admin/systems")).json()["systems"] == ["population"]
        await client.post("/__admin/reset")
    assert resets == ["x"]


async def test_lifespan_runs_aclose_hooks() -> None:
    """Shutdown of the app awaits each system's aclose hook."""
    closed: list[bool] = []

    async def aclose() -> None:
        closed.append(True)

    def create_system(ctx: MockContext) -> MockSystem:
        return MockSystem(name="payment", app=wire_app(ctx, "payment", _Echo()), reset=lambda: None, aclose=aclose)

    app = create_mocks_app(MockConfig(), systems=[create_system])
    async with app.lifespan_context(app):
        pass
    assert closed == [True]
