"""`python main.py screenshot DIR`: the console on demo data with the simulated fleet, each workspace brought up with
realistic content (made through the real APIs), one PNG per view and screen size: `NN-name-WxH.png` at 1366×768
(the smallest screen supported) and at 1920×1080. A dialog (the case search, a timeline, the red flag list) is
drawn over its window where the user sees it, with a plain title bar in place of the window manager's."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, QRect, QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy.orm import Session, sessionmaker

from console.app import build_main_window, make_app
from console.calltaking.discard_dialog import DiscardDialog
from console.calltaking.red_flag_dialog import RedFlagDialog
from console.demo_cases import scripted_calls, seed_call, seed_demo_cases
from console.main_window import MainWindow
from outcomes.system_jobs import ANALYSIS_USER, FEED_USER, provision_system_user
from records.actor import Actor
from records.address_register import register_rows, replace_register
from records.db import open_database, transaction
from records.demo import DEMO_USERS, demo_patients, seed_demo, seed_demo_users
from records.identity import provision_and_sign_in
from resources.location.phone_position import PhonePosition
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

SIZES = ((1366, 768), (1920, 1080))
TITLE_BAR = 26  # px of the stand-in window title above a dialog


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


def wait_for(done: Callable[[], bool], seconds: float = 20) -> bool:
    """Pump until `done()` is true (a change pushed from the database, a re-read) or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return True
        pump(100)
    return False


def _answer_discard(reason: str) -> None:
    """Confirm the discard dialog the next "Avbryt samtal" opens (modal: answered from the event loop)."""
    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, DiscardDialog):
            dlg.reason.setText(reason)
            dlg.accept()

    QTimer.singleShot(0, answer)


def with_dialog(window: QWidget, dialog: QWidget, *, width: int | None = None, height: int | None = None) -> QImage:
    """`window` with `dialog` over it, centred as Qt places a dialog over its parent, in a plain frame."""
    if width or height:  # else the size the dialog gives itself
        dialog.resize(width or dialog.width(), height or dialog.height())
    pump(200)
    base = window.grab().toImage()
    top = dialog.grab()
    w, h = top.width(), top.height() + TITLE_BAR
    x = max(0, (base.width() - w) // 2)
    y = max(0, (base.height() - h) // 2)
    p = QPainter(base)
    p.fillRect(QRect(x - 1, y - 1, w + 2, h + 2), QColor("#7a8699"))
    p.fillRect(QRect(x, y, w, TITLE_BAR), QColor("#2b3340"))
    font = QFont(dialog.font())
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#e8ecf2"))
    p.drawText(QRect(x + 10, y, w - 20, TITLE_BAR), Qt.AlignmentFlag.AlignVCenter, dialog.windowTitle())
    p.drawPixmap(x, y + TITLE_BAR, top)
    p.end()
    return base


def with_popup(window: QWidget, popup: QWidget) -> QImage:
    """`window` with an open popup (a list of suggestions) drawn where it shows: a popup is a window of its own, which
    the window's grab leaves out."""
    base = window.grab().toImage()
    at = window.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0)))
    p = QPainter(base)
    p.drawPixmap(at, popup.grab())
    p.end()
    return base


def save(image: QImage, path: Path) -> None:
    """An 8-bit PNG at the highest compression (they live in git: a third of the size): the window's 256 most
    frequent colours (95–99 % of its pixels; the rest, text's anti-aliasing, to the nearest of them)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rgb.constBits(), np.uint32, rgb.sizeInBytes() // 4)
    colours, counts = np.unique(pixels, return_counts=True)
    palette = [int(c) for c in colours[np.argsort(counts)[::-1][:256]]]
    indexed = rgb.convertToFormat(QImage.Format.Format_Indexed8, palette, Qt.ImageConversionFlag.ThresholdDither)
    if not indexed.save(str(path), "PNG", 0):
        raise OSError(f"kunde inte spara {path}")


def take_screenshots(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["LARMCENTRAL_ALERT_SOUND"] = "0"  # the alert in 11-larm flashes; no sound while taking pictures
    make_app()
    written: list[Path] = []
    for size in SIZES:
        written += _shoot(directory, size)
    for p in written:
        print(p)
    return 0


def _address_search(w: MainWindow, ct: Any, path: Callable[[str], Path]) -> None:
    """15. A new call: the nurse types the start of an address and the register's matches show under the field.
    16. One taken: the kommun and the position follow it, the caller's phone position (AML) is offered beside it,
    and the map (Ctrl+G) shows the point and its accuracy circle."""
    location = ct.form.location
    if not wait_for(lambda: location.index is not None, 120):
        raise RuntimeError("adressregistret laddades inte: inga skärmbilder av adressökningen")
    ct.new_case()
    settle(w)
    ct.form.caller.setText("Karin Fiktiv")
    ct.form.phone.setText("0708-55 12 34")
    ct.form.kommun.setCurrentText("Ystad")
    top = location.index.search("Storgatan 1", kommun="Ystad", limit=1)
    query = "storg 1" if top and top[0].label.startswith("Storgatan") else (top[0].label[:6] if top else "stor")
    ct.form.address.setFocus()
    QTest.keyClicks(ct.form.address, query)  # key by key, as typed: the list follows each
    settle(w, 300)
    popup = location.completer.popup()
    save(with_popup(w, popup), path("15-adress-sok"))
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)
    chosen = location.choice.used
    if chosen is not None:
        ct.receive_phone_position(PhonePosition(
            phone="+46708551234", lat=chosen.position.lat + 0.0004, lon=chosen.position.lon - 0.0003,
            accuracy_m=35, at=datetime.now(UTC) - timedelta(seconds=40), source="GNSS"))
    ct.toggle_map()
    settle(w, 600)
    save(w.grab().toImage(), path("16-position-karta"))
    ct.toggle_map()  # the context in front again, as the next shots expect
    _answer_discard(reason="Skärmbild")  # "Avbryt samtal" asks first (a call with content)
    ct.cancel_call()
    settle(w)


def _fresh_demo() -> tuple[sessionmaker[Session], RuleSet, dict[str, Any], QSettings]:
    """A data directory of its own for one screen size: both sizes show the same demo, not what the first left."""
    os.environ["LARMCENTRAL_DATA_DIR"] = tempfile.mkdtemp(prefix="larmcentral-screens-")
    os.environ.pop("LARMCENTRAL_DB_URL", None)
    settings = QSettings(str(Path(os.environ["LARMCENTRAL_DATA_DIR"]) / "console.ini"), QSettings.Format.IniFormat)
    _, factory = open_database()
    with transaction(factory) as s:
        seed_demo(s)
    _demo_register(factory)
    ruleset = load_ruleset()
    return factory, ruleset, seed_demo_cases(factory, ruleset), settings


def _demo_register(factory: sessionmaker[Session]) -> None:
    """The demo's fictitious address register (as `main.py addresses demo` stores it), before the demo calls: they
    sit at its addresses, and the nurse's address field searches it."""
    from resources.location.demo_register import generate_demo_register  # numpy-heavy: only here

    addresses, places = register_rows(*generate_demo_register())
    with transaction(factory) as s:
        admin = provision_and_sign_in(s, "admin.anna", Role.ADMIN, "Anna Administratör", via="password")
        replace_register(s, admin, addresses, places, source="Fiktivt demoregister (frö 2026)", fictitious=True)


def _care_plan(w: MainWindow, ct: Any, path: Callable[[str], Path]) -> None:
    """17. An ASIH patient with a documented "ej HLR" and "ej IVA" (records.demo: Bengt Testsson) on a cardiac-arrest
    path: the limitations over the triage in red, the plan under Sammanhang, the path unchanged. 18. Ctrl+Enter asks
    the nurse's decision first (one dialog per limitation, a reason required to follow it)."""
    bengt = demo_patients()[1]
    ct.new_case()
    settle(w)
    ct.form.caller.setText("Greta Testsson (hustru)")
    ct.form.phone.setText("046-22 33 44")
    ct.form.kommun.setCurrentText("Lund")
    ct.form.patient.setText(bengt.name or "")
    ct.form.pnr.setText(bengt.personnummer)
    ct.lookup_patient()
    settle(w)
    ct.wizard.start("DÖD")
    for key in (Qt.Key.Key_2, Qt.Key.Key_2):  # not expected (as the wife says), no definite signs of death
        if ct.wizard.state.question is not None:
            QTest.keyClick(ct.wizard, key)
    settle(w, 600)
    save(w.grab().toImage(), path("17-patientens-plan"))

    def decision_dialog() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is not None:
            save(with_dialog(w, dlg), path("18-beslut-begransning"))
            dlg.reject()

    QTimer.singleShot(600, decision_dialog)
    ct.send()  # asks for the decision first; cancelled, nothing is sent
    settle(w)
    _answer_discard(reason="Skärmbild")
    ct.cancel_call()
    settle(w)


def _shoot(directory: Path, size: tuple[int, int]) -> list[Path]:
    factory, ruleset, seeded, settings = _fresh_demo()
    actors: dict[Role, Actor] = seeded["actors"]
    cases: dict[str, int] = seeded["cases"]
    written: list[Path] = []
    suffix = f"{size[0]}x{size[1]}"

    def path(name: str) -> Path:
        p = directory / f"{name}-{suffix}.png"
        written.append(p)
        return p

    def shot(window: MainWindow, name: str) -> None:
        save(window.grab().toImage(), path(name))

    def open_window(actor: Actor) -> MainWindow:
        w = build_main_window(actor, factory, demo=True, ruleset=ruleset, settings=settings)
        w.resize(*size)
        w.show()
        return w

    # 1. The nurse mid-call: patient known to a mobile team, triage done, recommendation beside it, a note.
    w = open_window(actors[Role.NURSE])
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
    location = ct.form.location  # the address as the nurse takes it from the suggestions: kommun and position follow
    if wait_for(lambda: location.index is not None, 120):
        hit = next((h for q in ("Lindvägen 12", "Storgatan 12", "Kyrkogatan 3")
                    for h in location.index.search(q, kommun="Lund") if h.kommun == "Lund"), None)
        if hit is not None:
            location.choose_hit(hit)
    ct.form.patient.setText(patient.name or "")
    ct.form.pnr.setText(patient.personnummer)
    for field in (ct.form.caller, ct.form.phone, ct.form.address):
        field.home(False)  # as after Tab: the start of the text in view, not its end
    ct.lookup_patient()
    settle(w)
    ct.wizard.start("FEBER")
    for key in (Qt.Key.Key_2, Qt.Key.Key_2):
        QTest.keyClick(ct.wizard, key)
    settle(w)

    # 14. Mid-call, Ctrl+R: the red flags the nurse can raise at any moment (the list, filtered as she types).
    def red_flag_list() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, RedFlagDialog):
            save(with_dialog(w, dlg), path("14-rod-flagga"))
            dlg.reject()

    QTimer.singleShot(300, red_flag_list)
    ct.raise_red_flag()
    settle(w)
    for key in (Qt.Key.Key_2, Qt.Key.Key_2):
        QTest.keyClick(ct.wizard, key)
    for value in ("20", "94", "96", "125", "38.6"):
        if ct.wizard.state.question is None or ct.wizard.state.question.kind != "vital":
            break
        ct.wizard.vital.setText(value)
        QTest.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    while ct.wizard.state.question is not None:
        QTest.keyClick(ct.wizard, Qt.Key.Key_1)
    # The vital signs the home care staff measured, typed into the panel (Ctrl+M, a value and Enter per field).
    for name, value in (("rr", "22"), ("spo2", "94"), ("pulse", "104"), ("sbp", "118"), ("temp", "38,6")):
        field = ct.vitals.fields[name]
        field.setFocus()
        QTest.keyClicks(field, value)
        QTest.keyClick(field, Qt.Key.Key_Return)
    ct.add_note("Nyckel hos hemtjänsten, de möter vid porten.")
    settle(w, 600)
    shot(w, "01-samtal")
    w.help.toggle()
    pump(200)
    shot(w, "05-kortkommandon")
    w.help.toggle()
    _answer_discard(reason="Skärmbild")  # "Avbryt samtal" asks first (a call with answers)
    ct.cancel_call()
    settle(w)
    _address_search(w, ct, path)
    _care_plan(w, ct, path)
    # 6. The nurse's follow-up queue: patients left at home, ordered by due time, overdue marked.
    w.show_workspace("followup")
    settle(w, 600)
    w.workspaces["followup"].table.clearSelection()  # show the overdue marking, not the selection colour
    shot(w, "06-uppfoljning")
    w.shutdown()
    w.hide()

    # 2. The dispatcher: väntrummet, the live fleet, the map; the oldest waiting case selected.
    w = open_window(actors[Role.DISPATCHER])
    w.show_workspace("dispatch")
    settle(w, 2500)
    dp = w.workspaces["dispatch"]
    if dp.waiting_model.rowCount() > 0:
        dp.waiting.setCurrentIndex(dp.waiting_model.index(0, 0))
    settle(w, 2500)
    shot(w, "02-dirigering")
    # 10. The same case whole, in the tab beside the recommendation (key I): caller, callback number, the notes
    # typed during the call, the units, the answers.
    if "bröstsmärta-prio1" in cases:
        dp.select_case_id(cases["bröstsmärta-prio1"])
    QTest.keyClick(dp.waiting, Qt.Key.Key_I)
    settle(w, 1200)
    shot(w, "10-arendet")
    # 11. A new Prio 1 comes in while the dispatcher reads: the strip above väntrummet, the row flashing, the badge.
    chest_pain = next(c for c in scripted_calls(datetime.now(UTC)) if c.key == "bröstsmärta-prio1")
    new = seed_call(factory, ruleset, replace(chest_pain, key="ny-prio1", at=datetime.now(UTC), caller="Olle Fiktiv",
                                              phone="0708-21 43 65", address="Östergatan 14", kommun="Ystad", age=58,
                                              notes=("Porten står öppen, andra våningen.",)))
    dp.refresh()  # F5 (the demo's seeding writes past the commands, so no change is pushed)
    wait_for(lambda: dp.alert_strip.isVisible() and str(new) in dp.alert_strip.label.text())
    settle(w, 600)
    wait_for(lambda: dp.waiting_model.flash_on, 3)  # the row lit, not between two flashes
    shot(w, "11-larm")
    # 12. Ctrl+F: the search by address finds the recontact and the earlier call, newest first.
    lookup = w.case_lookup
    assert lookup is not None
    lookup.open_search()
    search = lookup.search
    assert search is not None
    search.input.setText("Kvarngatan 8")
    search.search()
    settle(w, 600)
    save(with_dialog(w, search, height=min(size[1] - 200, 420)), path("12-sok-arende"))
    search.reject()
    # 13. The new case dispatched (Shift+D) and its timeline in its own window: every command, the unit's alert and
    # statuses as the simulator drives them, who and when.
    dp.select_case_id(new)
    settle(w, 1500)
    dp.assign_recommended()  # Shift+D
    settle(w, 8000)  # the alert sent, acknowledged and accepted by the simulated crew, the unit on its way
    timeline = lookup.show_timeline(new)
    settle(w, 800)
    save(with_dialog(w, timeline, width=min(size[0] - 160, 1100), height=min(size[1] - 140, 640)),
         path("13-tidslinje"))
    timeline.reject()
    w.shutdown()
    w.hide()

    # 3. The RLS physician: the review queue with an override's whole story; then statistics.
    w = open_window(actors[Role.PHYSICIAN])
    w.show_workspace("review")
    settle(w, 1500)
    rv = w.workspaces["review"]
    row = next((i for i in range(rv.model.rowCount()) if rv.model.item(i).reason == "override"), 0)
    if rv.model.rowCount():
        rv.table.selectRow(row)
    settle(w)
    shot(w, "03-rls-granskning")
    w.show_workspace("stats")
    w.workspaces["stats"].period.setCurrentIndex(1)  # the last 7 days: the demo's calls span more than a shift
    w.workspaces["stats"].refresh()
    settle(w, 800)
    shot(w, "04-statistik")
    # 7. The same figures per triage endpoint: intervals, rates with Wilson intervals, signals.
    w.workspaces["stats"].tabs.setCurrentIndex(1)
    settle(w, 300)
    shot(w, "07-kvalitet")
    w.shutdown()
    w.hide()

    # 8. The administrator: users with their granted roles, the system users' service tokens; then the lock
    # screen, which covers everything until the same user's password is given.
    with transaction(factory) as s:
        seed_demo_users(s)
        for name in (FEED_USER, ANALYSIS_USER):
            provision_system_user(s, name)
        admin = provision_and_sign_in(s, "admin.anna", Role.ADMIN, "Anna Administratör", via="password")
    w = open_window(admin)
    w.show_workspace("admin")
    settle(w, 800)
    w.workspaces["admin"].select_user(DEMO_USERS[Role.NURSE][0])
    settle(w)
    shot(w, "08-anvandare")
    w.lock("manual")
    settle(w)
    shot(w, "09-last")
    w.shutdown()
    w.hide()
    QApplication.processEvents()
    return written
