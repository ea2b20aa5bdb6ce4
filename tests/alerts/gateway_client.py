"""A minimal unit gateway, written only from docs/alert-protocol.md: a vendor's view of the protocol.

Nothing of the product's alert code is imported (a test keeps it so): what this client does is what the document
says a gateway does, so the protocol tests exercise the document as much as the larmcentral.

One DEALER connected to the publisher's alert endpoint, CURVE client with the publisher's key pair (section 2), two
frames per message (3), a heartbeat with a random epoch at once and every `heartbeat_s` (5.6), every alert, update
and cancel acknowledged — a repeat too — and applied once per (alert_id, seq) (6), accept and decline resent until
the larmcentral's ack (5.4). Switches for the tests: `lose_next` (a lost message: neither applied nor
acknowledged), `refuse_next` (acknowledged with result refused), `silent` (the gateway down: no heartbeats, nothing
received), `restart()` (a new epoch, everything forgotten), `auto_accept`.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import zmq
import zmq.auth

TYPES_IN = {"alert", "update", "cancel", "ack", "heartbeat"}


@dataclass
class Applied:
    """One message the gateway acted on (the crew's terminal was told)."""

    type: str
    alert_id: str
    seq: int
    body: dict[str, Any]


@dataclass
class GatewayLog:
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # every message, repeats too
    applied: list[Applied] = field(default_factory=list)
    acks_sent: list[tuple[str, int, str]] = field(default_factory=list)  # (alert_id, seq, result)
    answers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (alert_id, accept|decline) → ack
    heartbeats_heard: int = 0


class GatewayClient:
    def __init__(self, endpoint: str, publisher: str, *, secret_key_file: str | None = None,
                 server_public_file: str | None = None, heartbeat_s: float = 1.0, answer_resend_s: float = 0.2,
                 auto_accept: bool = False):
        self.endpoint, self.publisher = endpoint, publisher
        self.secret_key_file, self.server_public_file = secret_key_file, server_public_file
        self.heartbeat_s, self.answer_resend_s, self.auto_accept = heartbeat_s, answer_resend_s, auto_accept
        self.log = GatewayLog()
        self.lose_next = 0
        self.refuse_next = 0
        self.silent = False
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._new_state()

    def _new_state(self) -> None:
        self.epoch = secrets.token_hex(8)
        self.highest: dict[str, int] = {}  # alert_id → highest seq applied
        self.cancelled: set[str] = set()
        self.current: dict[str, str] = {}  # unit_id → its current alert_id
        self._pending: dict[tuple[str, str], tuple[dict[str, Any], float, float]] = {}  # answer → (body, next, wait)

    # --- the tests' side --------------------------------------------------------------------------------------

    def start(self) -> GatewayClient:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"gateway-{self.publisher}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def restart(self) -> None:
        """Stop, forget everything (a gateway without persistent state), start with a new epoch."""
        self.stop()
        with self._lock:
            self._new_state()
        self.start()

    def accept(self, alert_id: str, unit_id: str) -> None:
        self._outbox.put(("accept", {"alert_id": alert_id, "unit_id": unit_id}))

    def decline(self, alert_id: str, unit_id: str, reason: str) -> None:
        self._outbox.put(("decline", {"alert_id": alert_id, "unit_id": unit_id, "reason": reason}))

    def send_raw(self, kind: str, body: dict[str, Any]) -> None:
        """Any message, with the common fields filled in where missing (a misbehaving gateway)."""
        self._outbox.put((f"raw:{kind}", body))

    def applied_of(self, alert_id: str) -> list[Applied]:
        with self._lock:
            return [a for a in self.log.applied if a.alert_id == alert_id]

    def alerts_applied(self) -> list[Applied]:
        with self._lock:
            return [a for a in self.log.applied if a.type == "alert"]

    # --- the gateway ------------------------------------------------------------------------------------------

    def _header(self) -> dict[str, Any]:
        return {"v": 1, "publisher": self.publisher, "ts": time.time()}

    def _run(self) -> None:
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 0
        if self.secret_key_file is not None:
            public, secret = zmq.auth.load_certificate(self.secret_key_file)
            server_public, _ = zmq.auth.load_certificate(self.server_public_file)
            sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, server_public
        sock.connect(self.endpoint)
        next_beat = 0.0
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if not self.silent and now >= next_beat:
                    next_beat = now + self.heartbeat_s
                    self._send(sock, "heartbeat", {"epoch": self.epoch})
                self._flush_outbox(sock, now)
                if sock.poll(20):
                    frames = sock.recv_multipart()
                    if not self.silent:
                        self._on_message(sock, frames)
        finally:
            sock.close(linger=0)

    def _send(self, sock: zmq.Socket, kind: str, body: dict[str, Any]) -> None:  # type: ignore[type-arg]
        self._put(sock, [kind.encode(), json.dumps({**self._header(), **body}, ensure_ascii=False).encode()])

    @staticmethod
    def _put(sock: zmq.Socket, frames: list[bytes]) -> None:  # type: ignore[type-arg]
        """Never block: with no connection (refused, reconnecting) a DEALER would wait; the message is lost
        instead, as on a broken network (heartbeats and resends carry on)."""
        try:
            sock.send_multipart(frames, zmq.NOBLOCK)
        except zmq.Again:
            pass

    def _flush_outbox(self, sock: zmq.Socket, now: float) -> None:  # type: ignore[type-arg]
        while True:
            try:
                kind, body = self._outbox.get_nowait()
            except queue.Empty:
                break
            if kind.startswith("raw:"):
                self._put(sock, [kind[4:].encode(), json.dumps({**self._header(), **body}).encode()])
                continue
            with self._lock:
                self._pending[(body["alert_id"], kind)] = (body, now, self.answer_resend_s)
        if self.silent:
            return
        with self._lock:
            due = [(k, v) for k, v in self._pending.items() if v[1] <= now]
            for (alert_id, kind), (body, _next, wait) in due:  # resent until the larmcentral's ack (5.4)
                self._pending[(alert_id, kind)] = (body, now + wait, min(30.0, wait * 2))
        for (_alert_id, kind), (body, _next, _wait) in due:
            self._send(sock, kind, body)

    def _on_message(self, sock: zmq.Socket, frames: list[bytes]) -> None:  # type: ignore[type-arg]
        if len(frames) != 2 or frames[0].decode("ascii", "replace") not in TYPES_IN:
            return
        kind, body = frames[0].decode(), json.loads(frames[1])
        if body.get("v") != 1 or body.get("publisher") != self.publisher:
            return
        with self._lock:
            self.log.received.append((kind, body))
        if kind == "heartbeat":
            self.log.heartbeats_heard += 1
            return
        if kind == "ack":  # the larmcentral recorded (or refused) our accept/decline: stop resending it
            with self._lock:
                self._pending.pop((body["alert_id"], body["of"]), None)
                self.log.answers[(body["alert_id"], body["of"])] = body
            return
        if self.lose_next > 0:
            self.lose_next -= 1
            return  # lost on the way: neither applied nor acknowledged
        alert_id, seq, unit_id = body["alert_id"], body["seq"], body["unit_id"]
        if self.refuse_next > 0:
            self.refuse_next -= 1
            self._ack(sock, alert_id, unit_id, seq, kind, "refused", "Enheten finns inte i vårt system")
            return
        with self._lock:
            fresh = seq > self.highest.get(alert_id, 0) and not (alert_id in self.cancelled and kind != "cancel")
            if fresh:
                first = alert_id not in self.highest  # since this gateway's (re)start
                self.highest[alert_id] = seq
                self._apply(kind, alert_id, seq, unit_id, body, first)
        self._ack(sock, alert_id, unit_id, seq, kind, "ok")
        if fresh and kind == "alert" and self.auto_accept:
            self.accept(alert_id, unit_id)

    def _apply(self, kind: str, alert_id: str, seq: int, unit_id: str, body: dict[str, Any], first: bool) -> None:
        if kind == "cancel":
            self.cancelled.add(alert_id)
            if self.current.get(unit_id) == alert_id:  # only the unit's current alert ends (section 6)
                del self.current[unit_id]
            self.log.applied.append(Applied("cancel", alert_id, seq, body))
            return
        self.current[unit_id] = alert_id  # an update for an unknown alert is the alert
        self.log.applied.append(Applied("alert" if first else "update", alert_id, seq, body))

    def _ack(self, sock: zmq.Socket, alert_id: str, unit_id: str, seq: int, of: str, result: str,  # type: ignore[type-arg]
             reason: str | None = None) -> None:
        body: dict[str, Any] = {"alert_id": alert_id, "unit_id": unit_id, "seq": seq, "of": of, "result": result}
        if reason is not None:
            body["reason"] = reason
        self._send(sock, "ack", body)
        with self._lock:
            self.log.acks_sent.append((alert_id, seq, result))


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    """Poll `condition` until it returns something true (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"väntade förgäves {timeout} s: {what}")
        time.sleep(0.01)
