"""Ctrl+L and Ctrl+Shift+L work from the case search (Ctrl+F) and a case timeline too: they are windows of their
own, so the main window's keys did not reach them and the console stayed open with a patient on screen. Locking
closes both (nothing of a patient is left in a window the lock screen does not cover); Esc closes them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.cases.search_dialog import CaseSearchDialog
from console.cases.timeline_dialog import CaseTimelineDialog
from records.cases import CaseIntake
from resources.vocabulary import Role

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def _case(factory, actor_for) -> int:  # type: ignore[no-untyped-def]
    from commands import CaseCreated, CreateCase, run

    created = run(factory, actor_for(Role.NURSE, "ssk.anna"), CreateCase(intake=CaseIntake(
        address="Storgatan 1", kommun="Ystad", patient_name="Tolvan Tolvansson", personnummer="19121212-1212")))
    assert isinstance(created, CaseCreated)
    return created.case_id


def _search_and_timeline(qtbot, w, case_id):  # type: ignore[no-untyped-def]
    qtbot.keyClick(w, Qt.Key.Key_F, CTRL)
    search = w.findChild(CaseSearchDialog)
    assert search is not None and search.isVisible()
    timeline = w.case_lookup.show_timeline(case_id)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is timeline)
    qtbot.waitUntil(lambda: timeline.model.rowCount() > 0, timeout=5000)
    return search, timeline


def test_ctrl_l_in_the_timeline_locks_the_console_and_closes_the_case_windows(
        qtbot, make_window, actor_for, factory, idle) -> None:  # type: ignore[no-untyped-def]
    case_id = _case(factory, actor_for)
    w = make_window(actor_for(Role.DISPATCHER, "usk.berit"))
    search, timeline = _search_and_timeline(qtbot, w, case_id)

    qtbot.keyClick(timeline.table, Qt.Key.Key_L, CTRL)
    assert w.locked and w.lock_screen.isVisible()
    qtbot.waitUntil(lambda: not w.findChildren(CaseTimelineDialog))  # closed and deleted
    assert not search.isVisible() and search.model.rowCount() == 0
    idle(w)


def test_ctrl_l_in_the_search_field_and_ctrl_shift_l_in_the_timeline(
        qtbot, make_window, actor_for, factory, idle) -> None:  # type: ignore[no-untyped-def]
    case_id = _case(factory, actor_for)
    w = make_window(actor_for(Role.NURSE, "ssk.cilla"))
    search, timeline = _search_and_timeline(qtbot, w, case_id)
    qtbot.keyClick(timeline.table, Qt.Key.Key_Escape)  # Esc closes the timeline ...
    qtbot.waitUntil(lambda: not w.findChildren(CaseTimelineDialog))
    search.start()
    qtbot.waitUntil(search.input.hasFocus)
    qtbot.keyClick(search.input, Qt.Key.Key_Escape)  # ... and the search
    assert not search.isVisible()

    search.start()
    qtbot.waitUntil(search.input.hasFocus)
    qtbot.keyClick(search.input, Qt.Key.Key_L, CTRL)  # in the text field too
    assert w.locked and not search.isVisible()

    w2 = make_window(actor_for(Role.NURSE, "ssk.dora"))
    asked: list[bool] = []
    w2.switch_user_requested.connect(lambda: asked.append(True))
    timeline2 = w2.case_lookup.show_timeline(case_id)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is timeline2)
    qtbot.keyClick(timeline2.table, Qt.Key.Key_L, CTRL | SHIFT)
    assert asked == [True] and w2.locked
    qtbot.waitUntil(lambda: not w2.findChildren(CaseTimelineDialog))
    idle(w)
    idle(w2)
