"""The outbox worker: claim → deliver → ack / retry with backoff / dead-letter.

One ``OutboxWorker`` runs ``concurrency`` delivery loops in a process; any number of processes
may run against one PostgreSQL (see ``claims``). Delivery is at-least-once; every message
carries an idempotency key, and handlers reconcile messages whose earlier outcome is unknown
(``Message.recovered`` or ``attempts > 0``) before sending them again.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import Connection, update

from gateway.outbox.claims import acknowledge, claim_batch
from gateway.outbox.messages import Handler, Message, Outcome
from gateway.store import Database
from gateway.store.tables import outbox

log = structlog.get_logger("outbox")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 1.0
    max_seconds: float = 300.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter, for the ``attempts``-th failure (1, 2, ...)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempts - 1))
        return rng.uniform(ceiling / 2, ceiling)


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        *,
        batch_size: int = 200,
        max_attempts: int = 10,
        lease_seconds: float = 30.0,
        poll_seconds: float = 0.2,
        backoff: Backoff = Backoff(),
        concurrency: int = 1,
        clock: Callable[[], datetime] = utcnow,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        on_delivered: Callable[[str, int], None] | None = None,
    ) -> None:
        self.db = db
        self.handlers: dict[str, Handler] = {}
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.backoff = backoff
        self.concurrency = concurrency
        self.clock = clock
        self.worker_id = worker_id or f"w-{uuid.uuid4().hex[:12]}"
        self.rng = rng or random.Random()
        self.on_delivered = on_delivered
        self._tasks: list[asyncio.Task[None]] = []
        self._wakeup = asyncio.Event()

    def register(self, topic: str, handler: Handler) -> None:
        self.handlers[topic] = handler

    def notify(self) -> None:
        """Something was enqueued: skip the rest of the poll wait."""
        self._wakeup.set()

    async def run_once(self) -> int:
        """Claim one batch, deliver it, record the outcomes. Returns how many were claimed."""
        now = self.clock()
        messages = await self.db.write_sync(
            lambda conn: claim_batch(
                conn,
                worker_id=self.worker_id,
                limit=self.batch_size,
                now=now,
                lease=self.lease,
                postgres=self.db.is_postgres,
            )
        )
        if not messages:
            return 0
        outcomes: dict[int, Outcome] = {}
        by_topic: dict[str, list[Message]] = defaultdict(list)
        for message in messages:
            by_topic[message.topic].append(message)
        for topic, batch in by_topic.items():
            outcomes.update(await self._deliver(topic, batch))
        await self._record(messages, outcomes)
        return len(messages)

    async def _deliver(self, topic: str, batch: list[Message]) -> dict[int, Outcome]:
        handler = self.handlers.get(topic)
        if handler is None:
            return {m.id: Outcome.failed(f"no handler for topic {topic!r}") for m in batch}
        try:
            results = await handler.deliver(batch)
        except Exception as exc:  # a handler bug must not kill the loop; keep the messages
            log.error("outbox.handler_crashed", topic=topic, error_type=type(exc).__name__)
            results = [Outcome.failed(f"handler error: {type(exc).__name__}")] * len(batch)
        return {m.id: r for m, r in zip(batch, results, strict=True)}

    async def _record(self, messages: list[Message], outcomes: dict[int, Outcome]) -> None:
        now = self.clock()
        mine = (outbox.c.claimed_by == self.worker_id) & (outbox.c.state == "inflight")
        delivered = [m.id for m in messages if outcomes[m.id].status == "delivered"]
        skipped = [m.id for m in messages if outcomes[m.id].status == "skipped"]
        failed = [m for m in messages if outcomes[m.id].status == "failed"]

        def write(conn: Connection) -> None:
            acknowledge(conn, worker_id=self.worker_id, now=now, delivered=delivered, skipped=skipped)
            for message in failed:
                outcome = outcomes[message.id]
                attempts = message.attempts + 1
                dead = outcome.permanent or attempts >= self.max_attempts
                delay = timedelta(seconds=self.backoff.delay(attempts, self.rng))
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == message.id, mine)
                    .values(
                        state="dead" if dead else "pending",
                        attempts=attempts,
                        available_at=now + delay,
                        last_error=(outcome.error or "")[:2000],
                        claimed_by=None,
                        claimed_until=None,
                    )
                )
                event = "outbox.dead_lettered" if dead else "outbox.retry_scheduled"
                log.warning(event, message_id=message.id, topic=message.topic, attempts=attempts)

        await self.db.write_sync(write)
        if delivered:
            log.info("outbox.delivered", count=len(delivered))
            if self.on_delivered:
                self.on_delivered(messages[0].topic, len(delivered))

    async def _loop(self) -> None:
        while True:
            try:
                claimed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database hiccup: wait and try again, never die
                log.error("outbox.loop_error", error_type=type(exc).__name__)
                claimed = 0
            if claimed == 0:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)
                except TimeoutError:
                    pass

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(), name=f"outbox-{self.worker_id}-{i}")
            for i in range(self.concurrency)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []
