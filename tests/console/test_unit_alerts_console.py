"""The units' alerts on a real dispatcher's window, offscreen (docs/alert-protocol.md, docs/alerts.md): an assignment
whose alert no unit system acknowledges in time raises the console's alert — the row flashes, the strip names the
unit and the case, the row says "ej kvitterad" — and F2 acknowledges it (audited); a unit that declines puts the case
back in väntrummet marked, with its own alert; an acknowledged and accepted alert shows as such on the row."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parents[1] / "alerts"))
sys.path.insert(0, str(Path(__file__).parents[1] / "commands"))

from command_world import World  # noqa: E402
from gateway_client import GatewayClient  # noqa: E402

from commands.alert_service import AlertService  # noqa: E402
from console.dispatch.case_panel import CasePanel  # noqa: E402
from console.dispatch.waiting_room import COL_STATUS  # noqa: E402
from records.case_state import CaseStatus  # noqa: E402
from records.models import AuditEntry  # noqa: E402
from resources.vocabulary import Role  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.zmq]


@pytest.fixture
def world(factory, make_actor, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return World.make(factory, make_actor, tmp_path)


@pytest.fixture
def ambulans(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[GatewayClient]:
    """The larmcentral's sender (plain TCP on loopback) and the ambulans unit gateway; 0.6 s to acknowledge."""
    monkeypatch.setenv("LARMCENTRAL_ALERT_ACK_TIMEOUTS", "1=0.6,2=0.6,3=0.6")
    monkeypatch.setenv("LARMCENTRAL_ALERT_RESEND_FIRST_S", "0.1")
    service = AlertService(world.db, {"ambulans": "tcp://127.0.0.1:*"}, console="test-konsol", poll_s=0.02)
    service.start()
    gw = GatewayClient(service.bound["ambulans"], "ambulans", heartbeat_s=0.2).start()
    try:
        yield gw
    finally:
        gw.stop()
        service.stop()


def status_cell(ws, case_id: int) -> str:  # type: ignore[no-untyped-def]
    row = ws.waiting_model.row_of(case_id)
    return "" if row is None else str(ws.waiting_model.index(row, COL_STATUS).data())


def test_an_unacknowledged_alert_raises_the_console_alert_and_f2_takes_it(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle, world: World, ambulans: GatewayClient) -> None:
    w = make_window(actor_for(Role.DISPATCHER, "dir.bo"))
    ws = w.workspaces["dispatch"]
    ambulans.lose_next = 1000  # the unit's system never gets it
    case_id = world.case_in(CaseStatus.WAITING)
    unit = world.assign(case_id)  # another dispatcher's console; the change is pushed to this window
    qtbot.waitUntil(lambda: status_cell(ws, case_id) == "Dirigerad · ej kvitterad", timeout=10000)
    [alert] = ws.alerts.board.alerts()
    assert alert.kind == "unit_unacknowledged" and alert.case_id == case_id
    assert f"Larmet till {unit} för ärende {case_id} är inte kvitterat" in ws.alert_strip.label.text()
    assert ws.alerts.sound.played[-1] == "unit_unacknowledged"
    assert unit in ws.waiting_model.index(ws.waiting_model.row_of(case_id), COL_STATUS).data(
        Qt.ItemDataRole.ToolTipRole)

    qtbot.keyClick(w, Qt.Key.Key_F2)
    idle(w)
    assert ws.selected is not None and ws.selected.id == case_id and ws.alerts.board.alerts() == []
    with world.db() as s:
        acks = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.acknowledge")).all()
    assert [a.detail["kind"] for a in acks] == ["unit_unacknowledged"]

    ambulans.lose_next = 0  # a late acknowledgement, then the crew accepts: the row says so
    qtbot.waitUntil(lambda: status_cell(ws, case_id) == "Dirigerad · kvitterad", timeout=10000)
    [got] = ambulans.alerts_applied()
    ambulans.accept(got.alert_id, unit)
    qtbot.waitUntil(lambda: status_cell(ws, case_id) == "Dirigerad · accepterad", timeout=10000)
    panel = ws.findChild(CasePanel)  # the selected case's panel names each unit's alert state too
    qtbot.waitUntil(lambda: any("larm: accepterat" in value for _l, value in panel.section_rows("units")),
                    timeout=10000)


def test_a_decline_puts_the_case_back_marked_with_an_alert(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, world: World, ambulans: GatewayClient) -> None:
    w = make_window(actor_for(Role.DISPATCHER, "dir.bo"))
    ws = w.workspaces["dispatch"]
    case_id = world.case_in(CaseStatus.WAITING)
    unit = world.assign(case_id)
    [got] = _wait(qtbot, ambulans)
    ambulans.decline(got.alert_id, unit, "Motorstopp")
    qtbot.waitUntil(lambda: status_cell(ws, case_id) == "Väntar · avböjt", timeout=10000)
    qtbot.waitUntil(lambda: bool(ws.alerts.board.alerts()), timeout=10000)
    [alert] = ws.alerts.board.alerts()
    assert alert.kind == "unit_declined" and f"{unit} avböjde ärende {case_id}: Motorstopp" in alert.text


def _wait(qtbot, gw: GatewayClient):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: bool(gw.alerts_applied()), timeout=10000)
    return gw.alerts_applied()
