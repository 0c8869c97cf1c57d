"""The ``lienthong`` command line: one program for development, production and operations."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime
from typing import Any

import typer
import uvicorn
from rich.console import Console

from gateway.logging import configure_logging
from gateway.settings import Settings

app = typer.Typer(help="Liên thông: the provincial integration gateway.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _mount_subcommands() -> None:
    from gateway.cli_audit import app as audit_app

    app.add_typer(audit_app, name="audit", help="The tamper-evident audit trail: export, verify, purge.")


_mount_subcommands()
console = Console(stderr=True)


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


def _server(asgi: Any, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(asgi, host=host, port=port, log_config=None, access_log=False, lifespan="on")
    return uvicorn.Server(config)


async def _serve_all(*servers: uvicorn.Server) -> None:
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


@app.command()
def up() -> None:
    """Development: the gateway and the mock national systems together, on embedded SQLite."""
    from app import create_app
    from mocks._core import MockConfig
    from mocks.app import create_mocks_app

    settings = _settings()
    if settings.mode != "dev":
        raise typer.BadParameter("`lienthong up` is for development; use `lienthong serve` in production")
    gateway = create_app(settings)
    mocks = create_mocks_app(MockConfig.from_env())
    base = f"http://{settings.host}:{settings.port}"
    console.print(
        f"[bold green]Liên thông is starting[/bold green]\n"
        f"  gateway API      {base}   (docs: {base}/docs, OpenAPI: {base}/openapi.json)\n"
        f"  mock national    http://{settings.host}:{settings.mocks_port}   (/portal, /population, /payment, /__admin)\n"
        f"  database         {settings.database_url}\n"
        f"  development keys {settings.keys_dir}\n"
        f"  demo client      client_id=demo client_secret=demo-secret (every scope)\n"
        f"  try it           lienthong demo      (in another terminal; or see README.md)\n"
    )
    asyncio.run(_serve_all(_server(gateway, settings.host, settings.port),
                           _server(mocks, settings.host, settings.mocks_port)))


@app.command()
def serve(
    workers: int = typer.Option(None, help="gateway processes on one port (PostgreSQL only; default LIENTHONG_WORKERS or 1)"),
) -> None:
    """The gateway alone (production: settings from LIENTHONG_* variables)."""
    from app import create_app

    settings = _settings()
    workers = workers or settings.workers
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)
        return
    if not settings.database_url.startswith("postgresql"):
        raise typer.BadParameter("several gateway processes need PostgreSQL (LIENTHONG_DATABASE_URL); "
                                 "on SQLite the gateway is one process", param_hint="--workers")
    from gateway.processes import serve_processes

    console.print(f"gateway: {workers} processes on http://{settings.host}:{settings.port}")
    raise typer.Exit(serve_processes(settings, workers))


@app.command()
def mocks() -> None:
    """The mock national systems alone (for integration testers)."""
    from mocks._core import MockConfig
    from mocks.app import create_mocks_app

    settings = _settings()
    config = MockConfig.from_env()
    console.print(f"mock national systems on http://{settings.host}:{config.port} (admin API: /__admin)")
    uvicorn.run(create_mocks_app(config), host=settings.host, port=config.port, log_config=None, access_log=False)


@app.command()
def worker() -> None:
    """An extra outbox worker process (several may run against one PostgreSQL)."""
    from app import create_worker_container, start, stop

    settings = _settings()

    async def run() -> None:
        container = create_worker_container(settings)
        await start(container)
        console.print(f"outbox worker {container.outbox.worker_id} running; Ctrl-C to stop")
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        try:
            await stopped.wait()
        finally:
            await stop(container)

    asyncio.run(run())


@app.command()
def demo(
    gateway: str = typer.Option("", help="the gateway's base URL (default: from settings)"),
    mocks_url: str = typer.Option("", "--mocks", help="the mocks' base URL (default: from settings)"),
) -> None:
    """A scripted walk: token → dossier → five status changes, watching the mock portal."""
    from gateway.demo import run_demo

    settings = _settings()
    asyncio.run(run_demo(gateway or f"http://127.0.0.1:{settings.port}",
                         mocks_url or f"http://127.0.0.1:{settings.mocks_port}", console))


payments_app = typer.Typer(help="Payments operations.", no_args_is_help=True)
app.add_typer(payments_app, name="payments")


@payments_app.command("reconcile")
def payments_reconcile(
    day: datetime = typer.Option(..., "--date", formats=["%Y-%m-%d"], help="the day (Vietnam time), YYYY-MM-DD"),
) -> None:
    """The gateway's ledger against the payment platform for one day; exit code 1 on any mismatch."""
    from gateway.services.payments.wiring import day_report

    report = asyncio.run(day_report(_settings(), day.date()))
    Console().print(report)
    raise typer.Exit(0 if report.ok else 1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from gateway.store import create_engine, upgrade

    settings = _settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    console.print("[green]database is at the latest migration[/green]")


def main() -> None:
    app()
