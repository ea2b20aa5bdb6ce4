"""One ready-to-run instance of every command, with the world prepared for it (tests/commands)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

from command_world import World, intake, triage
from outcomes_helpers import AMB, T0, add_case
from pydantic import SecretStr
from sqlalchemy import select

from commands import (
    ALL_COMMANDS,
    AcceptProposal,
    AcknowledgeAlert,
    AddCaseNote,
    ApplyAlertReply,
    ApplyFeedOutcome,
    AssignUnit,
    ChangeCaseTriage,
    Command,
    CommentReview,
    CompleteTriage,
    CorrectOutcome,
    CreateCase,
    CreateServiceToken,
    CreateUser,
    DiscardDraft,
    FinishCall,
    GrantRole,
    HandOverDraft,
    MarkAlertTimedOut,
    ReassignUnit,
    RecallUnit,
    RecordFollowUp,
    RecordLimitationDecision,
    RecordOutcome,
    RecordRedFlag,
    RejectProposal,
    RemoveCarePlan,
    RemoveStandingOrder,
    RemoveTreatmentLimitation,
    ReopenCase,
    RevokeRole,
    RevokeServiceToken,
    SaveDraft,
    SendPreAlert,
    SendToWaitingRoom,
    SetCarePlan,
    SetPassword,
    SetStandingOrder,
    SetTreatmentLimitation,
    SetUnitStatus,
    SetUserActive,
    SignOffReview,
    UnlockUser,
    run,
)
from outcomes.closing import FeedOutcome, record_outcome
from outcomes.followup import FollowUpResult
from outcomes.proposals import draft_proposals
from outcomes.settings import OutcomeSettings
from outcomes.stats import outcome_statistics
from outcomes.system_jobs import FEED_USER, feed_actor
from records.actor import Actor
from records.care_plans import CarePlanInput, LimitationInput, StandingOrderInput
from records.case_state import CaseStatus
from records.identity import provision
from records.models import Patient, Review, UnitAlert
from records.pre_alert import PreAlertTriage
from records.tokens import new_token, token_hash
from resources.care_plan import LimitationDecision, LimitationKind, PlanItem, PlanItemKind
from resources.vocabulary import Priority, Role, UnitStatus

Scenario = Callable[[World], tuple[Actor, Command]]


def _draft_saved(w: World) -> tuple[int, int]:
    case_id = w.case_in(CaseStatus.DRAFT)
    saved = run(w.db, w.nurse, SaveDraft(case_id=case_id, intake=intake(), payload={"complaint": None}))
    return case_id, saved.draft_id  # type: ignore[attr-defined]


RECEIVER = "ssk.bo"


def _hand_over(w: World) -> tuple[Actor, Command]:
    """Anna's unfinished call, handed to Bo (another active nurse)."""
    _, draft_id = _draft_saved(w)
    with w.db() as s, s.begin():
        provision(s, RECEIVER, {Role.NURSE}, display_name="Bo Sjuksköterska")
    return w.nurse, HandOverDraft(draft_id=draft_id, to_username=RECEIVER)


def _deviation_review(w: World) -> int:
    case_id = w.case_in(CaseStatus.WAITING)
    cmd = w.assign_command(case_id)
    other = cmd.recommendation_shown["parts"][0]["alternatives"][0]["unit_id"]
    run(w.db, w.dispatcher, cmd.model_copy(update={"unit_id": other, "deviation_reason": "Närmare enligt radio"}))
    with w.db() as s:
        return s.scalars(select(Review.id).where(Review.case_id == case_id)).one()


def _proposal(w: World) -> int:
    """An open rule-change proposal: 30 Prio 1 cases of one endpoint, 22 of them left at home."""
    settings = OutcomeSettings(min_cases=30)
    with w.db() as s, s.begin():
        at = T0
        for code in ["treated_left_home"] * 22 + ["transported_ed"] * 8:
            c = add_case(s, w.admin, created_at=at, priority="1", endpoint_code="YRSEL.1.01", units=(AMB,))
            record_outcome(s, w.admin, c.id, code, "AKM_LUND" if code == "transported_ed" else None, at=at)
            at += timedelta(minutes=20)
        [p] = draft_proposals(s, w.admin, outcome_statistics(s, settings=settings), settings=settings,
                              directory=w.rules_dir())
        return p.id


def _assigned(w: World) -> tuple[int, str]:
    case_id = w.case_in(CaseStatus.WAITING)
    return case_id, w.assign(case_id)


def _feed(w: World) -> tuple[Actor, Command]:
    case_id, unit = _assigned(w)
    with w.db() as s, s.begin():
        system = feed_actor(s, "test-konsol")
    return system, ApplyFeedOutcome.for_message(FeedOutcome(unit_id=unit, case_id=case_id, code="transported_ed",
                                                            destination="AKM_LUND"))


def _assign(w: World) -> tuple[Actor, Command]:
    return w.dispatcher, w.assign_command(w.case_in(CaseStatus.WAITING))


def _recall(w: World) -> tuple[Actor, Command]:
    case_id, unit = _assigned(w)
    return w.dispatcher, RecallUnit(case_id=case_id, unit_id=unit, reason="Behövs inte längre")


def _reassign(w: World) -> tuple[Actor, Command]:
    case_id, unit = _assigned(w)
    rec = w.recommendation(case_id)
    other = next(a["unit_id"] for a in rec["parts"][0]["alternatives"] if a["unit_id"] != unit)
    return w.dispatcher, ReassignUnit(case_id=case_id, new_unit_id=other, recommendation_shown=rec,
                                      deviation_reason="Närmare", reason="Byte")


def _alert_of(w: World) -> tuple[Actor, UnitAlert]:
    """The alert of a new assignment, and the feed's system user who applies the unit's answers."""
    case_id, unit = _assigned(w)
    with w.db() as s, s.begin():
        system = feed_actor(s, "test-konsol")
        row = s.scalars(select(UnitAlert).where(UnitAlert.case_id == case_id, UnitAlert.unit_id == unit)).one()
        s.expunge(row)
    return system, row


def _decline(w: World) -> tuple[Actor, Command]:
    system, a = _alert_of(w)
    return system, ApplyAlertReply.for_message(alert_id=a.alert_id, case_id=a.case_id, publisher=a.publisher,
                                               unit_id=a.unit_id, kind="decline", reason="Motorstopp")


def _alert_timeout(w: World) -> tuple[Actor, Command]:
    system, a = _alert_of(w)
    return system, MarkAlertTimedOut.for_revision(a.alert_id, a.seq, a.case_id)


def _correct(w: World) -> tuple[Actor, Command]:
    return w.nurse, CorrectOutcome(case_id=w.case_in(CaseStatus.CLOSED), code="left_home_advice")


PASSWORD = SecretStr("Sommarljus7kvällar")


def _token_command(w: World) -> CreateServiceToken:
    with w.db() as s, s.begin():
        feed_actor(s, "test-konsol")  # provisions the feed's system user
    return CreateServiceToken(username=FEED_USER, label="feed serve", token_sha256=token_hash(new_token()))


def _revoke_token(w: World) -> tuple[Actor, Command]:
    view = run(w.db, w.admin, _token_command(w))
    return w.admin, RevokeServiceToken(token_id=view.id)  # type: ignore[attr-defined]


PATIENT, TEAM = "19121212-1212", "Vårdcentralen Lund Norr"  # Tolvan Tolvansson, Skatteverket's test person


def _patient(w: World) -> str:
    """A patient in the register (an administrator's care-plan edit is refused for anyone else)."""
    with w.db() as s, s.begin():
        if s.get(Patient, PATIENT) is None:
            s.add(Patient(personnummer=PATIENT, name="Tolvan Tolvansson", enrolled_mobile_team=TEAM,
                          updated_at=T0, source="test"))
    return PATIENT


def _plan(w: World) -> CarePlanInput:
    return CarePlanInput(personnummer=_patient(w), team=TEAM, author="Ssk Maja Exempel",
                         written_on=T0.date() - timedelta(days=30), valid_until=T0.date() + timedelta(days=90),
                         items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid",
                                         hours_from=time(8), hours_to=time(17))],
                         free_text="Vid andnöd: extra furosemid enligt ordination.")


def _limitation(w: World) -> LimitationInput:
    return LimitationInput(personnummer=_patient(w), kind=LimitationKind.NO_CPR, decided_by="Dr Sigrid Demoläkare",
                           decided_on=T0.date() - timedelta(days=10), documented_in="Journalanteckning ASIH Lund")


def _order(w: World) -> StandingOrderInput:
    return StandingOrderInput(personnummer=_patient(w), team=TEAM, text="IV-furosemid 40 mg",
                              valid_until=T0.date() + timedelta(days=90))


def _remove_plan(w: World) -> tuple[Actor, Command]:
    run(w.db, w.admin, SetCarePlan(plan=_plan(w)))
    return w.admin, RemoveCarePlan(personnummer=PATIENT, team=TEAM)


def _remove_limitation(w: World) -> tuple[Actor, Command]:
    run(w.db, w.admin, SetTreatmentLimitation(limitation=_limitation(w)))
    return w.admin, RemoveTreatmentLimitation(personnummer=PATIENT, kind=LimitationKind.NO_CPR)


def _remove_order(w: World) -> tuple[Actor, Command]:
    run(w.db, w.admin, SetStandingOrder(order=_order(w)))
    return w.admin, RemoveStandingOrder(personnummer=PATIENT, team=TEAM, text="IV-furosemid 40 mg")


SCENARIOS: dict[type[Command], Scenario] = {
    CreateUser: lambda w: (w.admin, CreateUser(username="ssk.ny", display_name="Ny Sjuksköterska",
                                               grant=[Role.NURSE], password=PASSWORD)),
    GrantRole: lambda w: (w.admin, GrantRole(username=w.nurse.username, role=Role.PHYSICIAN)),
    RevokeRole: lambda w: (w.admin, RevokeRole(username=w.dispatcher.username, role=Role.DISPATCHER)),
    SetUserActive: lambda w: (w.admin, SetUserActive(username=w.physician.username, active=False)),
    SetPassword: lambda w: (w.admin, SetPassword(username=w.nurse.username, password=PASSWORD)),
    UnlockUser: lambda w: (w.admin, UnlockUser(username=w.nurse.username)),
    CreateServiceToken: lambda w: (w.admin, _token_command(w)),
    RevokeServiceToken: _revoke_token,
    SetCarePlan: lambda w: (w.admin, SetCarePlan(plan=_plan(w))),
    RemoveCarePlan: _remove_plan,
    SetTreatmentLimitation: lambda w: (w.admin, SetTreatmentLimitation(limitation=_limitation(w))),
    RemoveTreatmentLimitation: _remove_limitation,
    SetStandingOrder: lambda w: (w.admin, SetStandingOrder(order=_order(w))),
    RemoveStandingOrder: _remove_order,
    CreateCase: lambda w: (w.nurse, CreateCase(intake=intake())),
    SaveDraft: lambda w: (w.nurse, SaveDraft(case_id=w.case_in(CaseStatus.DRAFT), intake=intake("Ändrad"),
                                             payload={"complaint": "YRSEL"})),
    DiscardDraft: lambda w: (w.nurse, DiscardDraft(draft_id=_draft_saved(w)[1])),
    HandOverDraft: _hand_over,
    CompleteTriage: lambda w: (w.nurse, CompleteTriage(case_id=w.case_in(CaseStatus.DRAFT), triage=triage())),
    SendToWaitingRoom: lambda w: (w.nurse, SendToWaitingRoom(case_id=w.case_in(CaseStatus.TRIAGED),
                                                             triage=triage())),
    FinishCall: lambda w: (w.nurse, FinishCall(case_id=(ids := _draft_saved(w))[0], intake=intake(),
                                               triage=triage(), draft_id=ids[1])),
    SendPreAlert: lambda w: (w.nurse, SendPreAlert(case_id=w.case_in(CaseStatus.DRAFT), intake=intake(),
                                                   triage=PreAlertTriage(ruleset_version="test-1", complaint="YRSEL",
                                                                         priority=Priority.P1,
                                                                         care_need=triage().care_need))),
    RecordRedFlag: lambda w: (w.nurse, RecordRedFlag(case_id=w.case_in(CaseStatus.DRAFT), flag_id="RF_CHOCK",
                                                     text="Är patienten kallsvettig, gråblek och slö?",
                                                     complaint="YRSEL")),
    RecordLimitationDecision: lambda w: (w.nurse, RecordLimitationDecision(
        case_id=w.case_in(CaseStatus.DRAFT), kind=LimitationKind.NO_CPR, decision=LimitationDecision.FOLLOW_LIMITATION,
        reason="Beslutet verifierat i pärmen; säkra dödstecken", endpoint="RÖD.1.00",
        shown="Ej HLR, beslutat av Dr Test 2026-02-01, dokumenterat i Journal")),
    AcknowledgeAlert: lambda w: (w.dispatcher, AcknowledgeAlert(
        kind="new_prio1", alert_key="new_prio1:1", case_id=(c := w.case_in(CaseStatus.WAITING)),
        raised_at=T0, text=f"Ny Prio 1 i väntrummet: ärende {c}")),
    AddCaseNote: lambda w: (w.dispatcher, AddCaseNote(case_id=w.case_in(CaseStatus.WAITING),
                                                      text="Portkod 1234, tredje våningen")),
    ReopenCase: lambda w: (w.nurse, ReopenCase(case_id=w.case_in(CaseStatus.CLOSED), reason="Ringer igen, sämre")),
    AssignUnit: _assign,
    RecallUnit: _recall,
    ReassignUnit: _reassign,
    SetUnitStatus: lambda w: (w.dispatcher, SetUnitStatus(unit_id="AMB-001", status=UnitStatus.OFF_DUTY,
                                                          reason="Fordonet på verkstad")),
    RecordOutcome: lambda w: (w.dispatcher, RecordOutcome(case_id=w.case_in(CaseStatus.ASSIGNED),
                                                          code="treated_left_home")),
    CorrectOutcome: _correct,
    ApplyFeedOutcome: _feed,
    ApplyAlertReply: _decline,
    MarkAlertTimedOut: _alert_timeout,
    RecordFollowUp: lambda w: (w.nurse, RecordFollowUp(followup_id=w.open_followup(),
                                                       result=FollowUpResult.WORSE, note="Mer ont")),
    CommentReview: lambda w: (w.physician, CommentReview(review_id=_deviation_review(w), text="Rimligt")),
    SignOffReview: lambda w: (w.physician, SignOffReview(review_id=_deviation_review(w), comment="OK")),
    ChangeCaseTriage: lambda w: (w.physician, ChangeCaseTriage(case_id=w.case_in(CaseStatus.WAITING),
                                                               priority=Priority.P2, reason="Andningspåverkan")),
    AcceptProposal: lambda w: (w.physician, AcceptProposal(proposal_id=_proposal(w), directory=w.rules_dir())),
    RejectProposal: lambda w: (w.physician, RejectProposal(proposal_id=_proposal(w), reason="Behöver bedömas")),
}

assert set(SCENARIOS) == set(ALL_COMMANDS), set(ALL_COMMANDS) - set(SCENARIOS)
