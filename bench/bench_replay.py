"""Replay engine benchmark: one variant over generated calls, with `recommend()` alone on the same cases measured
interleaved as the floor.

    python bench/bench_replay.py [--variant V2] [--days 21] [--seed 1]      # --days 365 for a variant-year

The calls are generated and triaged first, the triage in forked processes, one per core, as `replay run` does
(both timed and printed; in `replay compare` the triage is shared by V1-V6). Then the engine runs; at each call's decision the bare `recommend(case, snapshot, at)` on the engine's
current snapshot is timed just before the engine's own decision (its result unused). Per call:

  engine   the wall time from one call's decision to the next, minus the bare recommendation: the call's own
           recommendation(s), alerts, queue re-offers and every unit event up to the next call;
  floor    recommend() alone on the same case, snapshot and instant.

Prints calls/s, medians and p95/p99 in ms, the ratio engine/floor, and the projected variant-year (≈192,000
calls) with and without triage. Target: ≥ 750 calls/s (a variant-year ≤ 5 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import replay.engine as engine_mod  # noqa: E402
from dispatch.case_input import DispatchCase  # noqa: E402
from dispatch.recommend import recommend  # noqa: E402
from replay.backend import cores  # noqa: E402
from replay.call_context import patient_context  # noqa: E402
from replay.call_triage import product_triage, replay_ruleset  # noqa: E402
from replay.generator import annual_calls, generate_calls  # noqa: E402
from replay.params import load_params  # noqa: E402
from replay.variants import load_variant  # noqa: E402

YEAR_CALLS = 192_000


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="V2")
    ap.add_argument("--days", type=int, default=21)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rs = replay_ruleset()
    params = load_params(ruleset=rs)
    variant = load_variant(a.variant)
    t0 = time.perf_counter()
    calls = generate_calls(params, a.seed, limit_days=a.days, ruleset=rs, volume_factor=variant.volume_factor,
                           unknown_factor=variant.unknown_factor)
    t1 = time.perf_counter()
    workers = cores()  # as `replay run` and `replay compare` triage: forked workers, one per core
    triage = product_triage(calls, rs, workers=workers)
    t2 = time.perf_counter()
    print(f"{a.variant}, seed {a.seed}, {a.days} days: {len(calls)} calls; generated in {t1 - t0:.1f} s, "
          f"triaged (caller + oracle, {workers} processes) in {t2 - t1:.1f} s = {(t2 - t1) / len(calls) * 1e3:.2f} "
          "ms/call")

    marks: list[float] = []
    floor: list[float] = []
    original = engine_mod._Engine._decide

    def decide(self: engine_mod._Engine, k: int, t: float) -> None:
        call, tri = self.calls[k], self.state[k].triage
        case = DispatchCase(priority=tri.priority, care_need=tri.care_need, lat=call.lat, lon=call.lon,
                            kommun=call.kommun, context=patient_context(call), case_id=call.call_id)
        snap = self.fleet.current(t)
        s = time.perf_counter()
        recommend(case, snap, self.fleet.at(t), estimator=self.estimator, exclude=self._exclude())
        e = time.perf_counter()
        floor.append(e - s)
        marks.append(s)  # the engine's share of this interval starts after the floor's call
        marks.append(e)
        original(self, k, t)

    engine_mod._Engine._decide = decide  # type: ignore[method-assign]
    start = time.perf_counter()
    engine_mod.run_variant(calls, variant, seed=a.seed, triage=triage, ruleset=rs, needs=params.needs)
    end = time.perf_counter()
    engine_mod._Engine._decide = original  # type: ignore[method-assign]
    # marks: [s0, e0, s1, e1, ...]; the engine's work for call i runs from e_i to s_{i+1} (the last to the end)
    per_call = [marks[2 * i + 2] - marks[2 * i + 1] for i in range(len(floor) - 1)]
    per_call.append(end - marks[-1])
    engine_total = (end - start) - sum(floor)
    rate = len(calls) / engine_total
    eng_ms = [x * 1e3 for x in per_call]
    flo_ms = [x * 1e3 for x in floor]
    print(f"engine: {rate:.0f} calls/s; per call median {statistics.median(eng_ms):.3f} ms, p95 {pct(eng_ms, .95):.3f}, "
          f"p99 {pct(eng_ms, .99):.3f}")
    print(f"floor (recommend alone, interleaved): median {statistics.median(flo_ms):.3f} ms, p95 "
          f"{pct(flo_ms, .95):.3f}, p99 {pct(flo_ms, .99):.3f}")
    print(f"ratio engine/floor: median {statistics.median(eng_ms) / statistics.median(flo_ms):.2f}, "
          f"mean {statistics.fmean(eng_ms) / statistics.fmean(flo_ms):.2f}")
    year = annual_calls(params, "A", variant.volume_factor) + annual_calls(params, "B", variant.volume_factor)
    triage_ms = (t2 - t1) / len(calls) * 1e3
    print(f"variant-year ({year:.0f} calls): engine {year / rate / 60:.1f} min; with this run's triage "
          f"{year * (1 / rate + triage_ms / 1e3) / 60:.1f} min (target ≤ 5 min; ≥ 750 calls/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
