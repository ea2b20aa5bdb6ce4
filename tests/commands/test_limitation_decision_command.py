"""The nurse's decision on a documented treatment limitation (RecordLimitationDecision, issue 20), on both backends:
recorded on the open case with what she was shown, what she decided and why, audited, one change event, in the
case's timeline in Swedish; following a limitation needs a reason and puts the case in the RLS queue; a retry is
the same decision once; the dispatcher and a closed case are refused; the priority is never touched."""

from __future__ import annotations

import pytest
from command_world import World, snapshot
from pydantic import ValidationError
from sqlalchemy import select

from commands import RecordLimitationDecision, run
from records.access_log import action_text
from records.actor import NotPermitted
from records.case_state import CaseStatus, IllegalCaseTransition
from records.case_timeline import case_timeline
from records.cases import CaseNotFound
from records.db import transaction
from records.models import AuditEntry, Case, ChangeEvent, CommandLog, Review
from resources.care_plan import LimitationDecision, LimitationKind

SHOWN = "Ej HLR, beslutat av Sigrid Demoläkare 2026-02-01, dokumenterat i Journal ASIH Lund"
WHY = "Beslutet verifierat i pärmen hos patienten; väntat dödsfall, ASIH konstaterar"


def _follow(case_id: int) -> RecordLimitationDecision:
    return RecordLimitationDecision(case_id=case_id, kind=LimitationKind.NO_CPR,
                                    decision=LimitationDecision.FOLLOW_LIMITATION, reason=f"  {WHY} ", shown=SHOWN,
                                    endpoint="RÖD.1.00")


def _decisions(world: World, case_id: int) -> list[AuditEntry]:
    with world.db() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                       AuditEntry.action == "triage.limitation_decision")
                              .order_by(AuditEntry.id)))


def test_the_nurse_s_decision_is_recorded_audited_announced_and_reviewed(world: World) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    with world.db() as s:
        priority_before = s.get(Case, case_id).priority
    done = run(world.db, world.nurse, _follow(case_id))
    assert done.case_id == case_id  # type: ignore[attr-defined]
    [row] = _decisions(world, case_id)
    assert row.user_id == world.nurse.user_id
    assert {k: row.detail[k] for k in ("kind", "decision", "reason", "shown", "endpoint")} == {
        "kind": "no_cpr", "decision": "follow_limitation", "reason": WHY, "shown": SHOWN, "endpoint": "RÖD.1.00"}
    assert action_text("triage.limitation_decision", row.detail) == \
        "registrerade sitt beslut om patientens behandlingsbegränsning"
    with world.db() as s:
        assert s.get(Case, case_id).priority == priority_before  # a decision is no override
        assert s.execute(select(ChangeEvent.topic, ChangeEvent.case_id)
                         .where(ChangeEvent.command == "triage.limitation_decision")).all() == [("cases", case_id)]
        [review] = s.scalars(select(Review).where(Review.case_id == case_id, Review.reason == "limitation")).all()
        assert WHY in review.detail and SHOWN in review.detail
    with transaction(world.db) as s:
        entries = case_timeline(s, world.nurse, case_id).entries
    [entry] = [e for e in entries if e.what.startswith("Behandlingsbegränsning")]
    assert entry.what == ("Behandlingsbegränsning Ej HLR: Beslutet om ej HLR följs: ingen HLR, bedömning eller "
                          f"dödsfallskonstaterande i stället – {WHY}")
    assert entry.detail == f"{SHOWN}; Ändpunkt RÖD.1.00" and entry.kind == "triage"
    assert any(e.what == "Lagt i RLS-granskning: Behandlingsbegränsning följd" for e in entries)


def test_the_rls_physician_may_record_and_cpr_needs_no_reason(world: World) -> None:
    case_id = world.case_in(CaseStatus.DRAFT)
    run(world.db, world.physician, RecordLimitationDecision(case_id=case_id, kind=LimitationKind.NO_CPR,
                                                            decision=LimitationDecision.UNCLEAR_RESUSCITATE))
    [row] = _decisions(world, case_id)
    assert (row.user_id, row.detail["decision"], row.detail["reason"]) == \
        (world.physician.user_id, "unclear_resuscitate", "")
    with world.db() as s:
        assert not s.scalars(select(Review).where(Review.case_id == case_id, Review.reason == "limitation")).all()
    with transaction(world.db) as s:
        whats = [e.what for e in case_timeline(s, world.physician, case_id).entries]
    assert "Behandlingsbegränsning Ej HLR: Oklart om beslutet gäller – HLR startas" in whats


def test_a_dispatcher_is_refused_and_nothing_is_written(world: World) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    before = snapshot(world.db)
    with pytest.raises(NotPermitted, match="får inte registrera beslut om behandlingsbegränsningar"):
        run(world.db, world.dispatcher, _follow(case_id))
    assert snapshot(world.db) == before


@pytest.mark.parametrize(("kind", "decision", "reason", "says"), [
    (LimitationKind.NO_CPR, LimitationDecision.FOLLOW_LIMITATION, "   ", "kräver en motivering"),
    (LimitationKind.NO_HOSPITAL, LimitationDecision.FOLLOW_LIMITATION, "", "kräver en motivering"),
    (LimitationKind.NO_HOSPITAL, LimitationDecision.RESUSCITATE, "", "gäller inte begränsningen Ej sjukhusvård"),
    (LimitationKind.NO_CPR, LimitationDecision.USUAL_CARE, "", "möjliga beslut: resuscitate, follow_limitation"),
])
def test_a_decision_without_its_reason_or_for_another_kind_is_refused(
        kind: LimitationKind, decision: LimitationDecision, reason: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        RecordLimitationDecision(case_id=1, kind=kind, decision=decision, reason=reason)


def test_a_retry_with_the_same_id_is_one_decision(world: World) -> None:
    case_id = world.case_in(CaseStatus.DRAFT)
    cmd = _follow(case_id)
    first = run(world.db, world.nurse, cmd)
    assert run(world.db, world.nurse, cmd) == first
    assert len(_decisions(world, case_id)) == 1
    with world.db() as s:
        assert s.scalars(select(CommandLog.name).where(CommandLog.case_id == case_id,
                                                       CommandLog.name == "triage.limitation_decision")).all() \
            == ["triage.limitation_decision"]
        assert len(s.scalars(select(Review).where(Review.case_id == case_id, Review.reason == "limitation")).all()) == 1
    # A changed mind is a new decision (a new id): both stay in the case's history.
    run(world.db, world.nurse, RecordLimitationDecision(case_id=case_id, kind=LimitationKind.NO_CPR,
                                                        decision=LimitationDecision.RESUSCITATE))
    assert [r.detail["decision"] for r in _decisions(world, case_id)] == ["follow_limitation", "resuscitate"]


def test_a_closed_or_missing_case_refuses_a_decision(world: World) -> None:
    case_id = world.case_in(CaseStatus.CLOSED)
    before = snapshot(world.db)
    with pytest.raises(IllegalCaseTransition, match=f"Ärende {case_id} är avslutat"):
        run(world.db, world.nurse, _follow(case_id))
    with pytest.raises(CaseNotFound, match="Ärende 999999 finns inte"):
        run(world.db, world.nurse, _follow(999999))
    assert snapshot(world.db) == before
