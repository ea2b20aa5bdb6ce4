"""LiveFleet: one fleet snapshot (the register overlaid with the feed state) kept current from the
feed's coalesced changes, for recommendations against the live fleet (docs/recommendation.md).

The console's repaint tick hands over the units it drained from `dispatch.feed.state.FleetState`
(`note`, cheap: it only files them); whoever needs the snapshot (the console's recommendation
worker thread) takes `current()`, which writes the filed units into a copy of the arrays
(`FleetSnapshot.with_live`: no model is built or validated per unit) and returns it with its
generation. The generation counts the notes, so a result computed from an older snapshot can be
recognised as stale. Thread-safe: `note` only holds a lock to file, `current` applies outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from dispatch.fleet_view import FleetSnapshot, LiveReport, merge_live
from resources.fleet import Fleet
from resources.geography import Geography
from resources.palette import Palette


class LiveFleet:
    """The register overlaid with live reports: `note(reports)` from any thread, `current()` from any thread."""

    def __init__(self, fleet: Fleet, reports: Iterable[LiveReport] = (), *, palette: Palette | None = None,
                 geography: Geography | None = None):
        # Built once, every unit at home and stale (as merge_live marks units the feeds never reported).
        self._snapshot = FleetSnapshot(merge_live(fleet, []), palette, geography)
        self._lock = threading.Lock()  # guards _pending and generation
        self._apply_lock = threading.Lock()  # one applier at a time
        self._pending: dict[str, LiveReport] = {}
        self.generation = 0
        self.note(reports)

    def note(self, reports: Iterable[LiveReport]) -> int:
        """File reports of changed units (the newest per unit wins); returns the new generation."""
        with self._lock:
            seen = False
            for r in reports:
                self._pending[r.unit_id] = r
                seen = True
            if seen:
                self.generation += 1
            return self.generation

    def current(self) -> tuple[FleetSnapshot, int]:
        """The snapshot with every filed report applied, and the generation it reflects."""
        with self._apply_lock:
            with self._lock:
                pending, self._pending = self._pending, {}
                generation = self.generation
            if pending:
                self._snapshot = self._snapshot.with_live(pending.values())
            return self._snapshot, generation

    def pending(self) -> int:
        """How many units are filed and not yet applied."""
        with self._lock:
            return len(self._pending)
