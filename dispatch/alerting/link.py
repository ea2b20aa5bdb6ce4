"""The larmcentral's alert sockets (docs/alert-protocol.md): one ROUTER per publisher, bound, on one thread.

CURVE as on the feeds: the larmcentral is the server with its own key pair, the ZAP handler (dispatch.feed.zap)
admits on each publisher's ROUTER only that publisher's keys (`zap_domain` = the publisher), so another
publisher's key never gets a message through. When a key is revoked the publisher's ROUTER is closed and bound again
at once, which ends connections made with it.

The link only moves frames. What a gateway sends is checked (dispatch.alerting.protocol) and handed to the sender as
`GatewayEvent`s, in order: `up` (heard again after silence, or for the first time), `restart` (a heartbeat with an
epoch not seen before: it may have lost what it was sent), `message` (an ack, accept or decline). Messages go to the
connection heard from last; nothing is sent to a gateway not heard from for `stale_after` seconds. The link sends
the larmcentral's heartbeat every second itself.

Thread-safe from outside: `send()`, `events`, `gateway_up()`, `counters()`, `reload_keys()`.
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import zmq

from dispatch.alerting.protocol import (
    MAX_FRAME_BYTES,
    GatewayHeartbeat,
    GatewayMessage,
    Rejected,
    decode_gateway,
    heartbeat,
)
from dispatch.feed.refusals import RateLimitedLog, RefusalReason
from dispatch.feed.security import load_secret, make_curve_server
from dispatch.feed.socket_thread import SocketThread
from dispatch.feed.zap import ZapHandler

log = logging.getLogger("dispatch.alerting")

STALE_AFTER_S = 5.0  # a gateway not heard from this long is down (docs/alert-protocol.md 7)
HEARTBEAT_S = 1.0
POLL_MS = 100
DRAIN_LIMIT = 500
WAKE = "inproc://alert-link-wake-{}"


def loopback(endpoint: str) -> bool:
    """Is `endpoint` reachable only from this machine (tcp on a loopback address, ipc, inproc)?"""
    if endpoint.startswith(("ipc://", "inproc://")):
        return True
    host = endpoint.removeprefix("tcp://").rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class GatewayEvent:
    publisher: str
    kind: Literal["up", "restart", "message"]
    message: GatewayMessage | None = None
    at: float = 0.0  # time.monotonic() when received


@dataclass
class LinkCounters:
    """Per publisher: what went through (docs/alert-protocol.md 7 names the rejections)."""

    received: int = 0
    sent: int = 0
    heartbeats_sent: int = 0
    unroutable: int = 0  # a message for a gateway not connected (it is sent again later)
    restarts: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    refused_handshakes: dict[str, int] = field(default_factory=dict)


class AlertLink(SocketThread):
    thread_name = "alert-link"
    description = "larmlänkens tråd"

    def __init__(self, endpoints: dict[str, str], *, server_secret_key: Path | None = None,
                 allowed_publishers: Path | None = None, stale_after: float = STALE_AFTER_S,
                 heartbeat_interval: float = HEARTBEAT_S, context: zmq.Context | None = None):  # type: ignore[type-arg]
        if (server_secret_key is None) != (allowed_publishers is None):
            raise ValueError("ange både larmcentralens hemliga nyckel och katalogen med tillåtna nycklar, eller ingen")
        if server_secret_key is None:  # without CURVE anyone who reaches the port could acknowledge or decline
            open_to_all = sorted(e for e in endpoints.values() if not loopback(e))
            if open_to_all:
                raise ValueError(f"larm utan CURVE-nycklar bara på loopback (labb), inte på {', '.join(open_to_all)}")
        self.endpoints = dict(endpoints)
        self.server_secret_key, self.allowed_publishers = server_secret_key, allowed_publishers
        self.stale_after, self.heartbeat_interval = stale_after, heartbeat_interval
        super().__init__(context)
        self.bound: dict[str, str] = {}
        self.events: queue.Queue[GatewayEvent] = queue.Queue()
        self._counters = {p: LinkCounters() for p in self.endpoints}
        self._heard: dict[str, float] = {}  # publisher → monotonic time of its gateway's last valid message
        self._up: dict[str, bool] = {}
        self._peer: dict[str, bytes] = {}
        self._epoch: dict[str, str] = {}
        self._zap: ZapHandler | None = None
        self._revoked: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self._send_lock = threading.Lock()
        self._wake_endpoint = WAKE.format(id(self))
        self._push: zmq.Socket | None = None  # type: ignore[type-arg]
        self._log = RateLimitedLog(logger=log)

    # --- from any thread --------------------------------------------------------------------------------

    def send(self, publisher: str, frames: list[bytes]) -> None:
        """Queue a message for `publisher`'s gateway (sent at once by the link's thread)."""
        with self._send_lock:
            if self._push is not None:
                self._push.send_multipart([publisher.encode(), *frames])

    def gateway_up(self, publisher: str) -> bool:
        heard = self._heard.get(publisher)
        return heard is not None and time.monotonic() - heard <= self.stale_after

    def up_publishers(self) -> set[str]:
        return {p for p in self.endpoints if self.gateway_up(p)}

    def counters(self) -> dict[str, LinkCounters]:
        return self._counters

    def reload_keys(self) -> None:
        if self._zap is not None:
            self._zap.reload()

    # --- lifecycle ------------------------------------------------------------------------------------

    def _before_start(self) -> None:
        if self.allowed_publishers is not None:
            self._zap = ZapHandler(self.context, self.allowed_publishers, on_refused=self._refused,
                                   on_change=self._keys_changed).start()
        pull = self.context.socket(zmq.PULL)
        pull.linger = 0
        pull.bind(self._wake_endpoint)
        self._pull = pull
        push = self.context.socket(zmq.PUSH)
        push.linger = 0
        push.connect(self._wake_endpoint)
        self._push = push

    def _after_stop(self) -> None:
        with self._send_lock:
            if self._push is not None:
                self._push.close(linger=0)
                self._push = None
        if self._zap is not None:
            self._zap.stop()
            self._zap = None

    def _keys_changed(self, revoked: set[str], _added: set[str]) -> None:
        if revoked:
            self._revoked.put(revoked)  # the link's thread closes and binds those endpoints again

    def _refused(self, publisher: str, reason: RefusalReason) -> None:
        counters = self._counters.get(publisher)
        if counters is not None:
            counters.refused_handshakes[reason.value] = counters.refused_handshakes.get(reason.value, 0) + 1

    # --- the thread -----------------------------------------------------------------------------------

    def _router(self, publisher: str, endpoint: str, keys: tuple[bytes, bytes] | None) -> zmq.Socket:  # type: ignore[type-arg]
        sock = self.context.socket(zmq.ROUTER)
        sock.linger = 0
        sock.maxmsgsize = MAX_FRAME_BYTES
        sock.router_mandatory = 1  # a message for a vanished connection fails here instead of silently
        if keys is not None:
            make_curve_server(sock, *keys)
            sock.zap_domain = publisher.encode()  # the ZAP handler admits only this publisher's keys
        deadline = time.monotonic() + 2.0
        while True:
            try:
                sock.bind(endpoint)
                break
            except zmq.ZMQError as exc:
                if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:  # rebinding: the old one may linger
                    sock.close(linger=0)
                    raise
                time.sleep(0.02)
        self.bound[publisher] = cast(bytes, sock.last_endpoint).decode()
        return sock

    def _run(self) -> None:
        routers: dict[str, zmq.Socket] = {}  # type: ignore[type-arg]
        try:
            keys = load_secret(self.server_secret_key) if self.server_secret_key is not None else None
            for publisher, endpoint in self.endpoints.items():
                routers[publisher] = self._router(publisher, endpoint, keys)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            for sock in routers.values():
                sock.close(linger=0)
            self._pull.close(linger=0)
            self.error = RuntimeError(f"larmens ändpunkter kunde inte öppnas: {exc}")
            self._ready.set()
            return
        self._ready.set()
        try:
            self._loop(routers, keys)
        finally:
            for sock in routers.values():
                sock.close(linger=0)
            self._pull.close(linger=0)

    def _loop(self, routers: dict[str, zmq.Socket], keys: tuple[bytes, bytes] | None) -> None:  # type: ignore[type-arg]
        next_beat = time.monotonic()
        while not self._stop.is_set():
            poller = zmq.Poller()
            poller.register(self._pull, zmq.POLLIN)
            by_sock = {}
            for publisher, sock in routers.items():
                poller.register(sock, zmq.POLLIN)
                by_sock[sock] = publisher
            ready = dict(poller.poll(POLL_MS))
            now = time.monotonic()
            for sock, publisher in by_sock.items():
                if sock in ready:
                    self._receive(publisher, sock, now)
            if self._pull in ready:
                self._send_queued(routers)
            if now >= next_beat:
                next_beat = now + self.heartbeat_interval
                self._beat(routers, now)
            while not self._revoked.empty():
                for publisher in sorted(self._revoked.get_nowait() & routers.keys()):
                    log.warning("larm %s: en nyckel har återkallats; ändpunkten öppnas på nytt", publisher)
                    routers[publisher].close(linger=0)
                    self._forget(publisher)
                    routers[publisher] = self._router(publisher, self.bound[publisher], keys)

    def _forget(self, publisher: str) -> None:
        self._heard.pop(publisher, None)
        self._peer.pop(publisher, None)
        self._up[publisher] = False

    def _receive(self, publisher: str, sock: zmq.Socket, now: float) -> None:  # type: ignore[type-arg]
        counters = self._counters[publisher]
        for _ in range(DRAIN_LIMIT):
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            counters.received += 1
            identity, rest = frames[0], frames[1:]
            try:
                msg = decode_gateway(rest, publisher)
            except Rejected as exc:
                counters.rejected[exc.reason] = counters.rejected.get(exc.reason, 0) + 1
                self._log.warning(f"{publisher}:{exc.reason}", f"larm {publisher}: meddelande från enhetssystemet "
                                                               f"avvisat ({exc.reason}): {exc.detail}")
                continue
            self._heard[publisher] = now
            self._peer[publisher] = identity
            if not self._up.get(publisher):
                self._up[publisher] = True
                log.info("larm %s: enhetssystemet hörs", publisher)
                self.events.put(GatewayEvent(publisher, "up", at=now))
            if isinstance(msg, GatewayHeartbeat):
                if self._epoch.get(publisher) != msg.epoch:
                    self._epoch[publisher] = msg.epoch
                    counters.restarts += 1
                    self.events.put(GatewayEvent(publisher, "restart", at=now))
                continue
            self.events.put(GatewayEvent(publisher, "message", msg, now))

    def _send_queued(self, routers: dict[str, zmq.Socket]) -> None:  # type: ignore[type-arg]
        for _ in range(DRAIN_LIMIT * 4):
            try:
                publisher_raw, *frames = self._pull.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            publisher = publisher_raw.decode()
            self._deliver(routers, publisher, frames, heartbeat_only=False)

    def _deliver(self, routers: dict[str, zmq.Socket], publisher: str, frames: list[bytes], *,  # type: ignore[type-arg]
                 heartbeat_only: bool) -> bool:
        sock, peer, counters = routers.get(publisher), self._peer.get(publisher), self._counters.get(publisher)
        if sock is None or counters is None:
            return False
        if peer is None or not self.gateway_up(publisher):
            counters.unroutable += 1
            return False
        try:
            sock.send_multipart([peer, *frames], zmq.NOBLOCK)
        except zmq.ZMQError:  # the connection went (EHOSTUNREACH) or is full: sent again later
            counters.unroutable += 1
            return False
        if heartbeat_only:
            counters.heartbeats_sent += 1
        else:
            counters.sent += 1
        return True

    def _beat(self, routers: dict[str, zmq.Socket], now: float) -> None:  # type: ignore[type-arg]
        for publisher in routers:
            if self._up.get(publisher) and not self.gateway_up(publisher):
                self._up[publisher] = False
                log.warning("larm %s: enhetssystemet har inte hörts på %.0f s; inget skickas dit tills det hörs",
                            publisher, self.stale_after)
                continue
            if self._up.get(publisher):
                self._deliver(routers, publisher, heartbeat(publisher), heartbeat_only=True)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """The counters and the gateways' state, as plain data (for `feed serve`'s lines and the console)."""
        out = {}
        for publisher, c in self._counters.items():
            out[publisher] = {"up": self.gateway_up(publisher), "received": c.received, "sent": c.sent,
                              "unroutable": c.unroutable, "restarts": c.restarts, "rejected": dict(c.rejected),
                              "refused_handshakes": dict(c.refused_handshakes)}
        return out
