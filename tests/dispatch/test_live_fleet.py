"""LiveFleet: the snapshot kept current from the feed state's coalesced changes equals the snapshot
rebuilt from scratch (the register merged with every unit's live view), after any stream of changes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pytest

from dispatch.case_input import DispatchCase
from dispatch.feed.state import FleetState
from dispatch.fleet_view import FleetSnapshot, merge_live
from dispatch.live_fleet import LiveFleet
from dispatch.recommend import recommend
from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet
from resources.vocabulary import Capability, TransportNeed, UnitStatus

FLEET = default_fleet()
IDS = [u.id for u in FLEET.units]


@dataclass(frozen=True)
class Report:
    unit_id: str
    status: UnitStatus
    lat: float
    lon: float
    case_id: int | None
    ts: float


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def rebuilt(state: FleetState) -> FleetSnapshot:
    """From scratch, as the console used to on every recompute."""
    live = [{"id": v.unit_id, "status": v.status, "lat": v.lat, "lon": v.lon, "case_id": v.case_id,
             "stale": v.stale} for v in state.units()]
    return FleetSnapshot(merge_live(FLEET, live))


def assert_same(a: FleetSnapshot, b: FleetSnapshot) -> None:
    assert a.ids == b.ids and a.index == b.index
    for name in ("lat", "lon", "status", "stale", "case_id", "affiliation", "delregion", "available", "countable"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.free_at, b.free_at, equal_nan=True)
    assert a.type_index.keys() == b.type_index.keys()
    assert all(np.array_equal(a.type_index[k], b.type_index[k]) for k in a.type_index)
    assert [u.model_dump() for u in a.units] == [u.model_dump() for u in b.units]


def random_step(rng: random.Random, state: FleetState, clock: Clock) -> None:
    roll = rng.random()
    if roll < 0.75:  # a batch of reports: moves, status and case changes, repeats of the same state
        batch = []
        for _ in range(rng.randint(1, 40)):
            uid = rng.choice(IDS)
            cur = state.unit(uid)
            if rng.random() < 0.3 and cur.status is not None:  # the same state again: no change
                r = Report(uid, cur.status, cur.lat, cur.lon, cur.case_id, clock.t)
            else:
                r = Report(uid, rng.choice(list(UnitStatus)), round(55.4 + rng.random() * 0.8, 5),
                           round(12.9 + rng.random() * 1.3, 5), rng.choice([None, None, rng.randint(1, 500)]),
                           clock.t)
            batch.append((r, clock.t))
        state.apply(batch)
    elif roll < 0.85:  # time passes: units and feeds go stale
        clock.t += rng.choice([1.0, 30.0, 200.0])
        state.refresh_stale()
    elif roll < 0.95:  # a feed is heard from (its units may become fresh at the next refresh)
        counters = state.feed(rng.choice(sorted({u.publisher for u in FLEET.units})))
        counters.last_heard, counters.epoch = clock.t, "e1"
        state.refresh_stale()
    else:  # transition warnings: change the board only, not the snapshot's fields
        state.set_flags({rng.choice(IDS): rng.choice([None, "Transport → Ledig ute"])})


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_incremental_snapshot_equals_a_rebuilt_one_after_random_changes(seed: int) -> None:
    rng = random.Random(seed)
    clock = Clock()
    state = FleetState(FLEET, clock=clock)
    live = LiveFleet(FLEET, state.units())  # as the bridge's first sync does
    state.drain_changes()
    for step in range(300):
        random_step(rng, state, clock)
        if rng.random() < 0.5:  # the console's repaint tick: drain the coalesced set, file those units
            live.note(state.units_by_id(state.drain_changes()))
        if step % 25 == 24:
            live.note(state.units_by_id(state.drain_changes()))
            snap, generation = live.current()
            assert generation == live.generation
            assert_same(snap, rebuilt(state))
    live.note(state.units_by_id(state.drain_changes()))
    snap, _ = live.current()
    assert_same(snap, rebuilt(state))
    need = CareNeed(capabilities={Capability.ECG, Capability.OXYGEN}, transport=TransportNeed.AMBULANCE, max_minutes=30)
    at = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
    for lat, lon, kommun in ((55.6, 13.0, "Malmö"), (56.03, 12.7, "Helsingborg"), (55.7, 13.19, "Lund")):
        case = DispatchCase(priority="1", care_need=need, lat=lat, lon=lon, kommun=kommun)
        assert recommend(case, snap, at) == recommend(case, rebuilt(state), at)


def test_generation_counts_notes_and_a_snapshot_is_never_changed_afterwards() -> None:
    state = FleetState(FLEET)
    live = LiveFleet(FLEET, state.units())
    first, gen = live.current()
    assert live.note([]) == gen  # nothing changed: same generation
    state.apply([(Report("AMB-001", UnitStatus.EN_ROUTE, 55.61, 13.01, 7, 1.0), 1.0)])
    assert live.note(state.units_by_id(state.drain_changes())) == gen + 1 and live.pending() == 1
    second, gen2 = live.current()
    i = first.index["AMB-001"]
    assert gen2 == gen + 1 and live.pending() == 0
    assert first.status[i] != second.status[i] and first.unit(i).status is UnitStatus.AVAILABLE_AT_STATION
    assert second.unit(i).status is UnitStatus.EN_ROUTE and second.unit(i).case_id == 7
    assert second.unit(i).type == "AMBULANS" and not second.available[i]
    assert live.current() == (second, gen2)  # nothing filed since: the same snapshot
