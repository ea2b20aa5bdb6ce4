"""At 1366×768 with the console's readable font (the theme's 11 pt), what the regenerated screenshots showed cut
is whole: the status bar's right end (the feeds) and the F1 overlay's wrapped descriptions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from console.help_overlay import HelpOverlay
from console.shortcuts import shortcuts
from dispatch.feed.state import FeedView
from dispatch.simulator.runner import PUBLISHERS
from resources.vocabulary import Role


def _feeds(*stale: str) -> list[FeedView]:
    """The four feeds of the default fleet as the feed panel reads them, `stale` ones lost."""
    return [FeedView(publisher=p, messages=10, updates=10, rejected=0, rejected_by_reason={}, gaps=0, resyncs=0,
                     restarts=0, duplicates=0, snapshots=1, auth_refused=0, refused_by_reason={}, replays=0,
                     replayed=0, holes=0, hole_updates=0, resets=0, illegal_transitions=0,
                     last_heard_age_s=60.0 if p in stale else 0.5, epoch="e1", seq=10, synced=True,
                     stale=p in stale) for p in PUBLISHERS]


@pytest.mark.parametrize("role", [Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN])
def test_the_status_bar_shows_each_of_its_labels_whole_at_1366(qtbot, themed, make_window, actor_for, role):  # type: ignore[no-untyped-def]
    w = make_window(actor_for(role))
    w.resize(1366, 768)
    w.set_overdue_followups(1)
    w.set_feed_health(_feeds())
    w.show_message("Ärende 12 skapat.")
    bar = w.statusBar()
    qtbot.waitUntil(lambda: w.width() == 1366)
    bar.layout().activate()
    for label in (w.followup_label, w.user_label, w.db_label, w.feed_label):
        inside = QRect(label.mapTo(bar, QPoint(0, 0)), label.size())
        assert label.width() >= label.sizeHint().width(), label.text()
        assert bar.rect().contains(inside), label.text()


def test_the_feeds_in_the_status_bar_name_the_ones_that_are_lost(qtbot, make_window, actor_for) -> None:  # type: ignore[no-untyped-def]
    w = make_window(actor_for(Role.NURSE))
    w.set_feed_health(_feeds())
    assert w.feed_label.text() == "Flöden: 4 av 4 ✓"
    assert "Räddningstjänst ✓" in w.feed_label.toolTip()
    w.set_feed_health(_feeds("raddningstjanst"))
    assert w.feed_label.text() == "Flöden: Räddningstjänst ⚠ · 3 av 4 ✓"
    assert "Räddningstjänst ⚠" in w.feed_label.toolTip() and "Ambulans ✓" in w.feed_label.toolTip()
    w.set_feed_health([])
    assert w.feed_label.text() == "Flöden: –"


def test_every_shortcut_description_is_whole_in_the_f1_overlay_at_1366x768(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(1366, 728)  # a 1366×768 laptop less its task bar
    overlay = HelpOverlay(window)
    window.show()
    overlay.toggle()
    qtbot.waitUntil(overlay.isVisible)
    panel = overlay.findChild(QFrame, "helpPanel")
    labels = [label for label in panel.findChildren(QLabel) if label.isVisible()]
    assert {sc.text for sc in shortcuts()} <= {label.text() for label in labels}
    for label in labels:
        label_in_panel = QRect(label.mapTo(panel, QPoint(0, 0)), label.size())
        assert panel.rect().contains(label_in_panel), label.text()
        needed = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        assert needed <= label.height(), label.text()  # no line cut at the top or bottom
    assert overlay.rect().contains(QRect(panel.pos(), panel.size()))


def test_key_figure_titles_wrap_instead_of_being_cut(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    from console.stats.key_figures import KeyFiguresStrip

    strip = KeyFiguresStrip(72.0)
    qtbot.addWidget(strip)
    strip.resize(1340, 200)  # the statistics workspace in a 1366 px window
    strip.show()
    qtbot.waitExposed(strip)
    titles = [t for t in strip.findChildren(QLabel, "keyFigureTitle") if t.isVisible()]
    assert titles
    for title in titles:
        if title.wordWrap():
            assert title.heightForWidth(title.width()) <= title.height(), title.text()
            widest = max(title.fontMetrics().horizontalAdvance(w) for w in title.text().split())
            assert widest <= title.contentsRect().width(), title.text()
        else:
            assert title.fontMetrics().horizontalAdvance(title.text()) <= title.contentsRect().width(), title.text()


def test_the_intervals_legend_is_beside_the_bars_not_over_them(qtbot, themed) -> None:  # type: ignore[no-untyped-def]
    from console.stats.intervals import IntervalsPane
    from outcomes.report import IntervalStats

    pane = IntervalsPane()
    qtbot.addWidget(pane)
    pane.resize(1300, 200)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_intervals(tuple(IntervalStats(key=k, label=k, n=n, median_minutes=med, p90_minutes=p90,
                                            mean_minutes=med, values_minutes=())
                              for k, n, med, p90 in (("samtal_triage", 12, 4.0, 4.0), ("triage_dir", 7, 9.0, 20.8),
                                                     ("dir_plats", 0, None, None))))
    qtbot.wait(50)
    plot = pane.plot.getPlotItem()
    legend = plot.legend.sceneBoundingRect()
    bars = [item.sceneBoundingRect() for item in plot.items if type(item).__name__ == "BarGraphItem"]
    assert bars and all(not legend.intersects(bar) or bar.right() <= legend.left() for bar in bars)
    assert max(bar.right() for bar in bars) <= legend.left()


def test_the_case_search_shows_a_hit_whole_at_1366(qtbot, themed, make_window, actor_for, factory) -> None:  # type: ignore[no-untyped-def]
    from test_case_search_console import _case

    from console.cases.search_dialog import CaseSearchDialog

    _case(factory, actor_for(Role.NURSE, "ssk.anna"))
    w = make_window(actor_for(Role.DISPATCHER))
    w.resize(1366, 728)
    w.find_action.trigger()  # Ctrl+F
    dialog = w.findChild(CaseSearchDialog)
    qtbot.keyClicks(dialog.input, "Storgatan 1")
    qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    table = dialog.table
    assert dialog.width() <= 1366 - 40  # inside the window
    assert table.horizontalScrollBar().maximum() == 0
    for col in range(dialog.model.columnCount()):
        assert table.columnWidth(col) >= table.sizeHintForColumn(col), dialog.model.index(0, col).data()


def test_the_call_s_vital_sign_reasons_never_cover_the_recommendation_at_1366(  # type: ignore[no-untyped-def]
        qtbot, themed, make_window, actor_for, idle):
    """A feverish 83-year-old: five values give NEWS2 5 and a qSOFA point, six lines of reasons under the vital
    signs, with the recommendation and the notes below in the same column (the screenshot 01-samtal at 1366×768
    had the reasons drawn over 'Lägsta tillräckliga resurs')."""
    from records.demo import demo_patients
    from triage_rules.loader import load_ruleset

    w = make_window(actor_for(Role.NURSE), ruleset=load_ruleset())
    w.resize(1366, 728)
    qtbot.waitUntil(lambda: w.size().toTuple() == (1366, 728))
    ct = w.workspaces["calltaking"]
    qtbot.keyClick(w, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    idle(w)
    ct.form.address.setText("Lindvägen 12")
    ct.form.kommun.setCurrentText("Lund")
    ct.form.pnr.setText(demo_patients()[3].personnummer)  # Dagny Prov, 83: her age counts in qSOFA
    ct.lookup_patient()
    idle(w)
    ct.wizard.start("FEBER")
    for _ in range(4):
        qtbot.keyClick(ct.wizard, Qt.Key.Key_2)
    while ct.wizard.state.question is not None:
        qtbot.keyClick(ct.wizard, Qt.Key.Key_1)
    for name, value in (("rr", "22"), ("spo2", "94"), ("pulse", "104"), ("sbp", "118"), ("temp", "38,6")):
        field = ct.vitals.fields[name]
        qtbot.keyClicks(field, value)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "NEWS2 5" in ct.vitals.effect.text() and "qSOFA" in ct.vitals.effect.text())
    qtbot.waitUntil(lambda: ct.recommendation.current is not None, timeout=5000)
    ct.vitals.parentWidget().layout().activate()
    vitals, rec = ct.vitals.geometry(), ct.recommendation.geometry()
    assert vitals.bottom() < rec.top(), (vitals, rec)
    effect = ct.vitals.effect
    assert effect.heightForWidth(effect.width()) <= effect.height()
