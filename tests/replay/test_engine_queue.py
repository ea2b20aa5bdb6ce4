"""Queueing and isolation of the replay engine on hand-made calls: a call finding no free unit waits for one and is
served when it frees; a Prio 1 call is served before an earlier Prio 3 one; the engine imports nothing from the
clinical record and writes no database."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from generator_data import params, ruleset

from replay.call_triage import CallTriage
from replay.engine import run_variant
from replay.model import SyntheticCall
from replay.variants import load_variant
from resources.fleet import Fleet
from resources.geography import default_geography
from resources.vocabulary import Priority

ROOT = Path(__file__).resolve().parents[2]


def _call(call_id: int, t_min: float, severity: str = "1") -> SyntheticCall:
    lund = default_geography().kommun("Lund")
    return SyntheticCall(call_id=call_id, stream="A", t_min=t_min, kommun="Lund", lat=lund.lat, lon=lund.lon, age=70,
                         caller="public", complaint="BRÖST", severity=severity,  # type: ignore[arg-type]
                         need="AMB_ADVANCED", facts={}, told={}, rng_key=1000 + call_id)


def _triage(priority: str) -> CallTriage:
    need = "AMBULANS_P1" if priority == "1" else "AMBULANS_P3"
    return CallTriage(Priority(priority), ruleset().care_needs[need].to_care_need(), need, Priority(priority))


def _one_ambulance() -> object:
    v2 = load_variant("V2")
    amb = next(u for u in v2.fleet.units if u.type == "AMBULANS" and u.home_kommun == "Lund")
    return replace(v2, code="EN", fleet=Fleet(units=(amb,)))


def test_a_call_with_no_free_unit_queues_and_is_served_when_one_frees() -> None:
    calls = [_call(1, 600.0), _call(2, 601.0)]
    res = run_variant(calls, _one_ambulance(), triage=[_triage("1"), _triage("1")],  # type: ignore[arg-type]
                      ruleset=ruleset(), needs=params().needs)
    first, second = res.missions
    assert first.unit_id == second.unit_id
    assert first.call_id == 1 and second.call_id == 2
    assert second.alerted_min == first.free_min
    o1, o2 = res.outcomes
    assert o1.queued_min == 0.0 and o2.queued_min > 0
    assert o2.queued_min == second.alerted_min - (601.0 + 2.0)  # decided after Prio 1's two minutes of triage
    assert o2.late  # the recommendation waited for a busy unit beyond Prio 1's time limit
    assert o2.response_min is not None and o2.response_min > o1.response_min


def test_the_queue_serves_priority_before_call_time() -> None:
    calls = [_call(1, 600.0), _call(2, 601.0, "3"), _call(3, 603.0)]
    res = run_variant(calls, _one_ambulance(), triage=[_triage("1"), _triage("3"), _triage("1")],  # type: ignore[arg-type]
                      ruleset=ruleset(), needs=params().needs)
    assert [m.call_id for m in res.missions] == [1, 3, 2]
    assert len(res.outcomes) == 3 and all(o.units for o in res.outcomes)


def test_the_engine_never_touches_the_clinical_record(tmp_path: Path) -> None:
    """A run in a fresh process: no records or commands module is imported and the data directory stays empty."""
    data = tmp_path / "data"
    code = (
        "import sys\n"
        "from replay.engine import run_variant\n"
        "from replay.variants import load_variant\n"
        "from replay.generator import generate_calls\n"
        "from replay.params import load_params\n"
        "from replay.call_triage import replay_ruleset\n"
        "rs = replay_ruleset()\n"
        "calls = generate_calls(load_params(ruleset=rs), 3, limit_days=1, ruleset=rs)[:150]\n"
        "res = run_variant(calls, load_variant('V2'), seed=3, ruleset=rs)\n"
        "assert len(res.outcomes) == len(calls)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('records', 'commands', 'sqlalchemy')))\n"
    )
    env = {**os.environ, "LARMCENTRAL_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    env.pop("LARMCENTRAL_DB_URL", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert not data.exists() or not any(data.rglob("*"))
    assert not any(tmp_path.glob("*.db")) and not any(tmp_path.glob("*.sqlite*"))
