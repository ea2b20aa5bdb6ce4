"""`main.py triage --pnr`: the patient register and the recontact history, read like the console reads them
(outcomes.call_context) by a signed-in nurse and audited; what the register does not know is asked, not
counted as "nej" (before: an enrolled patient given only by personnummer was answered "inskriven… – Nej")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from outcomes_helpers import AMB, add_case
from sqlalchemy import select

import larmcentral_cli
from outcomes.closing import record_outcome
from records.db import open_database, transaction
from records.models import AuditEntry, Patient
from resources.clock import LOCAL_TZ
from resources.patient_context import PatientContext
from resources.vocabulary import Role
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import NO, UNKNOWN, QuestionKind

PNR = "19121212-1212"
TEAM = "Vårdcentralen Lund Norr"
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=LOCAL_TZ)


def walk(complaint: str, context: PatientContext, stop_at_context: bool = False) -> tuple[list[list[Any]], str | None]:
    """Answers "nej" (vital signs unknown) to the end, as an answers file's list; with `stop_at_context`, up to
    the first context question put to the nurse (its id returned)."""
    rs = load_ruleset()
    session = TriageSession(rs, complaint, context, NOW)
    answers: list[list[Any]] = []
    while not session.done:
        q = session.state().next_question
        assert q is not None
        rule_q = rs.complaint(complaint).question(q.id)
        if stop_at_context and rule_q is not None and rule_q.kind == QuestionKind.CONTEXT:
            return answers, q.id
        value = UNKNOWN if q.kind == "vital" else NO if any(o.value == NO for o in q.options) else q.options[0].value
        answers.append([q.id, None if value == UNKNOWN else value])
        session.answer(q.id, value)
    return answers, None


def complaint_asking_context() -> str:
    """A complaint whose "nej" path reaches a register question (enrolled, home care …)."""
    for c in load_ruleset().complaints:
        if walk(c.code, PatientContext(register_known=False), stop_at_context=True)[1] is not None:
            return c.code
    raise AssertionError("no complaint asks a context question")


def run(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        login: list[str], complaint: str, answers: list[list[Any]]) -> tuple[int, str, str]:
    path = tmp_path / "samtal.json"
    path.write_text(json.dumps({"complaint": complaint, "now": NOW.isoformat(), "answers": answers,
                                "kommun": "Lund"}, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    code = larmcentral_cli.main(["triage", "--answers", str(path), "--pnr", PNR, *login])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_register_and_the_recontact_history_decide_like_in_the_console(  # type: ignore[no-untyped-def]
        tmp_path, db_url, cli_user, make_actor, monkeypatch, capsys) -> None:
    login = cli_user(db_url, "ssk.anna", Role.NURSE)
    engine, factory = open_database(db_url)
    system = make_actor(factory, "system.utfall", Role.ADMIN)
    with transaction(factory) as s:
        s.add(Patient(personnummer=PNR, enrolled_mobile_team=TEAM, listed_vardcentral=TEAM, home_care=True,
                      updated_at=NOW))
        earlier = add_case(s, system, created_at=NOW - timedelta(hours=31), personnummer=PNR, units=(AMB,))
        record_outcome(s, system, earlier.id, "treated_left_home", at=NOW - timedelta(hours=30))
    complaint = complaint_asking_context()
    registered = PatientContext(personnummer=PNR, enrolled_mobile_team=TEAM, listed_vardcentral=TEAM, home_care=True)
    answers, _ = walk(complaint, registered)

    code, out, err = run(tmp_path, db_url, monkeypatch, capsys, login, complaint, answers)
    assert code == 0, err
    result = json.loads(out)
    assert result["context"]["enrolled_mobile_team"] == TEAM and result["recontact"] is True
    assert any(r.startswith("Återkontakt") for r in result["reasons"]) and "Återkontakt" in err
    context_steps = [step for step in result["path"] if step["kind"] == "context" and step["automatic"]]
    assert context_steps and all(step["answer"] != UNKNOWN for step in context_steps)
    with transaction(factory) as s:
        looked_up = s.scalars(select(AuditEntry).where(AuditEntry.action == "patient.lookup")).all()
        assert [e.detail["patient"] for e in looked_up] == [PNR] and looked_up[0].detail["found"] is True
    engine.dispose()


def test_what_the_register_does_not_know_is_asked(tmp_path, db_url, cli_user, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    login = cli_user(db_url, "ssk.anna", Role.NURSE)
    complaint = complaint_asking_context()
    before, asked = walk(complaint, PatientContext(register_known=False), stop_at_context=True)
    assert asked is not None

    code, out, err = run(tmp_path, db_url, monkeypatch, capsys, login, complaint, before)
    assert code == 1 and out == ""
    assert f"obesvarad fråga '{asked}'" in err and "finns inte – kontextfrågorna ställs" in err

    login = cli_user(db_url, "ssk.anna", Role.NURSE)  # the password again on standard input
    code, out, err = run(tmp_path, db_url, monkeypatch, capsys, login, complaint, [*before, [asked, "ja"]] + [
        a for a in walk(complaint, PatientContext(register_known=False, enrolled_mobile_team=TEAM))[0]
        if a[0] not in {q for q, _ in before}])
    assert code == 0, err
    [step] = [s for s in json.loads(out)["path"] if s["question_id"] == asked]
    assert (step["answer"], step["automatic"]) == ("ja", False)


def test_without_signing_in_the_register_is_not_read(tmp_path, db_url, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("fel-lösenord\n"))
    code, out, err = run(tmp_path, db_url, monkeypatch, capsys, ["--user", "ssk.okänd", "--password-stdin"],
                         complaint_asking_context(), [])
    assert code == 1 and out == "" and "Nekad" in err and "Traceback" not in err


def test_the_engine_asks_an_unknown_context_and_counts_vet_ej_openly() -> None:
    complaint = complaint_asking_context()
    before, asked = walk(complaint, PatientContext(register_known=False), stop_at_context=True)
    rs = load_ruleset()
    known = TriageSession.replay(rs, complaint, [(q, UNKNOWN if a is None else a) for q, a in before],
                                 context=PatientContext(), now=NOW)
    assert known.state().next_question is None or known.state().next_question.id != asked  # answered by itself
    unknown = TriageSession.replay(rs, complaint, [(q, UNKNOWN if a is None else a) for q, a in before],
                                   context=PatientContext(register_known=False), now=NOW)
    question = unknown.state().next_question
    assert question is not None and question.id == asked and [o.value for o in question.options] == ["ja", "nej", UNKNOWN]
    unknown.answer(asked, UNKNOWN)
    [step] = [s for s in unknown.state().path if s.question_id == asked]
    assert (step.answer, step.counted_as, step.automatic) == (UNKNOWN, NO, False)
    assert any("okänd i patientregistret" in r for r in unknown.state().reasons)
