"""`main.py recommend --case`: every kind of bad case file names the file and the field at fault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from larmcentral_cli import main as cli_main

GOOD = {"priority": "2", "lat": 55.7047, "lon": 13.191, "kommun": "Lund",
        "care_need": {"capabilities": ["nurse_assessment"], "transport": "none", "max_minutes": 120}}


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: object) -> tuple[int, str]:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    code = cli_main(["recommend", "--case", str(path), "--at", "2026-03-11T10:00"])
    out = capsys.readouterr()
    return code, out.err


@pytest.mark.parametrize(("change", "field"), [
    ({"lat": 50.0, "lon": 13.1}, "fält 'lon'"),  # outside Skåne
    ({"priority": "7"}, "fält 'priority'"),
    ({"kommun": "Lundby"}, "fält 'kommun'"),
    ({"care_need": {**GOOD["care_need"], "capabilities": ["flyg"]}}, "fält 'care_need', fält 'capabilities'"),
    ({"care_need": {**GOOD["care_need"], "role": "x" * 40}}, "fält 'care_need'"),
    ({"context": {"age": "gammal"}}, "fält 'context', fält 'age'"),
    ({"extra": 1}, "fält 'extra'"),
])
def test_bad_case_file_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict,
                                       field: str) -> None:
    code, err = _run(tmp_path, capsys, {**GOOD, **change})
    assert code == 2
    assert "case.json" in err and field in err, err
    assert "filen:" not in err  # never just "the file": the field is named


def test_good_case_file_prints_the_recommendation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    assert cli_main(["recommend", "--case", str(path), "--at", "2026-03-11T10:00"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["parts"][0]["recommended"]["unit_id"]
