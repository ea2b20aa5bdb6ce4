"""The simulated fleet: units drive straight lines at their palette speed and go through the
status cycle when assigned. Pure Python with its own clock: `step(dt)` advances simulated time
and returns what happened, so tests drive it deterministically and the runner publishes it.

Cycle of an assignment: ledig → larmad (mobilisation time) → framkörning → på plats (on-scene time)
→ either transport → vid sjukhus → ledig ute (outcome transported_ed), or ledig ute directly
(outcome treated_left_home / left_home_advice) → driving home → ledig på station.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dispatch.status import IllegalTransition, check_transition
from resources.fleet import Fleet, Unit, default_fleet
from resources.geography import Geography, default_geography, distance_km, in_skane
from resources.palette import Palette, ResourceType, default_palette
from resources.vocabulary import Priority, TransportNeed, UnitStatus


class SimulatorError(ValueError):
    """An order the simulator cannot carry out (message in Swedish)."""


@dataclass(frozen=True)
class StatusEvent:
    unit_id: str
    status: UnitStatus
    lat: float
    lon: float
    case_id: int | None


@dataclass(frozen=True)
class OutcomeEvent:
    unit_id: str
    case_id: int
    code: str
    destination: str | None = None


@dataclass
class SimUnit:
    unit: Unit
    rtype: ResourceType
    status: UnitStatus
    lat: float
    lon: float
    target: tuple[float, float] | None = None
    kmh: float = 0.0  # straight-line speed while moving
    timer: float = 0.0  # seconds left in a timed phase (larmad, på plats, vid sjukhus)
    case_id: int | None = None
    priority: Priority | None = None
    destination: str | None = None
    background: bool = False  # a mission the simulator made up (no case, no outcome)
    off_by_hand: bool = False  # set out of service by a dispatcher: service hours do not bring it back
    moved: bool = field(default=False, repr=False)

    @property
    def moving(self) -> bool:
        return self.target is not None and self.timer <= 0


class Simulator:
    """The whole fleet in simulated time. `assign()`/`recall()` are orders; `step(dt)` runs time."""

    def __init__(self, fleet: Fleet | None = None, *, palette: Palette | None = None,
                 geography: Geography | None = None, seed: int = 1, start: datetime | None = None,
                 background_per_hour: float = 60.0, p_transport: float = 0.7,
                 follow_service_hours: bool = True):
        self.fleet = fleet or default_fleet()
        self.palette = palette or default_palette()
        self.geo = geography or default_geography()
        self.rng = random.Random(seed)
        self.start = start or datetime.now()
        self.time = 0.0
        self.background_per_hour = background_per_hour
        self.p_transport = p_transport
        self.follow_service_hours = follow_service_hours
        self.units: dict[str, SimUnit] = {}
        for u in self.fleet.units:
            rtype = self.palette.type(u.type)
            status = UnitStatus.AVAILABLE_AT_STATION
            if follow_service_hours and not rtype.in_service(self.start):
                status = UnitStatus.OFF_DUTY
            self.units[u.id] = SimUnit(u, rtype, status, u.lat, u.lon)
        self._next_hours_check = 60.0

    @property
    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.time)

    # --- orders ---------------------------------------------------------------------------------

    def _get(self, unit_id: str) -> SimUnit:
        su = self.units.get(unit_id)
        if su is None:
            raise SimulatorError(f"okänd enhet {unit_id!r}")
        return su

    def assign(self, unit_id: str, case_id: int | None, lat: float, lon: float,
               priority: Priority | str = Priority.P2) -> list[StatusEvent]:
        su = self._get(unit_id)
        if not in_skane(lat, lon):
            raise SimulatorError(f"position {lat}, {lon} ligger utanför Skåne")
        if not su.status.is_available:
            raise SimulatorError(f"enheten {unit_id} är inte ledig ({su.status.label})")
        return [self._alert(su, case_id, lat, lon, Priority(priority), background=False)]

    def update_mission(self, unit_id: str, case_id: int | None, lat: float, lon: float,
                       priority: Priority | str) -> None:
        """The case changed (an alert's update): a unit still on its way drives to the new position at the new
        priority's speed; once there, nothing changes."""
        su = self._get(unit_id)
        if su.case_id != case_id or su.status not in (UnitStatus.ALERTED, UnitStatus.EN_ROUTE) or not in_skane(lat, lon):
            return
        speed = su.rtype.speed
        assert speed is not None
        su.priority = Priority(priority)
        su.target = (lat, lon)
        su.kmh = (speed.prio1_kmh if su.priority is Priority.P1 else speed.kmh) / speed.road_factor

    def recall(self, unit_id: str) -> list[StatusEvent]:
        """Cancel an assignment before arrival: the unit turns back and is free (ledig ute)."""
        su = self._get(unit_id)
        if su.status not in (UnitStatus.ALERTED, UnitStatus.EN_ROUTE):
            raise SimulatorError(f"enheten {unit_id} kan inte återkallas ({su.status.label})")
        su.case_id = su.priority = None
        su.background = False
        return [self._head_home(su)]

    def set_status(self, unit_id: str, status: UnitStatus | str) -> list[StatusEvent | OutcomeEvent]:
        """A status the dispatcher set by hand (radio): the unit goes on from there as if it had reported it.
        Only the transition graph's changes, and not "larmad" (that is an assignment)."""
        su = self._get(unit_id)
        status = UnitStatus(status)
        if status is UnitStatus.ALERTED:
            raise SimulatorError(f"enheten {unit_id} larmas genom en dirigering, inte en statusändring")
        try:
            check_transition(su.status, status)
        except IllegalTransition as exc:
            raise SimulatorError(str(exc)) from None
        su.off_by_hand = status is UnitStatus.OFF_DUTY
        if status is su.status:
            return []
        if status is UnitStatus.EN_ROUTE:
            su.timer = 0.0
            return [self._set(su, status)]
        if status in (UnitStatus.ON_SCENE, UnitStatus.AT_HOSPITAL):  # arrived: at the target now
            if su.target is not None:
                su.lat, su.lon = su.target
            su.target, su.timer = None, 0.0
            return self._arrived(su)
        if status is UnitStatus.TRANSPORTING:
            if not self._transports(su):
                raise SimulatorError(f"enheten {unit_id} kan inte transportera patienter")
            su.timer = 0.0
            return [self._start_transport(su)]
        # Free or out of service: the mission (if any) ends without an outcome.
        su.case_id = su.priority = su.destination = None
        su.background, su.timer = False, 0.0
        if status is UnitStatus.AVAILABLE_OUT:
            return [self._head_home(su, stay_out=True)]
        su.target = None
        if status is UnitStatus.AVAILABLE_AT_STATION:
            su.lat, su.lon = su.unit.lat, su.unit.lon
        return [self._set(su, status)]

    @staticmethod
    def _transports(su: SimUnit) -> bool:
        return su.rtype.transport in (TransportNeed.SEATED, TransportNeed.LYING, TransportNeed.AMBULANCE)

    def _start_transport(self, su: SimUnit) -> StatusEvent:
        ed = self.geo.nearest_ed(su.lat, su.lon, open_24_7_only=True)
        su.destination = ed.code
        su.target = (ed.lat, ed.lon)
        speed = su.rtype.speed
        assert speed is not None
        su.kmh = speed.kmh / speed.road_factor
        return self._set(su, UnitStatus.TRANSPORTING)

    def _alert(self, su: SimUnit, case_id: int | None, lat: float, lon: float, priority: Priority,
               background: bool) -> StatusEvent:
        speed = su.rtype.speed
        assert speed is not None
        su.case_id, su.priority, su.background = case_id, priority, background
        su.target = (lat, lon)
        kmh = speed.prio1_kmh if priority is Priority.P1 else speed.kmh
        su.kmh = kmh / speed.road_factor
        su.timer = speed.mobilisation_minutes * 60 * (0.5 if priority is Priority.P1 else 1.0)
        return self._set(su, UnitStatus.ALERTED)

    def _set(self, su: SimUnit, status: UnitStatus) -> StatusEvent:
        su.status = status
        return StatusEvent(su.unit.id, status, round(su.lat, 5), round(su.lon, 5), su.case_id)

    def _head_home(self, su: SimUnit, stay_out: bool = False) -> StatusEvent:
        su.case_id = None
        su.priority = None
        su.destination = None
        su.timer = 0.0
        speed = su.rtype.speed
        assert speed is not None
        su.kmh = speed.kmh / speed.road_factor
        home = (su.unit.lat, su.unit.lon)
        if distance_km(su.lat, su.lon, *home) < 0.05 and not stay_out:
            su.target = None
            su.lat, su.lon = home
            return self._set(su, UnitStatus.AVAILABLE_AT_STATION)
        su.target = home
        return self._set(su, UnitStatus.AVAILABLE_OUT)

    # --- time ---------------------------------------------------------------------------------

    def step(self, dt: float) -> list[StatusEvent | OutcomeEvent]:
        """Advance `dt` simulated seconds; return status changes and outcomes in order."""
        self.time += dt
        events: list[StatusEvent | OutcomeEvent] = []
        for su in self.units.values():
            su.moved = False
            if su.status is UnitStatus.OFF_DUTY or (su.target is None and su.timer <= 0):
                continue
            if su.timer > 0:
                su.timer -= dt
                if su.timer > 0:
                    continue
                events += self._timer_done(su)
            elif su.target is not None:
                events += self._drive(su, dt)
        self._background(dt, events)
        if self.follow_service_hours and self.time >= self._next_hours_check:
            self._next_hours_check = self.time + 60.0
            events += self._service_hours()
        return events

    def _drive(self, su: SimUnit, dt: float) -> list[StatusEvent | OutcomeEvent]:
        assert su.target is not None
        left = distance_km(su.lat, su.lon, *su.target)
        travel = su.kmh * dt / 3600
        su.moved = True
        if travel < left:
            f = travel / left
            su.lat += (su.target[0] - su.lat) * f
            su.lon += (su.target[1] - su.lon) * f
            return []
        su.lat, su.lon = su.target
        su.target = None
        return self._arrived(su)

    def _arrived(self, su: SimUnit) -> list[StatusEvent | OutcomeEvent]:
        if su.status is UnitStatus.EN_ROUTE:
            su.timer = self.rng.uniform(10, 25) * 60
            return [self._set(su, UnitStatus.ON_SCENE)]
        if su.status is UnitStatus.TRANSPORTING:
            su.timer = self.rng.uniform(10, 20) * 60
            events: list[StatusEvent | OutcomeEvent] = [self._set(su, UnitStatus.AT_HOSPITAL)]
            if su.case_id is not None and not su.background:
                events.append(OutcomeEvent(su.unit.id, su.case_id, "transported_ed", su.destination))
            return events
        if su.status is UnitStatus.AVAILABLE_OUT:
            return [self._set(su, UnitStatus.AVAILABLE_AT_STATION)]
        return []

    def _timer_done(self, su: SimUnit) -> list[StatusEvent | OutcomeEvent]:
        su.timer = 0.0
        if su.status is UnitStatus.ALERTED:
            return [self._set(su, UnitStatus.EN_ROUTE)]
        if su.status is UnitStatus.ON_SCENE:
            if self._transports(su) and self.rng.random() < self.p_transport:
                return [self._start_transport(su)]
            events: list[StatusEvent | OutcomeEvent] = []
            if su.case_id is not None and not su.background:
                code = "treated_left_home" if self.rng.random() < 0.6 else "left_home_advice"
                events.append(OutcomeEvent(su.unit.id, su.case_id, code))
            return [*events, self._head_home(su)]
        if su.status is UnitStatus.AT_HOSPITAL:
            return [self._head_home(su)]
        return []

    def _background(self, dt: float, events: list[StatusEvent | OutcomeEvent]) -> None:
        """Missions the simulator makes up so a newcomer sees a live board (no case, no outcome)."""
        expected = self.background_per_hour * dt / 3600
        n = int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)
        if not n:
            return
        free = [su for su in self.units.values() if su.status is UnitStatus.AVAILABLE_AT_STATION]
        for su in self.rng.sample(free, min(n, len(free))):
            for _ in range(10):
                r = self.rng.uniform(1, 12) / 111.0
                a = self.rng.uniform(0, 2 * math.pi)
                lat, lon = su.lat + r * math.sin(a), su.lon + r * math.cos(a) * 1.8
                if in_skane(lat, lon):
                    prio = self.rng.choice([Priority.P1, Priority.P2, Priority.P2, Priority.P3])
                    events.append(self._alert(su, None, round(lat, 5), round(lon, 5), prio, background=True))
                    break

    def _service_hours(self) -> list[StatusEvent | OutcomeEvent]:
        now = self.now
        events: list[StatusEvent | OutcomeEvent] = []
        for su in self.units.values():
            in_service = su.rtype.in_service(now)
            if not in_service and su.status is UnitStatus.AVAILABLE_AT_STATION:
                events.append(self._set(su, UnitStatus.OFF_DUTY))
            elif in_service and su.status is UnitStatus.OFF_DUTY and not su.off_by_hand:
                events.append(self._set(su, UnitStatus.AVAILABLE_AT_STATION))
        return events
