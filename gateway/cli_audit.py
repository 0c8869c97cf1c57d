"""``lienthong audit``: export the tamper-evident log, verify it (a bundle offline, or the live
database end to end), and purge old bodies (retention). docs/audit.md explains each check.

Exit status: 0 when everything verified, 1 when a problem was found (each one printed, naming
the entry or checkpoint and the check that failed), 2 on bad usage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gateway.settings import Settings

app = typer.Typer(help="The tamper-evident audit log: export, verify, purge.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _keys(settings: Settings) -> Any:
    from security.keys import KeyStore

    assert settings.keys_dir is not None
    if settings.is_dev:
        return KeyStore.ensure_dev_keys(settings.keys_dir)
    return KeyStore.load(settings.keys_dir)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err, transient=True,
    )  # fmt: skip


def _print_report(report: Any) -> None:
    for problem in report.problems:
        out.print(f"[red]✗[/red] {problem}", highlight=False)
    for note in report.notes:
        out.print(f"[yellow]•[/yellow] {note}", highlight=False)
    colour = "green" if report.ok else "red"
    out.print(f"[{colour}]{report.summary()}[/{colour}]", highlight=False)


async def _with_db(settings: Settings, fn: Callable[[Any], Any]) -> Any:
    from gateway.store import Database, upgrade

    db = Database.from_url(settings.database_url)
    try:
        await upgrade(db.engine)
        return await fn(db)
    finally:
        await db.close()


def run_export(settings: Settings, first: int, last: int | None, path: Path, *, bodies: bool = True) -> int:
    """Export entries first..last; return how many were written."""
    from gateway.services.audit.export import export_bundle
    from gateway.services.audit.protection import BodyProtection

    keys = _keys(settings)
    protection = BodyProtection(settings.audit_body_protection, keys)
    mode = "included" if bodies else "omitted"
    return asyncio.run(_with_db(settings, lambda db: db.read_sync(
        lambda conn: export_bundle(conn, path, first, last, keys=keys, protection=protection, bodies=mode)
    )))  # fmt: skip


def run_live_verify(settings: Settings, *, bodies: bool = True, witness: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> tuple[Any, int]:  # fmt: skip
    """Verify the live database; return the report and how many rows are not sealed yet."""
    from gateway.services.audit.live_verify import unsealed_count, verify_live
    from gateway.services.audit.protection import BodyProtection
    from security.audit import AuditKeyring

    keys = _keys(settings)
    keyring = AuditKeyring.from_public_records(keys.public_records("audit"))
    protection = BodyProtection(settings.audit_body_protection, keys) if bodies else None
    witness_dir = witness if witness is not None else settings.audit_witness
    if witness_dir.startswith(("http://", "https://")):
        witness_dir = ""  # an HTTP witness is checked by its owner, not read back from here

    def check(conn: Any) -> tuple[Any, int]:
        report = verify_live(conn, keyring, protection, witness_dir=witness_dir or None, progress=progress)
        return report, unsealed_count(conn)

    return asyncio.run(_with_db(settings, lambda db: db.read_sync(check)))


@app.command()
def export(
    first: int = typer.Option(1, "--from", min=1, help="first entry (seq)"),
    last: int = typer.Option(0, "--to", min=0, help="last entry (seq); default: the latest checkpoint's size"),
    path: Path = typer.Option(..., "--out", help="the bundle file to write (JSON Lines)"),
    bodies: bool = typer.Option(True, "--bodies/--no-bodies", help="include the stored message bodies"),
) -> None:
    """Write a self-contained bundle (entries, bodies, checkpoints, proofs, keys)."""
    from gateway.errors import GatewayError

    try:
        count = run_export(Settings(), first, last or None, path, bodies=bodies)
    except GatewayError as exc:
        err.print(f"[red]cannot export:[/red] {exc.detail}", highlight=False)
        raise typer.Exit(2) from exc
    out.print(f"wrote {count} entries to {path}")


@app.command()
def verify(
    bundle: Path = typer.Option(None, "--bundle", help="verify this bundle offline (no database, no network)"),
    bodies: bool = typer.Option(True, "--bodies/--no-bodies", help="live: also check stored bodies"),
    witness: str = typer.Option(None, "--witness", help="live: a witness directory to compare with"),
) -> None:
    """Verify a bundle offline (--bundle FILE), or else the live database end to end."""
    with _progress() as bar:
        task = bar.add_task("verifying", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if bundle is not None:
            from security.audit import verify_bundle

            if not bundle.is_file():
                err.print(f"[red]no such bundle:[/red] {bundle}")
                raise typer.Exit(2)
            report = verify_bundle(bundle, progress=progress)
            unsealed = 0
        else:
            report, unsealed = run_live_verify(Settings(), bodies=bodies, witness=witness, progress=progress)
    _print_report(report)
    if unsealed:
        out.print(f"[yellow]•[/yellow] {unsealed} recent entries not sealed yet (the sealer runs behind)")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def purge(
    before: datetime = typer.Option(..., "--before", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
                                    help="delete bodies of entries older than this date (UTC)"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Retention: delete stored bodies older than DATE; entries and leaves stay verifiable."""
    from gateway.services.audit.purge import purge_bodies

    cutoff = before.replace(tzinfo=UTC) if before.tzinfo is None else before
    if not yes:
        typer.confirm(f"Delete the stored bodies of audit entries before {cutoff.isoformat()}?", abort=True)
    count = asyncio.run(_with_db(Settings(), lambda db: purge_bodies(db, cutoff, now=datetime.now(UTC))))
    out.print(f"purged the bodies of {count} entries before {cutoff.isoformat()} (entries and proofs kept)")
