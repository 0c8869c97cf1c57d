"""structlog as JSON lines: merge context (request id) → redact → timestamp → render.

Personal data and secrets must never reach a log. Redaction is by key name (known sensitive
keys are replaced whole) and by value shape (12-/9-digit personal ids, bearer tokens and JWTs
inside any string are masked), so a careless ``log.info("x", detail=str(payload))`` still
leaks nothing.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SENSITIVE_KEYS = frozenset(
    {
        "authorization", "password", "secret", "client_secret", "token", "access_token",
        "session", "id_number", "full_name", "name", "birth_date", "phone", "email",
        "address", "sodinhdanh", "socmnd", "hovaten", "chuhoso", "sogiaytochuhoso",
        "sodienthoai", "apikey", "lgspaccesstoken", "maxacthuc", "body", "payload",
        "secret_key", "private_key", "cookie",
    }
)
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_BEARER = re.compile(r"(?i)(bearer|basic)\s+[\w\-.~+/=]+")
_PERSONAL_ID = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")
REDACTED = "[redacted]"


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        value = _JWT.sub(REDACTED, value)
        value = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
        return _PERSONAL_ID.sub(REDACTED, value)
    if isinstance(value, dict):
        return {k: REDACTED if _sensitive(k) else redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def _sensitive(key: Any) -> bool:
    return isinstance(key, str) and key.lower().replace("-", "_") in SENSITIVE_KEYS


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key == "event":
            event_dict[key] = redact_value(event_dict[key])
        elif _sensitive(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact_value(event_dict[key])
    return event_dict


PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    redact,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.format_exc_info,
]


class _Stderr:
    """``sys.stderr`` looked up at each write, not when logging was configured: a test runner
    that swaps and closes stderr (typer's CliRunner) must not leave logging writing to a
    closed stream."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", stream: Any = None) -> None:
    structlog.configure(
        processors=[*PROCESSORS, structlog.processors.JSONRenderer(ensure_ascii=False)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream or _Stderr()),
        cache_logger_on_first_use=False,
    )
