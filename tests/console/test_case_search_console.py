"""Ctrl+F in the console: type a personnummer (or number, phone, address), Enter lists the cases, Enter on a hit
opens its timeline — keyboard only, real widgets on the real database, the search and the read audited. The
administrator has no Ctrl+F (no clinical right); MainWindow.show_case_timeline is the dispatcher case panel's way in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from commands import AddCaseNote, CaseCreated, CreateCase, SendToWaitingRoom, run
from console.cases.search_dialog import CaseSearchDialog
from console.cases.timeline_dialog import CaseTimelineDialog
from console.shortcuts import shortcuts
from records.cases import CaseIntake
from records.db import transaction
from records.models import AuditEntry
from records.triage_store import CompletedTriage
from resources.vocabulary import Role


def _case(factory, nurse) -> int:  # type: ignore[no-untyped-def]
    created = run(factory, nurse, CreateCase(intake=CaseIntake(
        callback_phone="070-123 45 67", address="Storgatan 1", kommun="Ystad", patient_name="Tolvan Tolvansson",
        personnummer="19121212-1212")))
    assert isinstance(created, CaseCreated)
    run(factory, nurse, AddCaseNote(case_id=created.case_id, text="Portkod 1234"))
    run(factory, nurse, SendToWaitingRoom(case_id=created.case_id, triage=CompletedTriage(
        ruleset_version="test-1", complaint="YRSEL", endpoint_code="YRSEL.3.01", priority="3",
        care_need={"capabilities": ["stretcher_transport"], "transport": "lying", "max_minutes": 60})))
    return created.case_id


def test_ctrl_f_finds_the_case_and_enter_opens_its_timeline(qtbot, make_window, actor_for, factory) -> None:  # type: ignore[no-untyped-def]
    case_id = _case(factory, actor_for(Role.NURSE, "ssk.anna"))
    dispatcher = actor_for(Role.DISPATCHER, "usk.berit")
    w = make_window(dispatcher)
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = w.findChild(CaseSearchDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.input.hasFocus)
    qtbot.keyClicks(dialog.input, "121212-1212")
    qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.status.text() != "Söker …", timeout=5000)
    assert dialog.model.rowCount() == 1, dialog.status.text()
    assert [dialog.model.index(0, c).data() for c in (0, 2, 3, 4, 5)] == [
        str(case_id), "Väntrummet", "Prio 3", "Tolvan Tolvansson (19121212-1212)", "Storgatan 1, Ystad"]
    assert dialog.status.text() == "1 träff (sökt som personnummer)."
    assert dialog.table.hasFocus()  # the hit has the focus: Enter opens it

    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    timeline = w.findChild(CaseTimelineDialog)
    assert timeline is not None and timeline.isVisible()
    qtbot.waitUntil(lambda: timeline.model.rowCount() > 0, timeout=5000)
    whats = [timeline.model.index(r, 2).data() for r in range(timeline.model.rowCount())]
    assert whats == ["Ärendet skapades", "Anteckning: Portkod 1234", "Triagering klar: Prio 3",
                     "Skickat till väntrummet (Prio 3)"]
    assert timeline.model.index(0, 1).data() == "ssk.anna (sjuksköterska)"
    assert "Ändpunkt YRSEL.3.01" in timeline.model.index(2, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert timeline.heading.text().startswith(f"Ärende {case_id} · Väntrummet · Prio 3 · Tolvan")

    w.show_case_timeline(case_id)  # the case panel's way in: the same window, read again
    qtbot.waitUntil(lambda: not w.executor.busy, timeout=5000)
    assert w.findChildren(CaseTimelineDialog) == [timeline]

    w.lock("manual")  # Ctrl+L: every window with the patient closes, nothing stays in the hidden search dialog
    qtbot.waitUntil(lambda: not w.findChildren(CaseTimelineDialog))
    assert not dialog.isVisible() and dialog.model.rowCount() == 0 and dialog.input.text() == ""
    assert [a.text() for a in w.menuBar().actions()][-2:] == ["Ä&renden", "&Hjälp"]
    with transaction(factory) as s:
        rows = [(a.action, a.case_id, a.detail.get("via"), a.detail.get("case_ids")) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.user_id == dispatcher.user_id,
                                     AuditEntry.action.in_(["case.search", "case.read"])).order_by(AuditEntry.id))]
    assert ("case.search", None, None, [case_id]) in rows
    assert rows.count(("case.read", case_id, "timeline", None)) == 2


def test_a_query_that_cannot_be_searched_for_is_said_in_the_dialog(qtbot, make_window, actor_for) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    w.find_action.trigger()
    dialog = w.findChild(CaseSearchDialog)
    qtbot.keyClicks(dialog.input, "ab")
    qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.status.text() != "Söker …", timeout=5000)
    assert dialog.status.text() == "Skriv minst 3 tecken av adressen (”ab” är för kort)."


def test_ctrl_f_is_in_the_f1_table_and_not_for_the_administrator(qtbot, make_window, actor_for) -> None:  # type: ignore[no-untyped-def]
    assert "Ctrl+F" in {sc.key for sc in shortcuts()}
    w = make_window(actor_for(Role.ADMIN))
    assert w.case_lookup is None
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert w.findChild(CaseSearchDialog) is None
    w.show_case_timeline(1)
    assert w.findChild(CaseTimelineDialog) is None


def test_the_models_pass_qtmodeltester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from console.cases.models import SearchHitsModel, TimelineModel
    from records.case_search import SearchHit
    from records.case_summary import CaseSummary
    from records.case_timeline import TimelineEntry

    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    summary = CaseSummary(case_id=7, created_at=at, status="waiting", status_text="Väntrummet", priority_text="Prio 2",
                          patient="Tolvan", personnummer=None, callback_phone="", address="Storgatan 1",
                          linked_case_id=None)
    hits = SearchHitsModel()
    hits.set_hits([SearchHit(case=summary, matched_by=["adress"]),
                   SearchHit(case=summary.model_copy(update={"case_id": 6}), matched_by=["telefon", "adress"])])
    qtmodeltester.check(hits)
    assert hits.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) == "Träff på telefon och adress"
    timeline = TimelineModel()
    timeline.set_entries([TimelineEntry(at=at, who="Anna (sjuksköterska)", what="Ärendet skapades", kind="ärende"),
                          TimelineEntry(at=at, who="AMB-011 (flöde)", what="AMB-011: På plats", kind="enhet")])
    qtmodeltester.check(timeline)
    assert timeline.index(0, 0).data() == "2026-11-25 10:00:00"  # Swedish local time


def test_the_dispatchers_case_panel_opens_the_timeline(qtbot, make_window, actor_for, factory) -> None:  # type: ignore[no-untyped-def]
    from console.dispatch.case_panel import CasePanel

    case_id = _case(factory, actor_for(Role.NURSE, "ssk.anna"))
    w = make_window(actor_for(Role.DISPATCHER, "usk.berit"))
    panel = w.findChild(CasePanel)
    assert not panel.timeline_button.isHidden()  # "Tidslinje" is there once the window gave it MainWindow's slot
    panel.show_case(case_id)
    qtbot.waitUntil(panel.timeline_button.isEnabled, timeout=5000)
    panel.timeline_button.click()
    timeline = w.findChild(CaseTimelineDialog)
    assert timeline is not None and timeline.case_id == case_id
    qtbot.waitUntil(lambda: timeline.model.rowCount() == 4, timeout=5000)
