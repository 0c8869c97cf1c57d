"""How DVCQG portal replies signal failure (DVCQG integration guide v1.4), as gateway errors.

``error_code`` 0 means OK; some provinces also accept other codes ("3", "-3"), so the set is
configuration. A session the portal no longer knows is an auth failure (the pipeline logs in
again once and retries). "đã tồn tại" (already exists) on a create is ``DossierAlreadyExists``,
which the client turns into an update.
"""

from __future__ import annotations

from collections.abc import Collection

from adapters.portal.wire import PortalReply
from contracts.errors import UpstreamAuthFailed, UpstreamRejected

SESSION_INVALID_CODES = frozenset({"401", "-401"})
ALREADY_EXISTS_MARKERS = ("đã tồn tại", "da ton tai")


class DossierAlreadyExists(UpstreamRejected):
    """``DongBoHoSoMC`` create refused because the portal already holds the dossier."""


def check_reply(reply: PortalReply, service: str, ok_codes: Collection[str]) -> None:
    """Raise the gateway error a non-OK reply means (the portal's message is kept in
    ``extra["upstream_message"]``, not in the detail shown to callers)."""
    code = reply.error_code
    if code in ok_codes:
        return
    message = reply.message or ""
    where = f"portal {service}: error_code {code}"
    if code in SESSION_INVALID_CODES:
        raise UpstreamAuthFailed(where, error_code=code, upstream_message=message)
    if service == "DongBoHoSoMC" and any(m in message.lower() for m in ALREADY_EXISTS_MARKERS):
        raise DossierAlreadyExists(where, error_code=code, upstream_message=message)
    raise UpstreamRejected(where, error_code=code, upstream_message=message)
