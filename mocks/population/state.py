"""What the mock population database holds: the seeded citizens (read-only, shared) and the
counters. (SOAP Faults are faults of the shared registry, mode ``soap_fault``.)"""

from __future__ import annotations

from dataclasses import dataclass

from mocks.population.seed import Population, population


@dataclass
class PopulationState:
    seed: int = 0
    size: int = 3000
    lookups: int = 0
    verifications: int = 0

    @property
    def population(self) -> Population:
        return population(self.seed, self.size)  # generated on first use, then cached

    def reset(self) -> None:
        self.lookups = self.verifications = 0
