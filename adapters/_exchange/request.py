"""The outbound request as it moves through the pipeline (built → authenticated → signed)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import orjson


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON (Vietnamese text stays readable, not ``\\u`` escaped); orjson is
    several times faster than ``json`` on the large batches the outbox sends."""
    return orjson.dumps(value)


@dataclass(frozen=True)
class OutboundRequest:
    """A request before it becomes bytes. Auth profiles and signers return modified copies
    (``with_headers``, ``with_json``); ``body_bytes()`` is what is sent and audited.

    ``json`` is kept structured until sending, because some upstreams authenticate inside
    the body (the DVCQG session key) or sign fields of it (the payment ``MaXacThuc``);
    SOAP adapters pass ``content`` instead.
    """

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None

    def with_headers(self, **headers: str) -> OutboundRequest:
        return replace(self, headers={**self.headers, **headers})

    def with_header(self, name: str, value: str) -> OutboundRequest:
        return replace(self, headers={**self.headers, name: value})

    def with_json(self, value: Any) -> OutboundRequest:
        return replace(self, json=value, content=None)

    def with_content(self, content: bytes) -> OutboundRequest:
        return replace(self, content=content, json=None)

    def body_bytes(self) -> bytes:
        if self.content is not None:
            return self.content
        if self.json is None:
            return b""
        return encode_json(self.json)

    def final_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.content is None and self.json is not None:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return headers
