"""SimulatorRunner: runs a Simulator in real time (scaled) and publishes it as the four feeds.

One thread owns every socket: per publisher a FeedPublisher (PUB + ROUTER) and, once the larmcentral's alert
endpoints are known (`alert_endpoints`, or `connect_alerts()` later), a unit gateway (SimAlertGateway, a DEALER:
the units receive their assignments and recalls as alerts, docs/alert-protocol.md), plus an optional REP command
socket. Other threads give orders through `assign()`/`recall()`/`fault()`, which run on the simulator thread and
return its answer.

With `time_scale=0` the simulated clock stands still (the runner still answers snapshots and sends
heartbeats); `advance(seconds)` moves it on demand, e.g. in a test that must not depend on timing.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, cast

import zmq
from pydantic import ValidationError

from dispatch.feed.config import FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import FeedPublisher, PublisherSecurity
from dispatch.feed.socket_thread import SocketThread
from dispatch.simulator.alert_gateway import SimAlertGateway
from dispatch.simulator.commands import COMMAND, AssignCommand, FaultCommand, RecallCommand, StatusCommand
from dispatch.simulator.model import OutcomeEvent, Simulator, SimulatorError, StatusEvent

log = logging.getLogger("dispatch.simulator")

PUBLISHERS = ("ambulans", "mobila_team", "skanetrafiken", "raddningstjanst")


class SimulatorRunner(SocketThread):
    thread_name = "simulator"
    description = "simulatorns tråd"
    ready_timeout = 10.0

    def __init__(self, simulator: Simulator | None = None, *, host: str = "127.0.0.1", base_port: int | None = None,
                 command_endpoint: str | None = None, time_scale: float = 1.0, tick: float = 0.05,
                 heartbeat_interval: float = 1.0, moving_report_interval: float = 2.0,
                 idle_report_interval: float = 30.0, security: dict[str, PublisherSecurity] | None = None,
                 alert_endpoints: dict[str, str] | None = None,
                 context: zmq.Context | None = None):  # type: ignore[type-arg]
        self.sim = simulator or Simulator()
        self.host = host
        self.base_port = base_port
        self.command_endpoint = command_endpoint
        self.time_scale = time_scale
        self.tick = tick
        self.heartbeat_interval = heartbeat_interval
        self.moving_report_interval = moving_report_interval
        self.idle_report_interval = idle_report_interval
        self.security = security or {}
        self.alert_endpoints = dict(alert_endpoints or {})
        super().__init__(context)
        self.publishers: dict[str, FeedPublisher] = {}
        self.gateways: dict[str, SimAlertGateway] = {}
        self._poller_stale = True
        self.flood_rate: dict[str, float] = {}
        self.endpoints: dict[str, tuple[str, str]] = {}
        self.bound_command_endpoint: str | None = None
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._rng = random.Random(5)
        self._last_report: dict[str, float] = {}  # unit id -> monotonic time of its last report

    # --- lifecycle ------------------------------------------------------------------------------

    def subscriber_config(self, **settings: Any) -> SubscriberConfig:
        """A lab subscriber config for this simulator's endpoints (plain TCP unless keys were given)."""
        feeds = [FeedEndpoint(publisher=p, updates=u, snapshot=s, alerts=self.alert_endpoints.get(p))  # type: ignore[arg-type]
                 for p, (u, s) in self.endpoints.items()]
        if "curve" not in settings:
            settings.setdefault("insecure_lab", True)
        return SubscriberConfig(feeds=feeds, **settings)

    # --- orders (any thread) ----------------------------------------------------------------------

    def call(self, fn: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Run `fn` on the simulator thread; its exception is re-raised here."""
        fut: Future[Any] = Future()
        self._calls.put((fn, fut))
        return fut.result(timeout)

    def assign(self, unit_id: str, case_id: int | None, lat: float, lon: float, priority: str = "2") -> None:
        cmd = AssignCommand(cmd="assign", unit_id=unit_id, case_id=case_id, lat=lat, lon=lon, priority=priority)  # type: ignore[arg-type]
        self.call(lambda: self._execute(cmd))

    def recall(self, unit_id: str) -> None:
        self.call(lambda: self._execute(RecallCommand(cmd="recall", unit_id=unit_id)))

    def set_status(self, unit_id: str, status: str) -> None:
        cmd = StatusCommand(cmd="status", unit_id=unit_id, status=status)  # type: ignore[arg-type]
        self.call(lambda: self._execute(cmd))

    def fault(self, publisher: str, **settings: Any) -> None:
        cmd = FaultCommand(cmd="fault", publisher=publisher, **settings)  # type: ignore[arg-type]
        self.call(lambda: self._execute(cmd))

    def connect_alerts(self, endpoints: dict[str, str]) -> None:
        """Connect the publishers' unit gateways to the larmcentral's alert endpoints (bound by it, maybe after this
        simulator started); a publisher already connected elsewhere is moved."""
        self.call(lambda: self._connect_alerts(endpoints))

    def _connect_alerts(self, endpoints: dict[str, str]) -> None:
        for publisher, endpoint in endpoints.items():
            if publisher not in self.publishers:
                raise SimulatorError(f"okänd publicist {publisher!r}")
            old = self.gateways.pop(publisher, None)
            if old is not None:
                old.close()
            self.gateways[publisher] = SimAlertGateway(
                publisher, endpoint, self.sim, lambda events: self._publish(events, self._last_report, time.monotonic()),
                context=self.context, security=self.security.get(publisher), seed=len(self.gateways))
            self.alert_endpoints[publisher] = endpoint
        self._poller_stale = True

    def advance(self, seconds: float) -> None:
        """Step the simulated clock `seconds` at once, on the simulator thread, and publish what
        happened (status changes, outcomes, the new positions of moving units) as the loop does
        with real time. Returns when it is published. Meant for a stopped clock (`time_scale=0`)."""
        if seconds < 0:
            raise ValueError(f"advance: tiden kan inte gå bakåt ({seconds} s)")
        if not self.running:
            raise SimulatorError("simulatorn är inte startad")
        self.call(lambda: self._advance(seconds))

    def _advance(self, seconds: float) -> None:
        now = time.monotonic()
        self._publish(self.sim.step(seconds), self._last_report, now)
        for su in self.sim.units.values():
            if su.moved:
                self._report(su.unit.id, self._last_report, now)

    # --- the thread -----------------------------------------------------------------------------

    def _endpoint(self, index: int) -> str:
        port = "*" if self.base_port is None else str(self.base_port + index)
        return f"tcp://{self.host}:{port}"

    def _run(self) -> None:
        command_sock = None
        try:
            for i, name in enumerate(PUBLISHERS):
                pub = FeedPublisher(name, updates=self._endpoint(2 * i), snapshot=self._endpoint(2 * i + 1),
                                    context=self.context, security=self.security.get(name), seed=i)
                self.publishers[name] = pub
                self.endpoints[name] = (pub.updates_endpoint, pub.snapshot_endpoint)
            if self.command_endpoint is not None:
                command_sock = self.context.socket(zmq.REP)
                command_sock.linger = 0
                command_sock.bind(self.command_endpoint)
                self.bound_command_endpoint = cast(bytes, command_sock.last_endpoint).decode()
            self._connect_alerts(self.alert_endpoints)
            now_wall = time.time()
            for su in self.sim.units.values():
                self.publishers[su.unit.publisher].set_state(su.unit.id, su.status, round(su.lat, 5),
                                                             round(su.lon, 5), su.case_id, now_wall)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self.error = exc
            self._ready.set()
            self._close(command_sock)
            return
        self._ready.set()
        try:
            self._loop(command_sock)
        finally:
            self._close(command_sock)

    def _close(self, command_sock: zmq.Socket | None) -> None:  # type: ignore[type-arg]
        for pub in self.publishers.values():
            pub.close()
        for gw in self.gateways.values():
            gw.close()
        if command_sock is not None:
            command_sock.close(linger=0)

    def _poller(self, command_sock: zmq.Socket | None) -> zmq.Poller:  # type: ignore[type-arg]
        poller = zmq.Poller()
        for pub in self.publishers.values():
            poller.register(pub.router, zmq.POLLIN)
        for gw in self.gateways.values():
            poller.register(gw.sock, zmq.POLLIN)
        if command_sock is not None:
            poller.register(command_sock, zmq.POLLIN)
        self._poller_stale = False
        return poller

    def _loop(self, command_sock: zmq.Socket | None) -> None:  # type: ignore[type-arg]
        poller = self._poller(command_sock)
        start = last = time.monotonic()
        next_beat = next_keepalive = start
        last_report = self._last_report
        last_report.update({uid: start - self._rng.uniform(0, self.idle_report_interval) for uid in self.sim.units})
        while not self._stop.is_set():
            if self._poller_stale:
                poller = self._poller(command_sock)
            ready = dict(poller.poll(int(self.tick * 1000)))
            for pub in self.publishers.values():
                if pub.router in ready:
                    pub.serve_snapshots()
            mono = time.monotonic()
            for gw in list(self.gateways.values()):
                if gw.sock in ready:
                    gw.receive(mono)
                gw.tick(mono)
            if command_sock is not None and command_sock in ready:
                self._serve_command(command_sock)
            while True:
                try:
                    fn, fut = self._calls.get_nowait()
                except queue.Empty:
                    break
                try:
                    fut.set_result(fn())
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    fut.set_exception(exc)
            now = time.monotonic()
            dt = now - last
            if dt < self.tick:
                continue
            last = now
            self._publish(self.sim.step(dt * self.time_scale), last_report, now)
            for su in self.sim.units.values():
                if su.moved and now - last_report[su.unit.id] >= self.moving_report_interval:
                    self._report(su.unit.id, last_report, now)
            if now >= next_keepalive:
                next_keepalive = now + 1.0
                for uid, t in last_report.items():
                    if now - t >= self.idle_report_interval:
                        self._report(uid, last_report, now)
            self._flood(dt)
            if now >= next_beat:
                next_beat = now + self.heartbeat_interval
                for pub in self.publishers.values():
                    pub.heartbeat()

    def _publish(self, events: Sequence[StatusEvent | OutcomeEvent], last_report: dict[str, float], now: float) -> None:
        for ev in events:
            pub = self.publishers[self.sim.units[ev.unit_id].unit.publisher]
            if isinstance(ev, StatusEvent):
                pub.publish_status(ev.unit_id, ev.status, ev.lat, ev.lon, ev.case_id)
                last_report[ev.unit_id] = now
            else:
                pub.publish_outcome(ev.unit_id, ev.case_id, ev.code, ev.destination)

    def _report(self, unit_id: str, last_report: dict[str, float], now: float) -> None:
        su = self.sim.units[unit_id]
        self.publishers[su.unit.publisher].publish_status(unit_id, su.status, round(su.lat, 5), round(su.lon, 5),
                                                          su.case_id)
        last_report[unit_id] = now

    def _flood(self, dt: float) -> None:
        for name, rate in self.flood_rate.items():
            if not rate:
                continue
            pub = self.publishers[name]
            ids = [uid for uid, su in self.sim.units.items() if su.unit.publisher == name]
            for _ in range(int(rate * dt + self._rng.random())):
                su = self.sim.units[self._rng.choice(ids)]
                pub.publish_status(su.unit.id, su.status, round(su.lat, 5), round(su.lon, 5), su.case_id)

    def _serve_command(self, sock: zmq.Socket) -> None:  # type: ignore[type-arg]
        raw = sock.recv()
        try:
            cmd = COMMAND.validate_json(raw)
            self._execute(cmd)
            reply: dict[str, Any] = {"ok": True}
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"]) or "kommandot"
            reply = {"ok": False, "error": f"ogiltigt kommando, {where}: {err['msg']}"}
        except SimulatorError as exc:
            reply = {"ok": False, "error": str(exc)}
        sock.send(json.dumps(reply, ensure_ascii=False).encode())

    def _execute(self, cmd: AssignCommand | RecallCommand | StatusCommand | FaultCommand) -> None:
        events: Sequence[StatusEvent | OutcomeEvent]
        if isinstance(cmd, AssignCommand):
            events = self.sim.assign(cmd.unit_id, cmd.case_id, cmd.lat, cmd.lon, cmd.priority)
        elif isinstance(cmd, RecallCommand):
            events = self.sim.recall(cmd.unit_id)
        elif isinstance(cmd, StatusCommand):
            events = self.sim.set_status(cmd.unit_id, cmd.status)
        else:
            self._fault(cmd)
            return
        self._publish(events, self._last_report, time.monotonic())

    def _fault(self, cmd: FaultCommand) -> None:
        pub = self.publishers[cmd.publisher]
        gw = self.gateways.get(cmd.publisher)
        alert_faults = (cmd.alert_drop_rate, cmd.alert_delay_s, cmd.alert_decline_rate, cmd.alert_down)
        if gw is None and (cmd.alert_restart or any(f is not None for f in alert_faults)):
            raise SimulatorError(f"{cmd.publisher} har ingen enhetsgateway (inga larmändpunkter angivna)")
        if gw is not None:
            if cmd.alert_drop_rate is not None:
                gw.drop_rate = cmd.alert_drop_rate
            if cmd.alert_delay_s is not None:
                gw.delay_s = cmd.alert_delay_s
            if cmd.alert_decline_rate is not None:
                gw.decline_rate = cmd.alert_decline_rate
            if cmd.alert_down is not None:
                gw.down = cmd.alert_down
            if cmd.alert_restart:
                gw.restart()
        if cmd.drop_rate is not None:
            pub.drop_rate = cmd.drop_rate
        if cmd.silent is not None:
            pub.silent = cmd.silent
        if cmd.restart:
            pub.restart(same_epoch=cmd.same_epoch)
            log.info("simulerad omstart av %s (%s %s)", cmd.publisher,
                     "samma epok" if cmd.same_epoch else "ny epok", pub.epoch)
        if cmd.flood_rate is not None:
            self.flood_rate[cmd.publisher] = cmd.flood_rate
        unit_id = next(uid for uid, su in self.sim.units.items() if su.unit.publisher == cmd.publisher)
        for _ in range(cmd.garbage):
            pub.send_garbage(unit_id)
