"""The dispatcher's case panel: the whole selected case — caller and callback number, place, patient, the triage
path with its answers, red flags, vital signs, the notes (newest first), the recommendation the nurse saw and the
units with their times — in a tab beside the recommendation ("Ärendet", key I), with a field for a new note
(key N, Enter saves it through AddCaseNote).

One audited read (records.case_detail) when a case is selected and again whenever a change names it (a note, an
assignment, an outcome — from this console or another); the units' live statuses come from the fleet board
without a read. Reads are coalesced: a burst of changes is one read, and a read for a case no longer selected is
dropped.

The case timeline (another view) plugs in with `enable_timeline(handler)`: the "Tidslinje" button then shows and
calls `handler(case_id)`; until then it is hidden, so it never silently does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commands import AddCaseNote
from commands.base import CLINICAL_ROLES
from console.calltaking.wrapping_tree import WrappingDelegate
from console.dispatch.case_sections import Section, sections
from console.errors import user_message
from console.fleet_model import FleetTableModel
from console.tasks import CommandOp, DbExecutor, DbOp
from records.actor import Actor
from records.case_detail import CaseDetail, case_detail
from records.case_notes import NoteRefused, check_note
from resources.vocabulary import UnitStatus

if TYPE_CHECKING:
    from console.dispatch.workspace import DispatchWorkspace



def case_tab_title(notes: int) -> str:
    """The case tab says how many notes the case has, so the dispatcher sees there is something to read."""
    if notes == 0:
        return "Ärendet (I)"
    return f"Ärendet · {notes} {'anteckning' if notes == 1 else 'anteckningar'} (I)"


class CasePanel(QWidget):
    """Signals: `shown(int)` once a case's detail is on screen; `notes_changed(int)` with the number of notes;
    `message(str, bool)` (text, is error) for the workspace's status line."""

    shown = Signal(int)
    notes_changed = Signal(int)
    message = Signal(str, bool)

    def __init__(self, actor: Actor, executor: DbExecutor, units: FleetTableModel | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("casePanel")
        self.actor, self.executor, self.units = actor, executor, units
        self.case_id: int | None = None
        self.detail: CaseDetail | None = None
        self.reads = 0  # detail reads sent (tests)
        self._reading = self._read_again = False
        self._timeline: Callable[[int], None] | None = None
        self._collapsed: set[str] = set()  # sections the dispatcher closed stay closed for the next case too
        # How far a unit's alert got ("Kvitterat"), given by console/dispatch/unit_alerts.py; nothing without it.
        self.alert_state: Callable[[str], str | None] = lambda _unit: None

        self.heading = QLabel(self.tr("Välj ett ärende i väntrummet."), objectName="casePanelHeading")
        self.heading.setWordWrap(True)
        self.tree = _CaseTree(objectName="caseDetailTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setItemDelegate(_SpanningDelegate(self.tree))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemCollapsed.connect(lambda item: self._collapsed.add(item.data(0, Qt.ItemDataRole.UserRole)))
        self.tree.itemExpanded.connect(lambda item: self._collapsed.discard(item.data(0, Qt.ItemDataRole.UserRole)))

        self.note = QLineEdit(objectName="caseNoteField")
        self.note.setPlaceholderText(self.tr("Ny anteckning (N): portkod, våning, vägbeskrivning … Enter sparar"))
        self.note.returnPressed.connect(self.add_note)
        self.add_button = QPushButton(self.tr("Spara anteckning"), objectName="addNoteButton")
        self.add_button.clicked.connect(self.add_note)
        self.timeline_button = QPushButton(self.tr("Tidslinje"), objectName="timelineButton")
        self.timeline_button.clicked.connect(self._open_timeline)
        self.timeline_button.hide()
        self.error = QLabel(objectName="fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        allowed = actor.may(*CLINICAL_ROLES)
        for w in (self.note, self.add_button):
            w.setEnabled(False)  # until a case is shown
            if not allowed:
                w.setToolTip(self.tr("%s får inte skriva anteckningar på ärenden.") % actor.role.label)

        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.timeline_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.heading)
        lay.addWidget(self.tree, 1)
        lay.addLayout(row)
        lay.addWidget(self.error)

        self._read_soon = QTimer(self, singleShot=True, interval=0, timeout=self._read)  # coalesces a burst
        if executor.watch is not None:
            executor.changed_ids.connect(self._on_changed)
        else:
            executor.changed.connect(lambda topic: self._on_changed(topic, None))

    # --- which case -----------------------------------------------------------------------------------
    def show_case(self, case_id: int | None) -> None:
        """Show `case_id` (None: nothing selected). The same case again is re-read (it may have changed)."""
        if case_id != self.case_id:
            self.case_id, self.detail = case_id, None
            self.note.clear()
            self._hide_error()
            self.tree.clear()
            self.heading.setText(self.tr("Läser ärende %d …") % case_id if case_id is not None
                                 else self.tr("Välj ett ärende i väntrummet."))
            self.heading.show()
            self._enable()
        if case_id is not None:
            self._read_soon.start()

    def _on_changed(self, topic: str, ids: frozenset[int] | None) -> None:
        if topic == "cases" and self.case_id is not None and (ids is None or self.case_id in ids):
            self._read_soon.start()

    def _read(self) -> None:
        case_id = self.case_id
        if case_id is None:
            return
        if self._reading:
            self._read_again = True
            return
        self._reading, self._read_again = True, False
        self.reads += 1
        actor = self.actor

        def done() -> None:
            self._reading = False
            if self._read_again:
                self._read_soon.start()

        def show(detail: CaseDetail) -> None:
            done()
            if detail.case.id == self.case_id:  # the dispatcher may have moved on meanwhile
                self._show(detail)

        def failed(exc: Exception) -> None:
            done()
            if case_id == self.case_id:
                self.heading.setText(self.tr("Ärende %d kunde inte läsas: %s") % (case_id, user_message(exc)))
                self.heading.show()
                self.message.emit(user_message(exc), True)

        DbOp(self.executor, lambda s: case_detail(s, actor, case_id)).success(show).failure(failed).run()

    # --- drawing --------------------------------------------------------------------------------------
    def _show(self, detail: CaseDetail) -> None:
        self.detail = detail
        c = detail.case
        self.heading.hide()  # the workspace's line above names the case; the panel's room goes to the case itself
        self.heading.setText(self.tr("Ärende %d · %s") % (c.id, c.status.label))
        self._draw()
        self._enable()
        self.notes_changed.emit(len(detail.notes))
        self.shown.emit(c.id)

    def _draw(self) -> None:
        if self.detail is None:
            return
        scroll = self.tree.verticalScrollBar().value()
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for sec in sections(self.detail, unit_name=self._unit_name, live_status=self._live_status,
                            alert_state=lambda unit: self.alert_state(unit)):
            self._add_section(sec, bold)
        self.tree.verticalScrollBar().setValue(scroll)

    def _add_section(self, sec: Section, bold: QFont) -> None:
        top = QTreeWidgetItem([sec.title, ""])
        top.setData(0, Qt.ItemDataRole.UserRole, sec.key)
        top.setFont(0, bold)
        self.tree.addTopLevelItem(top)
        top.setFirstColumnSpanned(True)  # only once in the tree
        for r in sec.rows:
            item = QTreeWidgetItem(top, [r.label, r.value])
            item.setToolTip(0, r.tooltip or r.label)
            item.setToolTip(1, r.tooltip or r.value)
            if not r.label:  # a line of its own ("Inga anteckningar ännu.") across both columns
                item.setText(0, r.value)
                item.setText(1, "")
                item.setFirstColumnSpanned(True)
        top.setExpanded(sec.key not in self._collapsed)

    def alerts_changed(self) -> None:
        """The units' alert states were read again (console/dispatch/unit_alerts.py): redraw, no database read."""
        if self.detail is not None and any(u.active for u in self.detail.units):
            self._draw()

    def units_changed(self, ids: set[str]) -> None:
        """The fleet board moved: redraw the live statuses of the case's units (no database read)."""
        if self.detail is not None and any(u.active and u.unit_id in ids for u in self.detail.units):
            self._draw()

    def _unit_name(self, unit_id: str) -> str | None:
        row = self.units.unit_by_id(unit_id) if self.units is not None else None
        return row.name if row is not None else None

    def _live_status(self, unit_id: str) -> UnitStatus | None:
        row = self.units.unit_by_id(unit_id) if self.units is not None else None
        return row.status if row is not None else None

    def section_rows(self, key: str) -> list[tuple[str, str]]:
        """(label, value) of a section's rows as drawn (tests)."""
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top.data(0, Qt.ItemDataRole.UserRole) == key:
                return [(top.child(j).text(0), top.child(j).text(1)) if top.child(j).text(1) else
                        ("", top.child(j).text(0)) for j in range(top.childCount())]
        return []

    # --- notes ----------------------------------------------------------------------------------------
    def focus_note(self) -> None:
        if self.case_id is None:
            self.message.emit(self.tr("Välj först ett ärende i väntrummet."), True)
            return
        self.note.setFocus()

    def add_note(self) -> None:
        case_id = self.case_id
        if case_id is None or not self.note.isEnabled():
            return
        try:
            text = check_note(self.note.text())
        except NoteRefused as exc:
            self._show_error(str(exc))
            return
        self._hide_error()
        self.note.setEnabled(False)  # one note at a time; the text stays until it is saved
        CommandOp(self.executor, self.actor, AddCaseNote(case_id=case_id, text=text)).success(
            lambda _done: self._note_saved(case_id)).failure(lambda exc: self._note_failed(case_id, exc)).run()

    def _note_saved(self, case_id: int) -> None:
        if case_id == self.case_id:
            self.note.clear()
        self._enable()
        self.message.emit(self.tr("Anteckningen sparades på ärende %d.") % case_id, False)
        self.show_case(self.case_id)  # pushed back as a change too; coalesced with it

    def _note_failed(self, case_id: int, exc: Exception) -> None:
        self._enable()
        if case_id == self.case_id:
            self._show_error(self.tr("Anteckningen sparades inte: %s") % user_message(exc))
        self.message.emit(user_message(exc), True)

    def _enable(self) -> None:
        on = self.case_id is not None and self.actor.may(*CLINICAL_ROLES)
        self.note.setEnabled(on)
        self.add_button.setEnabled(on)
        self.timeline_button.setEnabled(self.case_id is not None)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _hide_error(self) -> None:
        self.error.clear()
        self.error.hide()

    # --- the timeline's hook --------------------------------------------------------------------------
    def enable_timeline(self, handler: Callable[[int], None]) -> None:
        """Show the "Tidslinje" button; it calls `handler(case_id)` for the case shown."""
        self._timeline = handler
        self.timeline_button.show()

    def _open_timeline(self) -> None:
        if self._timeline is not None and self.case_id is not None:
            self._timeline(self.case_id)


class _CaseTree(QTreeWidget):
    """Labels and values: the questions are as long as their answers are short, so the first column takes half the
    width (at least what "Återuppringning" needs), at every size."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        least = self.fontMetrics().horizontalAdvance("Återuppringning") + self.indentation() * 2 + 16
        self.setColumnWidth(0, max(least, self.viewport().width() // 2))


class _SpanningDelegate(WrappingDelegate):
    """Wraps a row that spans both columns (a section title, "Inga anteckningar ännu.") at the whole width, not at
    the first column's, so a title is one line when it fits the panel."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        tree = self._tree
        if index.column() != 0 or not tree.isFirstColumnSpanned(index.row(), index.parent()):
            return size
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        width = max(tree.viewport().width() - tree.indentation() * (2 if index.parent().isValid() else 1) - 8, 40)
        rect = opt.fontMetrics.boundingRect(QRect(0, 0, width, 100000),
                                            int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), opt.text or "")
        return QSize(size.width(), max(opt.fontMetrics.height() + 6, rect.height() + 6))


def install_case_panel(ws: DispatchWorkspace) -> CasePanel:
    """The case panel as a tab beside the workspace's recommendation, following its selection; keys I (the case
    tab, again: back to the recommendation) and N (a new note). Found again with `ws.findChild(CasePanel)`."""
    panel = CasePanel(ws.actor, ws.executor, ws.bridge.model, ws)
    tabs = QTabWidget(objectName="caseTabs")
    tabs.setDocumentMode(True)
    layout = ws.rec_tree.parentWidget().layout()
    assert isinstance(layout, QBoxLayout)  # the workspace's left column (workspace._lay_out)
    layout.replaceWidget(ws.rec_tree, tabs)
    tabs.addTab(ws.rec_tree, ws.tr("Rekommendation"))
    tabs.addTab(panel, case_tab_title(0))
    ws.selection.case_selected.connect(panel.show_case)
    ws.selection.cleared.connect(lambda: panel.show_case(None))
    ws.bridge.units_changed.connect(panel.units_changed)
    panel.message.connect(lambda text, error: ws.show_banner(text, error=error))
    panel.notes_changed.connect(lambda n: tabs.setTabText(1, case_tab_title(n)))

    # Reading the case, the panel gets the room väntrummet's empty rows had (the selected row stays in view).
    waiting_stretch, tabs_stretch = layout.stretch(layout.indexOf(ws.waiting)), layout.stretch(layout.indexOf(tabs))

    def make_room(_index: int) -> None:
        reading = tabs.currentWidget() is panel
        layout.setStretch(layout.indexOf(ws.waiting), 2 if reading else waiting_stretch)
        layout.setStretch(layout.indexOf(tabs), 4 if reading else tabs_stretch)
        ws.waiting.scrollTo(ws.waiting.currentIndex())

    tabs.currentChanged.connect(make_room)

    def toggle() -> None:
        tabs.setCurrentIndex(0 if tabs.currentWidget() is panel else 1)

    def new_note() -> None:
        tabs.setCurrentWidget(panel)
        panel.focus_note()

    for key, slot in (("I", toggle), ("N", new_note)):
        sc = QShortcut(QKeySequence(key), ws, activated=slot)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    return panel
