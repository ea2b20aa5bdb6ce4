"""The RLS physician's review workspace: the queue of flagged cases and rule proposals, each
with its whole story; comment, change priority/care need of an open case, sign off.

Only a physician signs off or decides proposals (records.review_queue / outcomes.proposals
enforce it too); other roles do not get this workspace.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commands import AcceptProposal, ChangeCaseTriage, Command, CommentReview, RejectProposal, SignOffReview
from console.errors import user_message
from console.review.detail_view import render
from console.review.queue_model import ReviewQueueModel
from console.tasks import CommandOp, DbExecutor, DbOp
from records.actor import Actor
from records.review_queue import (
    ReviewDetail,
    ReviewItem,
    open_reviews,
    review_detail,
)
from resources.vocabulary import Priority, Role, TransportNeed

_PROPOSAL_ID = re.compile(r"Regeländringsförslag (\d+):")


class ReviewWorkspace(QWidget):
    message = Signal(str)

    def __init__(self, actor: Actor, executor: DbExecutor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewWorkspace")
        self.actor, self.executor = actor, executor
        self.detail: ReviewDetail | None = None
        self.ruleset_dir: Path | None = None  # where accepted proposals write (None: the local rule-set directory)
        self._audited_ids: frozenset[int] | None = None  # the review ids last audited for this user
        self.model = ReviewQueueModel()
        self.table = QTableView(objectName="reviewQueue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._select(cur.row()))
        self.count = QLabel(objectName="sectionTitle")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.count)
        ll.addWidget(self.table)

        self.browser = QTextBrowser(objectName="reviewDetail")
        self.comment = QPlainTextEdit(objectName="reviewComment")
        self.comment.setPlaceholderText(self.tr("Kommentar (sparas med Ctrl+K; följer med vid signering)"))
        self.comment.setMaximumHeight(90)
        self.comment_button = QPushButton(self.tr("Kommentera (Ctrl+K)"))
        self.comment_button.clicked.connect(self.add_comment)
        self.sign_button = QPushButton(self.tr("Signera (Ctrl+Shift+S)"), objectName="primaryAction")
        self.sign_button.clicked.connect(self.sign)
        self.priority = QComboBox(objectName="reviewPriority")
        for p in (Priority.P1, Priority.P2, Priority.P3, Priority.REFERRAL):
            self.priority.addItem(p.label, p)
        self.transport = QComboBox(objectName="reviewTransport")
        self.transport.addItem(self.tr("(oförändrat transportbehov)"), None)
        for t in TransportNeed:
            self.transport.addItem(t.label, t)
        self.change_button = QPushButton(self.tr("Ändra prioritet/vårdbehov"))
        self.change_button.clicked.connect(self.change_triage)
        self.accept_button = QPushButton(self.tr("Godkänn förslaget"))
        self.accept_button.clicked.connect(lambda: self.decide_proposal(True))
        self.reject_button = QPushButton(self.tr("Avslå förslaget"))
        self.reject_button.clicked.connect(lambda: self.decide_proposal(False))
        change_row = QHBoxLayout()
        change_row.addWidget(QLabel(self.tr("Ärendet:")))
        change_row.addWidget(self.priority)
        change_row.addWidget(self.transport)
        change_row.addWidget(self.change_button)
        change_row.addStretch(1)
        act_row = QHBoxLayout()
        act_row.addWidget(self.comment_button)
        act_row.addWidget(self.accept_button)
        act_row.addWidget(self.reject_button)
        act_row.addStretch(1)
        act_row.addWidget(self.sign_button)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.browser, 1)
        rl.addLayout(change_row)
        rl.addWidget(self.comment)
        rl.addLayout(act_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 700])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self.executor.changed.connect(self._changed)
        self._update_buttons()

    @property
    def is_physician(self) -> bool:
        return self.actor.role is Role.PHYSICIAN

    def _changed(self, topic: str) -> None:
        if topic in ("cases", "reviews"):
            self.refresh()

    def refresh(self) -> None:
        actor, seen = self.actor, self._audited_ids
        DbOp(self.executor, lambda s: open_reviews(s, actor, unchanged_from=seen)).success(self._show_items).failure(
            lambda e: self.message.emit(user_message(e))).run()

    def _show_items(self, items: list[ReviewItem]) -> None:
        self._audited_ids = frozenset(i.id for i in items)
        keep = self.detail.item.id if self.detail else None
        self.model.set_items(items)
        for col in range(self.model.columnCount() - 1):  # all but the long "Detalj", which stretches
            self.table.resizeColumnToContents(col)
        self.count.setText(self.tr("RLS-granskning: %d öppna") % len(items))
        row = self.model.row_of(keep) if keep is not None else None
        if row is None and items:
            row = 0
        if row is not None:
            same = self.detail is not None and self.model.item(row) == self.detail.item
            sm = self.table.selectionModel()
            sm.blockSignals(True)
            sm.setCurrentIndex(self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                               | QItemSelectionModel.SelectionFlag.Rows)
            sm.blockSignals(False)
            self.table.viewport().update()
            if not same:  # re-read (and audit) the detail only when the item itself changed
                self._select(row)
        else:
            self.detail = None
            self.browser.setHtml(self.tr("<p>Kön är tom.</p>"))
            self._update_buttons()

    def _select(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        review_id, actor = self.model.item(row).id, self.actor
        DbOp(self.executor, lambda s: review_detail(s, actor, review_id)).success(self._show_detail).failure(
            lambda e: self.message.emit(user_message(e))).run()

    def _show_detail(self, detail: ReviewDetail) -> None:
        self.detail = detail
        self.browser.setHtml(render(detail))
        if detail.case is not None and detail.case.priority:
            self.priority.setCurrentIndex(self.priority.findData(Priority(detail.case.priority)))
        self._update_buttons()

    def _proposal_id(self) -> int | None:
        if self.detail is None or self.detail.item.reason != "proposal":
            return None
        m = _PROPOSAL_ID.search(self.detail.item.detail)
        return int(m.group(1)) if m else None

    def _update_buttons(self) -> None:
        has = self.detail is not None
        open_case = has and self.detail.case is not None and self.detail.case.status.value != "closed"  # type: ignore[union-attr]
        proposal = self._proposal_id() is not None
        self.sign_button.setEnabled(has and self.is_physician and not proposal)
        self.sign_button.setToolTip("" if self.is_physician else self.tr("Endast RLS-läkare signerar."))
        self.comment_button.setEnabled(has and self.actor.may(Role.PHYSICIAN))
        for w in (self.priority, self.transport, self.change_button):
            w.setEnabled(bool(open_case) and self.actor.may(Role.PHYSICIAN))
        self.accept_button.setVisible(proposal)
        self.reject_button.setVisible(proposal)
        self.accept_button.setEnabled(proposal and self.is_physician)
        self.reject_button.setEnabled(proposal and self.is_physician)

    def _run(self, cmd: Command, done: str) -> None:
        CommandOp(self.executor, self.actor, cmd).success(lambda _r: (self.comment.clear(), self.message.emit(done))) \
            .failure(lambda e: self.message.emit(user_message(e))).run()

    def add_comment(self) -> None:
        if self.detail is None:
            return
        rid, text = self.detail.item.id, self.comment.toPlainText()
        self._run(CommentReview(review_id=rid, text=text), self.tr("Kommentaren sparades."))

    def sign(self) -> None:
        if self.detail is None:
            return
        rid, text = self.detail.item.id, self.comment.toPlainText()
        self._run(SignOffReview(review_id=rid, comment=text), self.tr("Granskning %d signerad.") % rid)

    def change_triage(self) -> None:
        if self.detail is None or self.detail.case is None:
            return
        case = self.detail.case
        priority = Priority(self.priority.currentData())  # combo data of a StrEnum comes back as str
        transport = TransportNeed(self.transport.currentData()) if self.transport.currentData() else None
        need = dict(case.care_need or {})
        if transport is not None:
            need["transport"] = transport.value
        reason = self.comment.toPlainText().strip()
        cid = case.id
        if not reason:
            self.message.emit(self.tr("Skriv i kommentarsfältet varför prioriteten eller vårdbehovet ändras."))
            return
        cmd = ChangeCaseTriage(case_id=cid, priority=priority, care_need=need if transport else None, reason=reason)
        CommandOp(self.executor, self.actor, cmd).success(lambda _r: self._changed_case(cid)).failure(
            lambda e: self.message.emit(user_message(e))).run()

    def _changed_case(self, case_id: int) -> None:
        self.message.emit(self.tr("Ärende %d ändrat.") % case_id)
        row = self.model.row_of(self.detail.item.id) if self.detail is not None else None
        if row is not None:
            self._select(row)  # "Prioritet nu"/"Vårdbehov nu" show the change at once

    def decide_proposal(self, accept: bool) -> None:
        pid = self._proposal_id()
        if pid is None:
            return
        text = self.comment.toPlainText().strip()
        if accept:
            self._run(AcceptProposal(proposal_id=pid, comment=text, directory=self.ruleset_dir),
                      self.tr("Förslag %d godkänt; ett nytt regelverk har skrivits.") % pid)
        else:
            self._run(RejectProposal(proposal_id=pid, reason=text), self.tr("Förslag %d avslaget.") % pid)
