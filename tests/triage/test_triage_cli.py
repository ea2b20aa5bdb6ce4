"""`rules check|show|list|diff` and `triage` (piped and --answers) through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from larmcentral_cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")
SHIPPED = ROOT / "triage_rules" / "rulesets" / "skane-2026.1.yaml"


def test_rules_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(SHIPPED)]) == 0
    assert "OK" in capsys.readouterr().out


def test_rules_check_reports_every_error_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(FIXTURES / "minimal.yaml"), str(FIXTURES / "many_errors.yaml")]) == 1
    out = capsys.readouterr().out
    assert "minimal.yaml: OK" in out
    assert "many_errors.yaml: 4 fel" in out
    assert "okänt mål 'FINNS_INTE'" in out and "saknar prioritet" in out and "gränsvärdet 400" in out


def test_rules_show_prints_a_readable_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "bröst"]) == 0
    out = capsys.readouterr().out
    assert "BRÖST – Bröstsmärta" in out and "BRÖST.1.01" in out and "RF_MEDVETSLÖS" in out
    assert "Prio 1" in out and "inom 20 min" in out
    assert main(["rules", "show", "--ruleset", str(FIXTURES / "minimal.yaml"), "TEST"]) == 0
    assert main(["rules", "show", "FINNSINTE"]) == 1


def test_rules_list_versions_and_diff(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list"]) == 0
    assert "FEBER" in capsys.readouterr().out
    assert main(["rules", "versions"]) == 0
    assert "skane-2026.1" in capsys.readouterr().out
    assert main(["rules", "diff", "skane-2026.1", str(SHIPPED)]) == 0
    assert "Skillnader skane-2026.1 → skane-2026.1: 0" in capsys.readouterr().out


def test_triage_answers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call = {
        "ruleset": "skane-2026.1",  # the answers-file format, on a fixed version (its question ids)
        "complaint": "FEBER",
        "now": "2026-03-03T10:00:00+01:00",
        "context": {"age": 86, "enrolled_mobile_team": "MVT Lund Norr"},
        "answers": [{"question": "RF_MEDVETSLÖS", "answer": "nej"}, ["RF_ANDNING", "nej"], ["RF_CHOCK", "nej"],
                    ["sepsis", "nej"], ["af", 18], ["sat", 95], ["puls", 88], ["sbt", 130], ["temp", None],
                    ["dricker", "ja"]],
    }
    path = tmp_path / "call.json"
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    assert main(["triage", "--answers", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["endpoint"] == "FEBER.2.02" and result["priority"] == "2"
    assert result["ruleset_version"] == "skane-2026.1"
    assert result["care_need"]["transport"] == "none" and result["care_need"]["max_minutes"] == 120
    assert result["reasons"] and result["path"]

    call["override"] = {"priority": 1, "reason": "Anhörig beskriver snabb försämring"}
    path.write_text(json.dumps(call, ensure_ascii=False), encoding="utf-8")
    assert main(["triage", "--answers", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["priority"] == "1" and result["override"]["reason"] == "Anhörig beskriver snabb försämring"
    assert "RLS-granskning: överstyrning" in result["flags"]


def test_triage_answers_file_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "short.json"
    path.write_text(json.dumps({"complaint": "BUK", "answers": [["RF_CHOCK", "nej"]]}), encoding="utf-8")
    assert main(["triage", "--answers", str(path)]) == 1
    assert "obesvarad fråga 'RF_BLÖDNING'" in capsys.readouterr().err
    path.write_text(json.dumps({"complaint": "BUK", "answers": [["RF_CHOCK", "kanske"]]}), encoding="utf-8")
    assert main(["triage", "--answers", str(path)]) == 1
    assert "Svar 1 ('RF_CHOCK')" in capsys.readouterr().err
    path.write_text(json.dumps({"complaint": "BUK", "answers": [], "extra": 1}), encoding="utf-8")
    assert main(["triage", "--answers", str(path)]) == 1
    assert "extra" in capsys.readouterr().err


def test_triage_interactive_through_a_pipe() -> None:
    # complaint by number (RYGG), red flag "nej" by number, a wrong answer, back, then answers by value
    rygg = 1 + [line.split()[1] for line in subprocess.run(
        [sys.executable, "main.py", "rules", "list"], cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()[1:]].index("RYGG")
    # skane-2026.2's RYGG: lyft, aorta, three cauda equina questions, rörlig
    stdin = f"{rygg}\n2\nkanske\nja\nb\n" + "nej\n" * 6
    proc = subprocess.run([sys.executable, "main.py", "triage", "--now", "2026-03-03T10:00:00+01:00"],
                          cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["endpoint"] == "RYGG.3.04" and result["care_need"]["transport"] == "lying"
    assert "Ogiltigt svar 'kanske'" in proc.stderr


def test_triage_interactive_eof_is_an_error() -> None:
    proc = subprocess.run([sys.executable, "main.py", "triage", "--complaint", "BUK"], cwd=ROOT, input="2\n",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Indata tog slut" in proc.stderr
