"""A unit's status set by hand from the fleet board: context menu or S, only the legal changes offered (never
"Larmad"), a reason required, SetUnitStatus audited with it, the board showing the new status, and in demo mode the
simulated unit told so it goes on from there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from console.dispatch.unit_status import UnitStatusActions
from console.fleet_model import COL_STATUS
from records.models import AuditEntry, UnitStatusEvent
from resources.vocabulary import Role
from resources.vocabulary import UnitStatus as S
from tests.console_dispatch.test_workspace import _wait_idle, _workspace
from tests.console_dispatch.test_workspace import executor as executor  # the fixture


def _board_index(ws, unit_id: str):  # type: ignore[no-untyped-def]
    return ws.board.view_index(unit_id)  # the fleet model's or, while filtered or sorted, the proxy's


def test_status_by_hand_from_the_board_menu_and_key(qtbot, sqlite_db, make_actor, executor) -> None:
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    ws = _workspace(qtbot, dispatcher, executor)
    try:
        with qtbot.waitActive(ws):
            ws.resize(1366, 768)
            ws.show()
            ws.activateWindow()
        board, dialogs = ws.board, []
        ws.findChild(UnitStatusActions).on_dialog = dialogs.append
        index = _board_index(ws, "AMB-001")
        menu = board.context_menu(board.table.visualRect(index).center())
        assert [a.text() for a in menu.actions()] == ["Ändra status för AMB-001…\tS"]
        menu.actions()[0].trigger()
        (dlg,) = dialogs
        assert dlg.offered() == [S.AVAILABLE_OUT, S.OFF_DUTY]  # from Ledig på station: not Larmad, not På plats
        qtbot.keyClicks(dlg.reason, "Fordonet på verkstad")
        dlg.accept()
        assert dlg.isVisible() and "Välj den nya statusen" in dlg.error.text()  # nothing preselected
        dlg.reason.clear()
        assert dlg.select_status(S.OFF_DUTY)
        dlg.accept()
        assert dlg.isVisible() and "skäl" in dlg.error.text()  # no reason: refused, nothing sent
        qtbot.keyClicks(dlg.reason, "Fordonet på verkstad")
        qtbot.keyClick(dlg.reason, Qt.Key.Key_Return)
        _wait_idle(qtbot, executor)
        assert not dlg.isVisible()
        assert ws.banner.property("error") is False, ws.banner.text()
        assert "AMB-001: Ledig på station → Ej i tjänst" in ws.banner.text()
        assert "Ej i tjänst" in index.siblingAtColumn(COL_STATUS).data()
        with sqlite_db() as s:
            assert s.scalars(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == "AMB-001")).all() == [
                "ej_i_tjanst"]
            (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "unit.status")).all()
        assert entry.detail["reason"] == "Fordonet på verkstad"

        # S on the board: the same dialog, now from Ej i tjänst.
        ws.activateWindow()
        qtbot.waitUntil(lambda: ws.isActiveWindow(), timeout=5000)
        board.table.setFocus()
        board.table.setCurrentIndex(index)
        qtbot.keyClick(board.table, Qt.Key.Key_S)
        assert len(dialogs) == 2 and dialogs[1].offered() == [S.AVAILABLE_AT_STATION, S.AVAILABLE_OUT]
        dialogs[1].reject()
    finally:
        ws.shutdown()


def test_a_nurse_is_told_she_may_not(qtbot, sqlite_db, make_actor, executor) -> None:
    nurse = make_actor(sqlite_db, "ssk.anna", Role.NURSE)
    ws = _workspace(qtbot, nurse, executor)
    try:
        ws.board.status_requested.emit("AMB-001")
        assert ws.banner.property("error") is True and "får inte ändra enheters status" in ws.banner.text()
    finally:
        ws.shutdown()


def test_in_demo_mode_the_simulated_unit_is_told(qtbot, sqlite_db, make_actor, executor) -> None:
    dispatcher = make_actor(sqlite_db, "dir.bo", Role.DISPATCHER)
    ws = _workspace(qtbot, dispatcher, executor, demo=True, time_scale=1.0)
    try:
        model = ws.bridge.model
        qtbot.waitUntil(lambda: any(r.type_code == "AMBULANS" and not r.stale and r.status is S.AVAILABLE_AT_STATION
                                    for r in model.rows()), timeout=15000)
        unit = next(r for r in model.rows()
                    if r.type_code == "AMBULANS" and not r.stale and r.status is S.AVAILABLE_AT_STATION)
        dialogs = []
        ws.findChild(UnitStatusActions).on_dialog = dialogs.append
        ws.board.status_requested.emit(unit.id)
        dialogs[0].select_status(S.OFF_DUTY)
        dialogs[0].reason.setText("Besättningen sjuk")
        dialogs[0].accept()
        _wait_idle(qtbot, executor)
        sim = ws.feeds.simulator.sim
        qtbot.waitUntil(lambda: sim.units[unit.id].status is S.OFF_DUTY, timeout=10000)
        qtbot.waitUntil(lambda: model.unit_by_id(unit.id).status is S.OFF_DUTY, timeout=10000)  # over the feed
    finally:
        ws.shutdown()
