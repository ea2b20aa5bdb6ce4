"""Benchmark: time per triage step and per full call on the shipped rule set.

Run: .venv/bin/python bench/bench_triage.py [--calls N]
A "step" is one answer() call (the engine re-walks the path and recomputes the state);
a "full call" is a new session answered from start to endpoint, including the result.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resources.patient_context import PatientContext  # noqa: E402
from triage_rules.engine import TriageSession  # noqa: E402
from triage_rules.loader import load_ruleset  # noqa: E402
from triage_rules.schema import NO, UNKNOWN  # noqa: E402

NOW = datetime.fromisoformat("2026-03-03T10:00:00+01:00")
CONTEXTS = [PatientContext(), PatientContext(age=86, enrolled_mobile_team="MVT Lund Norr", home_care=True),
            PatientContext(age=4), PatientContext(enrolled_asih="ASIH Lund")]


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _answer(rng: random.Random, q) -> object:  # noqa: ANN001
    if q.red_flag:
        return NO if rng.random() < 0.95 else UNKNOWN
    if q.kind == "vital":
        return UNKNOWN if rng.random() < 0.3 else round(rng.uniform(q.min, q.max), 1)
    return rng.choice(q.options).value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    rs = load_ruleset()
    load_ms = (time.perf_counter() - t0) * 1000
    codes = [c.code for c in rs.complaints]
    rng = random.Random(2026)
    steps: list[float] = []
    calls: list[float] = []
    for i in range(args.calls):
        code = codes[i % len(codes)]
        start = time.perf_counter()
        session = TriageSession(rs, code, CONTEXTS[i % len(CONTEXTS)], NOW)
        state = session.state()
        while not state.done:
            q = state.next_question
            value = _answer(rng, q)
            s0 = time.perf_counter()
            state = session.answer(q.id, value)
            steps.append(time.perf_counter() - s0)
        assert session.result is not None
        session.result.model_dump_json()
        calls.append(time.perf_counter() - start)
    us = 1e6
    print(f"Regelverk {rs.version}: {len(codes)} kontaktorsaker; laddning och validering {load_ms:.1f} ms (första gången)")
    print(f"Steg (answer + nytt tillstånd), n={len(steps)}: median {statistics.median(steps) * us:.1f} µs, "
          f"p99 {_pct(steps, 99) * us:.1f} µs")
    print(f"Hela samtal (till resultat och JSON), n={len(calls)}: median {statistics.median(calls) * us:.1f} µs, "
          f"p99 {_pct(calls, 99) * us:.1f} µs, i snitt {len(steps) / len(calls):.1f} steg/samtal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
