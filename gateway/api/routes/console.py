"""The read-only console for security officers and operators, at ``/console``.

Static files (HTML, JS, CSS; no build step, nothing loaded from elsewhere). The page logs in
with an ``audit.read`` client through ``POST /oauth/token``, keeps the token in memory, and
reads ``/v1/audit`` (and ``/v1/sync/status`` when the client holds ``admin``). Inclusion
proofs and checkpoint signatures are verified in the browser (``verify.js``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from gateway.errors import NotFound

STATIC = Path(__file__).resolve().parents[2] / "console"
FILES = {"app.js": "text/javascript", "verify.js": "text/javascript", "charts.js": "text/javascript",
         "style.css": "text/css"}  # fmt: skip
# Only this origin's files and API; no inline script, no framing.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


@router.get("/console")
async def console_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/console/")
async def console_slash() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/console/{name}")
async def console_file(name: str) -> FileResponse:
    if name not in FILES:
        raise NotFound(f"no console file {name!r}")
    return FileResponse(STATIC / name, media_type=f"{FILES[name]}; charset=utf-8", headers=HEADERS)
