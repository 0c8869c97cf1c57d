"""Prometheus metrics of the exchange pipeline, on an injected ``CollectorRegistry``.

Several apps (and several upstreams) may live in one process, so nothing is registered on
the global registry: one ``ExchangeMetrics`` per registry, shared by the exchanges of an app.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from adapters._exchange.breaker import CircuitBreaker

_BY_REGISTRY: WeakKeyDictionary[CollectorRegistry, ExchangeMetrics] = WeakKeyDictionary()


class ExchangeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "lienthong_upstream_calls",
            "Calls (attempts) to national systems, by outcome (ok or an error code).",
            ["upstream", "operation", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "lienthong_upstream_call_seconds",
            "Duration of one attempt of a call to a national system.",
            ["upstream", "operation"],
            registry=registry,
        )
        self.circuit_state = Gauge(
            "lienthong_upstream_circuit_state",
            "Circuit breaker state per upstream: 0 closed, 1 half_open, 2 open.",
            ["upstream"],
            registry=registry,
        )

    @classmethod
    def for_registry(cls, registry: CollectorRegistry) -> ExchangeMetrics:
        """The metrics of this registry, created on first use (registering twice fails)."""
        metrics = _BY_REGISTRY.get(registry)
        if metrics is None:
            metrics = _BY_REGISTRY[registry] = cls(registry)
        return metrics

    def watch(self, breaker: CircuitBreaker) -> None:
        """Expose the breaker's state, read live at each scrape (it turns half-open by time)."""
        self.circuit_state.labels(upstream=breaker.name).set_function(lambda: breaker.state_value)

    def observe(self, upstream: str, operation: str, outcome: str, seconds: float) -> None:
        self.calls.labels(upstream=upstream, operation=operation, outcome=outcome).inc()
        self.duration.labels(upstream=upstream, operation=operation).observe(seconds)
