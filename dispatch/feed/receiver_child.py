"""`python -m dispatch.feed.receiver_child PARENT_PID WORKDIR`: the console's feeds received in a
process of their own (started and read by dispatch.feed.receiver_link).

At 20,000 status messages a second, decoding and checking the feeds keeps one core busy. In the
console's own process that work holds the interpreter lock the GUI thread needs, and the GUI
stalls for tens to hundreds of milliseconds. Here the whole FeedService runs instead — subscriber,
FleetState, the feed record writer when the console persists (it opens the database from
LARMCENTRAL_DB_URL) — and every `interval` the child sends the console one coalesced batch:
the units that changed since the last batch (each once, as plain tuples: FleetState.wire_rows), the feeds' counters,
the outcome messages received, and now and then the writer's counters. A batch the console is not
ready for stays here and is merged into the next one: nothing is lost, nothing repeated.

WORKDIR (private to the console) holds `setup.pickle` (the SubscriberConfig, the Fleet, `persist`,
`interval`) and the link socket. The database is not migrated here (the console did that): one that cannot
be reached delays only the record (the writer retries with backoff), never the units on the board.
Messages on the link (pickle, one frame): to the console {"ready": True} once started or {"failed": Swedish
text}, then batches {"units", "feeds", "outcomes", "dropped", "counters"}; from the console b"stop" (the writer
writes what it can within STOP_S and every outcome it holds, a last batch tells the console, the process ends) and b"all" (the next batch holds every unit, not only the changed). The child ends with its parent (dispatch.child_guard).
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

import zmq

from dispatch.child_guard import guard
from dispatch.feed.messages import OutcomeMessage
from dispatch.feed.service import FeedService
from dispatch.feed.state import FleetState

log = logging.getLogger("dispatch.feed.receiver")

SETUP_FILE = "setup.pickle"
LINK_FILE = "link"
ALL_UNITS = b"all"  # from the console: send every unit in the next batch (it marked them stale meanwhile)
NICENESS = 5  # below the console: on a busy machine the screen the operator works in goes first
COUNTERS_EVERY = 5  # batches between writer counters (the feed panel shows them about twice a second)
# Asked to stop, the writer writes its backlog in order for half of this, then every outcome still queued, then
# ends: a flood can leave minutes of backlog, and the console (closing, a shift change) must not wait for it. What
# is left is replayed from the record's cursor at the next start. Well inside the console's wait (receiver_link).
STOP_S = 3.0
LAST_BATCH_LINGER_MS = 1000


def link_address(workdir: Path) -> str:
    return f"ipc://{workdir / LINK_FILE}"


class Batches:
    """What has not reached the console yet: changed unit ids and outcome messages."""

    def __init__(self, service: FeedService):
        self.service, self.state = service, service.state
        self.units: set[str] = set()
        self.outcomes: list[OutcomeMessage] = []
        self.sent = 0

    def next(self, final: bool = False) -> dict[str, Any]:
        self.units |= self.state.drain_changes()
        while True:
            try:
                self.outcomes.append(self.service.outcomes.get_nowait())
            except queue.Empty:
                break
        batch: dict[str, Any] = {"units": self.state.wire_rows(self.units), "feeds": self.state.feeds(),
                                 "outcomes": self.outcomes, "dropped": self.service.outcomes_dropped}
        writer = self.service.writer
        if writer is not None and (final or self.sent % COUNTERS_EVERY == 0):
            batch["counters"] = writer.counters()
        return batch

    def delivered(self) -> None:
        self.units, self.outcomes = set(), []
        self.sent += 1


def serve(workdir: Path, stop: threading.Event) -> int:
    with open(workdir / SETUP_FILE, "rb") as f:
        setup = pickle.load(f)  # noqa: S301 - written by our own parent into its private directory
    context = zmq.Context()
    link = context.socket(zmq.PAIR)
    link.setsockopt(zmq.LINGER, 2000)
    link.connect(link_address(workdir))
    factory = engine = None
    try:
        if setup["persist"]:  # not open_database: the console migrated it, and the writer waits out an outage
            from records.db import make_engine, session_factory

            engine = make_engine(os.environ.get("LARMCENTRAL_DB_URL"))
            factory = session_factory(engine)
        state = FleetState(setup["fleet"], unit_stale_after=setup["config"].unit_stale_after_s,
                           feed_stale_after=setup["config"].feed_stale_after_s)
        service = FeedService(setup["config"], state, session_factory=factory).start()
    except Exception as exc:  # noqa: BLE001 - told to the console, which shows it in Swedish
        log.exception("the feed receiver did not start")
        link.send(pickle.dumps({"failed": str(exc) or type(exc).__name__}))
        link.close()
        context.term()
        return 1
    link.send(pickle.dumps({"ready": True}))
    batches = Batches(service)
    next_batch = time.monotonic()
    try:
        while not stop.is_set():
            wait_ms = max(0, int((next_batch - time.monotonic()) * 1000))
            if link.poll(min(wait_ms, 200), zmq.POLLIN):
                order = link.recv()
                if order == b"stop":
                    break
                if order == ALL_UNITS:
                    batches.units.update(state.unit_publisher)
            if time.monotonic() < next_batch:
                continue
            next_batch = time.monotonic() + setup["interval"]
            try:  # the console not reading (busy, or gone): keep it for the next batch
                link.send(pickle.dumps(batches.next(), protocol=pickle.HIGHEST_PROTOCOL), zmq.NOBLOCK)
                batches.delivered()
            except zmq.Again:
                pass
    finally:
        service.stop(writer_timeout=STOP_S)  # the subscriber, then the writer (its outcomes at least are written)
        if engine is not None:
            engine.dispose()
        try:  # the last outcomes and the writer's final counters (what it left unwritten) for the console
            link.send(pickle.dumps(batches.next(final=True), protocol=pickle.HIGHEST_PROTOCOL), zmq.NOBLOCK)
        except zmq.Again:
            pass
        link.close(linger=LAST_BATCH_LINGER_MS)
        context.term()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit():
        print("användning: python -m dispatch.feed.receiver_child FÖRÄLDER-PID KATALOG", file=sys.stderr)
        return 2
    stop = threading.Event()
    guard(int(argv[0]), on_term=lambda *_: stop.set())  # SIGTERM: stop cleanly (the writer's queue is written)
    try:
        os.nice(NICENESS)
    except OSError:  # not allowed here: run at the console's priority
        pass
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return serve(Path(argv[1]), stop)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
