"""FleetState: the live fleet model the feeds keep current and the console and recommendation read.

Writers (the subscriber thread) apply updates in batches under one lock; readers take plain,
immutable copies (`units()`, `unit()`, `feeds()`) and coalesced change sets (`drain_changes()`),
so a reader never sees a half-applied update and never holds the lock for long.

A unit is *stale* when nothing was heard about it for `unit_stale_after` seconds or its feed has
been silent for `feed_stale_after` seconds; a stale unit must be shown as "ingen kontakt", not as
its last known status (`UnitView.status` keeps the last value, `UnitView.stale` says not to trust it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from resources.fleet import Fleet, default_fleet
from resources.vocabulary import UnitStatus


class Report(Protocol):
    """What a status update or snapshot entry carries (dispatch.feed.messages)."""

    @property
    def unit_id(self) -> str: ...
    @property
    def status(self) -> UnitStatus: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def case_id(self) -> int | None: ...
    @property
    def ts(self) -> float: ...


# What `FleetState.wire_rows` gives per unit: id, status value (None: never heard), last lat and lon (None: none
# reported), case id, the publisher's report time, seconds since heard (None: never), stale, transition flag.
WIRE_FIELDS = ("unit_id", "status", "lat", "lon", "case_id", "reported_at", "age_s", "stale", "flag")
WireRow = tuple[str, str | None, float | None, float | None, int | None, float | None, float | None, bool, str | None]


@dataclass(slots=True)
class _Live:
    unit_id: str
    type: str
    name: str
    publisher: str
    home_lat: float
    home_lon: float
    status: UnitStatus | None = None
    lat: float | None = None
    lon: float | None = None
    case_id: int | None = None
    reported_at: float | None = None  # publisher's Unix time of the last report
    heard: float | None = None  # local monotonic time the last report arrived
    stale: bool = True
    flag: str | None = None  # an illegal status transition the unit reported, e.g. "Transport → Ledig ute"


@dataclass(frozen=True, slots=True)
class UnitView:
    """A unit as the feeds last described it (plain data; safe to keep and pass between threads)."""

    unit_id: str
    type: str
    name: str
    publisher: str
    status: UnitStatus | None  # None: never heard of since start
    lat: float  # last reported position, or the unit's home until a report arrives
    lon: float
    case_id: int | None
    reported_at: float | None  # Unix time from the publisher
    age_s: float | None  # seconds since the last report arrived (None: never)
    stale: bool
    flag: str | None = None  # the last status change broke the transition graph (shown on the board)

    @property
    def available(self) -> bool:
        """Free to be dispatched now: an available status that is not stale."""
        return not self.stale and self.status is not None and self.status.is_available

    @property
    def status_label(self) -> str:
        if self.status is None:
            return "Ingen kontakt"
        return f"Ingen kontakt ({self.status.label})" if self.stale else self.status.label


@dataclass(slots=True)
class FeedCounters:
    publisher: str
    messages: int = 0
    updates: int = 0  # numbered updates taken in order as they arrived (live, not replayed)
    rejected: dict[str, int] = field(default_factory=dict)
    gaps: int = 0
    resyncs: int = 0
    restarts: int = 0
    duplicates: int = 0
    snapshots: int = 0
    auth_refused: int = 0  # handshakes refused, all reasons (refused_by_reason)
    refused_by_reason: dict[str, int] = field(default_factory=dict)  # unknown_key, wrong_key, wrong_mode, ...
    replays: int = 0  # replay requests answered
    replayed: int = 0  # updates received by replay
    holes: int = 0  # hole rows recorded
    hole_updates: int = 0  # sequence numbers in them
    resets: int = 0  # same-epoch sequence resets (counted as restarts too)
    illegal_transitions: int = 0
    last_heard: float | None = None  # monotonic
    epoch: str | None = None
    seq: int = 0
    synced: bool = False  # a snapshot of the current epoch has been applied and no resync is pending


@dataclass(frozen=True, slots=True)
class FeedView:
    """A feed's counters, for the console's feed panel."""

    publisher: str
    messages: int
    updates: int
    rejected: int
    rejected_by_reason: dict[str, int]
    gaps: int
    resyncs: int
    restarts: int
    duplicates: int
    snapshots: int
    auth_refused: int
    refused_by_reason: dict[str, int]
    replays: int
    replayed: int
    holes: int
    hole_updates: int
    resets: int
    illegal_transitions: int
    last_heard_age_s: float | None
    epoch: str | None
    seq: int
    synced: bool
    stale: bool


class FleetState:
    """The live status of every unit of `fleet`, plus per-feed counters."""

    def __init__(self, fleet: Fleet | None = None, *, unit_stale_after: float = 120.0,
                 feed_stale_after: float = 5.0, clock: Callable[[], float] = time.monotonic):
        fleet = fleet or default_fleet()
        self.unit_stale_after = unit_stale_after
        self.feed_stale_after = feed_stale_after
        self.clock = clock
        self.lock = threading.Lock()
        self._units: dict[str, _Live] = {
            u.id: _Live(u.id, u.type, u.name, u.publisher, u.lat, u.lon) for u in fleet.units
        }
        self.unit_publisher: dict[str, str] = {u.id: u.publisher for u in fleet.units}
        self._feeds: dict[str, FeedCounters] = {}
        self._changes: set[str] = set()

    # --- writer side (the subscriber thread) -------------------------------------------------

    def feed(self, publisher: str) -> FeedCounters:
        """The mutable counters of a feed (created on first use). Writer side only."""
        counters = self._feeds.get(publisher)
        if counters is None:
            counters = self._feeds[publisher] = FeedCounters(publisher)
        return counters

    def apply(self, updates: Iterable[tuple[Report, float]]) -> list[str]:
        """Apply (report, heard) pairs, `heard` being the local monotonic arrival time; return the
        units whose status, position or case changed. Unit ids must be known (the subscriber checks)."""
        units = self._units
        changed: list[str] = []
        with self.lock:
            changes = self._changes
            for r, heard in updates:
                unit_id, status, lat, lon, case_id = r.unit_id, r.status, r.lat, r.lon, r.case_id
                u = units[unit_id]
                if u.status is not status or u.lat != lat or u.lon != lon or u.case_id != case_id or u.stale:
                    u.status = status
                    u.lat = lat
                    u.lon = lon
                    u.case_id = case_id
                    u.stale = False
                    changes.add(unit_id)
                    changed.append(unit_id)
                u.reported_at = r.ts
                u.heard = heard
        return changed

    def set_flags(self, flags: dict[str, str | None]) -> None:
        """Set (or with None clear) units' transition warnings."""
        with self.lock:
            for unit_id, flag in flags.items():
                u = self._units[unit_id]
                if u.flag != flag:
                    u.flag = flag
                    self._changes.add(unit_id)

    def refresh_stale(self, now: float | None = None) -> int:
        """Recompute every unit's stale flag; return how many flipped."""
        now = self.clock() if now is None else now
        feed_ok = {p: c.last_heard is not None and c.epoch is not None and now - c.last_heard <= self.feed_stale_after
                   for p, c in self._feeds.items()}
        limit = self.unit_stale_after
        flipped = 0
        with self.lock:
            for u in self._units.values():
                stale = u.heard is None or now - u.heard > limit or not feed_ok.get(u.publisher, False)
                if stale != u.stale:
                    u.stale = stale
                    self._changes.add(u.unit_id)
                    flipped += 1
        return flipped

    # --- reader side (console, recommendation) -----------------------------------------------

    def drain_changes(self) -> set[str]:
        """Unit ids changed since the last call (coalesced: each id once however often it changed)."""
        with self.lock:
            changes, self._changes = self._changes, set()
        return changes

    def units(self) -> list[UnitView]:
        """Every unit, as plain immutable data."""
        now = self.clock()
        with self.lock:
            return [self._view(u, now) for u in self._units.values()]

    def snapshot(self) -> dict[str, UnitView]:
        return {v.unit_id: v for v in self.units()}

    def unit(self, unit_id: str) -> UnitView:
        now = self.clock()
        with self.lock:
            return self._view(self._units[unit_id], now)

    def units_by_id(self, unit_ids: Iterable[str]) -> list[UnitView]:
        now = self.clock()
        with self.lock:
            return [self._view(self._units[i], now) for i in unit_ids if i in self._units]

    def wire_rows(self, unit_ids: Iterable[str]) -> list[WireRow]:
        """Units as plain tuples (WIRE_FIELDS), cheap to pickle to another process and to read back."""
        now = self.clock()
        with self.lock:
            return [(u.unit_id, None if u.status is None else u.status.value, u.lat, u.lon, u.case_id,
                     u.reported_at, None if u.heard is None else now - u.heard, u.stale, u.flag)
                    for u in (self._units.get(i) for i in unit_ids) if u is not None]

    def feeds(self) -> list[FeedView]:
        now = self.clock()
        with self.lock:
            return [self._feed_view(c, now) for c in self._feeds.values()]

    def _feed_view(self, c: FeedCounters, now: float) -> FeedView:
        age = None if c.last_heard is None else now - c.last_heard
        return FeedView(
            publisher=c.publisher, messages=c.messages, updates=c.updates, rejected=sum(c.rejected.values()),
            rejected_by_reason=dict(c.rejected), gaps=c.gaps, resyncs=c.resyncs, restarts=c.restarts,
            duplicates=c.duplicates, snapshots=c.snapshots, auth_refused=c.auth_refused,
            refused_by_reason=dict(c.refused_by_reason), replays=c.replays, replayed=c.replayed, holes=c.holes,
            hole_updates=c.hole_updates, resets=c.resets, illegal_transitions=c.illegal_transitions,
            last_heard_age_s=age, epoch=c.epoch, seq=c.seq, synced=c.synced,
            stale=age is None or age > self.feed_stale_after or c.epoch is None,
        )

    @staticmethod
    def _view(u: _Live, now: float) -> UnitView:
        return UnitView(
            unit_id=u.unit_id, type=u.type, name=u.name, publisher=u.publisher, status=u.status,
            lat=u.home_lat if u.lat is None else u.lat, lon=u.home_lon if u.lon is None else u.lon,
            case_id=u.case_id, reported_at=u.reported_at,
            age_s=None if u.heard is None else now - u.heard, stale=u.stale, flag=u.flag,
        )
