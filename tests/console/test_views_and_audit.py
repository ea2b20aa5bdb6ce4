"""Small things a user sees all shift: the statistics legend lists each outcome group once;
väntrummet stops the clock at assignment and names the complaint in Swedish; a physician starts in
the RLS queue; and the 5-second refresh of väntrummet does not flood the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from console.dispatch.waiting_room import COL_WAIT, COLUMNS
from dispatch.assignment import assign
from dispatch.case_input import case_from_record
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from records.audit import now
from records.case_state import CaseEvent
from records.cases import CaseIntake, advance, create_case, get_case
from records.db import transaction
from records.models import Assignment, AuditEntry, Case
from records.triage_store import latest_triage
from resources.patient_context import PatientContext
from resources.vocabulary import Role


def _case(factory, nurse, complaint: str = "BRÖST") -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        case = create_case(s, nurse, CaseIntake(address="Storgatan 1", kommun="Lund", lat=55.70, lon=13.19))
        row = s.get(Case, case.id)
        row.complaint, row.priority = complaint, "2"
        advance(s, nurse, case.id, CaseEvent.SEND_TO_WAITING_ROOM, priority="2")
        row.waiting_since = now() - timedelta(minutes=40)
        return case.id


def test_statistics_legend_has_each_outcome_group_once(qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.DISPATCHER))
    st = w.workspaces["stats"]
    for _ in range(2):
        st.refresh()
        idle(w)
    labels = [label.text for _sample, label in st.outcome_legend.items]
    assert labels and len(labels) == len(set(labels))


def test_waiting_room_stops_the_clock_at_assignment_and_names_the_complaint(qtbot, make_window, actor_for,
                                                                           factory, idle):  # type: ignore[no-untyped-def]
    nurse, disp = actor_for(Role.NURSE), actor_for(Role.DISPATCHER)
    waiting, assigned = _case(factory, nurse), _case(factory, nurse)
    with transaction(factory) as s:
        row = s.get(Case, assigned)
        row.care_need = {"capabilities": ["ambulance_transport", "ecg"], "transport": "ambulance", "max_minutes": 30}
        rec = recommend(case_from_record(get_case(s, disp, assigned), PatientContext()), default_snapshot(), now())
        best = rec.parts[0].recommended
        assign(s, disp, assigned, best.unit_id, rec.parts[0].part, rec)
        s.scalar(select(Assignment).where(Assignment.case_id == assigned)).assigned_at = now() - timedelta(minutes=25)
    w = make_window(disp)
    dp = w.workspaces["dispatch"]
    dp.refresh()
    qtbot.waitUntil(lambda: dp.waiting_model.rowCount() == 2, timeout=10000)
    m = dp.waiting_model
    r_wait, r_assigned = m.row_of(waiting), m.row_of(assigned)
    assert m.index(r_assigned, COL_WAIT).data() == "dir. 15:00"  # 40 min waiting → 25 min ago assigned
    assert m.index(r_assigned, COL_WAIT).data(8) is None  # BackgroundRole: no target colour once assigned
    assert m.index(r_wait, COL_WAIT).data(8) is not None
    assert m.index(r_wait, COLUMNS.index("Besvär")).data() == "Bröstsmärta"


def test_physician_starts_in_the_rls_queue(qtbot, make_window, actor_for):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.PHYSICIAN))
    assert list(w.workspaces)[0] == "review"
    assert not w.docks["reviewDock"].visibleRegion().isEmpty()


def test_waiting_room_refresh_audits_only_when_the_cases_shown_change(qtbot, make_window, actor_for,
                                                                     factory, idle):  # type: ignore[no-untyped-def]
    nurse, disp = actor_for(Role.NURSE), actor_for(Role.DISPATCHER)
    _case(factory, nurse)
    w = make_window(disp)
    dp = w.workspaces["dispatch"]

    def listings() -> int:
        with factory() as s:
            return s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "case.list", AuditEntry.user_id == disp.user_id))

    for _ in range(4):  # what the 5-second timer does
        dp.refresh()
        idle(w)
    assert listings() == 1
    second = _case(factory, nurse)
    dp.refresh()
    idle(w)
    assert listings() == 2
    dp.select_case_id(second)  # opening a case is its own audited read
    idle(w)
    with factory() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "case.read", AuditEntry.case_id == second,
                                                 AuditEntry.user_id == disp.user_id)) is not None


def test_latest_triage_is_an_audited_read(factory, actor_for):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    case_id = _case(factory, nurse)
    with transaction(factory) as s:
        assert latest_triage(s, nurse, case_id) is None  # nothing stored, nothing read
