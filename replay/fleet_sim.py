"""The replay's fleet: where each unit is and what it is doing on the simulated clock, and the product's
FleetSnapshot kept current from it for `recommend`.

A unit is at its station, free out (driving home after a job, its position interpolated on the straight line),
busy (alerted … at hospital) or off duty (outside its type's service hours). Changes are collected and written
into the snapshot only when a recommendation needs it (`current`): busy units through `FleetSnapshot.updated`
(status, position and the expected free time, from unvalidated `UnitState.model_construct` models), free,
returning and off-duty units through `FleetSnapshot.with_live` (arrays only). The snapshot is never rebuilt.

Coverage (the product's rule, dispatch.recommend COVERAGE_TYPES): a delregion without an available ambulance
based there is a gap, recorded as (delregion index, start, end) in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dispatch.fleet_view import FleetSnapshot, UnitState, states_from_fleet
from dispatch.recommend import COVERAGE_TYPES
from resources.clock import LOCAL_TZ
from resources.fleet import Fleet
from resources.geography import DELREGIONER, Geography, distance_km
from resources.palette import Palette, ResourceType
from resources.vocabulary import UnitStatus

STATION, OUT, BUSY, OFF = 0, 1, 2, 3


@dataclass(slots=True)
class _Report:
    """A unit's live fields as `FleetSnapshot.with_live` reads them (dispatch.fleet_view.LiveReport)."""

    unit_id: str
    status: UnitStatus
    lat: float
    lon: float
    case_id: int | None = None
    stale: bool = False


class FleetSim:
    def __init__(self, fleet: Fleet, palette: Palette, geography: Geography, year: int):
        # t counts real elapsed minutes from 1 January 00:00 local time (as replay.call_context.call_datetime)
        self.start = datetime(year, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)
        self.snap = FleetSnapshot(states_from_fleet(fleet), palette=palette, geography=geography)
        snap = self.snap
        self.n = len(snap)
        self.ids: list[str] = list(snap.ids)
        units = snap.units
        self.type_code: list[str] = [u.type or "" for u in units]
        self.rtype: list[ResourceType] = [palette.type(c) for c in self.type_code]
        self.home: list[tuple[float, float]] = list(zip(snap.lat.tolist(), snap.lon.tolist(), strict=True))
        self.pos: list[tuple[float, float]] = list(self.home)
        self.state: list[int] = [STATION] * self.n
        self.generation: list[int] = [0] * self.n  # bumped on every new job: stale "home" events are ignored
        self.returning: dict[int, tuple[float, float, float, float]] = {}  # i -> (t0, lat0, lon0, t_home)
        self._busy: dict[int, tuple[UnitStatus, float, float, int | None, float]] = {}
        self._live: dict[int, UnitStatus] = {}
        self.by_type: dict[str, list[int]] = {code: ix.tolist() for code, ix in snap.type_index.items()}
        delreg = snap.delregion.tolist()
        self.cover_region: list[int] = [int(delreg[i]) if self.type_code[i] in COVERAGE_TYPES else -1
                                        for i in range(self.n)]
        self.free_cover = [0] * len(DELREGIONER)
        for r in self.cover_region:
            if r >= 0:
                self.free_cover[r] += 1
        self._gap_open: list[float | None] = [None] * len(DELREGIONER)
        self.gaps: list[tuple[int, float, float]] = []
        for r, count in enumerate(self.free_cover):
            if count == 0:
                self._gap_open[r] = 0.0

    # --- time -------------------------------------------------------------------------------------
    def at(self, t: float) -> datetime:
        """Local (aware) time `t` minutes into the year."""
        return (self.start + timedelta(minutes=t)).astimezone(LOCAL_TZ)

    def position(self, i: int, t: float) -> tuple[float, float]:
        ret = self.returning.get(i)
        if ret is None:
            return self.pos[i]
        t0, lat0, lon0, t1 = ret
        home = self.home[i]
        f = 1.0 if t1 <= t0 else min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        return lat0 + (home[0] - lat0) * f, lon0 + (home[1] - lon0) * f

    def available(self, i: int) -> bool:
        return self.state[i] in (STATION, OUT)

    # --- coverage -------------------------------------------------------------------------------
    def _cover(self, i: int, delta: int, t: float) -> None:
        r = self.cover_region[i]
        if r < 0:
            return
        before = self.free_cover[r]
        self.free_cover[r] = before + delta
        if before > 0 and self.free_cover[r] == 0:
            self._gap_open[r] = t
        elif before == 0 and self.free_cover[r] > 0:
            start = self._gap_open[r]
            if start is not None and t > start:
                self.gaps.append((r, start, t))
            self._gap_open[r] = None

    def close_gaps(self, t: float) -> None:
        for r, start in enumerate(self._gap_open):
            if start is not None and t > start:
                self.gaps.append((r, start, t))
            self._gap_open[r] = None if start is None else t

    # --- changes --------------------------------------------------------------------------------
    def alert(self, i: int, t: float, case_id: int, free_at: float, scene: tuple[float, float]) -> tuple[float, float]:
        """Unit `i` takes a job at `t`; returns where it starts from. The snapshot shows it at the scene it is
        heading for (where it will be when free, as far as a recommendation can know), free at `free_at`."""
        if not self.available(i):
            raise RuntimeError(f"{self.ids[i]} larmas men är inte ledig")
        start = self.position(i, t)
        self.returning.pop(i, None)
        self.pos[i] = start
        self.state[i] = BUSY
        self.generation[i] += 1
        self._cover(i, -1, t)
        self._busy[i] = (UnitStatus.ALERTED, scene[0], scene[1], case_id, free_at)
        self._live.pop(i, None)
        return start

    def busy_update(self, i: int, status: UnitStatus, lat: float, lon: float, case_id: int, free_at: float) -> None:
        self.pos[i] = (lat, lon)
        self._busy[i] = (status, lat, lon, case_id, free_at)

    def free(self, i: int, t: float, lat: float, lon: float, home_minutes: float, in_service: bool) -> float | None:
        """The job is done at (lat, lon): the unit is free out, driving home (arrival time returned), or goes
        off duty when its type is out of service (None)."""
        self._busy.pop(i, None)
        if not in_service:
            self.state[i] = OFF
            self.pos[i] = self.home[i]
            self._live[i] = UnitStatus.OFF_DUTY
            return None
        self._cover(i, +1, t)
        if home_minutes <= 0.05 or distance_km(lat, lon, *self.home[i]) < 0.05:
            self.state[i] = STATION
            self.pos[i] = self.home[i]
            self._live[i] = UnitStatus.AVAILABLE_AT_STATION
            return None
        self.state[i] = OUT
        self.pos[i] = (lat, lon)
        self.returning[i] = (t, lat, lon, t + home_minutes)
        self._live[i] = UnitStatus.AVAILABLE_OUT
        return t + home_minutes

    def at_station(self, i: int, generation: int) -> None:
        if self.state[i] != OUT or self.generation[i] != generation:
            return
        self.returning.pop(i, None)
        self.state[i] = STATION
        self.pos[i] = self.home[i]
        self._live[i] = UnitStatus.AVAILABLE_AT_STATION

    def off_duty(self, i: int, t: float) -> None:
        if not self.available(i):
            return
        self._cover(i, -1, t)
        self.returning.pop(i, None)
        self.state[i] = OFF
        self.pos[i] = self.home[i]
        self._live[i] = UnitStatus.OFF_DUTY

    def on_duty(self, i: int, t: float) -> bool:
        if self.state[i] != OFF:
            return False
        self._cover(i, +1, t)
        self.state[i] = STATION
        self.pos[i] = self.home[i]
        self._live[i] = UnitStatus.AVAILABLE_AT_STATION
        return True

    # --- the snapshot -----------------------------------------------------------------------------
    def current(self, t: float) -> FleetSnapshot:
        """The snapshot at `t`: pending changes written in, returning units at their interpolated positions."""
        snap = self.snap
        if self._busy:
            changes = [UnitState.model_construct(id=self.ids[i], status=st, lat=lat, lon=lon, case_id=case,
                                                 expected_free_at=self.at(free_at))
                       for i, (st, lat, lon, case, free_at) in self._busy.items()]
            snap = snap.updated(changes)
            self._busy.clear()
        reports = []
        for i, status in self._live.items():
            if i not in self.returning:
                lat, lon = self.pos[i]
                reports.append(_Report(self.ids[i], status, lat, lon))
        self._live.clear()
        for i in self.returning:
            lat, lon = self.position(i, t)
            reports.append(_Report(self.ids[i], UnitStatus.AVAILABLE_OUT, lat, lon))
        if reports:
            snap = snap.with_live(reports)
        self.snap = snap
        return snap

