"""Notes on the whole case, through the real widgets: the nurse types a note during the call (Ctrl+E, Enter) — even
before the case exists — and it reaches the case; the dispatcher selects the case and its panel shows the caller,
callback number, patient, answers and the note with author and time; the dispatcher adds one (N, Enter); a note
from another console appears by itself; each read of the panel is audited as a read of the patient's data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import commands.calls as calls_module
import commands.notes as notes_module
from commands import AddCaseNote, run
from console.calltaking.local_draft import read_local
from console.dispatch.case_panel import CasePanel
from records.case_notes import NOTE_MAX_LENGTH
from records.models import AuditEntry, CaseNote
from resources.vocabulary import Role

DOOR = "Portkod 4711, tredje våningen"


def _type_note(qtbot, w, ct, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(w, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert ct.call_notes.field.hasFocus()
    ct.call_notes.field.setText(text)  # keyClicks would type 30 characters one event at a time
    qtbot.keyClick(ct.call_notes.field, Qt.Key.Key_Return)


def _call_with_a_note(qtbot, w, ct, idle) -> int:  # type: ignore[no-untyped-def]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert ct.case_id is None  # CreateCase is still on its way (nothing has run the event loop since Ctrl+N)
    _type_note(qtbot, w, ct, DOOR)  # so the note waits in the draft and goes once the case exists
    assert ct.notes[0]["text"] == DOOR and ct.call_notes.list.count() == 1
    ct.form.caller.setText("Karin Svensson")
    ct.form.phone.setText("070-123 45 67")
    ct.form.address.setText("Storgatan 1")
    ct.form.kommun.setCurrentText("Lund")
    ct.form.patient.setText("Sven Svensson")
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # not unconscious
    ct.apply_red_flag("RF_CHOCK")  # Prio 1: the triage is done
    idle(w)
    qtbot.waitUntil(lambda: all(n["sent"] for n in ct.notes), timeout=10000)
    assert "sparas" not in ct.call_notes.list.item(0).text()
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        ct.send()
    return int(sent.args[0])


def test_a_note_typed_during_the_call_is_in_the_dispatchers_case_panel(qtbot, make_window, actor_for, factory,
                                                                      idle) -> None:  # type: ignore[no-untyped-def]
    nurse = actor_for(Role.NURSE, "ssk.anna")
    wn = make_window(nurse)
    ct = wn.workspaces["calltaking"]
    case_id = _call_with_a_note(qtbot, wn, ct, idle)
    with factory() as s:
        [note] = s.scalars(select(CaseNote).where(CaseNote.case_id == case_id)).all()
    assert (note.text, note.user_id, note.role) == (DOOR, nurse.user_id, "nurse")

    dispatcher = actor_for(Role.DISPATCHER, "usk.omar")
    wd = make_window(dispatcher)
    dp = wd.workspaces["dispatch"]
    panel = dp.findChild(CasePanel)
    tabs = dp.findChild(QTabWidget, "caseTabs")
    dp.refresh()  # feeds off in tests: the workspace is not started, väntrummet is read by hand
    qtbot.waitUntil(lambda: dp.waiting_model.row_of(case_id) is not None, timeout=10000)
    dp.waiting.setFocus()
    with qtbot.waitSignal(panel.shown, timeout=10000):
        dp.select_case_id(case_id)
    assert "1 anteckning" in tabs.tabText(1)  # seen from the recommendation tab already
    qtbot.keyClick(dp.waiting, Qt.Key.Key_I)
    assert tabs.currentWidget() is panel
    assert ("Återuppringning", "070-123 45 67") in panel.section_rows("caller")
    assert ("Adress", "Storgatan 1, Lund") in panel.section_rows("caller")
    assert ("Namn", "Sven Svensson") in panel.section_rows("patient")
    [(who, text)] = panel.section_rows("notes")
    assert text == DOOR and who.endswith(" ssk.anna") and who[:2].isdigit()  # "14:02 ssk.anna"
    answers = panel.section_rows("triage")
    assert any(value.startswith("Nej") for _q, value in answers)
    assert not any("RF_" in q or "RF_" in v for q, v in answers + panel.section_rows("red_flags"))
    assert any("kallsvettig" in q for q, _v in panel.section_rows("red_flags"))

    # The dispatcher adds a note: N, type, Enter.
    qtbot.keyClick(dp.waiting, Qt.Key.Key_N)
    assert panel.note.hasFocus()
    panel.note.setText("Ambulansen möts vid grinden")
    with qtbot.waitSignal(panel.shown, timeout=10000):
        qtbot.keyClick(panel.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(panel.section_rows("notes")) == 2, timeout=10000)
    assert [t for _w, t in panel.section_rows("notes")] == ["Ambulansen möts vid grinden", DOOR]  # newest first
    assert panel.note.text() == "" and "2 anteckningar" in tabs.tabText(1)

    # Another console's note appears without touching anything (pushed change → one audited re-read).
    run(factory, nurse, AddCaseNote(case_id=case_id, text="Dottern ringde: patienten är vaken"))
    qtbot.waitUntil(lambda: len(panel.section_rows("notes")) == 3, timeout=10000)

    idle(wd)
    with factory() as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.read", AuditEntry.case_id == case_id,
                                                   AuditEntry.user_id == dispatcher.user_id)).all()
    detail_reads = [r for r in reads if r.detail.get("via") == "detail"]
    assert len(detail_reads) == panel.reads >= 3  # every read of the panel, each with the patient's number
    assert all(r.detail.get("patient") is None and r.role == "dispatcher" for r in detail_reads)


def test_a_note_too_long_is_refused_in_swedish_and_nothing_is_added(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    width = ct.width()
    _type_note(qtbot, w, ct, "x" * (NOTE_MAX_LENGTH + 5))
    assert ct.notes == [] and ct.call_notes.error.isVisible()
    assert "för lång (2\u00a0005 tecken, högst 2\u00a0000)" in ct.call_notes.error.text()  # Swedish numbers
    assert ct.call_notes.field.text()  # kept, to shorten
    assert ct.width() == width
    _type_note(qtbot, w, ct, "   ")
    assert "tom" in ct.call_notes.error.text() and ct.notes == []


def test_a_note_typed_while_the_database_is_away_survives_a_crash_and_reaches_the_case(
        qtbot, make_window, actor_for, factory, idle, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def down(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setenv("LARMCENTRAL_DB_FAILOVER_RETRY_S", "0")  # told at once, not retried for 30 s
    nurse = actor_for(Role.NURSE)
    w1 = make_window(nurse)
    ct = w1.workspaces["calltaking"]
    ct.new_case()
    idle(w1)
    case_id = ct.case_id
    with monkeypatch.context() as m:
        m.setattr(notes_module, "add_note", down)
        m.setattr(calls_module, "save_draft", down)
        _type_note(qtbot, w1, ct, DOOR)
        idle(w1)
        assert "inte sparad på ärendet" in ct.problems.text()
        assert "sparas" in ct.call_notes.list.item(0).text()
        ct.save_now()
        idle(w1)
        assert [n["text"] for n in read_local(nurse.username)["notes"]] == [DOOR]
        w1.executor.shutdown()  # the console dies while the database is still away
        w1.hide()
    w2 = make_window(nurse)
    ct2 = w2.workspaces["calltaking"]
    qtbot.waitUntil(lambda: ct2.active and ct2.case_id == case_id, timeout=10000)
    qtbot.waitUntil(lambda: bool(ct2.notes) and all(n["sent"] for n in ct2.notes), timeout=10000)
    with factory() as s:
        assert s.scalars(select(CaseNote.text).where(CaseNote.case_id == case_id)).all() == [DOOR]
