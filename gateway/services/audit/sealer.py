"""The sealer: appends recorded exchanges to the tamper-evident log, after the fact.

Requests only INSERT one row into ``audit_entries`` (``StoreAuditSink``). In the background,
the sealer of one gateway process (``SealerLease``) repeatedly:

1. reads the unsealed rows in row order (commit order, as seen; a row committed late is
   simply sealed in a later round) and numbers them after the log's last entry;
2. computes each entry's canonical form (RFC 8785) and leaf hash, appends it to its
   ``MerkleAccumulator`` and collects the complete subtrees the append finished;
3. in one transaction that first checks the log's size is still the one it started from
   (compare-and-set), sets the rows' ``log_seq`` and stores the subtrees; and, every
   ``checkpoint_every`` entries or ``checkpoint_seconds`` seconds, a checkpoint signed with
   the active ``audit`` key (its kid inside; retired keys stay valid for what they signed);
4. hands each new checkpoint to the witness (a directory or an HTTP URL) when configured.

Proofs then read O(log n) rows of ``audit_subtrees`` at any size.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import structlog
from sqlalchemy import Connection, select, update

from gateway.services.audit import log as audit_log
from gateway.services.audit.lease import SealerLease
from gateway.store import Database, refuse
from gateway.store.tables.audit import audit_checkpoints, audit_entries
from security.audit import (
    Checkpoint,
    MerkleAccumulator,
    entry_leaf_hash,
    frontier_ids,
    sign_checkpoint,
    write_witness,
)

log = structlog.get_logger("audit")
AUDIT = "audit"


class LogMoved(Exception):
    """Another sealer extended the log since this one read it: start the round again."""


@dataclass
class SealerConfig:
    batch: int = 2000
    checkpoint_every: int = 1000
    checkpoint_seconds: float = 60.0
    interval: float = 0.5
    witness: str = ""  # directory or http(s) URL; "" for none

    @classmethod
    def from_settings(cls, settings: Any) -> SealerConfig:
        return cls(
            batch=settings.audit_seal_batch, checkpoint_every=settings.audit_checkpoint_every,
            checkpoint_seconds=settings.audit_checkpoint_seconds,
            interval=settings.audit_seal_interval_seconds, witness=settings.audit_witness,
        )  # fmt: skip


class AuditSealer:
    def __init__(
        self,
        db: Database,
        keys: Any,
        *,
        clock: Callable[[], datetime],
        config: SealerConfig | None = None,
        witness_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.db = db
        self.keys = keys  # security.keys.KeyStore: the active "audit" key signs
        self.clock = clock
        self.config = config or SealerConfig()
        self.witness_transport = witness_transport
        self.lease = SealerLease(db.engine)
        self._acc: MerkleAccumulator | None = None
        self._started_at = clock()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._more = False  # the last round read as many rows as it asked for

    # ---- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._started_at = self.clock()
        self._task = asyncio.create_task(self._loop(), name="audit-sealer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.lease.release()

    def notify(self) -> None:
        """Seal soon (e.g. after a burst), without waiting for the interval."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                sealed = await self.run_once()
            except Exception:
                log.exception("audit.sealer.failed")
                sealed = 0
            if not (sealed and self._more):  # a full batch means more may wait: go on at once
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.config.interval)

    # ---- one round ----------------------------------------------------------------------

    async def run_once(self, *, force_checkpoint: bool = False) -> int:
        """Seal what is waiting (up to one batch); return how many entries were sealed."""
        if not await self.lease.acquire():
            return 0
        size, rows, last = await self.db.read_sync(self._read_state)
        acc = await self._accumulator(size)
        now = self.clock()
        entries = [audit_log.entry_of(row, size + i) for i, row in enumerate(rows, start=1)]
        nodes: list[tuple[tuple[int, int], bytes]] = []
        for entry in entries:
            nodes.extend(acc.append(entry_leaf_hash(entry)))
        new_size = acc.size
        checkpoint = None
        if self._checkpoint_due(new_size, last, now, force_checkpoint):
            key = self.keys.active(AUDIT)
            checkpoint = sign_checkpoint(new_size, acc.root(), now, key.private_key, key.kid)
        if not entries and checkpoint is None:
            await self._retry_witness()
            return 0
        runs = _runs([row.seq for row in rows], size + 1)

        def write(conn: Connection) -> None:
            if audit_log.sealed_size(conn) != size:
                raise refuse(LogMoved())
            e = audit_entries.c
            for lo, hi, offset in runs:  # one UPDATE per run of consecutive row ids
                done = conn.execute(
                    update(audit_entries).where(e.seq.between(lo, hi), e.log_seq.is_(None))
                    .values(log_seq=e.seq + offset)
                ).rowcount  # fmt: skip
                if done != hi - lo + 1:  # cannot happen after the size check; never seal half
                    raise RuntimeError(f"audit rows {lo}..{hi}: sealed {done} of {hi - lo + 1}")
            audit_log.store_nodes(conn, nodes)
            if checkpoint is not None:
                audit_log.store_checkpoint(conn, checkpoint)

        try:
            await self._write(write)
        except LogMoved:
            self._acc = None
            log.info("audit.sealer.log_moved", size=size)
            return 0
        except Exception:
            self._acc = None  # the accumulator ran ahead of the database
            raise
        if entries:
            log.debug("audit.sealed", first=size + 1, last=new_size)
        if checkpoint is not None:
            log.info("audit.checkpoint", size=checkpoint.size, key_id=checkpoint.key_id)
            await self._witness(checkpoint)
        return len(entries)

    def _read_state(self, conn: Connection) -> tuple[int, list[Any], Checkpoint | None]:
        size = audit_log.sealed_size(conn)
        last = audit_log.latest_checkpoint(conn)
        # Stop at the next multiple of checkpoint_every past the last checkpoint, so that
        # checkpoints land on round sizes whatever the batch.
        boundary = (last.size if last else 0) + self.config.checkpoint_every
        limit = min(self.config.batch, boundary - size) if boundary > size else self.config.batch
        rows = audit_log.unsealed_rows(conn, limit)
        self._more = len(rows) == limit
        return size, rows, last

    async def _accumulator(self, size: int) -> MerkleAccumulator:
        if self._acc is None or self._acc.size != size:
            ids = frontier_ids(size)
            hashes = await self.db.read_sync(lambda conn: audit_log.node_map(conn, ids))
            self._acc = MerkleAccumulator.resume(size, hashes)
        return self._acc

    def _checkpoint_due(self, size: int, last: Checkpoint | None, now: datetime, force: bool) -> bool:
        last_size = last.size if last is not None else 0
        if size <= last_size:
            return False
        if force or size - last_size >= self.config.checkpoint_every:
            return True
        since = last.at if last is not None else self._started_at
        return (now - since).total_seconds() >= self.config.checkpoint_seconds

    async def _write(self, fn: Callable[[Connection], None]) -> None:
        if not self.db.is_postgres:
            await self.db.write_sync(fn)  # the SQLite writer thread: serialised with inserts
            return
        try:  # its own short transaction, not a batch shared with request inserts
            async with self.db.engine.begin() as conn:
                await conn.run_sync(fn)
        except Exception as exc:
            inner = getattr(exc, "exc", None)  # a refuse(...) wrapper
            if isinstance(inner, LogMoved):
                raise inner from None
            raise

    # ---- witness ------------------------------------------------------------------------

    async def _witness(self, checkpoint: Checkpoint) -> None:
        target = self.config.witness
        if not target:
            return
        try:
            where = await asyncio.to_thread(write_witness, checkpoint, target, transport=self.witness_transport)
        except FileExistsError:
            where = target  # already there (a retry after a lost update)
        except (OSError, httpx.HTTPError) as exc:
            log.warning("audit.witness.failed", size=checkpoint.size, error=str(exc))
            return
        size = checkpoint.size

        def mark(conn: Connection) -> None:
            conn.execute(
                update(audit_checkpoints).where(audit_checkpoints.c.size == size).values(witness=where)
            )

        await self.db.write_sync(mark)

    async def _retry_witness(self) -> None:
        if not self.config.witness:
            return

        def pending(conn: Connection) -> list[Checkpoint]:
            rows = conn.execute(
                select(audit_checkpoints).where(audit_checkpoints.c.witness.is_(None))
                .order_by(audit_checkpoints.c.size).limit(10)
            )  # fmt: skip
            return [audit_log.checkpoint_of(row) for row in rows]

        for checkpoint in await self.db.read_sync(pending):
            await self._witness(checkpoint)


def _runs(row_ids: list[int], first_seq: int) -> list[tuple[int, int, int]]:
    """Rows numbered first_seq, first_seq + 1, … in this order, as runs of consecutive row ids:
    (lo, hi, offset) with log_seq = row id + offset for rows lo..hi."""
    runs: list[tuple[int, int, int]] = []
    for position, row_id in enumerate(row_ids):
        offset = first_seq + position - row_id
        if runs and runs[-1][1] + 1 == row_id and runs[-1][2] == offset:
            runs[-1] = (runs[-1][0], row_id, offset)
        else:
            runs.append((row_id, row_id, offset))
    return runs
