"""The ``lienthong`` command line: one program for development, production and operations."""

from __future__ import annotations

import asyncio

import typer
import uvicorn
from rich.console import Console

from gateway.logging import configure_logging
from gateway.settings import Settings

app = typer.Typer(help="Liên thông: the provincial integration gateway.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


@app.command()
def serve() -> None:
    """The gateway alone (production: settings from LIENTHONG_* variables)."""
    from app import create_app

    settings = _settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


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
