"""FeedSubscriber: a thread that owns the feed sockets and keeps a FleetState current.

Per feed it connects a SUB socket to the publisher's updates and a DEALER socket to its snapshot
ROUTER (zguide "Clone"), polls all of them with a timeout, drains whatever is ready, applies it in
one batch and goes back to polling. Nothing here blocks on the network or on a reader; readers use
the FleetState. Under CURVE the subscriber is the CURVE server and its ZAP handler (dispatch.feed.zap)
admits on each feed only that publisher's keys from the allow-list; a revoked key's connections are
dropped. Every socket is watched (dispatch.feed.links): a refused or failed handshake is counted per
feed and reason (`auth_refused`, `refused_by_reason`) and the socket reconnected, in both modes.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import zmq

from dispatch.feed.channel import FeedChannel, OutcomeSink, RecordCursor, RecordSink
from dispatch.feed.config import SubscriberConfig
from dispatch.feed.links import SILENCE_FACTOR, FeedLink
from dispatch.feed.messages import TOPIC_SNAPSHOT
from dispatch.feed.refusals import RefusalReason, count_refusal
from dispatch.feed.rejects import Quarantine
from dispatch.feed.security import load_secret
from dispatch.feed.socket_thread import SocketThread
from dispatch.feed.state import FleetState
from dispatch.feed.zap import ZapHandler

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
                 record_resume: Callable[[], None] | None = None,
                 on_outcome: OutcomeSink | None = None,
                 context: zmq.Context | None = None):  # type: ignore[type-arg]
        self.config = config
        self.state = state
        self.record_sink = record_sink
        self.record_cursor = record_cursor
        self.record_resume = record_resume
        self.on_outcome = on_outcome
        self._backfill = threading.Event()
        self.quarantine = Quarantine(config.quarantine_size)
        self._zap: ZapHandler | None = None
        self._key_changes: queue.SimpleQueue[tuple[set[str], set[str]]] = queue.SimpleQueue()
        super().__init__(context)
        for feed in config.feeds:
            state.feed(feed.publisher)
        self._publishers = {feed.publisher for feed in config.feeds}

    thread_name = "feed-subscriber"
    description = "prenumerantens tråd"

    def _before_start(self) -> None:
        if self.config.curve is not None:
            self._zap = ZapHandler(self.context, self.config.curve.allowed_publishers,
                                   on_refused=self._refused, on_change=self._keys_changed).start()

    def _refused(self, publisher: str, reason: RefusalReason) -> None:
        if publisher in self._publishers:  # the ZAP thread
            count_refusal(self.state, publisher, reason)

    def _keys_changed(self, revoked: set[str], added: set[str]) -> None:
        self._key_changes.put((revoked, added))  # the subscriber thread reconnects

    def reload_keys(self) -> None:
        """Read the allow-list directory again now (any thread); a key no longer listed is refused from now
        on and its feed's connections are dropped. (The directory is also watched for changes.)"""
        if self._zap is not None:
            self._zap.reload()

    def request_backfill(self) -> None:
        """Make every feed ask its publisher again for what the record lacks (any thread); e.g. when this
        process's writer has just become the leader."""
        self._backfill.set()

    def _after_stop(self) -> None:
        if self._zap is not None:
            self._zap.stop()
            self._zap = None

    # --- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        links: list[FeedLink] = []
        try:
            curve_keys = load_secret(self.config.curve.server_secret_key) if self.config.curve else None
            poller = zmq.Poller()
            updates: dict[zmq.Socket, FeedChannel] = {}  # type: ignore[type-arg]
            snapshots: dict[zmq.Socket, FeedChannel] = {}  # type: ignore[type-arg]
            monitors: dict[zmq.Socket, FeedLink] = {}  # type: ignore[type-arg]
            feeds: dict[str, tuple[FeedLink, FeedChannel]] = {}
            silence_after = SILENCE_FACTOR * self.config.feed_stale_after_s
            now = time.monotonic()
            for feed in self.config.feeds:
                link = FeedLink(self.context, feed, self.state, curve_keys=curve_keys, silence_after=silence_after,
                                now=now)
                links.append(link)

                def send(body: bytes, dealer: zmq.Socket = link.dealer) -> bool:  # type: ignore[type-arg]
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
                feeds[feed.publisher] = (link, channel)
                updates[link.sub] = channel
                snapshots[link.dealer] = channel
                for mon in link.by_monitor:
                    monitors[mon] = link
                    poller.register(mon, zmq.POLLIN)
                link.connect()
                poller.register(link.sub, zmq.POLLIN)
                poller.register(link.dealer, zmq.POLLIN)
            now = time.monotonic()
            for _, channel in feeds.values():
                channel.start(now)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self.error = exc
            self._ready.set()
            self._close(links)
            return
        self._ready.set()
        try:
            self._loop(poller, updates, snapshots, monitors, feeds)
        finally:
            self._close(links)

    def _loop(self, poller: zmq.Poller, updates: dict, snapshots: dict, monitors: dict,  # type: ignore[type-arg]
              feeds: dict[str, tuple[FeedLink, FeedChannel]]) -> None:
        timeout_ms = int(self.config.poll_interval_s * 1000)
        next_check = 0.0
        stop = self._stop
        key_changes = self._key_changes
        channels = [channel for _, channel in feeds.values()]
        while not stop.is_set():
            try:
                ready = poller.poll(timeout_ms)
            except zmq.ZMQError as exc:
                if exc.errno == zmq.ETERM:
                    return
                raise
            now = time.monotonic()
            for sock, _ in ready:
                if stop.is_set():  # asked to stop during a flood: what is unread is replayed from the cursor
                    break
                channel = updates.get(sock)
                if channel is not None:
                    self._drain(sock, channel, now)
                elif sock in snapshots:
                    self._drain_snapshots(sock, snapshots[sock], now)
                else:
                    monitors[sock].on_monitor(sock, now)
            if self._backfill.is_set():
                self._backfill.clear()
                for channel in channels:
                    channel.backfill(now)
                if self.record_resume is not None:
                    self.record_resume()  # before the next flush hands over a cursor
            if not key_changes.empty():
                self._apply_key_changes(feeds, now)
            for channel in channels:
                channel.flush()
            if now >= next_check:
                next_check = now + STALE_CHECK_INTERVAL
                for link, channel in feeds.values():
                    if link.tick(now):
                        channel.on_reconnect(now)
                    channel.tick(now)
                    channel.flush()
                self.state.refresh_stale(now)

    def _apply_key_changes(self, feeds: dict[str, tuple[FeedLink, FeedChannel]], now: float) -> None:
        """Drop the connections of feeds that lost a key (the new handshake decides); retry feeds that gained one."""
        while not self._key_changes.empty():
            revoked, added = self._key_changes.get_nowait()
            for publisher in sorted(revoked & feeds.keys()):
                link, channel = feeds[publisher]
                log.warning("flöde %s: en nyckel har återkallats; kopplar ned och ansluter igen", publisher)
                link.reconnect(now)
                channel.on_reconnect(now)
            for publisher in sorted(added & feeds.keys()):
                feeds[publisher][0].retry_now(now)

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
    def _close(links: list[FeedLink]) -> None:
        for link in links:
            link.close()
