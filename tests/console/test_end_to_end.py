"""A whole case through the real widgets: the nurse triages by keyboard (with an override) and sends
it to väntrummet; the dispatcher assigns the recommended unit; an outcome arrives from the unit's
feed and closes the case; the RLS physician sees the override with what was done and signs it off.

The live simulator leg (the unit's statuses on the board) is exercised by the dispatch console's
own tests; here the feed outcome is delivered through outcomes.apply_feed_outcome, as the feed does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from outcomes.closing import apply_feed_outcome
from records.db import transaction
from records.models import Assignment, Case, Review
from records.users import sign_in
from resources.vocabulary import Priority, Role


def test_case_from_call_to_signed_off_review(qtbot, make_window, actor_for, factory, idle):
    # Nurse: call, keyboard triage, override with a reason, to väntrummet.
    wn = make_window(actor_for(Role.NURSE))
    ct = wn.workspaces["calltaking"]
    qtbot.keyClick(wn, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(wn)
    qtbot.keyClicks(ct.form.caller, "Kalle Karlsson")
    qtbot.keyClicks(ct.form.address, "Bangatan 2")
    ct.form.kommun.setCurrentText("Lund")
    ct.wizard.start("BRÖST")
    for key in (Qt.Key.Key_2, Qt.Key.Key_1):
        qtbot.keyClick(ct.wizard, key)
    qtbot.keyClicks(ct.wizard.vital, "16")
    qtbot.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    assert ct.wizard.state.done and ct.recommendation.current is not None
    ct._apply_override({"priority": Priority.P1.value, "care_need": None, "reason": "Svårt sjuk enligt inringaren."})
    with qtbot.waitSignal(ct.case_sent, timeout=10000) as sent:
        qtbot.keyClick(wn, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    case_id = sent.args[0]

    # Dispatcher: the case is in väntrummet; assign the recommended unit with one key (Shift+D).
    wd = make_window(actor_for(Role.DISPATCHER))
    dp = wd.workspaces["dispatch"]
    dp.refresh()
    qtbot.waitUntil(lambda: dp.waiting_model.row_of(case_id) is not None, timeout=10000)
    dp.select_case_id(case_id)
    qtbot.waitUntil(lambda: dp.recommendation is not None, timeout=10000)
    dp.assign_recommended()
    idle(wd)
    with factory() as s:
        a = s.scalar(select(Assignment).where(Assignment.case_id == case_id, Assignment.active))
        assert a is not None and s.get(Case, case_id).status == "assigned"
        unit_id = a.unit_id

    # The unit's feed reports the outcome: the case closes.
    with transaction(factory) as s:
        system = sign_in(s, "flöde.ambulans", Role.ADMIN)
        apply_feed_outcome(s, system, {"unit_id": unit_id, "case_id": case_id, "code": "treated_left_home"})
    with factory() as s:
        assert s.get(Case, case_id).status == "closed"

    # Physician: the override is in the queue with the whole story, and is signed off.
    wp = make_window(actor_for(Role.PHYSICIAN))
    rv = wp.workspaces["review"]
    qtbot.waitUntil(lambda: rv.detail is not None, timeout=10000)
    row = next(i for i in range(rv.model.rowCount()) if rv.model.item(i).case_id == case_id)
    rv.table.selectRow(row)
    qtbot.waitUntil(lambda: rv.detail.item.case_id == case_id, timeout=10000)
    text = rv.browser.toPlainText()
    assert "Svårt sjuk enligt inringaren" in text and unit_id in text and "lämnad hemma" in text
    rv.sign()
    idle(wp)
    with factory() as s:
        review = s.scalar(select(Review).where(Review.case_id == case_id, Review.reason == "override"))
        assert review.status == "signed_off"
