"""Benchmark: the region replay's call generator and its scripted caller through the real triage.

Run: .venv/bin/python bench/bench_replay_generate.py [--days 365] [--calls 5000] [--seed 1]

Prints calls/s for generating the synthetic year (and writing its call file), then the time per call of
`answer_session` (the caller's answers, `told`) against bench_triage-style random answering of the same complaint
and patient context, measured interleaved in the same run (baseline), as median/p95/p99 and their ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from replay.call_context import call_datetime, patient_context  # noqa: E402
from replay.call_file import make_manifest, read_call_file, write_call_file  # noqa: E402
from replay.generator import generate_calls  # noqa: E402
from replay.model import SyntheticCall  # noqa: E402
from replay.params import load_params  # noqa: E402
from replay.scripted_triage import answer_session  # noqa: E402
from triage_rules.engine import TriageSession  # noqa: E402
from triage_rules.loader import RULESET_DIR, load_ruleset  # noqa: E402
from triage_rules.schema import NO, UNKNOWN, RuleSet  # noqa: E402


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _random_answer(rng: random.Random, q) -> object:  # noqa: ANN001 - as bench/bench_triage.py
    if q.red_flag:
        return NO if rng.random() < 0.95 else UNKNOWN
    if q.kind == "vital":
        return UNKNOWN if rng.random() < 0.3 else round(rng.uniform(q.min, q.max), 1)
    return rng.choice(q.options).value


def _random_session(rs: RuleSet, call: SyntheticCall, rng: random.Random) -> None:
    session = TriageSession(rs, call.complaint, patient_context(call), call_datetime(call))
    state = session.state()
    while not state.done:
        q = state.next_question
        state = session.answer(q.id, _random_answer(rng, q))
    assert session.result is not None


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rs = load_ruleset(directory=RULESET_DIR)
    params = load_params(ruleset=rs)
    limit = None if args.days >= 365 else args.days
    t0 = time.perf_counter()
    calls = generate_calls(params, args.seed, limit_days=limit, ruleset=rs)
    gen_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calls.jsonl.gz"
        t0 = time.perf_counter()
        write_call_file(path, make_manifest(params, rs, args.seed, calls, limit_days=limit), calls)
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        read_call_file(path)
        read_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
    print(f"Generering: {len(calls)} samtal ({args.days} dagar, frö {args.seed}) på {gen_s:.1f} s = "
          f"{_n(len(calls) / gen_s)} samtal/s; samtalsfil skrivs på {write_s:.1f} s, läses på {read_s:.1f} s "
          f"({size_mb:.1f} MB)")

    rng = random.Random(2026)
    pick = random.Random(args.seed)
    sample = [calls[pick.randrange(len(calls))] for _ in range(args.calls)]
    scripted: list[float] = []
    baseline: list[float] = []
    for i, call in enumerate(sample):
        order = (0, 1) if i % 2 == 0 else (1, 0)  # interleaved, alternating which runs first
        for which in order:
            s0 = time.perf_counter()
            if which == 0:
                answer_session(rs, call, truthful=False)
            else:
                _random_session(rs, call, rng)
            (scripted if which == 0 else baseline).append(time.perf_counter() - s0)
    ms = 1e3
    for name, values in (("answer_session (uppgiven version)", scripted), ("slumpsvar à la bench_triage", baseline)):
        print(f"{name}, n={len(values)}: median {statistics.median(values) * ms:.3f} ms, "
              f"p95 {_pct(values, 95) * ms:.3f} ms, p99 {_pct(values, 99) * ms:.3f} ms, "
              f"{_n(len(values) / sum(values))} samtal/s")
    print(f"Kvot answer_session / slumpsvar: median {statistics.median(scripted) / statistics.median(baseline):.2f}, "
          f"p95 {_pct(scripted, 95) / _pct(baseline, 95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
