"""The quality report: produced as PDF and CSV, and its figures match the database."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest
from outcomes_helpers import AMB, AMB2, MVT, RTJ, T0, add_case
from sqlalchemy import select

from larmcentral_cli import main
from outcomes.closing import record_outcome
from outcomes.followup import record_followup_result
from outcomes.report import quality_figures
from outcomes.report_writer import CSV_FILES, PDF_FILE
from records.db import open_database
from records.identity import provision_and_sign_in
from records.models import Assignment, AuditEntry, Case, FollowUp, Outcome, TriageResult, UnitStatusEvent
from resources.vocabulary import Role

DAY = date(2026, 3, 2)


def build(s, actor) -> None:  # type: ignore[no-untyped-def]
    at = T0
    plan = [("1", (AMB,), "treated_left_home"), ("1", (AMB2,), "transported_ed"), ("1", (AMB, RTJ), "transported_ed"),
            ("2", (AMB,), "left_home_advice"), ("3", (MVT,), "handed_over_team"), ("hänvisning", (), "referred"),
            ("2", (AMB,), None)]
    for i, (prio, units, code) in enumerate(plan):
        c = add_case(s, actor, created_at=at, priority=prio, endpoint_code=f"YRSEL.{prio[0].upper()}.01",
                     units=units, triage_minutes=2 + i, assign_minutes=1 + i, on_scene_minutes=8 + 2 * i,
                     personnummer=None)
        if code:
            record_outcome(s, actor, c.id, code, "AKM_LUND" if code == "transported_ed" else None,
                           at=at + timedelta(hours=1))
        at += timedelta(minutes=45)
    add_case(s, actor, created_at=T0 + timedelta(days=3), priority="1", units=(AMB2,))  # outside the period
    done = s.scalars(select(FollowUp).order_by(FollowUp.id)).first()
    record_followup_result(s, actor, done.id, "better")


def expected_from_db(s) -> dict[str, object]:  # type: ignore[no-untyped-def]
    cases = [c for c in s.scalars(select(Case)) if c.created_at.date() == DAY]
    ids = {c.id for c in cases}
    outcomes = {o.case_id: o.code for o in s.scalars(select(Outcome)) if o.case_id in ids}
    assigns = [a for a in s.scalars(select(Assignment)) if a.case_id in ids]
    amb_cases = {a.case_id for a in assigns if a.unit_id.startswith("AMB")}
    prio1_amb = [c for c in cases if c.priority == "1" and c.id in amb_cases and c.id in outcomes]
    triage = {t.case_id: t.completed_at for t in s.scalars(select(TriageResult)) if t.case_id in ids}
    first_assign = {}
    for a in assigns:
        first_assign[a.case_id] = min(first_assign.get(a.case_id, a.assigned_at), a.assigned_at)
    scene = {}
    for e in s.scalars(select(UnitStatusEvent)):
        if e.case_id in ids:
            scene[e.case_id] = min(scene.get(e.case_id, e.event_time), e.event_time)
    minutes = lambda pairs: [(b - a).total_seconds() / 60 for a, b in pairs]  # noqa: E731
    return {
        "n_cases": len(cases), "prio1": sum(c.priority == "1" for c in cases),
        "triaged": sum(c.priority is not None for c in cases),
        "prio1_amb": len(prio1_amb),
        "prio1_amb_home": sum(outcomes[c.id] == "treated_left_home" for c in prio1_amb),
        "call_to_triage": statistics.median(minutes((c.created_at, triage[c.id]) for c in cases)),
        "triage_to_assign": statistics.median(minutes((triage[i], first_assign[i]) for i in first_assign)),
        "assign_to_scene": statistics.median(minutes((first_assign[i], scene[i]) for i in scene)),
        "followups": [f for f in s.scalars(select(FollowUp)) if f.case_id in ids],
    }


def test_report_figures_match_the_database(db, make_actor) -> None:
    actor = make_actor(db)
    with db() as s, s.begin():
        build(s, actor)
        fig = quality_figures(s, DAY, DAY, at=T0 + timedelta(days=10))
        exp = expected_from_db(s)
    assert fig.n_cases == exp["n_cases"] == 7
    assert (fig.prio1_share.k, fig.prio1_share.n) == (exp["prio1"], exp["triaged"])
    assert (fig.prio1_ambulance_left_at_home.k, fig.prio1_ambulance_left_at_home.n) == (
        exp["prio1_amb_home"], exp["prio1_amb"])
    intervals = {i.key: i for i in fig.intervals}
    assert intervals["call_to_triage"].median_minutes == pytest.approx(exp["call_to_triage"])
    assert intervals["triage_to_assignment"].median_minutes == pytest.approx(exp["triage_to_assign"])
    assert intervals["assignment_to_scene"].median_minutes == pytest.approx(exp["assign_to_scene"])
    followups = exp["followups"]
    assert fig.followups_due == len(followups) == 3
    assert fig.followup_completion.k == sum(f.status == "done" for f in followups) == 1
    assert fig.followups_overdue == 2
    mix = {m.resource_type: m.cases for m in fig.resource_mix}
    assert mix == {"AMBULANS": 4, "RTJ": 1, "MVT_VC": 1, "INGEN": 1}


def test_report_command_writes_pdf_and_csv(tmp_path: Path, monkeypatch, capsys, cli_user) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'report.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    _, factory = open_database(url)
    with factory() as s, s.begin():
        actor = provision_and_sign_in(s, "ssk.anna", Role.NURSE)
        build(s, actor)
    out = tmp_path / "rapport"
    period = ["--from", "2026-03-02", "--to", "2026-03-02"]
    # small groups can point to one person: nobody takes out the report without signing in
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["report", *period, "--out", str(out)]) == 1
    assert "Nekad" in capsys.readouterr().err and not out.exists()
    assert main(["report", *period, "--out", str(out), *cli_user(url, "lak.david", Role.PHYSICIAN)]) == 0
    assert "7 ärenden" in capsys.readouterr().out
    pdf = (out / PDF_FILE).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    for name in CSV_FILES:
        assert (out / name).is_file()
    with (out / "sammanfattning.csv").open(encoding="utf-8") as fh:
        rows = {r["mått"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert rows["Antal ärenden"]["värde"] == "7"
    assert (rows["Andel Prio 1"]["k"], rows["Andel Prio 1"]["n"]) == ("3", "7")
    assert main(["report", "--from", "2026-03-05", "--to", "2026-03-01", "--out", str(out)]) == 2
    with factory() as s:  # the run is audited once, with its period, as whoever signed in
        runs = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "report.run")))
    assert [(r.detail["date_from"], r.detail["date_to"], r.detail["cases"], r.role) for r in runs] == [
        ("2026-03-02", "2026-03-02", 7, "physician")]


def test_stats_command_needs_a_signed_in_user_and_is_audited(tmp_path: Path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
                                                             cli_user) -> None:
    url = f"sqlite:///{tmp_path / 'stats.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    _, factory = open_database(url)
    with factory() as s, s.begin():
        build(s, provision_and_sign_in(s, "ssk.anna", Role.NURSE))
    period = ["--from", "2026-03-02", "--to", "2026-03-02"]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["outcomes", "stats", *period]) == 1
    assert "Nekad" in capsys.readouterr().err
    assert main(["outcomes", "stats", *period, *cli_user(url, "usk.berit", Role.DISPATCHER)]) == 0
    assert capsys.readouterr().out.startswith("grupp")
    assert main(["outcomes", "stats", "--resource-types", *cli_user(url, "admin.eva", Role.ADMIN)]) == 0
    capsys.readouterr()
    with factory() as s:
        runs = [(e.role, e.detail) for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "stats.run")
                                                       .order_by(AuditEntry.id))]
    assert runs == [("dispatcher", {"date_from": "2026-03-02", "date_to": "2026-03-02", "grouping": "endpoints"}),
                    ("admin", {"date_from": None, "date_to": None, "grouping": "resource_types"})]
