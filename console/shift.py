"""Shift reality: the console locks when nobody touches it, unlocking continues the same session with the same
user's password, and "byt användare" hands the console to the next person.

* `IdleWatcher`: an application-wide event filter; every key press, click, mouse move or wheel restarts one
  single-shot QTimer of LARMCENTRAL_IDLE_LOCK_MINUTES; when it fires the window locks.
* `lock_job` / `unlock_job`: what the window's database worker runs. Unlocking asks the configured
  authenticator (a wrong password counts like a failed sign-in and can lock the account), then checks that the
  session is still good (an administrator may have deactivated the user meanwhile) — no new session is opened.
  Both are audited (`console.lock`, `console.unlock`).
* `ConsoleShell`: owns the main window of whoever is signed in. A user switch shows the sign-in dialog over the
  locked window; once someone has signed in, the old window is shut down (which saves the call in progress as
  its author's draft), the old session is ended ("switch_user") and a new window is built for the new user.
  Drafts belong to their author: the new user's call-taking workspace only ever reopens the new user's own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox
from sqlalchemy.orm import Session, sessionmaker

from console.sign_in import Authenticate, SignInDialog
from records.actor import Actor
from records.auth import WRONG, Authenticator, AuthFailed, authenticator
from records.db import transaction
from records.identity import audit_lock, end_session, verify_actor

if TYPE_CHECKING:
    from console.main_window import MainWindow

log = logging.getLogger("larmcentral.console")

_INPUT = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
                    QEvent.Type.TabletPress})


class IdleWatcher(QObject):
    """Emits `idle` after `minutes` without keyboard, mouse or touch input anywhere in the application."""

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer's slack would blur remainingTime
        self.timer.setInterval(max(1, round(minutes * 60_000)))
        self.timer.timeout.connect(self.idle)
        self._installed = False

    def start(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.timer.start()

    def stop(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self.timer.isActive():
            self.timer.start()  # restarts the interval
        return False


def lock_job(actor: Actor, reason: str) -> Callable[[Session], None]:
    return lambda session: audit_lock(session, actor, True, reason=reason)


def unlock_job(actor: Actor, password: str, backend: Authenticator | None = None
               ) -> Callable[[sessionmaker[Session]], None]:
    """The same user's password, checked by the sign-in backend; the session must still be open and valid."""

    def job(factory: sessionmaker[Session]) -> None:
        identity = (backend or authenticator()).authenticate(factory, actor.username, password)
        if identity.username != actor.username:
            raise AuthFailed(WRONG)
        with transaction(factory) as session:
            verify_actor(session, actor)
            audit_lock(session, actor, False)

    return job


class ConsoleShell(QObject):
    """The signed-in user's main window, and handing the console over to the next user."""

    switched = Signal(object)  # the new MainWindow

    def __init__(self, factory: sessionmaker[Session], build: Callable[[Actor], MainWindow],
                 authenticate: Authenticate, demo_note: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.factory, self._build, self._authenticate, self._demo_note = factory, build, authenticate, demo_note
        self.window: MainWindow | None = None
        self.dialog: SignInDialog | None = None

    def start(self, actor: Actor) -> MainWindow:
        window = self._build(actor)
        window.switch_user_requested.connect(self.switch_user)
        window.closed.connect(lambda w=window: self._end(w, "closed"))
        self.window = window
        return window

    def switch_user(self) -> SignInDialog | None:
        """The sign-in dialog over the (locked) window; cancelling leaves it locked for its user."""
        old = self.window
        if old is None:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            return self.dialog
        dlg = SignInDialog(self._authenticate, "", None, self._demo_note, parent=old)
        dlg.setWindowTitle(self.tr("Byt användare – Larmcentral Skåne"))
        dlg.accepted.connect(lambda: self._switch_to(dlg.actor))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _switch_to(self, actor: Actor | None) -> None:
        old, self.dialog = self.window, None
        if actor is None or old is None:
            return
        geometry = old.saveGeometry()
        old.shutdown()  # the call in progress is saved as its author's draft before the worker stops
        self._end(old, "switch_user")
        try:
            window = self.start(actor)
        except Exception as exc:  # noqa: BLE001 - told to the user; the console closes (nobody is signed in)
            log.exception("could not build the window for %s", actor.username)
            from console.errors import user_message

            QMessageBox.critical(old, self.tr("Larmcentral Skåne"),
                                 self.tr("Konsolen kunde inte öppnas för %s: %s") % (actor.username, user_message(exc)))
            self._end_actor(actor, "failed")
            old.close()
            return
        if not window.has_saved_layout():
            window.restoreGeometry(geometry)  # the new user sits at the same screen
        window.show()
        old.close()
        old.deleteLater()
        self.switched.emit(window)

    def _end(self, window: MainWindow, reason: str) -> None:
        self._end_actor(window.actor, reason)

    def _end_actor(self, actor: Actor, reason: str) -> None:
        try:
            with transaction(self.factory) as session:
                end_session(session, actor, reason)
        except Exception as exc:  # noqa: BLE001 - the session stays open until the database is back; log it
            log.warning("could not end session %s: %r", actor.session_id, exc)
