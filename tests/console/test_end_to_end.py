"""Issue 6's "Done when", literally, through the real widgets:

a nurse takes a call and triages it by keyboard (overriding the priority, with a reason), sees the
recommendation and sends the case to väntrummet; a dispatcher assigns the recommended unit; the
simulated unit (the real Simulator behind the real feeds, in-process, its clock stepped by the
test) goes through its statuses on the fleet board; its outcome arrives over the feed and closes
the case; the override is in the RLS physician's queue and is signed off.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from sqlalchemy import select

from console.dispatch.live_feeds import LiveFeeds
from dispatch.feed.state import FleetState
from dispatch.simulator.model import Simulator
from dispatch.simulator.runner import SimulatorRunner
from records.models import AuditEntry, Case, FollowUp, Outcome, Review, User
from resources.fleet import default_fleet
from resources.vocabulary import Priority, Role, UnitStatus

REASON = "Inringaren beskriver kallsvett och tryck över bröstet."


def stepped_feeds(factory=None) -> LiveFeeds:  # type: ignore[no-untyped-def]
    """The whole default fleet simulated on loopback with its clock standing still: the test moves
    it with `advance()`. No made-up background missions; a unit treats on scene (no transport).
    With `factory` the feeds are persisted as the embedded console does (the outcome inbox included)."""
    fleet = default_fleet()
    sim = Simulator(fleet, background_per_hour=0.0, p_transport=0.0, follow_service_hours=False)
    runner = SimulatorRunner(sim, time_scale=0.0, heartbeat_interval=0.2)
    return LiveFeeds(FleetState(fleet, unit_stale_after=600.0, feed_stale_after=5.0), simulator=runner,
                     subscriber_settings={"unit_stale_after_s": 600.0, "feed_stale_after_s": 5.0},
                     session_factory=factory)


def advance(feeds: LiveFeeds, seconds: float) -> None:
    """Run the simulator's stopped clock `seconds` on and publish what happened."""
    runner = feeds.simulator
    assert isinstance(runner, SimulatorRunner)
    runner.advance(seconds)


def sim_status(feeds: LiveFeeds, unit_id: str) -> UnitStatus:
    runner = feeds.simulator
    assert isinstance(runner, SimulatorRunner)
    return runner.call(lambda: runner.sim.units[unit_id].status)


def override_by_dialog(qtbot, window, priority: Priority, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+O opens the override dialog; choose the priority, type the reason, press Överstyr."""
    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        assert dlg is not None, "the override dialog did not open"
        dlg.priority.setCurrentIndex(dlg.priority.findData(priority))
        qtbot.keyClicks(dlg.reason, reason.encode("ascii", "ignore").decode())
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, fill)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)


def test_whole_case_through_the_console(qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    # --- Nurse: a new call in one keystroke, intake typed, triage by keyboard, override, send. ----
    wn = make_window(actor_for(Role.NURSE))
    ct = wn.workspaces["calltaking"]
    qtbot.keyClick(wn, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(wn)
    qtbot.keyClicks(ct.form.caller, "Kalle Karlsson")
    qtbot.keyClicks(ct.form.phone, "046-12 34 56")
    qtbot.keyClicks(ct.form.address, "Bangatan 2")
    ct.form.kommun.setCurrentText("Lund")
    qtbot.keyClick(wn, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # to the triage
    qtbot.keyClicks(ct.wizard.chooser.filter, "BR")
    qtbot.keyClick(ct.wizard.chooser.filter, Qt.Key.Key_Return)
    assert ct.wizard.state.complaint == "BRÖST"
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # red flag (medvetslös): nej
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # ont i bröstet nu: ja
    qtbot.keyClicks(ct.wizard.vital, "18")
    qtbot.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    state = ct.wizard.state
    assert state.done and state.priority is Priority.P2
    # The recommendation is beside the tree as soon as the care need is known.
    qtbot.waitUntil(lambda: ct.recommendation.current is not None, timeout=10000)
    assert ct.recommendation.current.parts[0].recommended is not None
    override_by_dialog(qtbot, wn, Priority.P1, REASON)
    assert ct.wizard.state.priority is Priority.P1
    wn.activateWindow()  # the dialog has closed; the offscreen platform does not hand focus back
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wn, timeout=5000)
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        qtbot.keyClick(wn, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case_id, where = sent.args
    assert where == "waiting"

    # --- Dispatcher: live fleet (simulated), the case in väntrummet, the recommended unit assigned.
    feeds = stepped_feeds(factory)  # persisted: the unit's outcome reaches the case through the inbox
    wd = make_window(actor_for(Role.DISPATCHER), live_feeds=feeds)
    dp = wd.workspaces["dispatch"]
    qtbot.waitUntil(lambda: bool(dp.bridge.health) and all(f.synced for f in dp.bridge.health), timeout=15000)
    qtbot.waitUntil(lambda: dp.waiting_model.row_of(case_id) is not None, timeout=10000)
    dp.waiting.setFocus()
    dp.select_case_id(case_id)
    qtbot.waitUntil(lambda: dp.recommendation is not None, timeout=10000)
    unit_id = dp.recommendation.parts[0].recommended.unit_id
    qtbot.keyClick(dp.waiting, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)  # assign the recommended unit
    idle(wd)
    with factory() as s:
        assert s.get(Case, case_id).status == "assigned"

    # --- The unit goes through its statuses on the board; its outcome comes over the feed. -------
    seen: list[UnitStatus] = []

    def on_board() -> UnitStatus | None:
        u = dp.bridge.model.unit_by_id(unit_id)
        return None if u is None else u.status

    qtbot.waitUntil(lambda: on_board() is UnitStatus.ALERTED, timeout=10000)
    seen.append(UnitStatus.ALERTED)
    for _ in range(200):
        if dp.waiting_model.row_of(case_id) is None:
            break  # the case closed and left väntrummet
        advance(feeds, 60.0)
        want = sim_status(feeds, unit_id)
        qtbot.waitUntil(lambda want=want: on_board() is want, timeout=10000)
        if seen[-1] is not want:
            seen.append(want)
        if want in (UnitStatus.AVAILABLE_OUT, UnitStatus.AVAILABLE_AT_STATION):
            qtbot.waitUntil(lambda: dp.waiting_model.row_of(case_id) is None, timeout=10000)
    assert seen[:4] == [UnitStatus.ALERTED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE_OUT]
    idle(wd)
    with factory() as s:
        case = s.get(Case, case_id)
        outcome = s.scalar(select(Outcome).where(Outcome.case_id == case_id))
        assert case.status == "closed" and outcome.source == "feed" and outcome.unit_id == unit_id
        assert outcome.code in ("treated_left_home", "left_home_advice")
        by = s.get(User, outcome.recorded_by)
        assert by.username == "system.flöde"
        assert s.scalar(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.status == "open")) is not None
        assert s.scalar(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                 AuditEntry.action == "outcome.record")).user_id == by.id

    # The nurse's follow-up queue now has the patient left at home.
    fu = wn.workspaces["followup"]
    fu.refresh()
    qtbot.waitUntil(lambda: any(i.case_id == case_id for i in fu.items()), timeout=10000)

    # --- Physician: the override is in the RLS queue with what was done and the outcome; sign off.
    wp = make_window(actor_for(Role.PHYSICIAN))
    assert next(iter(wp.workspaces)) == "review"  # a physician's first tab
    rv = wp.workspaces["review"]
    qtbot.waitUntil(lambda: rv.model.rowCount() > 0 and rv.detail is not None, timeout=10000)
    row = next(i for i in range(rv.model.rowCount()) if rv.model.item(i).case_id == case_id
               and rv.model.item(i).reason == "override")
    rv.table.selectRow(row)
    qtbot.waitUntil(lambda: rv.detail.item.case_id == case_id, timeout=10000)
    text = rv.browser.toPlainText()
    assert "Inringaren beskriver kallsvett" in text and unit_id in text and "hemma" in text
    qtbot.keyClick(wp, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    idle(wp)
    with factory() as s:
        review = s.scalar(select(Review).where(Review.case_id == case_id, Review.reason == "override"))
        assert review.status == "signed_off"
