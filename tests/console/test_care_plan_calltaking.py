"""The patient's own plan at the nurse's hand (issue 20), in the real call-taking workspace on the demo's patients:
when the personnummer is settled the plan and its limitations show with their source and date (the read audited,
once), an expired plan shows as expired, a new call forgets them."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from records.care_plans import local_today
from records.demo import DEMO_NURSE_AUTHOR, DEMO_PHYSICIAN, demo_care_plans, demo_patients
from records.models import AuditEntry
from resources.vocabulary import Role

PATIENTS = {p.name: p for p in demo_patients()}
ASTRID, BENGT, DAGNY = PATIENTS["Astrid Demo"], PATIENTS["Bengt Testsson"], PATIENTS["Dagny Prov"]


def _plans_of(pnr: str):  # type: ignore[no-untyped-def]
    plans, limitations, orders = demo_care_plans(local_today())
    return ([p for p in plans if p.personnummer == pnr], [lim for lim in limitations if lim.personnummer == pnr],
            [o for o in orders if o.personnummer == pnr])


def _texts(widget) -> list[str]:  # type: ignore[no-untyped-def]
    """What the nurse can read in `widget`: its visible labels, in order, without markup."""
    out = []
    for label in widget.findChildren(QLabel):
        if label.isVisibleTo(widget) and label.text():
            doc = label.text().replace("<br>", "\n")
            for tag in ("<b>", "</b>"):
                doc = doc.replace(tag, "")
            out.append(doc.replace("&amp;", "&"))
    return out


def _call_for(qtbot, w, idle, patient, caller: str = "Hustrun, Greta"):  # type: ignore[no-untyped-def]
    """Ctrl+N, the caller and the place, and the patient's personnummer typed and settled (Enter), as the nurse
    does: the context lookup reads the plan."""
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.caller.setText(caller)
    ct.form.phone.setText("040-123 45 67")
    ct.form.address.setText("Storgatan 1")
    ct.form.kommun.setCurrentText("Lund")
    ct.form.patient.setText(patient.name)
    qtbot.keyClicks(ct.form.pnr, patient.personnummer)
    qtbot.keyClick(ct.form.pnr, Qt.Key.Key_Return)
    idle(w)
    return ct


def _plan_reads(factory, pnr: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with factory() as s:
        return [e for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "patient.care_plan.read"))
                if e.detail.get("patient") == pnr]


def test_the_plan_shows_with_its_team_author_and_dates_and_the_read_is_audited_once(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, factory, idle):
    nurse = actor_for(Role.NURSE)
    w = make_window(nurse)
    ct = _call_for(qtbot, w, idle, ASTRID, caller="Astrid Demo")
    [plan], [], [order] = _plans_of(ASTRID.personnummer)

    box = ct.care_plan_box
    assert box.isVisibleTo(ct)
    texts = _texts(box)
    assert texts[0] == "Patientens plan"
    assert f"Vårdplan – {plan.team}" in texts
    assert (f"Skriven {plan.written_on.isoformat()} av {DEMO_NURSE_AUTHOR} · gäller till "
            f"{plan.valid_until.isoformat()}") in texts
    assert "• Ring teamet 08–17: Ring teamet dagtid" in texts and "• Läkarbil 17–08: Läkarbil nattetid" in texts
    assert "• Vill inte till sjukhus: Vill helst inte till sjukhus" in texts
    assert f"• {order.text} ({order.team}, gäller till {order.valid_until.isoformat()})" in texts
    assert not any(code in t for t in texts for code in ("call_team", "physician_car", "no_hospital", "home_treatment"))
    # The plan's own words: shortened, the whole text in the tooltip and one click away
    free = next(label for label in box.findChildren(QLabel, "planFreeText"))
    assert free.text().endswith("…") and free.toolTip().startswith("Hjärtsvikt NYHA III") and len(free.toolTip()) > \
        len(free.text())
    free.parentWidget().toggle.click()
    assert free.text() == free.toolTip()

    reads = _plan_reads(factory, ASTRID.personnummer)
    assert len(reads) == 1 and reads[0].user_id == nurse.user_id  # the context lookup's read: no second one


def test_a_limitation_is_shown_first_with_who_decided_when_and_where_and_never_behind_the_map(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, factory, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    ct.toggle_map()  # the nurse is on the map when the patient is identified
    assert ct.side_tabs.currentIndex() == 1
    ct = _call_for(qtbot, w, idle, BENGT)
    _, [no_cpr, no_icu], _ = _plans_of(BENGT.personnummer)

    assert ct.side_tabs.currentIndex() == 0  # the context (and the plan) in front
    texts = _texts(ct.care_plan_box)
    assert texts[0] == "Patientens plan – Ej HLR, Ej IVA"
    assert texts[1] == (f"⚠ Ej HLR\nBeslutat av {DEMO_PHYSICIAN} {no_cpr.decided_on.isoformat()}, dokumenterat i "
                        f"{no_cpr.documented_in}.\n{no_cpr.note}")
    assert texts[2].startswith("⚠ Ej IVA\nBeslutat av") and no_icu.documented_in in texts[2]
    banners = [b for b in ct.care_plan_box.findChildren(QLabel, "planLimitation") if b.isVisibleTo(ct)]
    assert len(banners) == 2 and all(b.toolTip().startswith("Källa i registret: demo, ") for b in banners)
    assert len(_plan_reads(factory, BENGT.personnummer)) == 1


def test_an_expired_plan_is_shown_as_expired(qtbot, make_window, actor_for, idle) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    ct = _call_for(qtbot, w, idle, DAGNY, caller="Dagny Prov")
    [plan], _, _ = _plans_of(DAGNY.personnummer)

    texts = _texts(ct.care_plan_box)
    expired = f"Utgången {plan.valid_until.isoformat()} – vårdplan från {plan.team} (gäller inte)"
    assert expired in texts and not any(t.startswith("Vårdplan – ") for t in texts)
    muted = [label.text() for label in ct.care_plan_box.findChildren(QLabel, "expiredPlan")]
    assert expired in muted and "• Ring teamet 08–16: Ring teamet vardagar" in muted  # its items muted too


def test_a_new_call_forgets_the_last_patients_plan_also_one_read_while_it_started(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, idle):
    w = make_window(actor_for(Role.NURSE))
    ct = _call_for(qtbot, w, idle, BENGT)
    assert ct.care_plan_box.isVisibleTo(ct)

    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # the next call
    idle(w)
    assert not ct.care_plan_box.isVisibleTo(ct)
    assert ct.context.care_plan is None

    # Bengt's lookup still queued behind other database work when Ctrl+N starts the next call: his plan never shows
    # on it, not even until the next call's own lookup answers.
    shown: list[object] = []
    show_plan = ct.care_plan_box.show_plan
    ct.care_plan_box.show_plan = lambda view: (shown.append(view), show_plan(view))  # type: ignore[method-assign]
    ct.form.pnr.setText(BENGT.personnummer)
    release = threading.Event()
    w.executor.submit(lambda _s: release.wait(10))
    try:
        ct.lookup_patient()
        qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    finally:
        release.set()
    idle(w)
    assert [v for v in shown if v is not None] == []
    assert not ct.care_plan_box.isVisibleTo(ct)
