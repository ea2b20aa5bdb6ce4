"""The simulator's unit gateways: the receiving side of docs/alert-protocol.md for the simulated fleet, one per
publisher, and a reference for vendors (with tests/alerts/gateway_client.py, which is written from the document).

A gateway connects a DEALER to its publisher's alert endpoint (CURVE client with the publisher's key, as its feed),
sends a heartbeat with its epoch every second, and for every `alert`, `update` and `cancel`: applies it once per
(alert id, revision) — the simulated unit is sent, redirected or turned back, so its status on the feed follows —
and acknowledges it, a repeat too. The crew answers at once: accept, or decline when the unit cannot go (busy, no
position) or when the fault switch says so; the answer is sent again until the larmcentral acknowledges it.

Not thread-safe: the simulator's thread owns it (SimulatorRunner registers `sock` in its poller and calls
`receive()` and `tick()`). Faults for tests and demos: `drop_rate` (a message lost: neither applied nor
acknowledged), `delay_s` (held that long before it is taken), `decline_rate` (the crew declines), `down` (the
gateway is off: no heartbeats, everything lost), `restart()` (a new epoch, everything forgotten).
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import zmq

from dispatch.feed.publisher import PublisherSecurity
from dispatch.feed.security import load_public, load_secret, make_curve_client
from dispatch.simulator.model import OutcomeEvent, Simulator, SimulatorError, StatusEvent
from resources.vocabulary import UnitStatus

log = logging.getLogger("dispatch.simulator")

HEARTBEAT_S = 1.0
ANSWER_RESEND_S, ANSWER_RESEND_MAX_S = 2.0, 30.0
Publish = Callable[[Sequence[StatusEvent | OutcomeEvent]], None]


class SimAlertGateway:
    def __init__(self, publisher: str, endpoint: str, sim: Simulator, publish: Publish, *,
                 context: zmq.Context, security: PublisherSecurity | None = None,  # type: ignore[type-arg]
                 seed: int | None = None, heartbeat_s: float = HEARTBEAT_S):
        self.publisher, self.endpoint, self.sim, self.publish = publisher, endpoint, sim, publish
        self.heartbeat_s = heartbeat_s
        self.drop_rate = 0.0
        self.delay_s = 0.0
        self.decline_rate = 0.0
        self.down = False
        self.received = self.applied = self.dropped = self.declined = 0
        self._rng = random.Random(seed)
        self.sock = context.socket(zmq.DEALER)
        self.sock.linger = 0
        try:
            if security is not None:
                public, secret = load_secret(security.secret_key)
                make_curve_client(self.sock, public, secret, load_public(security.server_public_key))
            self.sock.connect(endpoint)
        except BaseException:
            self.sock.close(linger=0)
            raise
        self._forget()

    def _forget(self) -> None:
        self.epoch = secrets.token_hex(8)
        self._highest: dict[str, int] = {}
        self._cancelled: set[str] = set()
        self._current: dict[str, str] = {}  # unit id → its current alert id
        self._answers: dict[tuple[str, str], tuple[dict[str, Any], float, float]] = {}  # → (body, next, wait)
        self._held: list[tuple[float, list[bytes]]] = []
        self._next_beat = 0.0

    def close(self) -> None:
        self.sock.close(linger=0)

    def restart(self) -> None:
        """Behave as a restarted gateway that kept nothing: a new epoch, every alert forgotten."""
        self._forget()

    # --- the runner's calls --------------------------------------------------------------------------------

    def receive(self, now: float) -> None:
        while True:
            try:
                frames = self.sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self.received += 1
            if self.down or (self.drop_rate and self._rng.random() < self.drop_rate):
                self.dropped += 1
                continue
            if self.delay_s > 0:
                self._held.append((now + self.delay_s, frames))
                continue
            self._take(frames)

    def tick(self, now: float) -> None:
        if self.down:
            return
        if now >= self._next_beat:
            self._next_beat = now + self.heartbeat_s
            self._send("heartbeat", {"epoch": self.epoch})
        if self._held:
            due = [f for t, f in self._held if t <= now]
            self._held = [(t, f) for t, f in self._held if t > now]
            for frames in due:
                self._take(frames)
        for key, (body, at, wait) in list(self._answers.items()):
            if at <= now:
                self._answers[key] = (body, now + wait, min(ANSWER_RESEND_MAX_S, wait * 2))
                self._send(key[1], body)

    # --- the protocol ----------------------------------------------------------------------------------------

    def _send(self, kind: str, body: dict[str, Any]) -> None:
        header = {"v": 1, "publisher": self.publisher, "ts": round(time.time(), 3)}
        try:  # never block the simulator: with no connection the message is lost, as on a broken network
            self.sock.send_multipart([kind.encode(), json.dumps({**header, **body}, ensure_ascii=False).encode()],
                                     zmq.NOBLOCK)
        except zmq.Again:
            pass

    def _answer(self, kind: str, alert_id: str, unit_id: str, reason: str | None = None) -> None:
        body: dict[str, Any] = {"alert_id": alert_id, "unit_id": unit_id}
        if reason is not None:
            body["reason"] = reason[:500]
        self._answers[(alert_id, kind)] = (body, 0.0, ANSWER_RESEND_S)  # sent at the next tick, then again
        if kind == "decline":
            self.declined += 1

    def _take(self, frames: list[bytes]) -> None:
        if len(frames) != 2:
            return
        kind = frames[0].decode("ascii", "replace")
        try:
            body = json.loads(frames[1])
        except ValueError:
            return
        if not isinstance(body, dict) or body.get("v") != 1 or body.get("publisher") != self.publisher:
            return
        if kind == "ack":  # the larmcentral recorded our accept or decline
            self._answers.pop((str(body.get("alert_id")), str(body.get("of"))), None)
            return
        if kind not in ("alert", "update", "cancel"):
            return
        alert_id, seq, unit_id = body.get("alert_id"), body.get("seq"), body.get("unit_id")
        if not isinstance(alert_id, str) or not isinstance(seq, int) or not isinstance(unit_id, str):
            return
        if seq > self._highest.get(alert_id, 0) and not (alert_id in self._cancelled and kind != "cancel"):
            self._highest[alert_id] = seq
            self.applied += 1
            if kind == "cancel":
                self._cancel(alert_id, unit_id, body)
            else:
                self._mission(alert_id, unit_id, body, first=alert_id not in self._current.values())
        self._send("ack", {"alert_id": alert_id, "unit_id": unit_id, "seq": seq, "of": kind, "result": "ok"})

    def _mission(self, alert_id: str, unit_id: str, body: dict[str, Any], *, first: bool) -> None:
        su = self.sim.units.get(unit_id)
        lat, lon, case_id, priority = body.get("lat"), body.get("lon"), body.get("case_id"), body.get("priority")
        if su is None or not isinstance(lat, float | int) or not isinstance(lon, float | int):
            self._answer("decline", alert_id, unit_id, "Enheten saknas eller ärendet har ingen position")
            return
        if not first:  # an update of the unit's current mission: where and how fast
            if self._current.get(unit_id) == alert_id:
                self.sim.update_mission(unit_id, case_id, float(lat), float(lon), str(priority or "2"))
            return
        if su.case_id == case_id and case_id is not None and not su.background:  # sent again after our restart:
            self._current[unit_id] = alert_id  # the unit is on it already, it goes on
            self._answer("accept", alert_id, unit_id)
            return
        if self.decline_rate and self._rng.random() < self.decline_rate:
            self._answer("decline", alert_id, unit_id, "Besättningen kan inte ta uppdraget (simulerat)")
            return
        try:
            events = self.sim.assign(unit_id, case_id, float(lat), float(lon), str(priority or "2"))
        except SimulatorError as exc:
            self._answer("decline", alert_id, unit_id, str(exc))
            return
        self._current[unit_id] = alert_id
        self.publish(events)
        self._answer("accept", alert_id, unit_id)

    def _cancel(self, alert_id: str, unit_id: str, body: dict[str, Any]) -> None:
        self._cancelled.add(alert_id)
        if self._current.get(unit_id) != alert_id:
            return  # not the unit's current mission: a new one must not be touched
        del self._current[unit_id]
        su = self.sim.units.get(unit_id)
        if su is not None and su.case_id == body.get("case_id") and su.status in (UnitStatus.ALERTED,
                                                                                   UnitStatus.EN_ROUTE):
            self.publish(self.sim.recall(unit_id))  # on its way: it turns back; at the patient it finishes
