"""``lienthong payments reconcile --date D`` against a SQLite ledger and the mock platform over
loopback: the rich report, exit code 0 when everything matches and 1 on a mismatch."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from prometheus_client import CollectorRegistry
from typer.testing import CliRunner

import mocks.payment as mock_payment
from adapters._exchange import CallContext
from adapters.payment import build_payment_client
from gateway.cli import app
from gateway.services.payments import PaymentService
from gateway.settings import Settings
from gateway.store import Database, upgrade
from mocks._core import MockConfig
from mocks.app import create_mocks_app
from security.audit import ListAuditSink
from tests.support.servers import serve_asgi

pytestmark = pytest.mark.network


@pytest.fixture(autouse=True)
def _restore_logging() -> Any:
    """The command configures structlog to print to the stderr of the moment, which CliRunner
    replaces and then closes: put back the configuration the other tests log with."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


class _Clock:
    def now(self) -> Any:
        from datetime import UTC, datetime

        return datetime.now(UTC)


def _request(key: str) -> dict[str, Any]:
    return {
        "dossier_code": f"CLI-{key}", "procedure_code": "1.001612", "procedure_name": "Thủ tục",
        "agency_code": "000.00.12.H56", "agency_name": "UBND", "amount": 150000, "description": "Lệ phí",
        "payer": {"full_name": "NGUYỄN VĂN A", "id_number": None, "address": None},
        "fees": [{"code": "LP", "name": "Lệ phí", "amount": 150000, "kind": "le_phi"}], "return_url": None,
    }


async def _create_payments(env: dict[str, str], keys: list[str]) -> list[dict[str, Any]]:
    """Payments created through the real service (INIT to the mock), stored in the test's ledger."""
    settings = Settings(mode="dev", var_dir=Path(env["LIENTHONG_VAR_DIR"]), database_url=env["LIENTHONG_DATABASE_URL"],
                        payment_url=env["LIENTHONG_PAYMENT_URL"])
    db = Database.from_url(settings.database_url)
    await upgrade(db.engine)
    platform = build_payment_client(settings, audit=ListAuditSink(), registry=CollectorRegistry(),
                                    http=httpx.AsyncClient(timeout=5))
    service = PaymentService(db, platform, _Clock())
    try:
        created = [await service.create(client_id="demo", key=k, request=_request(k),
                                        ctx=CallContext(request_id="cli-test")) for k in keys]
    finally:
        await platform.exchange.aclose()
        await db.close()
    return [c.body["payment"] for c in created]


def test_reconcile_reports_and_exits_1_on_a_mismatch(tmp_path: Path) -> None:
    """All matched → exit 0; once the platform has a payment the ledger still calls pending → exit 1, naming it."""
    with serve_asgi(create_mocks_app(MockConfig(gateway_url="http://127.0.0.1:9"),
                                     systems=[mock_payment.create_system])) as mocks_url:
        env = {"LIENTHONG_MODE": "dev", "LIENTHONG_VAR_DIR": str(tmp_path / "var"),
               "LIENTHONG_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}",
               "LIENTHONG_PAYMENT_URL": f"{mocks_url}/payment", "LIENTHONG_LOG_LEVEL": "WARNING",
               "COLUMNS": "200"}  # a wide terminal: ids are not folded
        first, second = asyncio.run(_create_payments(env, ["a", "b"]))
        day = date.fromisoformat(first["created_at"][:10])  # created_at is in Vietnam time
        runner = CliRunner()

        matched = runner.invoke(app, ["payments", "reconcile", "--date", day.isoformat()], env=env)
        assert matched.exit_code == 0, matched.output
        assert "matched 2" in matched.output and "mismatched 0" in matched.output

        # The citizen pays but the callback is lost: the platform says paid, the ledger pending.
        lost = httpx.post(f"{mocks_url}/__admin/payment/{second['reference']}-1/complete",
                          json={"result": "success", "send": False}, timeout=5)
        assert lost.status_code == 200, lost.text
        mismatched = runner.invoke(app, ["payments", "reconcile", "--date", day.isoformat()], env=env)
        assert mismatched.exit_code == 1, mismatched.output
        assert "mismatched 1" in mismatched.output and second["id"] in mismatched.output

        other_day = runner.invoke(app, ["payments", "reconcile", "--date", "2001-01-01"], env=env)
        assert other_day.exit_code == 0 and "matched 0" in other_day.output


def test_reconcile_refuses_a_malformed_date() -> None:
    """--date must be YYYY-MM-DD (a usage error, exit code 2)."""
    result = CliRunner().invoke(app, ["payments", "reconcile", "--date", "23/11/2026"])
    assert result.exit_code == 2
