"""Wire contracts shared by adapters, mocks and tests: data files plus thin loaders.

Nothing here imports project code. Files are looked up relative to this package so they ship
inside the wheel.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


def path(*parts: str) -> Path:
    """Filesystem path of a contract file, e.g. ``path("portal", "transitions.json")``."""
    return Path(str(files(__package__).joinpath(*parts)))


def read_bytes(*parts: str) -> bytes:
    return path(*parts).read_bytes()


@cache
def load_json(*parts: str) -> Any:
    """A JSON contract file, parsed once (treat the result as read-only)."""
    return json.loads(read_bytes(*parts))
