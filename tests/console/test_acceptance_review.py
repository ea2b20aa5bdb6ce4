"""Acceptance pass for the RLS physician: a queue with override, consult, recontact-like and proposal
items; change of an open case shows at once; sign-off by Ctrl+Shift+S removes the item and is
recorded; a rule proposal is accepted (a new rule-set version) or rejected (recorded); a
non-physician cannot sign off."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from console_helpers import prio1_endpoint
from PySide6.QtCore import Qt
from sqlalchemy import select

from outcomes.closing import record_outcome
from outcomes.proposals import list_proposals
from outcomes.system_jobs import analysis_actor, draft_proposals_once
from records.audit import now
from records.case_state import CaseEvent
from records.cases import CaseIntake, advance, create_case
from records.db import transaction
from records.models import AuditEntry, Case, Review
from records.review_queue import open_review
from resources.vocabulary import Priority, Role
from triage_rules.loader import RULESET_DIR, latest_version, load_ruleset


def _two_proposals(factory, nurse) -> None:  # type: ignore[no-untyped-def]
    """Thirty Prio 1 patients of one endpoint all left at home: the outcome loop drafts a proposal."""
    version, complaint, endpoint = prio1_endpoint()
    with transaction(factory) as s:
        for i in range(30):
            case = create_case(s, nurse, CaseIntake(address="Storgatan 1", kommun="Lund", lat=55.7, lon=13.19))
            row = s.get(Case, case.id)
            row.created_at = now() - timedelta(days=3, minutes=30 * i)
            row.priority, row.complaint, row.endpoint_code, row.ruleset_version = "1", complaint, endpoint, version
            record_outcome(s, nurse, case.id, "treated_left_home", at=row.created_at + timedelta(minutes=50))
    with transaction(factory) as s:
        assert draft_proposals_once(s, analysis_actor(s))


def _open_case_with_consult(factory, nurse) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        case = create_case(s, nurse, CaseIntake(caller_name="Dottern", address="Lindvägen 3", kommun="Lund",
                                                lat=55.7, lon=13.19, patient_name="Astrid Demo", patient_age=84))
        row = s.get(Case, case.id)
        row.priority, row.complaint = "2", "FÖRS"
        row.care_need = {"capabilities": ["nurse_assessment"], "transport": "none", "max_minutes": 120}
        advance(s, nurse, case.id, CaseEvent.SEND_TO_WAITING_ROOM)
        open_review(s, nurse, case.id, "consult", "Sjuksköterskan begär RLS-konsultation: osäker bedömning.")
        return case.id


def _select(qtbot, rv, reason: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: any(rv.model.item(i).reason == reason for i in range(rv.model.rowCount())),
                    timeout=10000)
    row = next(i for i in range(rv.model.rowCount()) if rv.model.item(i).reason == reason)
    rv.table.selectRow(row)
    qtbot.waitUntil(lambda: rv.detail is not None and rv.detail.item.reason == reason, timeout=10000)


def test_physician_changes_signs_off_and_decides_proposals(qtbot, make_window, actor_for, factory, idle,
                                                           tmp_path: Path):  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE)
    case_id = _open_case_with_consult(factory, nurse)
    _two_proposals(factory, nurse)
    w = make_window(actor_for(Role.PHYSICIAN))
    rv = w.workspaces["review"]
    rules = tmp_path / "rulesets"
    shutil.copytree(RULESET_DIR, rules)
    rv.ruleset_dir = rules

    # Change priority and care need of the open case: "nu" in the detail shows it at once.
    _select(qtbot, rv, "consult")
    assert "osäker bedömning" in rv.browser.toPlainText() and rv.change_button.isEnabled()
    rv.priority.setCurrentIndex(rv.priority.findData(Priority.P1))
    rv.transport.setCurrentIndex(rv.transport.findData("ambulance"))
    rv.comment.setPlainText("Låter påverkad; ambulans.")
    rv.change_triage()
    idle(w)
    qtbot.waitUntil(lambda: "Ambulanstransport" in rv.browser.toPlainText().split("Vårdbehov nu")[1][:80],
                    timeout=10000)
    with factory() as s:
        row = s.get(Case, case_id)
        assert row.priority == "1" and row.care_need["transport"] == "ambulance"

    # Comment with Ctrl+K, then sign off with Ctrl+Shift+S: the item leaves the queue, recorded.
    rv.comment.setPlainText("Ring tillbaka om 30 min.")
    qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    before = rv.model.rowCount()
    qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    idle(w)
    qtbot.waitUntil(lambda: rv.model.rowCount() == before - 1, timeout=10000)
    assert all(rv.model.item(i).reason != "consult" for i in range(rv.model.rowCount()))
    with factory() as s:
        review = s.scalar(select(Review).where(Review.case_id == case_id, Review.reason == "consult"))
        assert review.status == "signed_off" and "Ring tillbaka" in review.comment
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "review.sign_off",
                                                  AuditEntry.case_id == case_id)) is not None

    # Accept a rule proposal: a new version is written; the item leaves the queue.
    _select(qtbot, rv, "proposal")
    assert not rv.sign_button.isEnabled() and rv.accept_button.isEnabled()
    base = latest_version(rules)
    rv.comment.setPlainText("Rimligt utifrån utfallen.")
    rv.accept_button.click()
    idle(w)
    qtbot.waitUntil(lambda: latest_version(rules) != base, timeout=10000)
    assert "godkänt" in w.message_label.text()
    with factory() as s:
        (decided,) = [p for p in list_proposals(s, status=None) if p.status == "accepted"]
        assert decided.new_ruleset_version == latest_version(rules)
    assert load_ruleset(version=latest_version(rules), directory=rules).version == latest_version(rules)


def test_rejecting_a_proposal_needs_a_reason_and_is_recorded(qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    _two_proposals(factory, actor_for(Role.NURSE))
    w = make_window(actor_for(Role.PHYSICIAN))
    rv = w.workspaces["review"]
    _select(qtbot, rv, "proposal")
    rv.reject_button.click()  # no reason: refused, nothing changes
    idle(w)
    assert "avslås" in w.message_label.text()
    rv.comment.setPlainText("För få fall från en enda vårdcentral.")
    rv.reject_button.click()
    idle(w)
    qtbot.waitUntil(lambda: all(rv.model.item(i).reason != "proposal" for i in range(rv.model.rowCount())),
                    timeout=10000)
    with factory() as s:
        (p,) = list_proposals(s, status=None)
        assert p.status == "rejected" and p.new_ruleset_version is None


def test_a_non_physician_cannot_sign_off(qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    """The RLS queue is a physician's: an administrator's window has no review workspace, and the command
    refuses anyone else (tests/commands/test_role_matrix.py)."""
    case_id = _open_case_with_consult(factory, actor_for(Role.NURSE))
    w = make_window(actor_for(Role.ADMIN))
    assert "review" not in w.workspaces
    qtbot.keyClick(w, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    idle(w)
    with factory() as s:
        assert s.scalar(select(Review.status).where(Review.case_id == case_id)) == "open"
