"""Telefonuppföljning: the follow-up queue as a dockable pane (issue 7).

Nurses (and RLS physicians) see every open follow-up ordered by due time and record the call's
result: better, unchanged or worse. "Worse" opens a new case linked to the old one, pre-filled, in
the call-taking workspace (`worse_case(new_case_id)`). Everyone else sees the overdue ones only, so
a follow-up nobody has made is visible to the whole room; the count is in the status bar.

The queue is re-read when cases or follow-ups change and every 30 s, but listed (and audited)
only when the set of follow-ups shown changes; the overdue marking follows the clock on its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from commands import RecordFollowUp
from console.errors import user_message
from console.followup.model import FollowUpModel
from console.tasks import CommandOp, DbExecutor, DbOp
from outcomes.followup import FollowUpDone, FollowUpItem, FollowUpResult, followup_queue
from records.actor import Actor
from records.models import FollowUp
from resources.vocabulary import Role

Signature = tuple[tuple[int, datetime], ...]


class FollowUpPane(QWidget):
    message = Signal(str)
    overdue_changed = Signal(int)
    worse_case = Signal(int)  # the new, linked case opened by a "worse" result

    def __init__(self, actor: Actor, executor: DbExecutor, *, refresh_ms: int = 30_000,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("followUpPane")
        self.actor, self.executor = actor, executor
        self.may_record = actor.may(Role.NURSE, Role.PHYSICIAN)
        self.overdue_only = not self.may_record
        self._signature: Signature | None = None
        self._loading = self._read_again = False  # a change pushed during a read: one more read after it
        self._last_overdue = -1
        self.model = FollowUpModel()
        self.table = QTableView(objectName="followUpQueue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.title = QLabel(objectName="sectionTitle")
        self.note = QLineEdit(objectName="followUpNote")
        self.note.setPlaceholderText(self.tr("Anteckning från samtalet (valfri)"))
        self.buttons: dict[FollowUpResult, QPushButton] = {}
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        for i, res in enumerate(FollowUpResult, start=1):
            b = QPushButton(f"{res.label} (Alt+{i})", objectName=f"followUp_{res.value}")
            b.clicked.connect(lambda _c=False, r=res: self.record(r))
            b.setEnabled(self.may_record)
            if not self.may_record:
                b.setToolTip(self.tr("%s registrerar inte uppföljningar.") % actor.role.label)
            self.buttons[res] = b
            row.addWidget(b)
            sc = QShortcut(QKeySequence(f"Alt+{i}"), self, activated=lambda r=res: self.record(r))
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        if self.may_record:
            lay.addLayout(row)
        self._update_title()
        executor.changed.connect(lambda topic: topic in ("cases", "followups") and self.refresh())
        self.refresh_timer = QTimer(self, interval=refresh_ms, timeout=self.refresh)
        self.clock_timer = QTimer(self, interval=15_000, timeout=self._tick)

    def start(self) -> None:
        self.refresh()
        self.refresh_timer.start()
        self.clock_timer.start()

    def stop(self) -> None:
        self.refresh_timer.stop()
        self.clock_timer.stop()

    # --- reading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.executor.running:
            return
        if self._loading:
            self._read_again = True
            return
        self._loading, self._read_again = True, False
        actor, seen, overdue_only = self.actor, self._signature, self.overdue_only

        def job(s: Session) -> tuple[Signature, list[FollowUpItem]] | None:
            stmt = select(FollowUp.id, FollowUp.due_at).where(FollowUp.status == "open").order_by(FollowUp.id)
            if overdue_only:
                stmt = stmt.where(FollowUp.due_at < datetime.now(UTC))
            sig: Signature = tuple((i, d) for i, d in s.execute(stmt).all())
            if sig == seen:
                return None  # nothing new to show: no listing, no audit row
            return sig, followup_queue(s, actor, overdue_only=overdue_only)

        DbOp(self.executor, job).success(self._loaded).failure(self._failed).run()

    def _loaded(self, result: tuple[Signature, list[FollowUpItem]] | None) -> None:
        self._loading = False
        if self._read_again:
            self.refresh()
        if result is None:
            self._tick()
            return
        self._signature, items = result
        keep = self.current()
        self.model.set_items(items)
        self.table.resizeColumnsToContents()
        row = self.model.row_of(keep.id) if keep is not None else None
        if row is None and items:
            row = 0
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        self._tick()

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        if self._read_again:
            self.refresh()
        self.message.emit(user_message(exc))

    def _tick(self) -> None:
        self.model.tick()
        n = self.model.overdue_count()
        self._update_title()
        if n != self._last_overdue:
            self._last_overdue = n
            self.overdue_changed.emit(n)
        if self.overdue_only and n != self.model.rowCount():
            self._signature = None  # a follow-up just became overdue: list it

    def _update_title(self) -> None:
        n, total = self.model.overdue_count(), self.model.rowCount()
        if self.overdue_only:
            self.title.setText(self.tr("Försenade telefonuppföljningar: %d") % n)
        else:
            self.title.setText(self.tr("Telefonuppföljning: %d öppna, %d försenade") % (total, n))

    def current(self) -> FollowUpItem | None:
        idx = self.table.currentIndex()
        return self.model.item(idx.row()) if idx.isValid() and idx.row() < self.model.rowCount() else None

    # --- recording ----------------------------------------------------------------------------
    def record(self, result: FollowUpResult) -> None:
        item = self.current()
        if not self.may_record:
            self.message.emit(self.tr("%s registrerar inte uppföljningar.") % self.actor.role.label)
            return
        if item is None:
            self.message.emit(self.tr("Välj en uppföljning i listan."))
            return
        note = self.note.text().strip() or None
        CommandOp(self.executor, self.actor, RecordFollowUp(followup_id=item.id, result=result, note=note)) \
            .success(self._recorded).failure(self._failed).run()

    def _recorded(self, done: FollowUpDone) -> None:
        self.note.clear()
        self._signature = None
        text = self.tr("Uppföljning av ärende %d: %s.") % (done.case_id, done.result.label)
        if done.new_case_id is not None:
            text += self.tr(" Nytt ärende %d öppnat, kopplat till ärende %d.") % (done.new_case_id, done.case_id)
            self.worse_case.emit(done.new_case_id)
        self.message.emit(text)

    def items(self) -> list[Any]:
        return self.model.items()
