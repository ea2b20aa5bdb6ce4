"""One feed's connections and how they come back: the SUB and DEALER sockets, watched and reconnected.

libzmq ends a *connecting* session for good when its handshake fails (a plain peer on a CURVE socket or
the reverse, a refused key) or when the peer breaks the protocol (a frame over `maxmsgsize`): it never
reconnects on its own, and the feed would stay locked out until a restart. So every socket has a monitor,
in plain and CURVE mode alike. A failed handshake is counted and logged, and the socket is reconnected
(`disconnect` + `connect`) after RETRY_FIRST seconds, backing off to RETRY_MAX while it keeps failing. A
disconnect that libzmq does not follow with a reconnect attempt within LOST_AFTER seconds is treated the
same way. While a socket waits for its retry it is disconnected, so libzmq's own quick retries (every
~0.1 s for some refusals) do not hammer the handshake either. A feed that stays silent for SILENCE_FACTOR × feed_stale_after_s is reconnected too, and
`reconnect()` (a revoked key) drops its connections at once.

Refusals the ZAP handler sees (unknown_key, wrong_key) are counted there; the monitor counts the rest
(wrong_mode, handshake_failed), so one refusal is counted once. Runs on the subscriber thread only.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

import zmq
from zmq.utils.monitor import parse_monitor_message

from dispatch.feed.config import FeedEndpoint
from dispatch.feed.refusals import REFUSAL_LABELS, RateLimitedLog, RefusalReason, count_refusal
from dispatch.feed.security import make_curve_server
from dispatch.feed.state import FeedCounters, FleetState

# libzmq stops reading a connection (and drops it) on a frame above these, so a peer cannot make us
# allocate without bound; both are well above the protocol's own limits (messages.MAX_UPDATE_BYTES,
# MAX_SNAPSHOT_BYTES), which the channel checks and counts as `too_large`.
MAX_UPDATE_FRAME_BYTES = 1024 * 1024  # SUB: one update
MAX_SNAPSHOT_FRAME_BYTES = 64 * 1024 * 1024  # DEALER: one snapshot or replay reply

RETRY_FIRST = 0.5  # seconds from a failed handshake to the reconnect
RETRY_MAX = 5.0  # the backoff's ceiling while it keeps failing
LOST_AFTER = 0.5  # a disconnect without libzmq's own reconnect attempt within this long is a lost session
SILENCE_FACTOR = 3.0  # × feed_stale_after_s of silence → reconnect

EVENTS = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
          | zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED
          | zmq.EVENT_CONNECT_RETRIED | zmq.EVENT_CONNECT_DELAYED | zmq.EVENT_CONNECTED)
ZAP_REFUSED = 400  # EVENT_HANDSHAKE_FAILED_AUTH value when the ZAP handler refused (it counted it)
ZAP_PROTOCOL_ERRORS = 0x20000000  # PROTOCOL_ERROR_ZAP_*: the handler misbehaved, not the peer
PEER_HUNG_UP = frozenset({errno.EPIPE, errno.ECONNRESET})  # EVENT_HANDSHAKE_FAILED_NO_DETAIL values


def refusal_reason(event: int, value: int) -> RefusalReason | None:
    """Why a monitor event refused a handshake, if the monitor is the one to count it."""
    if event == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if value == zmq.PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC or value & ZAP_PROTOCOL_ERRORS:
            return RefusalReason.HANDSHAKE_FAILED
        return RefusalReason.WRONG_MODE
    if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        return None if value == ZAP_REFUSED else RefusalReason.HANDSHAKE_FAILED
    if event == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        # The peer hung up during the handshake: a peer in the other mode often does so before we read its
        # greeting (so we never see the mechanism mismatch ourselves).
        return RefusalReason.WRONG_MODE if value in PEER_HUNG_UP else RefusalReason.HANDSHAKE_FAILED
    return None


@dataclass(eq=False)
class WatchedSocket:
    sock: zmq.Socket  # type: ignore[type-arg]
    monitor: zmq.Socket  # type: ignore[type-arg]
    endpoint: str
    role: str  # Swedish, for the log
    failures: int = 0  # failed handshakes in a row
    due: float | None = None  # when to reconnect
    lost_since: float | None = None  # disconnected and libzmq has not said it tries again

    def drop(self, now: float) -> None:
        """Disconnect now (ends libzmq's own quick retries too) and connect again after the backoff."""
        if self.due is not None:
            return  # already waiting
        self._disconnect()
        self.lost_since = None
        self.due = now + min(RETRY_MAX, RETRY_FIRST * 2 ** self.failures)
        self.failures += 1

    def reconnect(self) -> None:
        self._disconnect()
        self.due = self.lost_since = None
        self.sock.connect(self.endpoint)

    def _disconnect(self) -> None:
        try:
            self.sock.disconnect(self.endpoint)
        except zmq.ZMQError:
            pass  # not connected, or libzmq already forgot the ended session


class FeedLink:
    """The SUB (updates) and DEALER (snapshot) sockets of one feed, with their monitors."""

    def __init__(self, context: zmq.Context, feed: FeedEndpoint, state: FleetState, *,  # type: ignore[type-arg]
                 curve_keys: tuple[bytes, bytes] | None, silence_after: float, now: float):
        self.publisher = feed.publisher
        self.state = state
        self.counters: FeedCounters = state.feed(feed.publisher)
        self.silence_after = silence_after
        self._silence_from = now
        self._log = RateLimitedLog()
        self.sub = self._socket(context, zmq.SUB, curve_keys, MAX_UPDATE_FRAME_BYTES)
        self.sub.rcvhwm = 0  # never drop silently here; the publisher's HWM and sequence numbers rule
        self.sub.subscribe(b"")
        self.dealer = self._socket(context, zmq.DEALER, curve_keys, MAX_SNAPSHOT_FRAME_BYTES)
        self.dealer.sndhwm = 10
        self.watched = [self._watch(self.sub, feed.updates, "uppdateringar"),
                        self._watch(self.dealer, feed.snapshot, "ögonblicksbilder")]
        self.by_monitor = {w.monitor: w for w in self.watched}

    def _socket(self, context: zmq.Context, kind: int, curve_keys: tuple[bytes, bytes] | None,  # type: ignore[type-arg]
                max_frame: int) -> zmq.Socket:  # type: ignore[type-arg]
        sock: zmq.Socket = context.socket(kind)  # type: ignore[type-arg]
        sock.linger = 0
        sock.maxmsgsize = max_frame
        if curve_keys is not None:
            make_curve_server(sock, *curve_keys)
            sock.zap_domain = self.publisher.encode()  # the ZAP handler admits only this publisher's keys
        return sock

    @staticmethod
    def _watch(sock: zmq.Socket, endpoint: str, role: str) -> WatchedSocket:  # type: ignore[type-arg]
        return WatchedSocket(sock, sock.get_monitor_socket(EVENTS), endpoint, role)

    def connect(self) -> None:
        for w in self.watched:
            w.sock.connect(w.endpoint)

    @property
    def sockets(self) -> list[zmq.Socket]:  # type: ignore[type-arg]
        return [self.sub, self.dealer, *self.by_monitor]

    def close(self) -> None:
        for w in self.watched:
            try:
                w.sock.disable_monitor()
            except zmq.ZMQError:
                pass
            w.monitor.close(linger=0)
            w.sock.close(linger=0)

    # --- events ----------------------------------------------------------------------------------

    def on_monitor(self, monitor: zmq.Socket, now: float) -> None:  # type: ignore[type-arg]
        w = self.by_monitor[monitor]
        while True:
            try:
                event = parse_monitor_message(monitor.recv_multipart(zmq.NOBLOCK))
            except zmq.Again:
                return
            self._on_event(w, event["event"], event["value"], now)

    def _on_event(self, w: WatchedSocket, event: int, value: int, now: float) -> None:
        if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
            w.failures = 0
            w.lost_since = None
            return
        if event == zmq.EVENT_DISCONNECTED:
            if w.lost_since is None and w.due is None:
                w.lost_since = now
            return
        if event in (zmq.EVENT_CONNECT_RETRIED, zmq.EVENT_CONNECT_DELAYED, zmq.EVENT_CONNECTED):
            w.lost_since = None  # libzmq is on it
            return
        reason = refusal_reason(event, value)  # a failed handshake: libzmq will not try again
        if reason is not None:
            count_refusal(self.state, self.publisher, reason)
            self._log.warning(f"{reason}:{w.role}", f"flöde {self.publisher}: anslutningen för {w.role} till "
                              f"{w.endpoint} nekades: {REFUSAL_LABELS[reason]} ({reason}, kod {value:#x}); "
                              "ansluter igen")
        w.drop(now)

    # --- the clock -------------------------------------------------------------------------------

    def tick(self, now: float) -> bool:
        """Reconnect what is due; True when anything was reconnected."""
        heard = self.counters.last_heard
        if heard is not None and heard > self._silence_from:
            self._silence_from = heard
        if now - self._silence_from > self.silence_after:
            self._log.warning("silence", f"flöde {self.publisher}: inget hört på {now - self._silence_from:.0f} s; "
                              "ansluter igen")
            self.reconnect(now)
            return True
        done = False
        for w in self.watched:
            if w.lost_since is not None and now - w.lost_since > LOST_AFTER:
                self._log.warning(f"lost:{w.role}", f"flöde {self.publisher}: anslutningen för {w.role} till "
                                  f"{w.endpoint} bröts och återupptas inte av sig själv; ansluter igen")
                w.drop(now)
            if w.due is not None and now >= w.due:
                w.reconnect()
                done = True
        return done

    def reconnect(self, now: float) -> None:
        """Drop both connections and connect again now (a revoked key, a long silence)."""
        self._silence_from = now
        for w in self.watched:
            w.reconnect()

    def retry_now(self, now: float) -> None:
        """Try failing sockets again at once (e.g. a key was just added)."""
        for w in self.watched:
            if w.due is not None:
                w.due = now
