"""What the mock DVCQG portal holds: sessions, dossiers with their progress, the catalogue.

Plain data and rules, no HTTP. Every receipt is counted so that duplicates the gateway sends
(at-least-once delivery) are visible to tests through ``GET /__admin/portal/dossiers/{MaHoSo}``.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from contracts import load_json

REPLY_STYLES = ("plain", "wrapped")


def _status_code(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class StepRecord:
    step: dict[str, Any]
    receipts: int = 1


@dataclass
class DossierRecord:
    record: dict[str, Any]  # as last synchronised by DongBoHoSoMC, without isUpdating
    sync_receipts: int = 0  # DongBoHoSoMC receipts (the create and every update)
    status_receipts: int = 0  # DongBoTrangThaiHoSo receipts
    steps: dict[bytes, StepRecord] = field(default_factory=dict)  # in order first received
    status_history: list[int | None] = field(default_factory=list)
    invalid_transitions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        steps = list(self.steps.values())
        return {
            "MaHoSo": self.record["MaHoSo"],
            "record": self.record,
            "steps": [{"step": s.step, "receipts": s.receipts} for s in steps],
            "receipts": {
                "DongBoHoSoMC": self.sync_receipts,
                "DongBoTrangThaiHoSo": self.status_receipts,
                "CapNhatTienDoHoSoMC": sum(s.receipts for s in steps),
            },
            "duplicate_steps": sum(1 for s in steps if s.receipts > 1),
            "duplicate_step_receipts": sum(s.receipts - 1 for s in steps),
            "status_history": self.status_history,
            "invalid_transitions": self.invalid_transitions,
        }


class PortalState:
    """Sessions, dossiers and the procedure catalogue of the mock portal."""

    def __init__(self, *, clock: Callable[[], float], session_ttl_seconds: float, reply_style: str) -> None:
        self._clock = clock
        self._default_ttl, self._default_style = session_ttl_seconds, reply_style
        statuses = load_json("portal", "statuses.json")["statuses"]
        names = {s["code"]: s["name"] for s in statuses}
        allowed = load_json("portal", "transitions.json")["transitions"]
        self._allowed = {
            code: {next(c for c, n in names.items() if n == to) for to in allowed[name]}
            for code, name in names.items()
        }
        self.reset()

    def reset(self) -> None:
        self.session_ttl_seconds = self._default_ttl
        self.reply_style = self._default_style
        self.sessions: dict[str, float] = {}  # key -> expiry (clock seconds)
        self.dossiers: dict[str, DossierRecord] = {}
        self.procedures = {
            p["MATTHC"]: p for p in copy.deepcopy(load_json("portal", "seed_procedures.json")["procedures"])
        }
        self.pushed = 0
        self.step_receipts = 0
        self.duplicate_step_receipts = 0
        self.first_step_at: float | None = None
        self.last_step_at: float | None = None

    # -- sessions --------------------------------------------------------------------------
    def open_session(self) -> str:
        now = self._clock()
        if len(self.sessions) > 1000:  # drop expired keys now and then; logins are rare
            self.sessions = {k: t for k, t in self.sessions.items() if t > now}
        key = secrets.token_hex(16)
        self.sessions[key] = now + self.session_ttl_seconds
        return key

    def session_valid(self, key: Any) -> bool:
        expiry = self.sessions.get(key) if isinstance(key, str) else None
        return expiry is not None and expiry > self._clock()

    def expire_sessions(self) -> int:
        count = len(self.sessions)
        self.sessions.clear()
        return count

    # -- dossiers --------------------------------------------------------------------------
    def sync_dossier(self, element: dict[str, Any]) -> None:
        """Apply one checked DongBoHoSoMC element (create or update)."""
        record = {k: v for k, v in element.items() if k != "isUpdating"}
        code = record["MaHoSo"]
        dossier = self.dossiers.get(code)
        if dossier is None:
            dossier = self.dossiers[code] = DossierRecord(record=record)
        else:
            dossier.record = record
        dossier.sync_receipts += 1
        self._note_status(dossier, record.get("TrangThaiHoSo"))

    def set_status(self, element: dict[str, Any]) -> None:
        """Apply one checked DongBoTrangThaiHoSo element."""
        dossier = self.dossiers[element["MaHoSo"]]
        dossier.record = {**dossier.record, "TrangThaiHoSo": element["TrangThaiHoSo"]}
        dossier.status_receipts += 1
        self._note_status(dossier, element["TrangThaiHoSo"])

    def add_step(self, step: dict[str, Any]) -> None:
        """Apply one checked CapNhatTienDoHoSoMC element; a repeated step only counts."""
        dossier = self.dossiers[step["MaHoSo"]]
        key = orjson.dumps(step, option=orjson.OPT_SORT_KEYS)
        known = dossier.steps.get(key)
        if known is None:
            dossier.steps[key] = StepRecord(step=step)
        else:
            known.receipts += 1
            self.duplicate_step_receipts += 1
        now = self._clock()
        self.first_step_at = self.first_step_at if self.first_step_at is not None else now
        self.last_step_at = now
        self.step_receipts += 1

    def lookup(self, code: str) -> dict[str, Any] | None:
        """The TraCuuHoSo record: the dossier as last synchronised plus QuaTrinhXuLy."""
        dossier = self.dossiers.get(code)
        if dossier is None:
            return None
        return {**dossier.record, "QuaTrinhXuLy": [s.step for s in dossier.steps.values()]}

    def _note_status(self, dossier: DossierRecord, value: Any) -> None:
        # Record the status path and flag moves transitions.json does not allow (not refused:
        # the real portal is not known to refuse them; tests assert the gateway never sends one).
        new = _status_code(value)
        old = dossier.status_history[-1] if dossier.status_history else None
        if new == old:
            return
        if old is not None and new not in self._allowed.get(old, set()):
            dossier.invalid_transitions.append({"from": old, "to": new})
        dossier.status_history.append(new)

    def stats(self) -> dict[str, Any]:
        span = None
        if self.first_step_at is not None and self.last_step_at is not None:
            span = self.last_step_at - self.first_step_at
        return {
            "dossiers": len(self.dossiers),
            "sync_receipts": sum(d.sync_receipts for d in self.dossiers.values()),
            "steps": sum(len(d.steps) for d in self.dossiers.values()),
            "step_receipts": self.step_receipts,
            "duplicate_step_receipts": self.duplicate_step_receipts,
            "steps_span_seconds": span,
            "step_receipts_per_second": (self.step_receipts / span) if span else None,
            "sessions": len(self.sessions),
            "pushed": self.pushed,
        }
