"""FeedSubscriber: a thread that owns the feed sockets and keeps a FleetState current.

Per feed it connects a SUB socket to the publisher's updates and a DEALER socket to its snapshot
ROUTER (zguide "Clone"), polls all of them with a timeout, drains whatever is ready, applies it in
one batch and goes back to polling. Nothing here blocks on the network or on a reader; readers use
the FleetState. Under CURVE the subscriber is the CURVE server and a ZAP authenticator admits only
publisher keys from the allow-list; refused handshakes are counted per feed (`auth_refused`).
"""

from __future__ import annotations

import logging
import threading
import time

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils.monitor import parse_monitor_message

from dispatch.feed.channel import FeedChannel, OutcomeSink, RecordCursor, RecordSink
from dispatch.feed.config import SubscriberConfig
from dispatch.feed.messages import TOPIC_SNAPSHOT
from dispatch.feed.rejects import Quarantine
from dispatch.feed.security import load_secret, make_curve_server, start_authenticator
from dispatch.feed.socket_thread import SocketThread
from dispatch.feed.state import FleetState

log = logging.getLogger("dispatch.feed")

DRAIN_LIMIT = 2000  # messages taken from one socket before the others get a turn
STALE_CHECK_INTERVAL = 0.1


class FeedSubscriber(SocketThread):
    """Subscribe to every feed in `config` and keep `state` current, in a background thread.

    `record_sink` receives, per feed and in sequence order, everything the record keeps
    (dispatch.feed.record_items; for persistence) and `record_cursor(publisher, epoch)` says how far the
    record got, so missed updates are asked for again; `on_outcome` receives each outcome message in order
    (for display). Both are called on the feed thread: hand over to a queue, do not block.
    """

    def __init__(self, config: SubscriberConfig, state: FleetState, *,
                 record_sink: RecordSink | None = None, record_cursor: RecordCursor | None = None,
                 on_outcome: OutcomeSink | None = None,
                 context: zmq.Context | None = None):  # type: ignore[type-arg]
        self.config = config
        self.state = state
        self.record_sink = record_sink
        self.record_cursor = record_cursor
        self.on_outcome = on_outcome
        self._backfill = threading.Event()
        self.quarantine = Quarantine(config.quarantine_size)
        self._auth: ThreadAuthenticator | None = None
        super().__init__(context)
        for feed in config.feeds:
            state.feed(feed.publisher)

    thread_name = "feed-subscriber"
    description = "prenumerantens tråd"

    def _before_start(self) -> None:
        if self.config.curve is not None:
            self._auth = start_authenticator(self.context, self.config.curve.allowed_publishers)

    def request_backfill(self) -> None:
        """Make every feed ask its publisher again for what the record lacks (any thread); e.g. when this
        process's writer has just become the leader."""
        self._backfill.set()

    def _after_stop(self) -> None:
        if self._auth is not None:
            self._auth.stop()
            self._auth = None

    # --- the thread -----------------------------------------------------------------------------

    def _make_socket(self, kind: int, curve_keys: tuple[bytes, bytes] | None) -> zmq.Socket:  # type: ignore[type-arg]
        sock = self.context.socket(kind)
        sock.linger = 0
        if curve_keys is not None:
            make_curve_server(sock, *curve_keys)
        return sock

    def _run(self) -> None:
        sockets: list[zmq.Socket] = []  # type: ignore[type-arg]
        try:
            curve_keys = load_secret(self.config.curve.server_secret_key) if self.config.curve else None
            poller = zmq.Poller()
            updates: dict[zmq.Socket, FeedChannel] = {}  # type: ignore[type-arg]
            snapshots: dict[zmq.Socket, FeedChannel] = {}  # type: ignore[type-arg]
            monitors: dict[zmq.Socket, FeedChannel] = {}  # type: ignore[type-arg]
            channels: list[FeedChannel] = []
            for feed in self.config.feeds:
                sub = self._make_socket(zmq.SUB, curve_keys)
                sub.rcvhwm = 0  # never drop silently here; the publisher's HWM and sequence numbers rule
                sub.subscribe(b"")
                dealer = self._make_socket(zmq.DEALER, curve_keys)
                dealer.sndhwm = 10
                sockets += [sub, dealer]

                def send(body: bytes, dealer: zmq.Socket = dealer) -> bool:  # type: ignore[type-arg]
                    try:
                        dealer.send_multipart([TOPIC_SNAPSHOT, body], flags=zmq.NOBLOCK)
                        return True
                    except zmq.Again:
                        return False

                channel = FeedChannel(feed, self.state, self.quarantine, send_request=send,
                                      max_skew=self.config.max_clock_skew_s,
                                      snapshot_timeout=self.config.snapshot_timeout_s,
                                      record_sink=self.record_sink, record_cursor=self.record_cursor,
                                      outcome_sink=self.on_outcome)
                channels.append(channel)
                updates[sub] = channel
                snapshots[dealer] = channel
                if curve_keys is not None:
                    mon = sub.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
                    sockets.append(mon)
                    monitors[mon] = channel
                    poller.register(mon, zmq.POLLIN)
                sub.connect(feed.updates)
                dealer.connect(feed.snapshot)
                poller.register(sub, zmq.POLLIN)
                poller.register(dealer, zmq.POLLIN)
            now = time.monotonic()
            for channel in channels:
                channel.start(now)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self.error = exc
            self._ready.set()
            self._close(sockets)
            return
        self._ready.set()
        self._loop(poller, updates, snapshots, monitors, channels)
        self._close(sockets)

    def _loop(self, poller: zmq.Poller, updates: dict, snapshots: dict, monitors: dict,  # type: ignore[type-arg]
              channels: list[FeedChannel]) -> None:
        timeout_ms = int(self.config.poll_interval_s * 1000)
        next_check = 0.0
        stop = self._stop
        while not stop.is_set():
            try:
                ready = poller.poll(timeout_ms)
            except zmq.ZMQError as exc:
                if exc.errno == zmq.ETERM:
                    return
                raise
            now = time.monotonic()
            for sock, _ in ready:
                channel = updates.get(sock)
                if channel is not None:
                    self._drain(sock, channel, now)
                elif sock in snapshots:
                    self._drain_snapshots(sock, snapshots[sock], now)
                else:
                    self._drain_monitor(sock, monitors[sock])
            if self._backfill.is_set():
                self._backfill.clear()
                for channel in channels:
                    channel.backfill(now)
            for channel in channels:
                channel.flush()
            if now >= next_check:
                next_check = now + STALE_CHECK_INTERVAL
                for channel in channels:
                    channel.tick(now)
                    channel.flush()
                self.state.refresh_stale(now)

    @staticmethod
    def _drain(sock: zmq.Socket, channel: FeedChannel, now: float) -> None:  # type: ignore[type-arg]
        channel.begin_batch()
        recv = sock.recv_multipart
        on_update = channel.on_update
        for _ in range(DRAIN_LIMIT):
            try:
                frames = recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            on_update(frames, now)

    @staticmethod
    def _drain_snapshots(sock: zmq.Socket, channel: FeedChannel, now: float) -> None:  # type: ignore[type-arg]
        while True:
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            channel.on_snapshot(frames, now)

    @staticmethod
    def _drain_monitor(sock: zmq.Socket, channel: FeedChannel) -> None:  # type: ignore[type-arg]
        while True:
            try:
                event = parse_monitor_message(sock.recv_multipart(zmq.NOBLOCK))
            except zmq.Again:
                return
            channel.counters.auth_refused += 1
            log.warning("flöde %s: anslutning nekad (okänd eller ogiltig publicistnyckel) från %s",
                        channel.publisher, event.get("endpoint"))

    @staticmethod
    def _close(sockets: list[zmq.Socket]) -> None:  # type: ignore[type-arg]
        for sock in sockets:
            sock.close(linger=0)

