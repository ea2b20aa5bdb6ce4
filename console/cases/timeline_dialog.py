"""A case's timeline in a window of its own: every command and status event in time order (records.case_timeline),
who did it and what, in Swedish; reasons and codes in each row's tooltip. Read once when opened and again with
"Uppdatera" (each read is audited); several cases can be open side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.cases.models import TimelineModel
from console.errors import user_message
from console.local_time import local_text
from console.tasks import DbExecutor, DbOp
from records.actor import Actor
from records.case_timeline import CaseTimeline, case_timeline


class CaseTimelineDialog(QDialog):
    def __init__(self, actor: Actor, executor: DbExecutor, case_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor, self.executor, self.case_id = actor, executor, case_id
        self.setObjectName("caseTimelineDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("Händelseförlopp – ärende %d") % case_id)
        self.setMinimumSize(760, 420)
        self.heading = QLabel(self.tr("Ärende %d") % case_id, objectName="caseTimelineHeading")
        self.heading.setWordWrap(True)
        f = self.heading.font()
        f.setBold(True)
        self.heading.setFont(f)
        self.model = TimelineModel()
        self.table = QTableView(objectName="caseTimeline")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.status = QLabel(self.tr("Hämtar händelserna …"), objectName="caseTimelineStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Stäng"))
        close.setAutoDefault(False)  # Enter in the list does not close it; Esc does
        refresh = buttons.addButton(self.tr("Uppdatera"), QDialogButtonBox.ButtonRole.ActionRole)
        refresh.setObjectName("caseTimelineRefresh")
        refresh.setAutoDefault(False)
        refresh.clicked.connect(self.load)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.heading, self.table, self.status, buttons):
            layout.addWidget(w)
        self._closed = False  # closed (Esc, Ctrl+L) and deleted: a read still under way has nowhere to go
        self.finished.connect(self._close_reads)
        self.load()

    def _close_reads(self, _result: int) -> None:
        self._closed = True

    def load(self) -> None:
        actor, case_id = self.actor, self.case_id
        DbOp(self.executor, lambda s: case_timeline(s, actor, case_id)).success(self._show).failure(self._failed).run()

    def _show(self, timeline: CaseTimeline) -> None:
        if self._closed:
            return
        c = timeline.case
        self.heading.setText(" · ".join(p for p in (self.tr("Ärende %d") % c.case_id, c.status_text, c.priority_text,
                                                    c.patient, c.address) if p))
        self.model.set_entries(timeline.entries)
        self.table.resizeRowsToContents()
        self.table.scrollToBottom()
        n = len(timeline.entries)
        self.status.setText(self.tr("%d händelser, äldst först. Inkom %s.") % (n, local_text(c.created_at)))

    def _failed(self, exc: Exception) -> None:
        if not self._closed:
            self.status.setText(user_message(exc))
