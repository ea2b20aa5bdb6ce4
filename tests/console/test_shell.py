"""The shell: layout remembered per user, F1 overlay, the review queue model is a valid Qt model."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from console.review.queue_model import ReviewQueueModel
from records.review_queue import ReviewItem
from resources.vocabulary import Role


def test_layout_is_remembered_per_user(qtbot, make_window, actor_for):
    anna = actor_for(Role.NURSE, "ssk.anna")
    w1 = make_window(anna)
    w1.docks["statsDock"].close()
    w1.shutdown()
    w2 = make_window(anna)
    assert not w2.docks["statsDock"].isVisible()
    assert w2.docks["calltakingDock"].isVisible()
    w3 = make_window(actor_for(Role.NURSE, "ssk.bo"))  # another user keeps the default
    assert w3.docks["statsDock"].toggleViewAction().isChecked()
    with qtbot.waitActive(w2):
        w2.activateWindow()
    qtbot.keyClick(w2, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w2.docks["statsDock"].toggleViewAction().isChecked()


def test_f1_lists_the_shortcuts(qtbot, make_window, actor_for):
    w = make_window(actor_for(Role.NURSE))
    qtbot.keyClick(w, Qt.Key.Key_F1)
    assert w.help.isVisible()
    texts = [lbl.text() for lbl in w.help.findChildren(type(w.db_label))]
    assert "Ctrl+N" in texts and "Nytt ärende" in texts
    qtbot.keyClick(w.help, Qt.Key.Key_Escape)
    assert not w.help.isVisible()
    assert "SQLite" in w.db_label.text() and "Sjuksköterska" in w.user_label.text()


def test_review_queue_model(qtmodeltester):
    model = ReviewQueueModel()
    model.set_items([ReviewItem(id=1, case_id=3, reason="override", reason_label="Överstyrd triage", detail="x\ny",
                                created_at=datetime.now(UTC), status="open", comment=None, priority="1",
                                complaint="BRÖST", patient="Astrid Demo")])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "Överstyrd triage"


def test_ctrl_number_and_the_window_menu_bring_each_workspace_forward(qtbot, make_window, actor_for):  # type: ignore[no-untyped-def]
    from console.main_window import SHORTCUT_ORDER
    from resources.vocabulary import Role

    w = make_window(actor_for(Role.PHYSICIAN))
    actions = {a.shortcut().toString(): a for a in w.actions()}
    shown = [key for key in SHORTCUT_ORDER if key in w.workspaces]
    assert len(shown) >= 3
    def in_front(key: str) -> bool:  # a workspace behind another tab is "visible" but has no visible region
        return not w.workspaces[key].visibleRegion().isEmpty()

    hidden = [key for key in shown if not in_front(key)]
    assert hidden, "the test needs a workspace behind another tab"
    for key in reversed(shown):  # each in turn, so the check is not satisfied by the default tab
        i = SHORTCUT_ORDER.index(key) + 1
        actions[f"Ctrl+{i}"].trigger()  # what the shortcut and the Fönster menu item do
        qtbot.waitUntil(lambda key=key: in_front(key), timeout=3000)


def test_the_first_window_fits_the_screen(qtbot, make_window, actor_for):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSize

    from console.main_window import default_window_size
    from resources.vocabulary import Role

    assert default_window_size(QSize(1366, 728)) == QSize(1366, 728)  # a 1366×768 laptop less its task bar
    assert default_window_size(QSize(1920, 1040)) == QSize(1480, 900)
    w = make_window(actor_for(Role.PHYSICIAN))  # the most workspaces
    laptop = QSize(1366, 728)
    need = w.minimumSizeHint()
    assert need.width() <= laptop.width() and need.height() <= laptop.height(), need
    available = w.screen().availableGeometry().size()  # the offscreen screen is small: the window shrinks to it
    assert w.width() <= max(available.width(), need.width()) and w.height() <= max(available.height(), need.height())
    assert w.size() != QSize(1480, 900)


def test_every_shortcut_a_button_names_is_spelled_as_in_the_f1_table(qtbot, make_window, actor_for):  # type: ignore[no-untyped-def]
    import re

    from PySide6.QtWidgets import QPushButton

    from console.shortcuts import shortcuts
    from resources.vocabulary import Role

    known = {part for s in shortcuts() for part in s.key.split(" / ")}
    for role in (Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN):
        w = make_window(actor_for(role))
        named = [(b.text(), m.group(1)) for b in w.findChildren(QPushButton)
                 if (m := re.search(r"\(([^()]*[A-Za-z0-9][^()]*)\)\s*$", b.text()))
                 and re.fullmatch(r"(Ctrl\+|Shift\+|Alt\+|Skift\+)*[A-Za-zÅÄÖ0-9]+", m.group(1))]
        assert named, role
        for text, key in named:
            assert key in known, f"{text!r}: {key} is not spelled as in the F1 table"


def test_a_first_start_on_a_small_screen_is_maximized_a_saved_layout_is_not(qtbot, make_window, actor_for,  # type: ignore[no-untyped-def]
                                                                              settings):
    """A window as large as the available area has its title bar above it and its status bar below the screen's
    edge (seen at 1366×768 with openbox): on a screen smaller than the preferred size the first start maximizes,
    and the window manager fits the frame. The offscreen screen is smaller than 1480×900."""
    from console.main_window import PREFERRED_SIZE
    from resources.vocabulary import Role

    nurse = actor_for(Role.NURSE)
    w = make_window(nurse)
    available = w.screen().availableGeometry().size()
    assert PREFERRED_SIZE.boundedTo(available) != PREFERRED_SIZE
    w.hide()
    w.present()
    qtbot.waitUntil(w.isMaximized, timeout=3000)
    w.showNormal()
    w.save_layout()  # the user's own layout from now on: shown as left
    again = make_window(nurse)
    again.hide()
    again.present()
    assert not again.isMaximized()
