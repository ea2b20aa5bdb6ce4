"""Recommendation benchmark: the path the console runs, beside the bare floor, in the same run.

    python bench/bench_recommend.py [--sizes 1000 10000 100000] [--runs 300] [--changed 0.01 0.1]

Fleets are synthetic registers spread over Skåne (around the kommun centres, in the default fleet's
type mix), held in a live `dispatch.feed.state.FleetState` as the feed subscriber keeps it (70 % free,
20 % busy, 10 % off duty). Before each sample a share of the units (`--changed`) gets a new report
(moved, or a status change) through `FleetState.apply`, as the feed thread does (not timed). Then,
per sample:

  console  what the console runs for one recompute: the repaint tick's part (drain the coalesced
           changes, read those units, file them with the LiveFleet) and the worker's part
           (`LiveFleet.current()`: the changes written into the snapshot's arrays, then `recommend`);
  floor    `recommend()` alone on a prebuilt snapshot of the same fleet, same case, same instant;
  rebuild  the old path (the register merged with every unit's live view, one model per unit, a new
           FleetSnapshot, then recommend), for a few samples (`--rebuild-runs`), for scale.

Each sample recommends for a different case (location, care need, priority, time). Prints medians
and p95/p99 in ms and the ratio console/floor; the goal is a console median ≤ 5 ms at 10,000 units.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch.case_input import DispatchCase  # noqa: E402
from dispatch.feed.state import FleetState  # noqa: E402
from dispatch.fleet_view import FleetSnapshot, merge_live  # noqa: E402
from dispatch.live_fleet import LiveFleet  # noqa: E402
from dispatch.recommend import recommend  # noqa: E402
from resources.care_need import CareNeed, CareNeedPart  # noqa: E402
from resources.care_plan import CarePlanEntry, CarePlanView, PlanItem, PlanItemKind  # noqa: E402
from resources.clock import LOCAL_TZ  # noqa: E402
from resources.fleet import Fleet, Unit, default_fleet  # noqa: E402
from resources.geography import default_geography, in_skane  # noqa: E402
from resources.patient_context import PatientContext  # noqa: E402
from resources.vocabulary import Capability as C  # noqa: E402
from resources.vocabulary import TransportNeed, UnitStatus  # noqa: E402

START = datetime(2026, 11, 23, 0, 0, tzinfo=LOCAL_TZ)

NEEDS = [
    ("1", CareNeed(capabilities={C.CPR_DEFIBRILLATION, C.AMBULANCE_TRANSPORT}, transport=TransportNeed.AMBULANCE,
                   max_minutes=10, additional=(CareNeedPart(role="IVPA", capabilities={C.CPR_DEFIBRILLATION},
                                                            max_minutes=10),))),
    ("3", CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)),
    ("2", CareNeed(capabilities={C.NURSE_ASSESSMENT, C.POC_TESTS}, max_minutes=120)),
    ("3", CareNeed(capabilities={C.DEATH_CONFIRMATION, C.CERTIFICATES}, max_minutes=180)),
    ("2", CareNeed(capabilities={C.PSYCHIATRIC_ASSESSMENT}, transport=TransportNeed.SEATED, max_minutes=60)),
]
# A unit's status cycle: legal transitions only (dispatch.status), so no report is flagged.
CYCLE = [UnitStatus.AVAILABLE_OUT, UnitStatus.ALERTED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE]


@dataclass(frozen=True, slots=True)
class Report:
    unit_id: str
    status: UnitStatus
    lat: float
    lon: float
    case_id: int | None
    ts: float


def near(k, spread_lat: float, spread_lon: float, rng: random.Random) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """A random position around kommun `k` that lies in Skåne (not out at sea or abroad)."""
    while True:
        lat, lon = k.lat + rng.uniform(-spread_lat, spread_lat), k.lon + rng.uniform(-spread_lon, spread_lon)
        if in_skane(lat, lon):
            return lat, lon


def synthetic_register(n: int, rng: random.Random) -> Fleet:
    base = default_fleet()
    mix = Counter(u.type for u in base.units)
    by_type = {t: [u for u in base.units if u.type == t] for t in mix}
    geo = default_geography()
    units = []
    for i in range(n):
        t = rng.choices(list(mix), weights=list(mix.values()))[0]
        template = rng.choice(by_type[t])
        k = rng.choice(geo.kommuner)
        lat, lon = near(k, 0.08, 0.12, rng)
        units.append(Unit(id=f"S{i:06d}", type=t, name=f"Enhet {i}", home_kommun=k.name, lat=lat, lon=lon,
                          affiliation=template.affiliation, publisher=template.publisher))
    return Fleet(units=tuple(units))


def first_reports(fleet: Fleet, rng: random.Random) -> list[tuple[Report, float]]:
    out = []
    for u in fleet.units:
        roll = rng.random()
        status = (UnitStatus.ON_SCENE if roll < 0.2 else UnitStatus.OFF_DUTY if roll < 0.3
                  else UnitStatus.AVAILABLE_AT_STATION)
        out.append((Report(u.id, status, u.lat, u.lon, 1 if roll < 0.2 else None, 0.0), 0.0))
    return out


def changes(fleet: Fleet, state: FleetState, count: int, rng: random.Random, t: float) -> list[tuple[Report, float]]:
    """`count` reports of distinct units: most move a little, some change status along the cycle."""
    out = []
    for u in rng.sample(fleet.units, count):
        v = state.unit(u.id)
        if rng.random() < 0.25 and v.status is not UnitStatus.OFF_DUTY:
            i = CYCLE.index(v.status) if v.status in CYCLE else -1
            out.append((Report(u.id, CYCLE[(i + 1) % len(CYCLE)], v.lat, v.lon, v.case_id, t), t))
        else:
            lat, lon = v.lat + rng.uniform(-0.002, 0.002), v.lon + rng.uniform(-0.003, 0.003)
            out.append((Report(u.id, v.status or UnitStatus.AVAILABLE_OUT, lat, lon, v.case_id, t), t))
    return out


def cases(count: int, rng: random.Random) -> list[tuple[DispatchCase, datetime]]:
    geo = default_geography()
    mvt = sorted({u.affiliation for u in default_fleet().of_type("MVT_VC") if u.affiliation})
    out = []
    for _ in range(count):
        prio, need = rng.choice(NEEDS)
        k = rng.choice(geo.kommuner)
        ctx = PatientContext(enrolled_mobile_team=rng.choice(mvt)) if rng.random() < 0.5 else PatientContext()
        if ctx.enrolled_mobile_team and rng.random() < 0.5:  # half of them with a plan: the plan's path is timed too
            ctx = ctx.model_copy(update={"care_plan": care_plan(ctx.enrolled_mobile_team)})
        lat, lon = near(k, 0.05, 0.05, rng)
        case = DispatchCase(priority=prio, care_need=need, lat=lat, lon=lon, kommun=k.name, context=ctx)
        out.append((case, START + timedelta(minutes=rng.randint(0, 7 * 24 * 60 - 1))))
    return out


def care_plan(team: str) -> CarePlanView:
    """A heart-failure plan: the team by day, the physician car at night, no hospital."""
    items = [PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=clock_time(8), hours_to=clock_time(17)),
             PlanItem(kind=PlanItemKind.PHYSICIAN_CAR, text="Läkarbil nattetid", hours_from=clock_time(17), hours_to=clock_time(8)),
             PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Vill helst inte till sjukhus")]
    plan = CarePlanEntry(team=team, author="bench", written_on=date(2026, 10, 1), valid_until=date(2027, 12, 31),
                         expired=False, items=items, free_text="", source="bench", updated_at=START)
    return CarePlanView(personnummer="19121212-1212", read_for=date(2026, 11, 23), plans=[plan])


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):>8.3f} {pct(values, 0.95):>8.3f} {pct(values, 0.99):>8.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--changed", type=float, nargs="+", default=[0.01, 0.1],
                    help="share of the units with a new report before each recompute")
    ap.add_argument("--rebuild-runs", type=int, default=3, help="samples of the old full-rebuild path")
    args = ap.parse_args()
    rng = random.Random(2026)
    print("ms per recommendation; console = tick (drain, read, file) + worker (apply to snapshot, recommend)")
    print(f"{'units':>7} {'changed':>7} {'build':>7} | {'console median   p95      p99':>26} | "
          f"{'tick':>6} {'worker':>7} | {'floor median   p95      p99':>26} | {'ratio':>5} | {'rebuild':>8}")
    for n in args.sizes:
        fleet = synthetic_register(n, rng)
        for share in args.changed:
            state = FleetState(fleet)
            state.apply(first_reports(fleet, rng))
            t0 = time.perf_counter()
            live = LiveFleet(fleet, state.units_by_id(state.drain_changes()))
            live.current()
            build = (time.perf_counter() - t0) * 1000
            count = max(1, int(n * share))
            work = cases(args.runs + 10, rng)
            console, tick, worker, floor, rebuild = [], [], [], [], []
            for k, (case, at) in enumerate(work):
                state.apply(changes(fleet, state, count, rng, float(k + 1)))  # the feed thread's part
                t0 = time.perf_counter()
                live.note(state.units_by_id(state.drain_changes()))  # the repaint tick's part
                t1 = time.perf_counter()
                snapshot, _ = live.current()  # the worker's part
                rec = recommend(case, snapshot, at)
                t2 = time.perf_counter()
                again = recommend(case, snapshot, at)  # the floor: same snapshot, already built
                t3 = time.perf_counter()
                assert rec == again
                if k < 10:  # warm-up
                    continue
                console.append((t2 - t0) * 1000)
                tick.append((t1 - t0) * 1000)
                worker.append((t2 - t1) * 1000)
                floor.append((t3 - t2) * 1000)
            for case, at in work[:args.rebuild_runs]:
                t0 = time.perf_counter()
                views = state.units()
                live_rows = [{"id": v.unit_id, "status": v.status, "lat": v.lat, "lon": v.lon,
                              "case_id": v.case_id, "stale": v.stale} for v in views]
                recommend(case, FleetSnapshot(merge_live(fleet, live_rows)), at)
                rebuild.append((time.perf_counter() - t0) * 1000)
            ratio = statistics.median(console) / statistics.median(floor)
            print(f"{n:>7} {count:>7} {build:>7.0f} | {fmt(console)} | {statistics.median(tick):>6.3f} "
                  f"{statistics.median(worker):>7.3f} | {fmt(floor)} | {ratio:>5.2f} | "
                  f"{statistics.median(rebuild) if rebuild else float('nan'):>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
