"""The console's way to a case from anywhere: the Ctrl+F search dialog and the timeline windows it opens.

Owned by the main window for the clinical roles (records.case_summary.CASE_READERS): `open_search()` is Ctrl+F,
`show_timeline(case_id)` opens (or raises) that case's timeline — also what MainWindow.show_case_timeline calls
for the dispatcher's case panel.

Both are windows of their own, where the main window's keys do not reach: `window_actions` (the main window's
Ctrl+L and Ctrl+Shift+L) are added to each, so the console locks from them too — and locking closes them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from console.cases.search_dialog import CaseSearchDialog
from console.cases.timeline_dialog import CaseTimelineDialog
from console.tasks import DbExecutor
from records.actor import Actor


class CaseLookup(QObject):
    def __init__(self, actor: Actor, executor: DbExecutor, window: QWidget, window_actions: Sequence[QAction] = ()):
        super().__init__(window)
        self.actor, self.executor, self.window = actor, executor, window
        self.window_actions = list(window_actions)
        self.search: CaseSearchDialog | None = None
        self.timelines: dict[int, CaseTimelineDialog] = {}

    def open_search(self) -> None:
        if self.search is None:
            self.search = CaseSearchDialog(self.actor, self.executor, self.window)
            self.search.open_case.connect(self.show_timeline)
            self.search.addActions(self.window_actions)  # a window shortcut matches in every window it is added to
        self.search.start()

    def show_timeline(self, case_id: int) -> CaseTimelineDialog:
        dialog = self.timelines.get(case_id)
        if dialog is None:
            dialog = CaseTimelineDialog(self.actor, self.executor, case_id, self.window)
            dialog.finished.connect(lambda _r, c=case_id: self.timelines.pop(c, None))
            dialog.addActions(self.window_actions)
            self.timelines[case_id] = dialog
        else:
            dialog.load()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog
