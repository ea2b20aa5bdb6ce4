"""Recommendation benchmark: median and p99 per recommendation over synthetic fleets.

    python bench/bench_recommend.py [--sizes 1000 10000 100000] [--runs 400]

Fleets are synthetic and spread over Skåne (around the kommun centres, in the default fleet's
type mix; 70 % free, 20 % busy with an expected free time, 10 % off duty). Each run recommends
for a different case (location, care need, priority, time). The same run times the bare floor:
one vectorised haversine distance over the same fleet, and prints the ratio full/floor.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispatch.case_input import DispatchCase  # noqa: E402
from dispatch.fleet_view import FleetSnapshot, UnitState  # noqa: E402
from dispatch.recommend import recommend  # noqa: E402
from dispatch.travel import haversine_km  # noqa: E402
from resources.care_need import CareNeed, CareNeedPart  # noqa: E402
from resources.clock import LOCAL_TZ
from resources.fleet import default_fleet  # noqa: E402
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


def near(k, spread_lat: float, spread_lon: float, rng: random.Random) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """A random position around kommun `k` that lies in Skåne (not out at sea or abroad)."""
    while True:
        lat, lon = k.lat + rng.uniform(-spread_lat, spread_lat), k.lon + rng.uniform(-spread_lon, spread_lon)
        if in_skane(lat, lon):
            return lat, lon


def synthetic_fleet(n: int, rng: random.Random) -> list[UnitState]:
    base = default_fleet()
    mix = Counter(u.type for u in base.units)
    total = sum(mix.values())
    by_type = {t: [u for u in base.units if u.type == t] for t in mix}
    geo = default_geography()
    states = []
    for i in range(n):
        t = rng.choices(list(mix), weights=[mix[t] / total for t in mix])[0]
        template = rng.choice(by_type[t])
        k = rng.choice(geo.kommuner)
        roll = rng.random()
        live: dict = {}
        if roll < 0.2:
            live = {"status": UnitStatus.ON_SCENE, "expected_free_at": START + timedelta(minutes=rng.randint(5, 90))}
        elif roll < 0.3:
            live = {"status": UnitStatus.OFF_DUTY}
        lat, lon = near(k, 0.08, 0.12, rng)
        states.append(UnitState(id=f"S{i:06d}", type=t, name=f"Enhet {i}", home_kommun=k.name,
                                affiliation=template.affiliation, lat=lat, lon=lon, **live))
    return states


def cases(count: int, rng: random.Random) -> list[tuple[DispatchCase, datetime]]:
    geo = default_geography()
    mvt = sorted({u.affiliation for u in default_fleet().of_type("MVT_VC") if u.affiliation})
    out = []
    for _ in range(count):
        prio, need = rng.choice(NEEDS)
        k = rng.choice(geo.kommuner)
        ctx = PatientContext(enrolled_mobile_team=rng.choice(mvt)) if rng.random() < 0.5 else PatientContext()
        lat, lon = near(k, 0.05, 0.05, rng)
        case = DispatchCase(priority=prio, care_need=need, lat=lat, lon=lon, kommun=k.name, context=ctx)
        out.append((case, START + timedelta(minutes=rng.randint(0, 7 * 24 * 60 - 1))))
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--runs", type=int, default=400)
    args = ap.parse_args()
    rng = random.Random(2026)
    print(f"{'units':>8} {'build ms':>9} {'median ms':>10} {'p99 ms':>8} {'floor ms':>9} {'ratio':>6}")
    for n in args.sizes:
        states = synthetic_fleet(n, rng)
        t0 = time.perf_counter()
        snap = FleetSnapshot(states)
        build = (time.perf_counter() - t0) * 1000
        work = cases(args.runs, rng)
        for case, at in work[:20]:  # warm-up
            recommend(case, snap, at)
        full, floor = [], []
        for case, at in work:
            t0 = time.perf_counter()
            recommend(case, snap, at)
            t1 = time.perf_counter()
            haversine_km(snap.lat, snap.lon, case.lat, case.lon)
            t2 = time.perf_counter()
            full.append((t1 - t0) * 1000)
            floor.append((t2 - t1) * 1000)
        med, fmed = statistics.median(full), statistics.median(floor)
        print(f"{n:>8} {build:>9.0f} {med:>10.3f} {pct(full, 0.99):>8.3f} {fmed:>9.3f} {med / fmed:>6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
