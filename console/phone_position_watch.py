"""The console's ear for the callers' phone positions (AML; docs/phone-position.md): dispatch.phone_positions'
inbox on the GUI thread, woken by a QSocketNotifier on the socket's file descriptor, so nothing polls and nothing
blocks. One per console process (console.app makes it), outliving user switches: a position that arrives while the
next user signs in is kept and still found by its number.

Signals: `position_received(PhonePosition)` for every good position (received, or injected by the test hook),
`bad_message(str)` with the Swedish reason of a message dropped, `unavailable(str)` when the endpoint cannot be
bound (the console works on without phone positions; the text says so).

ZeroMQ's descriptor is edge-triggered and a notification can be consumed inside libzmq, so a drain runs on every
notification, again at once while a drain hit its limit (the event loop gets a turn between batches), and as a
safety net once a second.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from dispatch.phone_positions import BadMessage, InboxUnavailable, PhoneMatch, PhonePositionInbox
from resources.location.phone_position import PhonePosition
from resources.settings import load_settings

log = logging.getLogger("larmcentral.console")

BATCH = 100  # messages per turn of the event loop
SAFETY_MS = 1000


class PhonePositionWatch(QObject):
    """See the module docstring. `endpoint` and `max_age_s` default to LARMCENTRAL_AML_ENDPOINT and
    LARMCENTRAL_AML_MAX_AGE_S."""

    position_received = Signal(object)  # PhonePosition
    bad_message = Signal(str)
    unavailable = Signal(str)

    def __init__(self, endpoint: str | None = None, *, max_age_s: float | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        settings = load_settings()
        self.inbox = PhonePositionInbox(endpoint if endpoint is not None else settings.aml_endpoint)
        self.max_age_s = max_age_s if max_age_s is not None else settings.aml_max_age_s
        self.problem: str | None = None  # why no positions can be received (Swedish), None when they can
        self._notifier: QSocketNotifier | None = None
        self._safety = QTimer(self)
        self._safety.setInterval(SAFETY_MS)
        self._safety.timeout.connect(self._drain)

    def start(self) -> str | None:
        """Bind and listen; returns (and emits as `unavailable`) the Swedish reason when it cannot, else None."""
        try:
            self.inbox.start()
        except InboxUnavailable as exc:
            self.problem = str(exc)
            log.warning("%s", self.problem)
            self.unavailable.emit(self.problem)
            return self.problem
        self.problem = None
        self._notifier = QSocketNotifier(self.inbox.fd, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._safety.start()
        QTimer.singleShot(0, self._drain)
        return None

    def close(self) -> None:
        self._safety.stop()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        self.inbox.close()

    @property
    def endpoint(self) -> str:
        return self.inbox.bound_endpoint

    def inject(self, position: PhonePosition) -> None:
        """A position as if the integration had sent it (the test hook's `phone_position` step, the demo): kept and
        signalled exactly as a received one."""
        self.inbox.add(position)
        self.position_received.emit(position)

    def for_call(self, callback_number: str | None) -> PhoneMatch | None:
        """The position to offer a call: its callback number's latest, else the only fresh one with a note
        (dispatch.phone_positions.PhonePositionInbox.for_call, with LARMCENTRAL_AML_MAX_AGE_S)."""
        return self.inbox.for_call(callback_number, max_age_s=self.max_age_s)

    def latest_for(self, phone: str | None) -> PhonePosition | None:
        return self.inbox.latest_for(phone)

    def recent(self) -> list[PhonePosition]:
        """The fresh positions kept (measured within LARMCENTRAL_AML_MAX_AGE_S), newest first: e.g. for a call-taking
        view made after they arrived."""
        return self.inbox.recent(max_age_s=self.max_age_s)

    def _drain(self) -> None:
        items = self.inbox.poll(0, limit=BATCH)
        for item in items:
            if isinstance(item, BadMessage):
                self.bad_message.emit(item.reason)
            else:
                self.position_received.emit(item)
        if len(items) == BATCH:
            QTimer.singleShot(0, self._drain)
