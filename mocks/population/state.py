"""What the mock population database holds: the seeded citizens (read-only, shared), the
counters, and SOAP Faults queued by ``POST /__admin/population/soap-fault``."""

from __future__ import annotations

from dataclasses import dataclass, field

from mocks.population.seed import Population, population


@dataclass
class QueuedFault:
    code: str
    message: str
    operation: str | None
    remaining: int | None  # None: until cleared


@dataclass
class PopulationState:
    seed: int = 0
    size: int = 3000
    lookups: int = 0
    verifications: int = 0
    soap_faults: list[QueuedFault] = field(default_factory=list)

    @property
    def population(self) -> Population:
        return population(self.seed, self.size)  # generated on first use, then cached

    def reset(self) -> None:
        self.lookups = self.verifications = 0
        self.soap_faults.clear()

    def take_soap_fault(self, operation: str | None) -> tuple[str, str] | None:
        if not self.soap_faults:
            return None
        for queued in self.soap_faults:
            if queued.operation is not None and queued.operation != operation:
                continue
            if queued.remaining is not None:
                queued.remaining -= 1
                if queued.remaining == 0:
                    self.soap_faults.remove(queued)
            return queued.code, queued.message
        return None
