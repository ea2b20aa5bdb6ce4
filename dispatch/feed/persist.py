"""Batched persistence of status events (records.models.UnitStatusEvent) off the feed thread.

`put()` only appends to a deque, so the feed never waits for the database; a background thread
writes whatever has accumulated every `flush_interval` seconds (or sooner past `max_batch`). If the
database falls behind by more than `max_backlog` events, further events are dropped and counted
(`dropped`) rather than slowing the feed or exhausting memory. A batch the database refuses
(e.g. it is briefly away) goes back to the front of the queue and is tried again next interval; only
what is still unwritten when the writer stops is dropped and counted.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.state import Report
from records.models import UnitStatusEvent

log = logging.getLogger("dispatch.feed.persist")


class StatusEventWriter:
    def __init__(self, session_factory: sessionmaker[Session], *, flush_interval: float = 0.25,
                 max_batch: int = 2000, max_backlog: int = 200_000):
        self.session_factory = session_factory
        self.flush_interval = flush_interval
        self.max_batch = max_batch
        self.max_backlog = max_backlog
        self._queue: deque[tuple[str, Report, int, float]] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.failures = 0

    def put(self, events: list[tuple[str, Report, int, float]]) -> None:
        """Queue (publisher, report, seq, received Unix time) events. Never blocks."""
        room = self.max_backlog - len(self._queue)
        if room < len(events):
            self.dropped += len(events) - max(room, 0)
            events = events[:max(room, 0)]
        self._queue.extend(events)
        if len(self._queue) >= self.max_batch:
            self._wake.set()

    def start(self) -> StatusEventWriter:
        self._thread = threading.Thread(target=self._run, name="status-event-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def pending(self) -> int:
        return len(self._queue)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            stopping = self._stop.is_set()
            while self._queue:
                if not self._flush_once():
                    break  # the database is away: try again next interval (or give up when stopping)
                if not stopping and len(self._queue) < self.max_batch:
                    break
            if stopping:
                if self._queue:
                    self.dropped += len(self._queue)
                    log.error("%d statushändelser kunde inte sparas innan skrivaren stoppades", len(self._queue))
                    self._queue.clear()
                return

    def _flush_once(self) -> bool:
        q = self._queue
        batch = [q.popleft() for _ in range(min(len(q), self.max_batch))]
        rows = [{
            "unit_id": r.unit_id, "status": r.status.value, "lat": r.lat, "lon": r.lon, "case_id": r.case_id,
            "publisher": publisher, "seq": seq,
            "event_time": datetime.fromtimestamp(r.ts, UTC), "received_at": datetime.fromtimestamp(received, UTC),
        } for publisher, r, seq, received in batch]
        try:
            with self.session_factory() as session, session.begin():
                session.execute(insert(UnitStatusEvent), rows)
        except Exception:  # noqa: BLE001 - the database being away must not stop the feed
            self.failures += 1
            q.extendleft(reversed(batch))  # kept, in order, for the next try
            log.exception("kunde inte spara %d statushändelser; försöker igen", len(rows))
            return False
        self.written += len(rows)
        return True
