"""Red flags at any moment of the call (issue 14): before the first question, mid-tree, after an endpoint;
recorded in the path and reasons; listed with the general ones; the CLI's '!' and the answers file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from triage_helpers import FIXTURES, NOW, minimal_ruleset_data

from resources.vocabulary import Priority
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset, ruleset_from_data
from triage_rules.results import TriageInputError
from triage_rules.schema import RuleSet

ROOT = Path(__file__).resolve().parents[2]


def _rs() -> RuleSet:
    data = minimal_ruleset_data()
    data["red_flags"].append({"id": "RF_BLÖDNING", "text": "Kraftig blödning?", "unknown_as": "ja",
                              "endpoint": {"code": "RÖD.1.02", "priority": 1, "care_need": "AMB", "reason": "Blödning."}})
    return ruleset_from_data(data, "mem.yaml")


@pytest.mark.parametrize("moment", ["before the first question", "mid-tree", "after the endpoint"])
def test_a_red_flag_raised_at_any_moment_ends_at_its_endpoint(moment: str) -> None:
    s = TriageSession(_rs(), "TEST", now=NOW)
    if moment != "before the first question":
        s.answer("RF_X", "nej")
    if moment == "after the endpoint":
        s.answer("ont", "nej")
        assert s.result is not None and s.result.priority is Priority.REFERRAL
    state = s.raise_red_flag("RF_BLÖDNING")
    assert state.done and state.result is not None
    r = state.result
    assert r.priority is Priority.P1 and r.endpoint == "RÖD.1.02" and r.red_flag == "RF_BLÖDNING"
    assert r.path[-1].kind == "manual_red_flag" and r.path[-1].question_id == "RF_BLÖDNING"
    assert "Röd flagga registrerad av sjuksköterskan: Kraftig blödning? [RF_BLÖDNING]" in r.reasons
    state = s.back()  # takes the raised flag back; the answers stay
    assert state.result is None or state.result.red_flag is None


def test_available_red_flags_lists_the_complaints_own_then_the_general_ones() -> None:
    s = TriageSession(_rs(), "TEST", now=NOW)
    flags = s.available_red_flags()
    assert [(f.id, f.complaint) for f in flags] == [("RF_X", True), ("RF_BLÖDNING", False)]
    s.raise_red_flag("rf_blödning")  # the id is matched without regard to case
    assert [f.raised for f in s.available_red_flags()] == [False, True]
    with pytest.raises(TriageInputError, match="Okänd röd flagga 'RF_FINNS_INTE' \\(kända: RF_X, RF_BLÖDNING\\)"):
        s.raise_red_flag("RF_FINNS_INTE")


def test_several_raised_flags_the_first_in_the_file_decides_and_all_are_recorded() -> None:
    s = TriageSession(_rs(), "TEST", now=NOW)
    s.raise_red_flag("RF_BLÖDNING")
    state = s.raise_red_flag("RF_X")
    assert state.result is not None and state.result.endpoint == "RÖD.1.01"
    assert [p.question_id for p in state.path if p.kind == "manual_red_flag"] == ["RF_BLÖDNING", "RF_X"]


def test_answers_file_records_a_raised_red_flag(tmp_path: Path) -> None:
    from triage_rules.recorded import load_recorded_call, run_recorded_call

    path = tmp_path / "call.json"
    path.write_text(json.dumps({"complaint": "TEST", "now": "2026-03-03T10:00:00+01:00",
                                "answers": [["RF_X", "nej"], {"red_flag": "RF_BLÖDNING"}]}), encoding="utf-8")
    result = run_recorded_call(load_recorded_call(path), _rs())
    assert result.red_flag == "RF_BLÖDNING" and result.priority is Priority.P1


def test_answers_file_vitals(tmp_path: Path) -> None:
    from triage_rules.recorded import load_recorded_call, run_recorded_call

    data = minimal_ruleset_data()
    data["vital_scores"] = "vital-scores-2026.1"
    rs = ruleset_from_data(data, "mem.yaml")
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"complaint": "TEST", "now": "2026-03-03T10:00:00+01:00", "context": {"age": 70},
                                "vitals": {"rr": 28, "spo2": 88, "sbp": 85, "avpu": "A"}, "spo2_scale2": False,
                                "answers": [["RF_X", "nej"], ["ont", "nej"]]}), encoding="utf-8")
    result = run_recorded_call(load_recorded_call(path), rs)
    assert result.priority is Priority.P1 and result.news2 == 9 and result.vitals["avpu"] == "A"


def _cli(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "triage", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_cli_bang_lists_and_raises_a_red_flag_mid_call() -> None:
    rs = load_ruleset()
    complaint = next(c for c in rs.complaints if c.red_flags)
    general = next(rf for rf in rs.red_flags if rf.id not in complaint.red_flags)
    # answer the first red-flag question, then '!' and the id of a general flag, then confirm
    out = _cli(f"nej\n!\n{general.id}\n\n", "--complaint", complaint.code, "--now", "2026-03-03T10:00:00+01:00")
    assert out.returncode == 0, out.stderr
    assert "Röda flaggor" in out.stderr and general.id in out.stderr
    result = json.loads(out.stdout)
    assert result["red_flag"] == general.id and result["priority"] == "1"
    assert result["path"][-1]["kind"] == "manual_red_flag"


def test_cli_bang_by_number_and_a_bad_choice(tmp_path: Path) -> None:
    out = _cli("!\n99\n!\n1\n\n", "--ruleset", str(FIXTURES / "minimal.yaml"), "--complaint", "TEST")
    assert out.returncode == 0, out.stderr
    assert "Okänt val '99'" in out.stderr
    result = json.loads(out.stdout)
    assert result["red_flag"] == "RF_X" and result["endpoint"] == "RÖD.1.01"


def test_cli_red_flag_menu_in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from triage_rules.cli import _interactive

    s = TriageSession(_rs(), "TEST", now=NOW)
    result = _interactive(s, iter(["nej", "nej", "!", "rf_blödning", ""]))  # after the endpoint
    assert result is not None and result.red_flag == "RF_BLÖDNING"
    err = capsys.readouterr().err
    assert "1. RF_X" in err and "2. RF_BLÖDNING" in err


def test_cli_equals_takes_a_vital_sign_at_any_time(capsys: pytest.CaptureFixture[str]) -> None:
    from triage_rules.cli import _interactive

    data = minimal_ruleset_data()
    data["vital_scores"] = "vital-scores-2026.1"
    s = TriageSession(ruleset_from_data(data, "mem.yaml"), "TEST", now=NOW)
    result = _interactive(s, iter(["=", "rr 500", "=", "rr 30", "nej", "nej", "=", "avpu x", ""]))
    assert result is not None and result.priority is Priority.P1 and result.vitals == {"rr": 30.0}
    err = capsys.readouterr().err
    assert "utanför rimligt intervall" in err and "Registrerat, NEWS2 3; prioritet nu Prio 1" in err
    assert "ska vara A, C, V, P eller U" in err


def test_answers_file_with_an_unknown_vital_sign_names_it(tmp_path: Path) -> None:
    from triage_rules.recorded import load_recorded_call, run_recorded_call

    path = tmp_path / "call.json"
    path.write_text(json.dumps({"complaint": "TEST", "answers": [["RF_X", "nej"], ["ont", "nej"]],
                                "vitals": {"bp": 120}}), encoding="utf-8")
    with pytest.raises(TriageInputError, match="Vitalparameter 'bp': Okänd vitalparameter 'bp'"):
        run_recorded_call(load_recorded_call(path), _rs())
