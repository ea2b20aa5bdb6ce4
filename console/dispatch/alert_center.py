"""The dispatch workspace's alerts on screen: feeds the plain model (dispatch.alerts.AlertBoard) what väntrummet
shows, the clock and the feeds' health; plays the sound; records an acknowledgement as the command AcknowledgeAlert.
The widgets (the flashing rows, the strip above väntrummet, the tab badge) only show `board` when `changed` fires."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from commands import AcknowledgeAlert, AlertAcknowledged
from console.alert_sound import AlertSound
from console.dispatch.feed_health import PUBLISHER_LABELS
from console.errors import user_message
from console.tasks import CommandOp, DbExecutor
from dispatch.alerts import Alert, AlertBoard, AlertKind
from records.actor import Actor
from records.cases import CaseView
from resources.vocabulary import Role


class AlertCenter(QObject):
    """Signals: `changed()` after anything was raised or acknowledged; `select_case(int)` when the acknowledge key
    takes a case's alert (the workspace selects it); `message(str, bool)` (text, is error)."""

    changed = Signal()
    select_case = Signal(int)
    message = Signal(str, bool)

    def __init__(self, actor: Actor, executor: DbExecutor, *, late: Callable[[CaseView], bool],
                 clock: Callable[[], datetime], sound: AlertSound, parent: QObject | None = None):
        super().__init__(parent)
        self.actor, self.executor, self.sound = actor, executor, sound
        # Alerts are for those who dispatch: a nurse's console (its Dirigering pane is for looking) raises none,
        # so a call taker is not interrupted by the Prio 1 she has just sent herself.
        self.enabled = actor.may(Role.DISPATCHER, Role.PHYSICIAN)
        self.board = AlertBoard(late=late, clock=clock, feed_names=dict(PUBLISHER_LABELS))
        if self.enabled:
            sound.preload([kind.value for kind in AlertKind])

    # --- what is shown ----------------------------------------------------------------------------------
    def cases_shown(self, cases: Sequence[CaseView]) -> None:
        """After a re-read of väntrummet and every second (a case may pass its target with nothing re-read)."""
        if not self.enabled:
            return
        self._raised(self.board.observe_cases(cases))
        self._sound()

    def unit_alerts(self, problems: Sequence[Any]) -> None:
        """The units' alert problems (dispatch.alerting.store.alert_problems): not acknowledged in time, refused,
        declined."""
        if not self.enabled:
            return
        self._raised(self.board.observe_unit_alerts(problems))
        self._sound()

    def feeds_health(self, feeds: Sequence[Any]) -> None:
        if not self.enabled:
            return
        self._raised(self.board.observe_feeds(feeds))
        self._sound()

    def _raised(self, alerts: list[Alert]) -> None:
        if alerts:
            self.changed.emit()

    def _sound(self) -> None:
        kind = self.board.sound_due()
        if kind is not None:
            self.sound.play(kind.value)

    # --- the acknowledge key -----------------------------------------------------------------------------
    def acknowledge_next(self) -> Alert | None:
        """The most urgent alert not yet acknowledged: its case selected at once, the acknowledgement recorded
        (audited); the alert clears when the database has it. None: nothing to acknowledge."""
        alert = self.board.next()
        if alert is None:
            self.message.emit(self.tr("Inga larm att kvittera."), False)
            return None
        if alert.case_id is not None:
            self.select_case.emit(alert.case_id)
        self.board.begin(alert.key)
        cmd = AcknowledgeAlert(kind=alert.kind.value, alert_key=alert.key, text=alert.text, raised_at=alert.raised_at,
                               case_id=alert.case_id, feed=alert.feed)
        CommandOp(self.executor, self.actor, cmd).success(lambda r: self._acknowledged(alert, r)) \
            .failure(lambda exc: self._failed(alert, exc)).run()
        return alert

    def _acknowledged(self, alert: Alert, result: AlertAcknowledged) -> None:
        self.board.acknowledge(alert.key, result.by, result.acknowledged_at)
        self.message.emit(self.tr("Larm kvitterat: %s") % alert.text, False)
        self.changed.emit()

    def _failed(self, alert: Alert, exc: Exception) -> None:
        self.board.abandon(alert.key)
        self.message.emit(self.tr("Larmet kunde inte kvitteras (det står kvar): %s") % user_message(exc), True)
        self.changed.emit()
