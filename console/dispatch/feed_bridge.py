"""FeedBridge: the live FleetState, kept by feed threads, reaches the fleet board at ~10 Hz.

The feed layer (dispatch.feed) receives and applies updates on its own thread as they come; the
bridge separates that data rate from the repaint rate: a QTimer on the GUI thread drains the
state's coalesced change set, reads those units as plain data and updates the table model with
one dataChanged per contiguous block of rows (never a reset). The same units are filed with the
`LiveFleet` (when one is attached), the fleet snapshot the recommendation works on. It also starts and stops the
services behind the state (the subscriber thread and, in demo mode, the simulator) and reports
per-feed health for the status bar.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.fleet_model import FleetTableModel
from dispatch.feed.state import FeedView, FleetState, UnitView
from dispatch.live_fleet import LiveFleet

log = logging.getLogger("larmcentral.console.feeds")


class Service(Protocol):
    """Something the bridge starts and stops: the FeedSubscriber thread, a simulator."""

    def start(self) -> Any: ...

    def stop(self) -> Any: ...


def row_fields(v: UnitView, now: datetime) -> dict[str, Any]:
    """The fleet-board fields of a unit as the feed layer last described it."""
    return {"status": v.status, "lat": v.lat, "lon": v.lon, "case_id": v.case_id, "stale": v.stale,
            "status_label": v.status_label, "flag": v.flag,
            "last_heard": None if v.age_s is None else now - timedelta(seconds=v.age_s)}


class FeedBridge(QObject):
    """Owns the repaint timer and the feed services. Call `start()` once and `stop()` at close.

    Signals: `health_changed(list[FeedView])` about twice a second (for the status bar and the
    board's feed strip); `units_changed(set[str])` after each tick that changed units (the map
    and the recommendation listen to it); `stopped()` once `stop()` has stopped everything (what
    works on the live fleet, such as the recommendation thread, stops with it).

    `refresh_stale`: recompute staleness from the GUI thread (only when no FeedSubscriber runs;
    the subscriber does it itself on its own thread). `live`: the LiveFleet to file changed units
    with (the dispatch workspace attaches one, see CaseSelection).
    """

    health_changed = Signal(object)
    failed = Signal(str)  # a feed service (the simulator, a subscriber) did not start; Swedish, for a banner
    recovered = Signal(str)  # a service's problem told by `failed` is over; Swedish, for a banner
    units_changed = Signal(object)
    stopped = Signal()

    def __init__(self, state: FleetState, model: FleetTableModel, services: Sequence[Service] = (),
                 parent: QObject | None = None, *, interval_ms: int = 100, health_every: int = 5,
                 refresh_stale: bool = False, slice_rows: int = 120, flood_rows: int = 200,
                 flood_paint_ms: int = 250):
        super().__init__(parent)
        self.state = state
        self.model = model
        self.services = list(services)
        self._health_every = max(1, health_every)
        self._refresh_stale = refresh_stale
        self._ticks = 0
        self._started: list[Service] = []
        self._told: dict[int, str] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.slice_rows = max(1, slice_rows)
        self._pending: set[str] = set()  # changed units not yet applied to the board
        self._applied: set[str] = set()  # applied since the last units_changed
        self._more = QTimer(self, singleShot=True, interval=0, timeout=self.apply_slice)
        # A flood (more than `flood_rows` units changed in one tick): the board and the map are told at most every
        # `flood_paint_ms` — each repaint of a board and map where every unit moved costs tens of milliseconds,
        # and nobody reads 759 moving dots ten times a second. Below that, every change is shown at once.
        self.flood_rows, self.flood_paint_s = flood_rows, flood_paint_ms / 1000
        self._flood = False
        self._last_shown = 0.0
        self._paint = QTimer(self, singleShot=True, timeout=self._show)
        # In a flood the board and the map are repainted in different passes of the event loop, half a paint interval
        # apart: Qt paints every dirty widget of a window in one event, so both at once is one stall as long as both.
        self._told_map: set[str] = set()
        self._map = QTimer(self, singleShot=True, timeout=self._tell_map)
        # Counters for the status bar and bench/bench_gui.py.
        self.rows_applied = 0
        self.ticks = 0
        self.worst_tick_s = 0.0
        self.health: list[FeedView] = []
        self.live: LiveFleet | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        for s in self.services:
            try:
                s.start()
            except Exception as exc:  # noqa: BLE001 - a fleet that will not start must not stop the console
                log.exception("feed service %r did not start", s)
                self.failed.emit(self.tr("Flottan kunde inte startas: %s. Enheterna visas som ”Ingen kontakt”; "
                                         "samtal och ärenden fungerar som vanligt.") % exc)
                continue
            self._started.append(s)
        self.sync_all()
        self.timer.start()

    def stop(self) -> None:
        """Stop the timer and every service (in reverse order), waiting for their threads."""
        self.timer.stop()
        self._more.stop()
        self._paint.stop()
        self._map.stop()
        while self._started:
            s = self._started.pop()
            try:
                s.stop()
            except Exception:  # noqa: BLE001 - keep stopping the rest
                log.exception("stopping %r failed", s)
        self.stopped.emit()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    # --- the tick ---------------------------------------------------------------------------------
    def sync_all(self) -> None:
        """Bring every row up to date (at start: one dataChanged over the whole table)."""
        self.state.drain_changes()
        now = datetime.now(UTC)
        views = self.state.units()
        if self.live is not None:
            self.live.note(views)
        self.model.update_units({v.unit_id: row_fields(v, now) for v in views})

    def tick(self) -> int:
        """Take in the coalesced changes since the last tick and apply the first slice of them (the rest follow
        in later passes of the event loop). Returns the number of rows updated in this pass."""
        t0 = time.perf_counter()
        self._ticks += 1
        health_tick = self._health_every == 1 or self._ticks % self._health_every == 1
        if self._refresh_stale and health_tick:
            self.state.refresh_stale()
        if self._applied and self._more.isActive():  # a flood outruns the slices: the board, the map and the
            self._show_when_due()  # recommendation still hear, once a tick or paint, what has been taken
        if self._between_flood_paints():
            self._health(health_tick)
            return 0
        self._pending.update(self.state.drain_changes())
        self._flood = len(self._pending) > self.flood_rows
        n = self.apply_slice() if self._pending and not self._more.isActive() else 0
        self._health(health_tick)
        self.worst_tick_s = max(self.worst_tick_s, time.perf_counter() - t0)
        return n

    def _between_flood_paints(self) -> bool:
        """A flood is shown at most every flood_paint_ms: until the tick before its next paint the state coalesces
        the changes, and the tick takes nothing in (each take is the whole fleet again, most of it changed twice more
        before anyone sees it: 60 % of the GUI thread's feed work, for nothing)."""
        due_s = self._last_shown + self.flood_paint_s - time.monotonic()
        return self._flood and not self._more.isActive() and due_s * 1000 > self.timer.interval()

    def _health(self, health_tick: bool) -> None:
        if health_tick:
            self.emit_health()
            self._report_problems()
        self.ticks += 1

    def apply_slice(self) -> int:
        """Apply up to `slice_rows` pending units. Hundreds of changed units at once (a flood, a feed's
        snapshot) are spread over several passes of the event loop, a few milliseconds each, so typing and
        painting never wait for the whole set; `units_changed` (map, recommendation) follows the last slice."""
        t0 = time.perf_counter()
        pending = self._pending
        chunk = [pending.pop() for _ in range(min(self.slice_rows, len(pending)))]
        now = datetime.now(UTC)
        views = self.state.units_by_id(chunk)
        if self.live is not None:
            self.live.note(views)
        n = self.model.update_units({v.unit_id: row_fields(v, now) for v in views}, notify=False)
        self.rows_applied += n
        self._applied.update(chunk)
        if pending:
            self._more.start()
        elif self._applied:
            self._show_when_due()
        self.worst_tick_s = max(self.worst_tick_s, time.perf_counter() - t0)
        return n

    def _show_when_due(self) -> None:
        if not self._flood:
            self._show()
            return
        wait = self._last_shown + self.flood_paint_s - time.monotonic()
        if wait <= 0:
            self._show()
        elif not self._paint.isActive():
            self._paint.start(int(wait * 1000) + 1)

    def _show(self) -> None:
        """Tell the board's views and, by `units_changed`, the map and the recommendation what was applied."""
        self._paint.stop()
        self._last_shown = time.monotonic()
        self.model.flush()
        if not self._applied:
            return
        applied, self._applied = self._applied, set()
        if not self._flood:
            self.units_changed.emit(applied)
            return
        self._told_map |= applied
        if not self._map.isActive():
            self._map.start(max(1, int(self.flood_paint_s * 500)))

    def _tell_map(self) -> None:
        """The map and the recommendation hear a flood's changes half a paint interval after the board was told."""
        if self._told_map:
            told, self._told_map = self._told_map, set()
            self.units_changed.emit(told)

    def _report_problems(self) -> None:
        """A service that stopped working on its own (the feed process silent or given up) says why once, in the
        banner; when that is over the banner says so (the same problem coming back is told again)."""
        for s in self._started:
            problem, told = getattr(s, "problem", None), self._told.get(id(s))
            if problem and problem != told:
                self._told[id(s)] = problem
                self.failed.emit(problem)
            elif not problem and told:
                del self._told[id(s)]
                self.recovered.emit(self.tr("Flödena tas emot igen."))

    def emit_health(self) -> None:
        self.health = sorted(self.state.feeds(), key=lambda f: f.publisher)
        self.health_changed.emit(self.health)
