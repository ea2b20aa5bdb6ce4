"""Push, not poll: other consoles' committed changes become the executor's `changed(topic)` signal.

`ChangeWatch` runs a `records.change_listener.ChangeListener` for the executor's database (LISTEN on a connection
of its own on PostgreSQL, its own thread; the in-process bus on SQLite) and hands every change to the GUI thread
by queued signal. There, changes that arrived together are merged and emitted once per topic:
`changed_ids(topic, ids)` (ids None: the whole topic), `changed(topic)` and `pushed(Change)` (which also says which
named cases are open for dispatch). A resync (after every connect) emits `resynced` and `changed(topic)` for every
topic: the views re-read everything once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from records.change_feed import RESYNC, TOPICS, Change, merge
from records.change_listener import ChangeListener


class ChangeWatch(QObject):
    changed = Signal(str)  # topic
    changed_ids = Signal(str, object)  # topic, frozenset of case ids or None (all of the topic)
    pushed = Signal(object)  # the Change, merged per topic
    resynced = Signal()

    _heard = Signal(object)  # Change, from the listener's (or the committing) thread

    def __init__(self, factory: sessionmaker[Session], parent: QObject | None = None, *, check_s: float = 5.0):
        super().__init__(parent)
        bind = factory.kw.get("bind")
        if not isinstance(bind, Engine):
            raise ValueError("ChangeWatch needs a session factory bound to an engine")
        self.heard = 0  # changes received (tests, the bench)
        self._merged: dict[str, Change] = {}
        self._resync = False
        self._flush = QTimer(self, singleShot=True, interval=0, timeout=self._emit)
        self._heard.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self.listener = ChangeListener(bind.url.render_as_string(hide_password=False), self._heard.emit,
                                       check_s=check_s)

    def start(self) -> None:
        self.listener.start()

    def stop(self) -> None:
        self.listener.stop()

    def _collect(self, change: Change) -> None:
        self.heard += 1
        if change.topic == RESYNC:
            self._resync = True
        elif change.topic in self._merged:
            self._merged[change.topic] = merge(self._merged[change.topic], change)
        else:
            self._merged[change.topic] = change
        self._flush.start()  # after the changes already queued: one emission per topic for a burst

    def _emit(self) -> None:
        merged, resync = self._merged, self._resync
        self._merged, self._resync = {}, False
        if resync:
            self.resynced.emit()
            merged = {topic: Change(topic) for topic in sorted({*TOPICS, *merged})}
        for topic, change in merged.items():
            self.changed_ids.emit(topic, change.ids)
            self.changed.emit(topic)
            self.pushed.emit(change)
