"""`python main.py screenshot DIR`: the console on demo data with the simulated fleet, each
workspace brought up with realistic content (made through the real APIs), one PNG per workspace."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from console.app import build_main_window, make_app
from console.calltaking.discard_dialog import DiscardDialog
from console.demo_cases import seed_demo_cases
from console.main_window import MainWindow
from outcomes.system_jobs import ANALYSIS_USER, FEED_USER, provision_system_user
from records.db import open_database, transaction
from records.demo import DEMO_USERS, demo_patients, seed_demo, seed_demo_users
from records.identity import provision_and_sign_in
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset

SIZE = (1600, 940)


def pump(ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(window: MainWindow, ms: int = 400) -> None:
    deadline = time.monotonic() + 15
    pump(ms)
    while window.executor.busy and time.monotonic() < deadline:
        pump(50)
    pump(150)


def _answer_discard(reason: str) -> None:
    """Confirm the discard dialog the next "Avbryt samtal" opens (modal: answered from the event loop)."""
    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, DiscardDialog):
            dlg.reason.setText(reason)
            dlg.accept()

    QTimer.singleShot(0, answer)


def take_screenshots(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["LARMCENTRAL_DATA_DIR"] = tempfile.mkdtemp(prefix="larmcentral-screens-")
    os.environ.pop("LARMCENTRAL_DB_URL", None)
    app = make_app()
    settings = QSettings(str(Path(os.environ["LARMCENTRAL_DATA_DIR"]) / "console.ini"), QSettings.Format.IniFormat)
    _, factory = open_database()
    with transaction(factory) as s:
        seed_demo(s)
    ruleset = load_ruleset()
    seeded = seed_demo_cases(factory, ruleset)
    actors = seeded["actors"]
    written: list[Path] = []

    def shot(window: MainWindow, name: str) -> None:
        path = directory / name
        window.grab().save(str(path))
        written.append(path)

    # 1. The nurse mid-call: patient known to a mobile team, triage done, recommendation beside it.
    w = build_main_window(actors[Role.NURSE], factory, demo=True, ruleset=ruleset, settings=settings)
    w.resize(*SIZE)
    w.show()
    w.show_workspace("calltaking")
    settle(w, 1500)
    ct = w.workspaces["calltaking"]
    ct.new_case()
    settle(w)
    patient = demo_patients()[3]  # enrolled in a mobile team, no earlier case in the demo
    ct.form.caller.setText("Hemtjänsten Norr, Lisa")
    ct.form.phone.setText("040-123 456")
    ct.form.address.setText("Lindvägen 12")
    ct.form.kommun.setCurrentText("Lund")
    ct.form.patient.setText(patient.name or "")
    ct.form.pnr.setText(patient.personnummer)
    ct.lookup_patient()
    settle(w)
    ct.wizard.start("FEBER")
    for key in (Qt.Key.Key_2, Qt.Key.Key_2, Qt.Key.Key_2, Qt.Key.Key_2):
        QTest.keyClick(ct.wizard, key)
    for value in ("20", "94", "96", "125", "38.6"):
        if ct.wizard.state.question is None or ct.wizard.state.question.kind != "vital":
            break
        ct.wizard.vital.setText(value)
        QTest.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    while ct.wizard.state.question is not None:
        QTest.keyClick(ct.wizard, Qt.Key.Key_1)
    settle(w, 600)
    shot(w, "01-samtal.png")
    w.help.toggle()
    pump(200)
    shot(w, "05-kortkommandon.png")
    w.help.toggle()
    _answer_discard(reason="Skärmbild")  # "Avbryt samtal" asks first (a call with answers)
    ct.cancel_call()
    settle(w)
    # 6. The nurse's follow-up queue: patients left at home, ordered by due time, overdue marked.
    w.show_workspace("followup")
    settle(w, 600)
    w.workspaces["followup"].table.clearSelection()  # show the overdue marking, not the selection colour
    shot(w, "06-uppfoljning.png")
    w.shutdown()
    w.hide()

    # 2. The dispatcher: väntrummet, the live fleet, the map; the oldest waiting case selected.
    w = build_main_window(actors[Role.DISPATCHER], factory, demo=True, ruleset=ruleset, settings=settings)
    w.resize(*SIZE)
    w.show()
    w.show_workspace("dispatch")
    settle(w, 2500)
    dp = w.workspaces["dispatch"]
    if dp.waiting_model.rowCount() > 0:
        dp.waiting.setCurrentIndex(dp.waiting_model.index(0, 0))
    settle(w, 2500)
    shot(w, "02-dirigering.png")
    # 10. The same case whole, in the tab beside the recommendation (key I): caller, callback number, the notes
    # typed during the call, the units, the answers.
    chest_pain = seeded["cases"].get("bröstsmärta-prio1")
    if chest_pain is not None:
        dp.select_case_id(chest_pain)
    QTest.keyClick(dp.waiting, Qt.Key.Key_I)
    settle(w, 1200)
    shot(w, "10-arendet.png")
    w.shutdown()
    w.hide()

    # 3. The RLS physician: the review queue with an override's whole story; then statistics.
    w = build_main_window(actors[Role.PHYSICIAN], factory, demo=True, ruleset=ruleset, settings=settings)
    w.resize(*SIZE)
    w.show()
    w.show_workspace("review")
    settle(w, 1500)
    rv = w.workspaces["review"]
    row = next((i for i in range(rv.model.rowCount()) if rv.model.item(i).reason == "override"), 0)
    if rv.model.rowCount():
        rv.table.selectRow(row)
    settle(w)
    shot(w, "03-rls-granskning.png")
    w.show_workspace("stats")
    w.workspaces["stats"].period.setCurrentIndex(1)  # the last 7 days: the demo's calls span more than a shift
    w.workspaces["stats"].refresh()
    settle(w, 800)
    shot(w, "04-statistik.png")
    # 7. The same figures per triage endpoint: intervals, rates with Wilson intervals, signals.
    w.workspaces["stats"].tabs.setCurrentIndex(1)
    settle(w, 300)
    shot(w, "07-kvalitet.png")
    w.shutdown()
    w.hide()

    # 8. The administrator: users with their granted roles, the system users' service tokens; then the lock
    # screen, which covers everything until the same user's password is given.
    with transaction(factory) as s:
        seed_demo_users(s)
        for name in (FEED_USER, ANALYSIS_USER):
            provision_system_user(s, name)
        admin = provision_and_sign_in(s, "admin.anna", Role.ADMIN, "Anna Administratör", via="password")
    w = build_main_window(admin, factory, demo=True, ruleset=ruleset, settings=settings)
    w.resize(*SIZE)
    w.show()
    w.show_workspace("admin")
    settle(w, 800)
    w.workspaces["admin"].select_user(DEMO_USERS[Role.NURSE][0])
    settle(w)
    shot(w, "08-anvandare.png")
    w.lock("manual")
    settle(w)
    shot(w, "09-last.png")
    w.shutdown()
    w.hide()
    app.processEvents()
    for p in written:
        print(p)
    return 0
