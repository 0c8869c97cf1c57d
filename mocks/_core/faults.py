"""The fault registry: what the mock national systems should do wrong, and how often.

Testers register faults with ``POST /__admin/faults``; each mock system asks
:meth:`FaultRegistry.pick` with its own name and the operation it is serving, and applies
what it gets (see ``mocks._core.wire``). ``rate`` is drawn from a seeded RNG, so a run with
the same seed and the same requests injects the same faults.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict, dataclass
from typing import Any

MODES = (
    "latency", "error", "timeout", "reset", "malformed", "bad_signature",
    # SOAP systems only (the population database); other systems serve normally:
    "soap_fault",  # a SOAP 1.1 Fault (faultcode/faultstring, HTTP ``status``, default 500)
    "hostile_xml",  # a reply with an XML bomb / external entity (contract golden files)
)
PHASES = ("before", "after")


class FaultSpecError(ValueError):
    """A fault description that cannot be registered."""


@dataclass
class Fault:
    id: int
    target: str
    mode: str
    operation: str | None = None  # None: every operation of the target
    latency_ms: int | None = None  # latency: the delay; timeout: how long to hang
    status: int | None = None  # error: the HTTP status (default 500)
    rate: float = 1.0  # probability that a matching request is hit
    count: int | None = None  # remaining applications; None: until deleted
    # error/timeout/reset "before" the request is processed (nothing happens upstream) or
    # "after" (the upstream did the work, then the reply is lost): tests at-least-once delivery.
    phase: str = "before"
    faultcode: str | None = None  # soap_fault: e.g. "soapenv:Server" (the system's default)
    faultstring: str | None = None  # soap_fault: the message (the system's default)
    applied: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultRegistry:
    def __init__(self, *, seed: int = 0) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any], *, targets: tuple[str, ...]) -> Fault:
        """Register a fault from its admin-API description; raise FaultSpecError if invalid."""
        if not isinstance(spec, dict):
            raise FaultSpecError("body must be a JSON object")
        unknown = set(spec) - {
            "target", "operation", "mode", "latency_ms", "status", "rate", "count", "phase",
            "faultcode", "faultstring",
        }
        if unknown:
            raise FaultSpecError(f"unknown fields: {sorted(unknown)}")
        target, mode = spec.get("target"), spec.get("mode")
        if target not in targets:
            raise FaultSpecError(f"target must be one of {list(targets)}")
        if mode not in MODES:
            raise FaultSpecError(f"mode must be one of {list(MODES)}")
        rate = spec.get("rate", 1.0)
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise FaultSpecError("rate must be a number between 0 and 1")
        for name in ("latency_ms", "status", "count"):
            value = spec.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise FaultSpecError(f"{name} must be an integer")
        if spec.get("count") is not None and spec["count"] < 1:
            raise FaultSpecError("count must be at least 1")
        if spec.get("status") is not None and not 100 <= spec["status"] <= 599:
            raise FaultSpecError("status must be an HTTP status code")
        phase = spec.get("phase", "before")
        if phase not in PHASES:
            raise FaultSpecError(f"phase must be one of {list(PHASES)}")
        for name in ("operation", "faultcode", "faultstring"):
            value = spec.get(name)
            if value is not None and not isinstance(value, str):
                raise FaultSpecError(f"{name} must be a string")
        operation = spec.get("operation")
        fault = Fault(
            id=next(self._ids), target=target, mode=mode, operation=operation or None,
            latency_ms=spec.get("latency_ms"), status=spec.get("status"), rate=float(rate),
            count=spec.get("count"), phase=phase,
            faultcode=spec.get("faultcode") or None, faultstring=spec.get("faultstring") or None,
        )
        self._faults.append(fault)
        return fault

    def pick(self, target: str, operation: str | None) -> Fault | None:
        """The fault to apply to this request, if any (consumes one ``count``)."""
        if not self._faults:  # the hot path of a benchmark: no faults, no work
            return None
        for fault in self._faults:
            if fault.target != target:
                continue
            if fault.operation is not None and fault.operation != operation:
                continue
            if fault.rate < 1.0 and self._rng.random() >= fault.rate:
                continue
            fault.applied += 1
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
            return fault
        return None

    def give_back(self, fault: Fault) -> None:
        """Undo one application of ``fault``: for a system that cannot apply it to the request
        it was picked for (a ``soap_fault`` picked for a token call), so the next matching
        request gets it. Keeps registration order (the first matching fault wins)."""
        fault.applied -= 1
        if fault.count is not None:
            fault.count += 1
            if fault not in self._faults:
                self._faults.append(fault)
                self._faults.sort(key=lambda f: f.id)

    def list(self) -> list[Fault]:
        return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) != before

    def clear(self, target: str | None = None) -> int:
        before = len(self._faults)
        self._faults = [f for f in self._faults if target is not None and f.target != target]
        return before - len(self._faults)

    def reset(self) -> None:
        """No faults, and the RNG back to its seed."""
        self._faults.clear()
        self._rng = random.Random(self._seed)
