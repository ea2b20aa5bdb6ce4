"""V0's calibration to the report's facts (spec §6), frozen in params/calibrated.yaml.

    python -m replay.calibrate [--days 28] [--fit-seeds 1 2 3] [--check-seeds 4 5 6 7 8]

Three bracketed 1-D searches (false position, a bisection that splits where the line through the bracket's
ends meets the target) in order, each on V0 over the fit seeds' calls (the first `--days` days of the year):
1. p_no_ambulance_today → V0 ambulance missions 170,802 a year ±3 % [R] (missions per call × the generator's
   expected calls a year, so a part of the year can stand for the whole);
2. over_triage_scale (the confusion matrix's Prio 1 column) → Prio 1 share of ambulance missions 47.3 % ±1.5 pp;
3. convey_logit_shift → 27 % of Prio 1 ambulance missions left at home.
Then the held-out seeds are run with the frozen values and their figures written beside the fit's. The report's
other estimates are checks, never tuned to. Stream-A volume stays the generator's (params/volume.yaml).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from replay.call_triage import CallTriage, replay_ruleset
from replay.engine import run_variant
from replay.engine_params import CALIBRATED_FILE, EngineParams, load_engine_params
from replay.generator import annual_calls, generate_calls
from replay.model import SyntheticCall
from replay.params import ReplayParams, load_params
from replay.variants import load_variant
from resources.vocabulary import Priority
from triage_rules.schema import RuleSet

TARGET_MISSIONS = 170_802.0  # [R] 2021
TARGET_SPLIT = {"A": 134_000.0, "B": 37_000.0}  # [R] SOS missions and RSLc, checked ±5 %
TARGET_P1 = 0.473  # [R] 80,870 of 170,802 (read from the report's chart)
TARGET_LEFT = 0.27  # [R] 2022: 27 % of Prio 1 ambulance missions left at home


@dataclass(frozen=True)
class V0Figures:
    missions_per_year: float
    by_stream: dict[str, float]
    p1_share: float
    p1_left_home: float
    calls: int


def _placeholder_triage(calls: Sequence[SyntheticCall], rs: RuleSet) -> list[CallTriage]:
    """V0 draws its own priorities; the product's oracle (only a KPI column) is not needed to calibrate."""
    need = rs.care_needs["AMBULANS_P3"].to_care_need()
    return [CallTriage(Priority.P3, need, "", Priority.P3) for _ in calls]


def v0_figures(samples: Sequence[Sequence[SyntheticCall]], params: EngineParams, replay: ReplayParams,
               rs: RuleSet) -> V0Figures:
    """V0's figures pooled over the samples, missions scaled to a year by the generator's expected calls."""
    v0 = load_variant("V0")
    per_year = annual_calls(replay, "A") + annual_calls(replay, "B")
    n_calls = missions = p1 = p1_left = 0
    by_stream = {"A": 0, "B": 0}
    for calls in samples:
        res = run_variant(calls, v0, triage=_placeholder_triage(calls, rs), params=params, ruleset=rs,
                          needs=replay.needs)
        stream = {c.call_id: c.stream for c in calls}
        n_calls += len(calls)
        for m in res.missions:
            if m.unit_type != "AMBULANS":
                continue
            missions += 1
            by_stream[stream[m.call_id]] += 1
            if m.priority == "1":
                p1 += 1
                p1_left += not m.conveyed
    scale = per_year / n_calls
    return V0Figures(missions * scale, {k: v * scale for k, v in by_stream.items()}, p1 / max(missions, 1),
                     p1_left / max(p1, 1), n_calls)


def bisect(f: Callable[[float], float], lo: float, hi: float, target: float, tol: float,
           log: Callable[[str], None], name: str, max_steps: int = 8) -> float:
    """The x in [lo, hi] where f(x) ≈ target (within tol/4, or after max_steps), f monotone: a bracketing 1-D
    search that splits the bracket where the straight line through its ends meets the target (false position,
    Illinois variant), falling back to the midpoint; each step is a V0 run on every fit seed, so few steps count."""
    f_lo, f_hi = f(lo) - target, f(hi) - target
    log(f"  {name}: [{lo}, {hi}] → [{f_lo + target:.5f}, {f_hi + target:.5f}] (mål {target})")
    if f_lo * f_hi > 0:  # the target is outside the bracket: take the nearer end and say so
        log(f"  {name}: målet ligger utanför intervallet")
        return lo if abs(f_lo) < abs(f_hi) else hi
    x, side = (lo + hi) / 2, 0
    for step in range(max_steps):
        x = lo - f_lo * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else (lo + hi) / 2
        if not lo < x < hi:
            x = (lo + hi) / 2
        y = f(x) - target
        log(f"  {name} steg {step + 1}: {x:.5f} → {y + target:.5f}")
        if abs(y) <= tol / 4:
            break
        if (y < 0) == (f_lo < 0):
            lo, f_lo = x, y
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi, f_hi = x, y
            if side == 1:
                f_lo /= 2
            side = 1
    return x


def calibrate(days: int, fit_seeds: Sequence[int], check_seeds: Sequence[int], log: Callable[[str], None],
              out: Path = CALIBRATED_FILE) -> dict[str, float]:
    rs = replay_ruleset()
    replay = load_params(ruleset=rs)
    base = load_engine_params(calibrated_file=None)
    t0 = time.perf_counter()
    fit = [generate_calls(replay, s, limit_days=days, ruleset=rs) for s in fit_seeds]
    values: dict[str, float] = {}

    def params() -> EngineParams:
        return base.with_calibration(values)

    def missions(p: float) -> float:
        values["p_no_ambulance_today"] = p
        return v0_figures(fit, params(), replay, rs).missions_per_year

    log("1. p_no_ambulance_today → ambulansuppdrag per år")
    values["p_no_ambulance_today"] = bisect(missions, 0.0, 0.3, TARGET_MISSIONS, 0.03 * TARGET_MISSIONS, log,
                                            "p_no_ambulance_today")

    def p1_share(s: float) -> float:
        values["over_triage_scale"] = s
        return v0_figures(fit, params(), replay, rs).p1_share

    log("2. over_triage_scale → Prio 1-andel")
    values["over_triage_scale"] = bisect(p1_share, 0.5, 2.5, TARGET_P1, 0.015, log, "over_triage_scale")

    def left_home(shift: float) -> float:
        values["convey_logit_shift"] = shift
        return v0_figures(fit, params(), replay, rs).p1_left_home

    log("3. convey_logit_shift → Prio 1 lämnade hemma")
    values["convey_logit_shift"] = bisect(left_home, -2.0, 2.0, TARGET_LEFT, 0.01, log, "convey_logit_shift")
    fit_fig = v0_figures(fit, params(), replay, rs)
    check = [generate_calls(replay, s, limit_days=days, ruleset=rs) for s in check_seeds]
    check_fig = v0_figures(check, params(), replay, rs)
    _write(out, values, days, fit_seeds, check_seeds, fit_fig, check_fig, time.perf_counter() - t0)
    log(f"klart på {time.perf_counter() - t0:.0f} s: {values}")
    log(f"anpassning: {fit_fig}")
    log(f"kontroll:   {check_fig}")
    return values


def _figures(f: V0Figures) -> dict[str, object]:
    return {"calls": f.calls, "missions_per_year": round(f.missions_per_year),
            "missions_by_stream": {k: round(v) for k, v in f.by_stream.items()},
            "prio1_share": round(f.p1_share, 4), "prio1_left_at_home": round(f.p1_left_home, 4)}


def _within(f: V0Figures) -> dict[str, bool]:
    return {"missions ±3 %": abs(f.missions_per_year / TARGET_MISSIONS - 1) <= 0.03,
            "split ±5 %": all(abs(f.by_stream[k] / v - 1) <= 0.05 for k, v in TARGET_SPLIT.items()),
            "prio1 ±1.5 pp": abs(f.p1_share - TARGET_P1) <= 0.015,
            "left at home ±1.5 pp": abs(f.p1_left_home - TARGET_LEFT) <= 0.015}


def _write(out: Path, values: dict[str, float], days: int, fit_seeds: Sequence[int], check_seeds: Sequence[int],
           fit: V0Figures, check: V0Figures, seconds: float) -> None:
    doc = {
        "method": (f"replay/calibrate.py: bracketed 1-D searches (false position) in the order of spec §6 on V0 over "
                   f"the first {days} days of "
                   f"seeds {list(fit_seeds)} (missions per call scaled by the generator's expected calls a year); "
                   f"held-out check on seeds {list(check_seeds)}; {seconds:.0f} s"),
        "source": "[R] 170,802 missions (2021), 47.3 % Prio 1, 27 % of Prio 1 left at home (2022)",
        "values": {k: {"value": round(v, 6)} for k, v in values.items()},
        "targets": {"missions_per_year": TARGET_MISSIONS, "missions_by_stream": TARGET_SPLIT,
                    "prio1_share": TARGET_P1, "prio1_left_at_home": TARGET_LEFT},
        "fit": {**_figures(fit), "within": _within(fit)},
        "check": {**_figures(check), "within": _within(check)},
    }
    header = "# Written by replay/calibrate.py (do not edit by hand): V0's calibration, frozen. docs/region-replay.md\n"
    out.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m replay.calibrate", description="Kalibrera V0 mot rapportens fakta.")
    ap.add_argument("--days", type=int, default=28, help="dagar från årets början per seed (standard 28)")
    ap.add_argument("--fit-seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--check-seeds", type=int, nargs="+", default=[4, 5, 6, 7, 8])
    ap.add_argument("--out", type=Path, default=CALIBRATED_FILE)
    a = ap.parse_args(argv)
    if not 1 <= a.days <= 366:
        print("--days ska vara 1–366", file=sys.stderr)
        return 2
    calibrate(a.days, a.fit_seeds, a.check_seeds, lambda s: print(s, flush=True), a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
