"""The dispatcher's case panel reads the whole case in one call (records.case_detail, both backends): intake,
triage path with Swedish questions and answers, red flags, vital signs, notes newest first with their authors,
the recommendation as the nurse saw it and the units with their times — and the read is audited as a read of
the patient's data; a role outside the clinic reads nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from command_world import World, triage
from sqlalchemy import select

from commands import AddCaseNote, CompleteTriage, CreateCase, SendToWaitingRoom, run
from records.access_log import action_text
from records.actor import NotPermitted
from records.case_detail import case_detail
from records.cases import CaseIntake, CaseNotFound
from records.db import transaction
from records.models import AuditEntry, CaseNote
from records.triage_store import AnswerRecord

PNR = "19400101-0000"
PATH = [
    {"question_id": "RF_MEDVETSLÖS", "kind": "red_flag", "text": "Är patienten medvetslös?", "answer": "nej",
     "answer_label": "Nej"},
    {"question_id": "RF_CHOCK", "kind": "manual_red_flag", "text": "Är patienten kallsvettig, gråblek och slö?",
     "answer": "ja", "answer_label": "Ja"},
    {"question_id": "YRSEL_Q1", "kind": "yes_no", "text": "Kom yrseln plötsligt?", "answer": "ja",
     "answer_label": "Ja"},
    {"question_id": "CTX_ASIH", "kind": "context", "text": "Inskriven i ASIH?", "answer": "nej", "answer_label": "Nej",
     "automatic": True},
]


def _triaged_case(world: World) -> int:
    case_id = run(world.db, world.nurse, CreateCase(intake=CaseIntake(
        caller_name="Karin Svensson", callback_phone="070-123 45 67", address="Storgatan 1", kommun="Malmö",
        lat=55.60, lon=13.00, patient_name="Sven Svensson", personnummer=PNR, patient_age=86))).case_id  # type: ignore[attr-defined]
    done = triage("1").model_copy(update={"path": PATH, "answers": [
        AnswerRecord(question_id="YRSEL_Q1", value="ja"), AnswerRecord(question_id="vital:spo2", value=91.0),
        AnswerRecord(question_id="vital:avpu", value="V")]})
    run(world.db, world.nurse, CompleteTriage(case_id=case_id, triage=done))  # the recommendation needs the need
    run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=done,
                                                recommendation_shown=world.recommendation(case_id)))
    return case_id


def test_the_whole_case_in_one_read_audited_with_the_patient(world: World) -> None:
    case_id = _triaged_case(world)
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="Portkod 1234"))
    unit_id = world.assign(case_id)
    run(world.db, world.dispatcher, AddCaseNote(case_id=case_id, text="Dottern möter vid porten"))

    with transaction(world.db) as s:
        detail = case_detail(s, world.dispatcher, case_id)
    c = detail.case
    assert (c.caller_name, c.callback_phone, c.address, c.kommun) == ("Karin Svensson", "070-123 45 67",
                                                                      "Storgatan 1", "Malmö")
    assert (c.patient_name, c.personnummer, c.patient_age, c.priority) == ("Sven Svensson", PNR, 86, "1")
    assert [(a.question, a.answer, a.code) for a in detail.answers][2] == ("Kom yrseln plötsligt?", "Ja", "YRSEL_Q1")
    assert detail.answers[3].automatic and len(detail.answers) == 4
    assert [(f.text, f.code, f.by_hand) for f in detail.red_flags] == [
        ("Är patienten kallsvettig, gråblek och slö?", "RF_CHOCK", True)]  # the one raised; "nej" is no flag
    assert detail.vitals == {"spo2": 91.0, "avpu": "V"}
    assert [(n.text, n.author, n.role) for n in detail.notes] == [
        ("Dottern möter vid porten", world.dispatcher.username, "dispatcher"),
        ("Portkod 1234", world.nurse.username, "nurse")]  # newest first
    assert detail.notes[0].written_at >= detail.notes[1].written_at
    assert detail.recommendation_shown is not None and detail.recommendation_shown["parts"][0]["recommended"]
    assert detail.recommendation_shown_at is not None and detail.endpoint_code == "YRSEL.3.01"
    [unit] = detail.units
    assert (unit.unit_id, unit.active, unit.assigned_by) == (unit_id, True, world.dispatcher.username)
    assert [s.status for s in unit.steps] == ["larmad"] and unit.steps[0].at >= unit.assigned_at - timedelta(seconds=1)

    with world.db() as s:
        [row] = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.read",
                                                   AuditEntry.user_id == world.dispatcher.user_id)).all()
        assert (row.case_id, row.detail["via"], row.detail["patient"]) == (case_id, "detail", PNR)
        assert "sammanställning" in action_text(row.action, row.detail)


def test_notes_are_newest_first_by_the_time_they_were_typed(world: World) -> None:
    """A note kept in a call's draft and sent late still sorts by when it was typed."""
    case_id = _triaged_case(world)
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="andra"))
    with world.db() as s:
        typed_first = s.scalar(select(CaseNote.written_at)) - timedelta(milliseconds=50)
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="första, skickad sent", written_at=typed_first))
    with transaction(world.db) as s:
        assert [n.text for n in case_detail(s, world.nurse, case_id).notes] == ["andra", "första, skickad sent"]


def test_an_administrator_reads_nothing_and_an_unknown_case_is_said_in_swedish(world: World) -> None:
    case_id = _triaged_case(world)
    with pytest.raises(NotPermitted, match="får inte läsa ärenden"), transaction(world.db) as s:
        case_detail(s, world.admin, case_id)
    with pytest.raises(CaseNotFound, match="Ärende 999999 finns inte"), transaction(world.db) as s:
        case_detail(s, world.physician, 999999)
    with world.db() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "case.read")).all() == []
