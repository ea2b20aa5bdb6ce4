"""The console's end of the feed receiver process (dispatch.feed.receiver_child).

`FeedReceiverProcess` starts the child, hands it the subscriber config and the fleet, and stops it;
`MirrorFleetState` is the FleetState the console reads: `drain_changes()` (what the console's repaint
timer calls ten times a second) first takes in every batch the child has sent, so the console's
thread only ever copies the units that changed, never decodes a feed message. Outcome messages go to
the `outcomes` queue as FeedService's would; `writer_counters` are the child's record writer's.

A child that dies is started again without waiting for it (the console's thread calls `pump`; a new child
takes seconds to start on a busy machine), at most RESTARTS_PER_MINUTE times a minute, then again a minute
later; until it is back every unit is marked stale (shown as "Ingen kontakt"), and when it cannot be started
`problem` says why in Swedish. So is every unit of a child that is alive but silent (stopped, starved, stuck: no batch for the
feeds' stale time, though it sends one every interval); when it answers again it is asked for every unit.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import zmq

from dispatch.feed.config import SubscriberConfig
from dispatch.feed.messages import OutcomeMessage
from dispatch.feed.receiver_child import ALL_UNITS, LINK_FILE, SETUP_FILE, link_address
from dispatch.feed.state import FeedView, FleetState, WireRow
from resources.fleet import Fleet
from resources.vocabulary import UnitStatus

log = logging.getLogger("dispatch.feed.receiver")

ROOT = Path(__file__).resolve().parents[2]
_STATUSES = {s.value: s for s in UnitStatus}
RESTARTS_PER_MINUTE = 5
CHECK_ALIVE_S = 1.0


class MirrorFleetState(FleetState):
    """A FleetState whose units and feed counters come from the receiver process's batches."""

    def __init__(self, fleet: Fleet | None = None, **kwargs: Any):
        super().__init__(fleet, **kwargs)
        self.pump: Any = None  # set by FeedReceiverProcess: takes in what the child has sent
        self._feed_views: list[tuple[FeedView, float]] = []

    def absorb(self, rows: list[WireRow], feeds: list[FeedView] | None) -> None:
        now = self.clock()
        units, statuses = self._units, _STATUSES
        with self.lock:
            for unit_id, status, lat, lon, case_id, reported_at, age_s, stale, flag in rows:
                u = units.get(unit_id)
                if u is None:
                    continue
                u.status = None if status is None else statuses[status]
                u.lat, u.lon, u.case_id, u.reported_at, u.stale, u.flag = lat, lon, case_id, reported_at, stale, flag
                u.heard = None if age_s is None else now - age_s
                self._changes.add(unit_id)
            if feeds is not None:
                self._feed_views = [(f, now) for f in feeds]

    def mark_all_stale(self) -> None:
        with self.lock:
            for u in self._units.values():
                if not u.stale:
                    u.stale = True
                    self._changes.add(u.unit_id)
            self._feed_views = [(replace(f, stale=True, synced=False), t) for f, t in self._feed_views]

    def drain_changes(self) -> set[str]:
        if self.pump is not None:
            self.pump()
        return super().drain_changes()

    def refresh_stale(self, now: float | None = None) -> int:
        return 0  # the child judges staleness from what it hears; its verdict arrives with each unit

    def feeds(self) -> list[FeedView]:
        now = self.clock()
        with self.lock:
            return [f if f.last_heard_age_s is None else replace(f, last_heard_age_s=f.last_heard_age_s + now - t)
                    for f, t in self._feed_views]


class FeedReceiverProcess:
    """Start with `start()` (returns once the child is receiving, or raises with its Swedish reason);
    `pump()` takes in its batches (the mirror calls it); `stop()` lets the writer finish and ends it."""

    def __init__(self, config: SubscriberConfig, state: MirrorFleetState, fleet: Fleet, *,
                 database_url: str | None = None, outcomes: queue.Queue[OutcomeMessage] | None = None,
                 interval_s: float = 0.1, start_timeout_s: float = 30.0):
        self.config, self.state, self.fleet = config, state, fleet
        self.database_url = database_url  # None: status events are not persisted here
        self.outcomes: queue.Queue[OutcomeMessage] = outcomes if outcomes is not None else queue.Queue(10_000)
        self.interval_s, self.start_timeout_s = interval_s, start_timeout_s
        self.writer_counters: dict[str, Any] = {}
        self.outcomes_dropped = 0  # by the child (its queue full) and here (ours full)
        self.batches = 0
        self.restarts = 0
        self.problem: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._context: zmq.Context[Any] | None = None
        self._link: zmq.Socket[Any] | None = None
        self._recent_starts: list[float] = []
        self._next_check = 0.0
        self._child_dropped = 0
        self._last_batch = time.monotonic()
        self._silent = False  # the child is alive but has sent nothing for the feeds' stale time
        self._starting_since: float | None = None  # a restarted child not yet ready
        self._retry_at: float | None = None  # no child: when to try to start one again
        state.pump = self.pump

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FeedReceiverProcess:
        self._dir = tempfile.TemporaryDirectory(prefix="larm-feeds-")  # mode 0700: ours alone
        with open(Path(self._dir.name) / SETUP_FILE, "wb") as f:
            pickle.dump({"config": self.config, "fleet": self.fleet, "persist": self.database_url is not None,
                         "interval": self.interval_s}, f)
        self._context = zmq.Context()
        try:
            self._spawn()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, wait: bool = True) -> None:
        """Start the child; with `wait`, until it is ready (or raise), else `pump` takes its first message."""
        assert self._dir is not None and self._context is not None
        workdir = Path(self._dir.name)
        (workdir / LINK_FILE).unlink(missing_ok=True)
        link = self._context.socket(zmq.PAIR)
        link.setsockopt(zmq.LINGER, 0)
        link.bind(link_address(workdir))
        self._link = link
        env = dict(os.environ)
        if self.database_url is not None:
            env["LARMCENTRAL_DB_URL"] = self.database_url  # in the environment, not on the command line
        self._recent_starts = [t for t in self._recent_starts if time.monotonic() - t < 60] + [time.monotonic()]
        self.proc = subprocess.Popen([sys.executable, "-m", "dispatch.feed.receiver_child", str(os.getpid()),
                                      str(workdir)], cwd=str(ROOT), env=env)
        self._last_batch, self._silent = time.monotonic(), False
        if not wait:
            self._starting_since = time.monotonic()
            return
        if not link.poll(int(self.start_timeout_s * 1000), zmq.POLLIN):
            raise RuntimeError(f"flödesprocessen svarade inte inom {self.start_timeout_s:.0f} s")
        first = pickle.loads(link.recv())  # noqa: S301 - our own child, on a socket in our private directory
        if "failed" in first:
            raise RuntimeError(f"flödena kunde inte tas emot: {first['failed']}")
        self.problem = None
        self._last_batch, self._silent = time.monotonic(), False

    def stop(self, timeout: float = 10.0) -> None:
        self._retry_at = None
        told = False
        if self._link is not None and self._starting_since is None:
            try:
                self._link.send(b"stop", zmq.NOBLOCK)
                told = True
            except zmq.ZMQError:
                pass
        if self.proc is not None and not told and self.proc.poll() is None:
            self.proc.terminate()  # not listening yet (starting): SIGTERM stops it as cleanly
        if self.proc is not None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.error("flödesprocessen stannade inte inom %.0f s", timeout)
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None
        self.pump()  # the last outcomes and counters the child sent before it ended
        if self._link is not None:
            self._link.close(0)
            self._link = None
        if self._context is not None:
            self._context.term()
            self._context = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # --- batches --------------------------------------------------------------------------------
    def pump(self) -> int:
        """Take in every batch waiting on the link; restart a child that died. Returns batches taken."""
        link, n = self._link, 0
        while link is not None:
            try:
                frame = link.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            if frame == b"stop":
                continue
            self._take(pickle.loads(frame))  # noqa: S301 - see _spawn
            n += 1
        now = time.monotonic()
        if n:
            self._last_batch = now
            if self._silent:
                self._answering_again()
        elif self._starting_since is not None:
            if self.proc is not None and now - self._starting_since > self.start_timeout_s:
                log.error("flödesprocessen blev inte klar inom %.0f s", self.start_timeout_s)
                self._starting_since = None
                self.proc.kill()  # the alive check below starts another
                self._next_check = now
        elif self.proc is not None and not self._silent and now - self._last_batch > self.config.feed_stale_after_s:
            self._went_silent()
        if self.proc is not None and time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + CHECK_ALIVE_S
            if self.proc.poll() is not None:
                self._child_died()
        elif self.proc is None and self._retry_at is not None and now >= self._retry_at:
            self._restart()
        return n

    def _take(self, batch: dict[str, Any]) -> None:
        if "ready" in batch:  # a restarted child
            self._starting_since, self.problem = None, None
            return
        if "failed" in batch:  # it ends by itself; the alive check starts another
            self._starting_since = None
            self.problem = f"Flödesprocessen kunde inte startas om: {batch['failed']}"
            return
        self.batches += 1
        self.state.absorb(batch.get("units", []), batch.get("feeds"))
        for msg in batch.get("outcomes", []):
            try:
                self.outcomes.put_nowait(msg)
            except queue.Full:
                self.outcomes_dropped += 1
                log.error("utfallskön är full; utfall för ärende %s tappat", msg.case_id)
        dropped = batch.get("dropped", 0)
        self.outcomes_dropped += max(0, dropped - self._child_dropped)
        self._child_dropped = dropped
        if "counters" in batch:
            self.writer_counters = batch["counters"]

    def _went_silent(self) -> None:
        log.error("flödesprocessen har inte svarat på %.0f s", time.monotonic() - self._last_batch)
        self._silent = True
        self.state.mark_all_stale()
        self.problem = "Flödesprocessen svarar inte. Enheterna visas som ”Ingen kontakt” tills den svarar igen."

    def _answering_again(self) -> None:
        """The units not changed since are not in its batches: ask for every unit, with its staleness as it is."""
        self._silent, self.problem = False, None
        if self._link is not None:
            try:
                self._link.send(ALL_UNITS, zmq.NOBLOCK)
            except zmq.ZMQError:
                log.error("flödesprocessen kunde inte be om alla enheter")

    def _child_died(self) -> None:
        code = self.proc.returncode if self.proc is not None else None
        log.error("flödesprocessen avslutades oväntat (kod %s)", code)
        self.state.mark_all_stale()
        if self._link is not None:
            self._link.close(0)
            self._link = None
        self.proc = None
        self._child_dropped = 0
        self._starting_since = None
        self._restart()

    def _restart(self) -> None:
        recent = [t for t in self._recent_starts if time.monotonic() - t < 60]
        if len(recent) >= RESTARTS_PER_MINUTE:
            self._retry_at = recent[0] + 60
            self.problem = ("Flödesprocessen har stannat upprepade gånger; den startas om igen inom en minut. "
                            "Enheterna visas som ”Ingen kontakt” så länge.")
            return
        self._retry_at = None
        try:
            self._spawn(wait=False)
            self.restarts += 1
        except Exception as exc:  # noqa: BLE001 - said in the console's banner
            log.exception("flödesprocessen kunde inte startas om")
            self.problem = f"Flödesprocessen kunde inte startas om: {exc}"
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
            self.proc, self._starting_since = None, None
            if self._link is not None:
                self._link.close(0)
                self._link = None
            self._retry_at = time.monotonic() + 60
