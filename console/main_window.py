"""The main window: the role's workspaces as dockable panes (layout remembered per user),
keyboard shortcuts for every frequent action (F1 lists them), and a status bar with user,
role, database and feed health (and, in demo mode, a banner saying so).

It locks after LARMCENTRAL_IDLE_LOCK_MINUTES without input and on Ctrl+L: an opaque lock screen covers
everything, its floating panes are hidden and its dialogs closed, and only the same user's password opens it
again (console/shift.py). "Byt användare" (Ctrl+Shift+L) locks it and asks console.shift.ConsoleShell for the
next user.

Role decides what is shown: nurses take calls, dispatchers dispatch, RLS physicians review;
statistics are for everyone; RLS physicians and administrators see the region replay's comparisons
(Planering). The domain enforces the same with records.actor.require_role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QLabel, QMainWindow, QSizePolicy, QTabBar, QWidget

from console.cases.lookup import CaseLookup
from console.dispatch.feed_health import PUBLISHER_LABELS
from console.errors import is_database_down, user_message
from console.help_overlay import HelpOverlay
from console.lock_screen import LockScreen
from console.message_line import MessageLine
from console.numbers import number
from console.shift import IdleWatcher, lock_job, unlock_job
from console.switch_banner import SwitchBanner
from console.tasks import DbExecutor
from console.window_keys import WindowKeysFirst
from records.actor import Actor
from records.case_summary import CASE_READERS
from resources.settings import load_settings
from resources.vocabulary import Role

log = logging.getLogger("larmcentral.console")
LAYOUT_VERSION = 4

# Which workspaces each role gets, in tab order: the first is the role's home.
# The clinical roles get the follow-up pane: nurses work the queue, the others see what is overdue.
ROLE_WORKSPACES: dict[Role, tuple[str, ...]] = {
    Role.NURSE: ("calltaking", "followup", "dispatch", "stats"),
    Role.DISPATCHER: ("dispatch", "followup", "stats"),
    Role.PHYSICIAN: ("review", "followup", "dispatch", "stats", "planning"),
    Role.ADMIN: ("admin", "stats", "planning"),  # administers users and tokens; clinical work needs a clinical role
}
TITLES = {"calltaking": "Samtal", "dispatch": "Dirigering", "review": "RLS-granskning", "stats": "Statistik",
          "followup": "Uppföljning", "admin": "Användare", "planning": "Planering"}
SHORTCUT_ORDER = ("calltaking", "dispatch", "review", "stats", "followup", "admin", "planning")  # Ctrl+1 … Ctrl+7


PREFERRED_SIZE = QSize(1480, 900)


def default_window_size(available: QSize) -> QSize:
    """The first-start size: the preferred one, shrunk to the screen's available area (a 1366×768 laptop must
    see the dispatch buttons, the tabs and the status bar without moving the window)."""
    return PREFERRED_SIZE.boundedTo(available)


class MainWindow(QMainWindow):
    switch_user_requested = Signal()  # "Byt användare": console.shift.ConsoleShell signs the next user in
    lock_changed = Signal(bool)
    closed = Signal()

    def __init__(self, actor: Actor, db_label: str, executor: DbExecutor,
                 workspaces: dict[str, QWidget], extra_docks: dict[str, tuple[str, QWidget]] | None = None,
                 settings: QSettings | None = None, demo_banner: str | None = None):
        super().__init__()
        self.actor, self.executor = actor, executor
        self.settings = settings or QSettings()
        self.workspaces = workspaces
        self.docks: dict[str, QDockWidget] = {}
        self.drafter: Any = None  # console.proposal_drafter.ProposalDrafter, set by the app
        self.locked = False
        self._hidden_while_locked: list[QDockWidget] = []
        self.setObjectName("mainWindow")
        self._title = self.tr("Larmcentral Skåne – %s (%s)") % (actor.display_name, actor.role.label)
        if demo_banner:
            self._title = self.tr("Larmcentral Skåne – DEMO – %s (%s)") % (actor.display_name, actor.role.label)
        self.setWindowTitle(self._title)
        self.setDockOptions(QMainWindow.DockOption.AllowTabbedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AnimatedDocks)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, self.tabPosition(Qt.DockWidgetArea.TopDockWidgetArea))
        self.setDockNestingEnabled(True)
        first: QDockWidget | None = None
        for key, widget in workspaces.items():
            dock = self._dock(f"{key}Dock", self.tr(TITLES.get(key, key)), widget)
            self.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, dock)
            if first is None:
                first = dock
            else:
                self.tabifyDockWidget(first, dock)
        for name, (title, widget) in (extra_docks or {}).items():
            dock = self._dock(name, title, widget)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            dock.hide()  # shown from the Fönster menu or restored layout
        if first is not None:
            first.raise_()
        self._default_state = self.saveState(LAYOUT_VERSION)

        bar = self.statusBar()
        self.demo_banner: QLabel | None = None
        if demo_banner:  # top right, where the crowded status bar cannot squeeze it
            self.demo_banner = QLabel(demo_banner, objectName="demoBanner")
            self.demo_banner.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            self.menuBar().setCornerWidget(self.demo_banner, Qt.Corner.TopRightCorner)
        # One line, as wide as the bar leaves it, cut with "…" (whole in its tooltip): a long message never pushes
        # the labels beside it or widens the window
        self.message_label = MessageLine(1, objectName="statusMessage")
        bar.addWidget(self.message_label, 1)
        self.user_label = QLabel(f"{actor.display_name} · {actor.role.label}", objectName="statusUser")
        self.db_label = QLabel(self.tr("Databas: %s") % db_label, objectName="statusDb")
        self.db_name = db_label
        self._db_message: str | None = None  # the status bar's message about an unreachable database, if shown
        self.feed_label = QLabel(self.tr("Flöden: –"), objectName="statusFeeds")
        self.followup_label = QLabel(objectName="statusFollowUps")
        self.followup_label.hide()
        for w in (self.followup_label, self.user_label, self.db_label, self.feed_label):
            bar.addPermanentWidget(w)
        executor.failed.connect(self.show_error)
        executor.answered.connect(self._db_ok)  # not idle: the failed job's own end of the queue cleared it

        self.help = HelpOverlay(self)
        self.lock_screen = LockScreen(self, self.tr("Inloggad: %s (%s) som %s")
                                      % (actor.display_name, actor.username, actor.role.label))
        self.lock_screen.unlock_requested.connect(self.unlock)
        self.lock_screen.switch_requested.connect(self.request_switch_user)
        self.idle_watcher = IdleWatcher(load_settings().idle_lock_minutes, self)
        self.idle_watcher.idle.connect(lambda: self.lock("idle"))
        self._actions()
        WindowKeysFirst(self).refresh()  # Ctrl+E in a text field goes to the note, not to the field's end of line
        available = self.screen().availableGeometry().size()
        self.resize(default_window_size(available))
        # A first start on a screen smaller than the preferred size fills it by maximizing, not by a window as large
        # as the available area: that one's title bar pushes its status bar below the screen's edge.
        self._maximize_first = not self.has_saved_layout() and not PREFERRED_SIZE.boundedTo(available) == PREFERRED_SIZE
        if not self.restore_layout() and workspaces:
            self.show_workspace(next(iter(workspaces)))
        self.switch_banner = SwitchBanner(self, executor)  # after the layout: a saved state never shows it
        self.idle_watcher.start()

    def _dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.docks[name] = dock
        return dock

    # --- actions ------------------------------------------------------------------------------
    def _add(self, key: str, text: str, slot: Callable[[], Any]) -> QAction:
        act = QAction(text, self)
        act.setShortcut(QKeySequence(key))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # QAction.triggered passes `checked`; a slot like `lambda k=key: …` would take it for its argument
        act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        return act

    def _actions(self) -> None:
        self.menuBar().setVisible(True)
        user_menu = self.menuBar().addMenu(self.tr("&Användare"))
        self.lock_action = self._add("Ctrl+L", self.tr("Lås konsolen"), lambda: self.lock("manual"))
        self.switch_action = self._add("Ctrl+Shift+L", self.tr("Byt användare…"), self.request_switch_user)
        user_menu.addAction(self.lock_action)
        user_menu.addAction(self.switch_action)
        menu = self.menuBar().addMenu(self.tr("&Fönster"))
        self._add("F1", self.tr("Kortkommandon"), self.help.toggle)
        for i, key in enumerate(SHORTCUT_ORDER, start=1):
            if key in self.workspaces:
                menu.addAction(self._add(f"Ctrl+{i}", self.tr(TITLES[key]), lambda k=key: self.show_workspace(k)))
        menu.addSeparator()
        for dock in self.docks.values():
            menu.addAction(dock.toggleViewAction())
        menu.addSeparator()
        menu.addAction(self._add("Ctrl+Shift+R", self.tr("Återställ layouten"), self.reset_layout))
        self.menuBar().addMenu(self.tr("&Hjälp")).addAction(self.tr("Kortkommandon (F1)"), self.help.toggle)
        self._add("F5", self.tr("Uppdatera"), self.refresh)
        self.case_lookup: CaseLookup | None = None
        if self.actor.role in CASE_READERS:  # Ctrl+F in every workspace of a role that may read cases
            self.case_lookup = CaseLookup(self.actor, self.executor, self, [self.lock_action, self.switch_action])
            self.find_action = self._add("Ctrl+F", self.tr("Sök ärende…"), self.case_lookup.open_search)
            cases_menu = self.menuBar().addMenu(self.tr("Ä&renden"))
            cases_menu.addAction(self.find_action)
            self.menuBar().insertMenu(self.menuBar().actions()[-2], cases_menu)  # before Hjälp
        ct = self.workspaces.get("calltaking")
        if ct is not None:
            self._add("Ctrl+N", self.tr("Nytt ärende"), lambda: (self.show_workspace("calltaking"), ct.new_case()))
            self._add("Ctrl+T", self.tr("Till triageringen"), lambda: ct.wizard.focus_current())
            self._add("Ctrl+I", self.tr("Till uppgifterna"), lambda: ct.form.caller.setFocus())
            self._add("Ctrl+M", self.tr("Till vitalparametrarna"), ct.vitals.focus_first)
            self._add("Ctrl+O", self.tr("Överstyr"), ct.open_override)
            self._add("Ctrl+R", self.tr("Röd flagga…"), ct.raise_red_flag)
            self._add("Ctrl+B", self.tr("Beslut om behandlingsbegränsning…"), ct.decide_limitations)
            self._add("Ctrl+E", self.tr("Anteckning"), ct.focus_note)
            self._add("Ctrl+P", self.tr("Använd telefonens position"), ct.use_phone_position)
            self._add("Ctrl+G", self.tr("Karta / patientens sammanhang"), ct.toggle_map)
            self._add("Ctrl+Return", self.tr("Skicka vidare"), ct.send)
            self._add("Ctrl+Enter", self.tr("Skicka vidare"), ct.send)
            self._add("Ctrl+Shift+Backspace", self.tr("Avbryt samtalet"), ct.cancel_call)
            self._add("Ctrl+Shift+H", self.tr("Lämna över samtalet…"), ct.hand_over_call)
            ct.message.connect(self.show_message)
        rv = self.workspaces.get("review")
        if rv is not None:
            self._add("Ctrl+Shift+S", self.tr("Signera"), rv.sign)
            self._add("Ctrl+K", self.tr("Kommentera"), rv.add_comment)
            rv.message.connect(self.show_message)
        st = self.workspaces.get("stats")
        if st is not None:
            st.message.connect(self.show_message)
        dp = self.workspaces.get("dispatch")
        if dp is not None and hasattr(dp, "status_message"):
            dp.status_message.connect(self.show_message)
        if dp is not None and hasattr(dp, "alerts"):  # docs/alerts.md: one key acknowledges, the tab shows how many
            self.acknowledge_action = self._add("F2", self.tr("Kvittera larm"), self.acknowledge_alert)
            dp.alerts.changed.connect(self.show_alert_badge)
        panel = next((w for w in dp.findChildren(QWidget) if hasattr(w, "enable_timeline")), None) if dp else None
        if panel is not None and self.case_lookup is not None:  # the dispatcher's case panel: its "Tidslinje"
            panel.enable_timeline(self.show_case_timeline)
        ad = self.workspaces.get("admin")
        if ad is not None:
            ad.message.connect(self.show_message)
        pl = self.workspaces.get("planning")
        if pl is not None:
            pl.message.connect(self.show_message)
        fu = self.workspaces.get("followup")
        if fu is not None:
            fu.message.connect(self.show_message)
            fu.overdue_changed.connect(self.set_overdue_followups)
            if ct is not None:
                fu.worse_case.connect(lambda cid: (self.show_workspace("calltaking"), ct.open_existing(cid)))

    def show_case_timeline(self, case_id: int) -> None:
        """The case's timeline in a window of its own (read and audited on the database worker); the dispatcher's
        case panel and the Ctrl+F search open it. Nothing for a role that may not read cases."""
        if self.case_lookup is not None:
            self.case_lookup.show_timeline(case_id)

    def acknowledge_alert(self) -> None:
        """F2: the most urgent alert is acknowledged (audited) and its case selected in Dirigering."""
        dp = self.workspaces.get("dispatch")
        if dp is not None and dp.alerts.acknowledge_next() is not None:  # type: ignore[attr-defined]
            self.show_workspace("dispatch")

    def show_alert_badge(self) -> None:
        """The Dirigering tab says how many alerts wait to be acknowledged, in red, wherever the user is."""
        dp, dock = self.workspaces.get("dispatch"), self.docks.get("dispatchDock")
        if dp is None or dock is None:
            return
        n = len(dp.alerts.board.alerts())  # type: ignore[attr-defined]
        title = self.tr(TITLES["dispatch"]) + (f" ⚠ {n}" if n else "")
        dock.setWindowTitle(title)
        for bar in self.findChildren(QTabBar):
            for i in range(bar.count()):
                if bar.tabText(i).startswith(self.tr(TITLES["dispatch"])):
                    bar.setTabTextColor(i, QColor("#ff5c5c") if n else QColor())

    def show_workspace(self, key: str) -> None:
        dock = self.docks.get(f"{key}Dock")
        if dock is not None:
            dock.show()
            dock.raise_()
            widget = self.workspaces[key]
            if key == "calltaking":
                widget.wizard.focus_current()  # type: ignore[attr-defined]
            else:
                widget.setFocus()

    def refresh(self) -> None:
        for key in ("review", "stats", "dispatch", "followup", "admin", "planning"):
            w = self.workspaces.get(key)
            if w is not None and hasattr(w, "refresh"):
                w.refresh()

    # --- status bar ---------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.message_label.setText(text)

    def show_error(self, exc: Exception) -> None:
        text = user_message(exc)
        self.message_label.setText(text)
        if is_database_down(exc):  # unreachable or too slow: said until a job reaches it again
            self._db_message = text
            self.db_label.setText(self.tr("Databas: %s – EJ NÅBAR") % self.db_name)
            self.db_label.setStyleSheet("color: #ff7b72; font-weight: bold;")

    def _db_ok(self) -> None:
        if self.db_label.styleSheet():
            self.db_label.setText(self.tr("Databas: %s") % self.db_name)
            self.db_label.setStyleSheet("")
        if self._db_message is not None and self.message_label.text() == self._db_message:
            self.message_label.setText("")  # a later message of its own stays
        self._db_message = None

    def set_feed_health(self, feeds: Any) -> None:
        """From the dispatch feed bridge: a list of per-feed views (name/ok/stale). The bar names only the lost feeds
        and counts the rest (every feed by name made the bar wider than a 1366 px screen, its end cut off); the
        tooltip and the dispatch view's feed panel name each."""
        feeds = list(feeds or [])
        lost = [PUBLISHER_LABELS.get(f.publisher, f.publisher) for f in feeds if f.stale]
        ok = len(feeds) - len(lost)
        text = self.tr("%d av %d ✓") % (ok, len(feeds)) if feeds else "–"
        if lost:
            text = " · ".join([", ".join(lost) + " ⚠", text])
        self.feed_label.setText(self.tr("Flöden: %s") % text)
        self.feed_label.setToolTip("\n".join(f"{PUBLISHER_LABELS.get(f.publisher, f.publisher)} "
                                             f"{'⚠' if f.stale else '✓'}" for f in feeds))
        self.feed_label.setStyleSheet("color: #f5a623; font-weight: bold;" if lost else "color: #3fb950;")

    def set_overdue_followups(self, n: int) -> None:
        """Overdue telephone follow-ups, for everyone in the room to see."""
        self.followup_label.setVisible(n > 0)
        self.followup_label.setText(self.tr("Försenade uppföljningar: %d") % n)
        self.followup_label.setStyleSheet("color: #ff7b72; font-weight: bold;" if n else "")

    # --- lock and user switch ------------------------------------------------------------------
    def lock(self, reason: str = "manual") -> None:
        """Cover everything; the call in progress is saved first. Audited; unlocking needs the password."""
        if self.locked or getattr(self, "_shut", False):
            return
        self.locked = True
        ct = self.workspaces.get("calltaking")
        if ct is not None and ct.active:
            ct.save_now()
        self.help.hide()
        for dialog in self.findChildren(QDialog):  # a dialog may show a patient, and a modal one blocks unlocking
            if dialog.isVisible():
                dialog.reject()
        self._hidden_while_locked = [d for d in self.docks.values() if d.isFloating() and d.isVisible()]
        for dock in self._hidden_while_locked:
            dock.hide()  # a floating pane is its own window: the lock screen would not cover it
        for dock in self.docks.values():
            dock.setEnabled(False)
        self.menuBar().setEnabled(False)
        for act in self.actions():
            act.setEnabled(False)
        self.setWindowTitle(self.tr("Larmcentral Skåne – låst"))
        why = {"idle": self.tr("Låst efter %s minuter utan aktivitet.") % number(self._idle_minutes()),
               "switch_user": self.tr("Låst för byte av användare."),
               "signed_out": self.tr("Inloggningen gäller inte längre (avslutad, kontot avaktiverat eller rollen "
                                     "indragen); välj Byt användare för att logga in igen."),
               }.get(reason, self.tr("Låst med Ctrl+L."))
        self.lock_screen.show_locked(why + " " + self.tr("Ange ditt lösenord för att fortsätta."))
        self.idle_watcher.timer.stop()
        if self.executor.running:
            self.executor.submit(lock_job(self.actor, reason), on_failure=lambda exc: None)  # audited when reachable
        self.lock_changed.emit(True)

    def _idle_minutes(self) -> float:
        return self.idle_watcher.timer.interval() / 60_000

    def unlock(self, password: str) -> None:
        """Check the same user's password on the database worker (no new session); stay locked if wrong."""
        if not self.locked:
            return
        if not self.executor.running:
            self.lock_screen.set_error(self.tr("Konsolen håller på att stängas."))
            return
        self.executor.submit_writes(unlock_job(self.actor, password), lambda _r: self._unlocked(),
                                    lambda exc: self.lock_screen.set_error(user_message(exc)))

    def _unlocked(self) -> None:
        if not self.locked:
            return
        self.locked = False
        self.lock_screen.hide()
        for dock in self.docks.values():
            dock.setEnabled(True)
        for dock in self._hidden_while_locked:
            dock.show()
        self._hidden_while_locked = []
        self.menuBar().setEnabled(True)
        for act in self.actions():
            act.setEnabled(True)
        self.setWindowTitle(self._title)
        self.idle_watcher.start()
        self.lock_changed.emit(False)
        self.show_message(self.tr("Upplåst."))

    def request_switch_user(self) -> None:
        """Lock (the call in progress is saved as its author's draft), then let the shell sign the next user in."""
        self.lock("switch_user")
        self.switch_user_requested.emit()

    # --- layout per user ----------------------------------------------------------------------
    def _key(self, what: str) -> str:
        return f"layout/{self.actor.username}/{what}"

    def has_saved_layout(self) -> bool:
        return self.settings.contains(self._key("geometry"))

    def save_layout(self) -> None:
        self.settings.setValue(self._key("geometry"), self.saveGeometry())
        self.settings.setValue(self._key("state"), self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def present(self) -> None:
        """Show the window as the user left it, at the preferred size, or — a first start on a small screen —
        maximized, so the window manager fits the frame and title bar into the screen too."""
        if self._maximize_first:
            self.showMaximized()
        else:
            self.show()

    def restore_layout(self) -> bool:
        geometry = self.settings.value(self._key("geometry"))
        state = self.settings.value(self._key("state"))
        if geometry is not None:
            self.restoreGeometry(geometry)
        return bool(state is not None and self.restoreState(state, LAYOUT_VERSION))

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            if dock.objectName().removesuffix("Dock") in self.workspaces:
                dock.show()
        self.show_message(self.tr("Layouten återställd."))

    # --- closing ------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Save the layout and the call in progress, stop the feeds and the database worker."""
        if getattr(self, "_shut", False):
            return
        self._shut = True
        self.idle_watcher.stop()
        self.save_layout()
        ct = self.workspaces.get("calltaking")
        if ct is not None and ct.active:
            ct.save_now()
        for w in (self.workspaces.get("dispatch"), self.workspaces.get("followup"), self.drafter, ct):
            stop = getattr(w, "shutdown", None) or getattr(w, "stop", None)
            if stop is not None:
                stop()
        self.executor.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()
