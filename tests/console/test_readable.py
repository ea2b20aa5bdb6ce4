"""What a nurse or a dispatcher reads is readable and says one thing one way (issue 16, "fits the screens"):
one spelling per shortcut, also where Qt itself spells it (menus, under the Swedish translation)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from console.i18n import install_translators
from console.shortcuts import shortcuts
from resources.vocabulary import Role


@pytest.fixture
def swedish_qt(qapp, monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Qt's own Swedish translation installed as the console installs it (removed afterwards)."""
    monkeypatch.delenv("LARMCENTRAL_LANG", raising=False)
    before = set(qapp.findChildren(QTranslator))
    install_translators(qapp)
    yield
    for t in set(qapp.findChildren(QTranslator)) - before:
        QApplication.removeTranslator(t)


def test_menus_spell_each_shortcut_as_the_f1_table_does(qtbot, swedish_qt, make_window, actor_for):  # type: ignore[no-untyped-def]
    # Qt's Swedish translation renders Shift as "Skift" and Backspace as "Backsteg" in menus; the F1 table,
    # the buttons and the status texts say Shift and Backspace.
    known = {part for s in shortcuts() for part in s.key.split(" / ")}
    w = make_window(actor_for(Role.ADMIN))  # the same menus as every role, the lightest window
    shown = {}
    for menu_action in w.menuBar().actions():
        menu = menu_action.menu()
        for a in menu.actions() if menu is not None else ():
            if not a.shortcut().isEmpty():
                shown[a.text()] = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    assert len(shown) >= 4, shown  # Ctrl+L, Ctrl+Shift+L, the workspaces, Ctrl+Shift+R
    for text, key in shown.items():
        assert key in known, f"menu item {text!r} shows {key!r}, not spelled as in the F1 table"
    for key in ("Shift+D", "Ctrl+Shift+Backspace"):
        assert QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) == key


def _visible_texts(root) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text the user reads in `root`: labels, buttons, list and tree rows (not tooltips)."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QListWidget, QTreeWidget, QTreeWidgetItemIterator, QWidget

    out: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QTreeWidget):
            it = QTreeWidgetItemIterator(w)
            while it.value():
                out += [it.value().text(c) for c in range(w.columnCount())]
                it += 1
    return out


def test_the_nurse_reads_no_rule_codes_and_the_tooltips_keep_them(qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    import re

    from PySide6.QtCore import Qt

    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # medvetslös: ja → red flag endpoint RÖD.1.01
    assert ct.wizard.state.done and ct.wizard.state.endpoint_code == "RÖD.1.01"
    texts = _visible_texts(ct)
    assert any("Medvetslös" in t for t in texts)
    coded = [t for t in texts if "RÖD.1.01" in t or re.search(r"\[[A-ZÅÄÖ_]+[^\]]*\]", t)]
    assert not coded, coded
    tips = [ct.wizard.reasons.item(i).toolTip() for i in range(ct.wizard.reasons.count())]
    assert any("[RF_MEDVETSLOS]" in t for t in tips) and any("RÖD.1.01" in t for t in tips)
    assert "RÖD.1.01" in ct.wizard.help.toolTip()


def test_a_reason_reads_without_its_codes() -> None:
    from console.calltaking.wizard import shown_reason

    assert shown_reason("Ändpunkt RÖD.1.03 (Prio 1): Medvetslös patient.") == "Ändpunkt (Prio 1): Medvetslös patient."
    assert shown_reason("Röd flagga: Är patienten medvetslös? – Ja [RF_MEDVETSLÖS]") == \
        "Röd flagga: Är patienten medvetslös? – Ja"
    assert shown_reason("Andning – Vet ej → följdfråga enligt regelverket [andning_svar] [BRÖST/andning]") == \
        "Andning – Vet ej → följdfråga enligt regelverket"
    assert shown_reason("NEWS2 7 (AF 3, SpO2 2) → höjer till minst Prio 1: hög risk [NEWS2-2017]") == \
        "NEWS2 7 (AF 3, SpO2 2) → höjer till minst Prio 1: hög risk"


def test_the_console_and_the_packages_below_it_write_numbers_alike() -> None:
    """The domain's texts (no Qt) and the console's own (QLocale, Swedish) put numbers the same way."""
    import random

    from console.numbers import number
    from resources.numbers import sv_number

    rnd = random.Random(16)
    values = [0.7, 1.4, 66.25, 0.125, 2.675, 1234.5, -3.5, 0.0, 2.0, 72.0, 0.1 + 0.2, 1e6, -1234567.5]
    values += [rnd.uniform(-1e5, 1e5) for _ in range(300)] + [round(rnd.uniform(0, 100), 3) for _ in range(300)]
    for x in values:
        for places in (None, 0, 1, 2, 4):
            assert sv_number(x, places) == number(x, places), (x, places)
    assert number(0.7, 1) == "0,7" and number(1234.5, 1) == "1\u00a0234,5"


def test_the_nurse_reads_distances_with_a_decimal_comma(qtbot, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    import re

    from PySide6.QtCore import Qt

    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    ct.form.address.setText("Bangatan 2")
    ct.form.kommun.setCurrentText("Lund")
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)  # not unconscious
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)  # pain now
    qtbot.keyClicks(ct.wizard.vital, "18")
    qtbot.keyClick(ct.wizard.vital, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "km" in ct.recommendation.message.text(), timeout=10000)
    text = ct.recommendation.message.text()
    assert re.search(r"\d,\d km", text) and not re.search(r"\d\.\d", text), text


def test_a_vital_range_reads_with_a_decimal_comma(qtbot, make_window, actor_for, idle, tmp_path):  # type: ignore[no-untyped-def]
    from pathlib import Path

    from PySide6.QtCore import Qt

    from triage_rules.loader import load_ruleset

    mini = Path(__file__).with_name("data") / "mini_ruleset.yaml"  # the console tests' rule set, one range halved
    path = tmp_path / "ruleset.yaml"
    path.write_text(mini.read_text(encoding="utf-8").replace("range: [0, 80]", "range: [0.5, 80]"), encoding="utf-8")
    w = make_window(actor_for(Role.NURSE), ruleset=load_ruleset(path))
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_2)
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    assert ct.wizard.state.question.kind == "vital"
    assert "(0,5–80)" in ct.wizard.vital_unit.text()


def test_key_figures_write_the_recontact_window_with_a_decimal_comma(qtbot) -> None:  # type: ignore[no-untyped-def]
    from console.stats.key_figures import KeyFiguresStrip

    strip = KeyFiguresStrip(recontact_hours=36.5)
    qtbot.addWidget(strip)
    assert "36,5 h" in strip.tiles["recontact_rate"].title.text()


def test_the_status_bar_and_statistik_count_overdue_follow_ups_alike(qtbot, make_window, actor_for, factory, idle):  # type: ignore[no-untyped-def]
    """A follow-up of yesterday's case, due an hour ago and not yet called: the status bar and the shift's
    statistics say the same number under the same name (they said "Försenade uppföljningar: 1" and
    "Förfallna uppföljningar 0": the statistics counted only the period's cases)."""
    from datetime import UTC, datetime, timedelta

    from records.db import transaction
    from records.models import Case, FollowUp

    nurse = actor_for(Role.NURSE)
    now = datetime.now(UTC)
    with transaction(factory) as s:
        created = now - timedelta(days=2)
        case = Case(status="closed", created_at=created, updated_at=created, created_by=nurse.user_id,
                    priority="2", address="Storgatan 1", kommun="Lund", flags=[], callback_phone="040-12 34 56")
        s.add(case)
        s.flush()
        s.add(FollowUp(case_id=case.id, reason="treated_left_home", due_at=now - timedelta(hours=1),
                       created_at=created, status="open"))
    w = make_window(nurse)
    stats = w.workspaces["stats"]
    qtbot.waitUntil(lambda: w.followup_label.isVisible() and stats.figures is not None, timeout=10000)
    idle(w)
    tile = stats.key_figures.tiles["followups_overdue"]
    assert w.followup_label.text() == "Försenade uppföljningar: 1"
    assert tile.title.text() == "Försenade uppföljningar"
    assert tile.value.text() == "1"


def _font_sizes(css: str) -> list[float]:
    import re

    return [float(x) for x in re.findall(r"font-size:\s*([0-9.]+)pt", css)]


def test_the_base_font_is_readable_and_follows_the_desktop(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QFont

    from console.theme import STYLESHEET, base_point_size, scaled_stylesheet

    assert base_point_size(QFont("Sans Serif", 9)) == 11  # Qt's and Windows' 9 pt: too small at 96 dpi
    assert base_point_size(QFont("Cantarell", 11)) == 11
    assert base_point_size(QFont("Sans Serif", 14)) == 14  # a desktop set to larger text: larger here too
    for base in (11.0, 14.0):
        sizes = _font_sizes(scaled_stylesheet(STYLESHEET, base))
        assert sizes and min(sizes) >= base, (base, sizes)
    assert 22 in _font_sizes(scaled_stylesheet(STYLESHEET, 11)) and 28 in _font_sizes(scaled_stylesheet(STYLESHEET, 14))


def test_nothing_a_nurse_reads_is_smaller_than_the_base_font(qtbot, themed, qapp, make_window, actor_for, idle):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QWidget

    assert qapp.font().pointSizeF() >= 11
    w = make_window(actor_for(Role.NURSE))
    ct = w.workspaces["calltaking"]
    ct.new_case()
    idle(w)
    ct.wizard.start("BRÖST")
    qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    small = []
    for dock in ("calltakingDock", "statsDock"):
        w.show_workspace(dock.removesuffix("Dock"))
        for widget in w.docks[dock].findChildren(QWidget):
            if widget.isVisible() and isinstance(widget, QLabel | QAbstractButton | QAbstractItemView):
                widget.ensurePolished()
                if widget.font().pointSizeF() < 11:
                    small.append((widget.objectName() or type(widget).__name__, widget.font().pointSizeF()))
    assert not small, small
    question, reasons = ct.wizard.question.font().pointSizeF(), ct.wizard.reasons.font().pointSizeF()
    assert question / reasons <= 2, (question, reasons)


@pytest.mark.parametrize("role", [Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN])
def test_with_the_readable_font_every_window_still_fits_1366x768(qtbot, themed, make_window, actor_for, role):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSize

    w = make_window(actor_for(role))
    need, laptop = w.minimumSizeHint(), QSize(1366, 728)  # a 1366×768 laptop less its task bar
    assert need.width() <= laptop.width() and need.height() <= laptop.height(), need
