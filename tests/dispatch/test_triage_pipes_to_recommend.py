"""`main.py triage --answers CALL.json | main.py recommend -`: the triage output is a case in the one documented
format (docs/recommendation.md "Case"), so the recommendation takes it as it is (before: "15 fel – 'lat': saknas
… 'endpoint': okänt fält"). Position from the kommun when the call gives none; the call's time unless --at."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatch.case_input import TRIAGE_FIELDS
from resources.geography import default_geography
from resources.patient_context import PatientContext
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.results import TriageResult
from triage_rules.schema import NO, UNKNOWN

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-03-03T10:00:00+01:00"


def a_call(**place: Any) -> dict[str, Any]:
    """A FEBER call answered "nej" (vital signs unknown) to the end, as an answers file."""
    context = PatientContext(age=84)
    session = TriageSession(load_ruleset(), "FEBER", context, datetime.fromisoformat(NOW))
    answers: list[list[Any]] = []
    while not session.done:
        q = session.state().next_question
        assert q is not None
        value = UNKNOWN if q.kind == "vital" else NO if any(o.value == NO for o in q.options) else q.options[0].value
        answers.append([q.id, None if value == UNKNOWN else value])
        session.answer(q.id, value)
    return {"ruleset": load_ruleset().version, "complaint": "FEBER", "context": context.model_dump(mode="json"),
            "now": NOW, "answers": answers, **place}


def pipe(call: dict[str, Any], tmp_path: Path, *recommend_args: str) -> tuple[int, str, str]:
    path = tmp_path / "samtal.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    with (tmp_path / "triage.err").open("w+", encoding="utf-8") as triage_err, subprocess.Popen(
            [sys.executable, "main.py", "triage", "--answers", str(path)], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=triage_err) as triage:
        recommend = subprocess.run([sys.executable, "main.py", "recommend", "-", *recommend_args], cwd=ROOT,
                                   stdin=triage.stdout, capture_output=True, text=True, timeout=120)
        assert triage.wait(timeout=120) == 0, (tmp_path / "triage.err").read_text(encoding="utf-8")
    return recommend.returncode, recommend.stdout, recommend.stderr


def test_the_triage_output_pipes_into_recommend(tmp_path: Path) -> None:
    code, out, err = pipe(a_call(kommun="Lund"), tmp_path)
    assert code == 0, err
    result = json.loads(out)
    lund = default_geography().kommun("Lund")
    assert (result["kommun"], result["lat"], result["lon"]) == ("Lund", lund.lat, lund.lon)  # the kommun's centre
    assert datetime.fromisoformat(result["at"]) == datetime.fromisoformat(NOW)  # the call's time
    assert result["parts"] and result["parts"][0]["recommended"] is not None

    code, out, err = pipe(a_call(kommun="Ystad", lat=55.43, lon=13.82), tmp_path, "--at", "2026-03-07T22:00")
    assert code == 0, err
    result = json.loads(out)
    assert (result["lat"], result["lon"]) == (55.43, 13.82) and result["at"].startswith("2026-03-07T22:00")


def test_a_call_without_a_kommun_is_refused_naming_it(tmp_path: Path) -> None:
    code, out, err = pipe(a_call(), tmp_path)
    assert code == 2 and out == ""
    assert "kommun" in err and "saknas" in err and "Traceback" not in err
    assert "endpoint" not in err and "'lat'" not in err  # the triage result's own fields are part of the format


def test_the_case_format_knows_every_field_of_a_triage_result() -> None:
    assert set(TriageResult.model_fields) - {"priority", "care_need"} == TRIAGE_FIELDS  # those two it uses
