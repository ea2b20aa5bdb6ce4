"""The case panel's texts (console/dispatch/case_sections.py) from plain data: Swedish words, local times and
Swedish numbers in what the dispatcher reads, the codes only in tooltips; units with the statuses they reported,
an ended one with why in words; nothing recorded says so instead of showing an empty section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.dispatch.case_sections import Section, sections
from records.case_detail import AnswerLine, CaseDetail, NoteLine, RedFlagLine, UnitLine, UnitStep
from records.case_state import CaseStatus
from records.cases import CaseView
from resources.vocabulary import UnitStatus

AT = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
CODES = ("RF_", "BRÖST", "BRÖST.1.01", "vital:", "spo2", "larmad", "recalled", "nurse", "dispatcher")


def _case(**kw: object) -> CaseView:
    base = dict(id=12, status=CaseStatus.ASSIGNED, created_at=AT, updated_at=AT, caller_name="Karin Svensson",
                callback_phone="070-123 45 67", address="Storgatan 1", kommun="Lund", lat=55.7, lon=13.2,
                patient_name="Sven Svensson", personnummer="19400101-0000", patient_age=86, complaint="BRÖST",
                priority="1", care_need=None, endpoint_code="BRÖST.1.01", ruleset_version="x", flags=[],
                waiting_since=AT, closed_at=None, linked_case_id=None, link_reason=None)
    return CaseView.model_validate({**base, **kw})


def _detail(**kw: object) -> CaseDetail:
    base = dict(
        case=_case(), triage_priority="2", override_priority="1", override_reason="Kallsvettig enligt maken",
        endpoint_code="BRÖST.1.01", triaged_at=AT, triaged_by="Karin Sjöberg",
        answers=[AnswerLine(question="Har patienten ont i bröstet nu?", answer="Ja", code="BRÖST_Q1", kind="yes_no")],
        red_flags=[RedFlagLine(text="Är patienten kallsvettig, gråblek och slö?", code="RF_CHOCK", by_hand=True)],
        vitals={"spo2": 91.5, "avpu": "V"},
        notes=[NoteLine(id=2, text="Maken möter vid porten", written_at=AT + timedelta(minutes=2),
                        author="Omar Haddad", role="dispatcher"),
               NoteLine(id=1, text="Portkod 4711", written_at=AT + timedelta(minutes=1), author="Karin Sjöberg",
                        role="nurse")],
        recommendation_shown=None, recommendation_shown_at=None,
        units=[UnitLine(unit_id="AMB-011", part="", active=False, assigned_at=AT, assigned_by="Omar Haddad",
                        ended_at=AT + timedelta(minutes=3), ended_reason="recalled", deviation_reason=None,
                        recommended_unit_id=None, steps=[UnitStep(status="larmad", at=AT)]),
               UnitLine(unit_id="AMB-012", part="", active=True, assigned_at=AT + timedelta(minutes=4),
                        assigned_by="Omar Haddad", ended_at=None, ended_reason=None,
                        deviation_reason="Närmare enligt radio", recommended_unit_id="AMB-013",
                        steps=[UnitStep(status="larmad", at=AT + timedelta(minutes=4)),
                               UnitStep(status="framkorning", at=AT + timedelta(minutes=5))])])
    return CaseDetail.model_validate({**base, **kw})


def _by_key(secs: list[Section]) -> dict[str, Section]:
    return {s.key: s for s in secs}


def test_what_the_dispatcher_reads_is_swedish_with_the_codes_in_tooltips() -> None:
    secs = sections(_detail(), unit_name=lambda u: {"AMB-012": "Ambulans Lund 12"}.get(u),
                    live_status=lambda _u: UnitStatus.ON_SCENE)
    read = " ".join(f"{s.title} {r.label} {r.value}" for s in secs for r in s.rows)
    assert not [c for c in CODES if c in read], read
    s = _by_key(secs)
    assert [r.value for r in s["notes"].rows] == ["Maken möter vid porten", "Portkod 4711"]  # as given: newest first
    assert s["notes"].rows[0].label.endswith(" Omar Haddad") and s["notes"].title == "Anteckningar (2)"
    assert ("Prioritet", "Prio 1 (överstyrd från Prio 2: Kallsvettig enligt maken)") == \
        (s["triage"].rows[1].label, s["triage"].rows[1].value)
    assert s["triage"].rows[1].tooltip == "Ändpunkt BRÖST.1.01" and s["triage"].rows[0].value == "Bröstsmärta"
    assert [r.tooltip for r in s["red_flags"].rows] == ["RF_CHOCK"]
    assert [(r.label, r.value) for r in s["vitals"].rows] == [("Saturation", "91,5 %"), ("Medvetandegrad (ACVPU)", "V")]
    ended, active = s["units"].rows
    assert ended.value.startswith("Larmad ") and ended.value.split(" · ")[-1].startswith("återkallad ")
    assert active.label == "AMB-012 Ambulans Lund 12" and active.value.endswith(" · nu: På plats")
    assert "Framkörning" in active.value and "avvikelse från AMB-013: Närmare enligt radio" in active.tooltip


def test_nothing_recorded_is_said_in_words() -> None:
    detail = _detail(answers=[], red_flags=[], vitals={}, notes=[], units=[], triaged_at=None,
                     recommendation_shown=None)
    s = _by_key(sections(detail))
    assert "vitals" not in s  # no vital signs taken: no section
    assert [r.value for r in s["notes"].rows] == ["Inga anteckningar ännu."]
    assert [r.value for r in s["units"].rows] == ["Ingen enhet dirigerad."]
    assert [r.value for r in s["red_flags"].rows] == ["Inga röda flaggor."]
    assert [r.value for r in s["triage"].rows] == ["Ingen avslutad triagering sparad ännu."]
    assert [r.value for r in s["recommendation"].rows] == ["Ingen rekommendation sparad med ärendet."]


def test_the_position_row_says_where_the_position_came_from_and_a_doubt_first() -> None:
    def position_row(**kw: object) -> str:
        caller = _by_key(sections(_detail(case=_case(**kw))))["caller"]
        return next(r.value for r in caller.rows if r.label == "Position")

    assert position_row(position_source="address", position_accuracy_m=15) == "adressregistret, ±15 m"
    assert position_row(position_source="phone", position_accuracy_m=1250.4) == \
        "telefonens position (AML), ±1\xa0250 m"
    flagged = position_row(position_source="phone", position_accuracy_m=3200,
                           position_flag="Osäker position: ±3 200 m")
    assert flagged.startswith("⚠ Osäker position") and "telefonens position" in flagged
    assert position_row(lat=None, lon=None) == "saknas"
    assert position_row() == "okänd källa"  # a case from before positions had a source
