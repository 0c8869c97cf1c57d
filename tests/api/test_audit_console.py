"""The console's static files: served at /console with a strict CSP, nothing from elsewhere."""

from __future__ import annotations

import re

import httpx


async def test_console_page_and_assets_are_self_contained(client: httpx.AsyncClient) -> None:
    """index.html, its scripts and stylesheet load from /console only; no external URL, no
    inline script; the Content-Security-Policy forbids anything else."""
    page = await client.get("/console")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/console/") for s in sources)
    assert "<script>" not in page.text
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200, source
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", asset.text), source
    assert (await client.get("/console/../app.py")).status_code == 404
    assert (await client.get("/console/secrets.txt")).status_code == 404
