"""The services behind the live fleet: dispatch.feed's FeedService (subscriber thread, outcome
queue, batched persistence of status events) and, in demo mode, the simulator.

The FeedService runs in this process (threads) or, with `separate_process=True` (what the console
itself uses), in a child process of its own (dispatch.feed.receiver_link): then this process only
copies the units that changed, ten times a second, and the feeds never compete with the GUI thread
for the interpreter lock.

`LiveFeeds` is what FeedBridge starts and stops. In demo mode the simulator runs in-process on its
own thread, or as a child process (SimulatorProcess), publishing the four feeds on loopback; the
subscriber connects to the endpoints it bound. Orders to the simulator (a status set by hand) run on a
one-thread executor so the GUI never waits for the simulator's tick.

The units hear of their assignments, recalls and case changes only as alerts (docs/alert-protocol.md): given
`alerts_factory`, LiveFeeds runs the alert sender (commands.alert_service) on the configured alert endpoints — or,
in demo mode, on loopback with the simulator's unit gateways connected to it. The console that persists the feeds
runs it (the embedded database); on PostgreSQL `feed serve` does, except in demo mode, where each console's private
simulator is alerted by the console itself.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from commands.alert_service import AlertService
from dispatch.feed.config import SubscriberConfig, load_subscriber_config
from dispatch.feed.messages import OutcomeMessage
from dispatch.feed.persist import FeedRecordWriter
from dispatch.feed.receiver_link import FeedReceiverProcess, MirrorFleetState
from dispatch.feed.service import FeedService
from dispatch.feed.state import FleetState
from dispatch.simulator.commands import SimulatorClient
from dispatch.simulator.model import Simulator, SimulatorError
from dispatch.simulator.runner import PUBLISHERS as SIMULATED_PUBLISHERS
from dispatch.simulator.runner import SimulatorRunner
from resources.fleet import Fleet

log = logging.getLogger("larmcentral.console.dispatch")
MAIN_PY = Path(__file__).resolve().parents[2] / "main.py"
START_ATTEMPTS = 3  # fresh ports each time: a port taken by another program must not stop the demo


class SimulatorProcess:
    """`python main.py simulate` as a child process on loopback, with the same order methods as
    SimulatorRunner (set_status, fault) sent over its command socket; its unit gateways connect to the alert
    endpoints its configuration names (the console binds them)."""

    def __init__(self, *, time_scale: float = 4.0, extra_args: Sequence[str] = (), start_timeout: float = 20.0):
        self.time_scale, self.extra_args, self.start_timeout = time_scale, list(extra_args), start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.client: SimulatorClient | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.config_path: Path | None = None

    def start(self) -> SimulatorProcess:
        self._dir = tempfile.TemporaryDirectory(prefix="larm-sim-")
        self.config_path = Path(self._dir.name) / "feeds.yaml"
        # The child's log goes to a file: a pipe nobody reads would fill up and stall the simulator.
        self._log = open(Path(self._dir.name) / "simulate.log", "wb")  # noqa: SIM115 - closed in stop()
        deadline = time.monotonic() + self.start_timeout
        for attempt in range(START_ATTEMPTS):
            # 9 ports from here (4 feeds × 2 + commands) and the alerts at +10…+13 (the console binds those), below
            # Linux's ephemeral range (32768-) so an outgoing
            # connection's port cannot be taken; a port someone else holds makes the child exit: try others.
            base = random.Random().randrange(20000, 32000, 20)
            if self._spawn(base, deadline):
                time.sleep(0.1)  # the file is written in one go, but give the writer a moment to close it
                self.client = SimulatorClient(f"tcp://127.0.0.1:{base + 8}")
                return self
            if time.monotonic() > deadline or attempt == START_ATTEMPTS - 1:
                break
        err = (Path(self._dir.name) / "simulate.log").read_text(errors="replace")
        self.stop()
        raise SimulatorError(f"simulatorprocessen startade inte: {err.strip()[-500:]}")

    def _spawn(self, base: int, deadline: float) -> bool:
        """Start the child on ports from `base`; True once it has written its config, False if it exited."""
        # Started through sim_child, which ends the simulator when this process goes (even on a crash).
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "console.dispatch.sim_child", str(os.getpid()), "simulate", "--base-port",
             str(base), "--time-scale", str(self.time_scale), "--write-config", str(self.config_path),
             *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=self._log, cwd=str(MAIN_PY.parent))
        assert self.config_path is not None
        while not self.config_path.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                if self.proc.poll() is None:
                    self.proc.kill()
                self.proc.wait()
                return False
            time.sleep(0.05)
        return True

    def subscriber_config(self, **settings: Any) -> SubscriberConfig:
        assert self.config_path is not None
        return load_subscriber_config(self.config_path).model_copy(update=settings)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def set_status(self, unit_id: str, status: str) -> None:
        assert self.client is not None
        self.client.set_status(unit_id, status)

    def fault(self, publisher: str, **settings: Any) -> None:
        assert self.client is not None
        self.client.fault(publisher, **settings)


class LiveFeeds:
    """The console's feeds: dispatch.feed.service.FeedService (subscriber thread, outcome queue and,
    given a session factory, the batched FeedRecordWriter), behind it in demo mode a simulator.

    Start: simulator (demo only), then the service. Stop: the reverse; no thread is left."""

    def __init__(self, state: FleetState, config: SubscriberConfig | None = None, *,
                 simulator: SimulatorRunner | SimulatorProcess | None = None,
                 subscriber_settings: dict[str, Any] | None = None,
                 session_factory: sessionmaker[Session] | None = None, fleet: Fleet | None = None,
                 alerts_factory: sessionmaker[Session] | None = None):
        if config is None and simulator is None:
            raise ValueError("ange en flödeskonfiguration eller en simulator")
        if isinstance(state, MirrorFleetState) and fleet is None:
            raise ValueError("en flödesprocess behöver flottan")
        self.state = state
        self.fleet = fleet
        # A MirrorFleetState means: receive in a child process (FeedReceiverProcess), not on a thread here.
        self.receiver: FeedReceiverProcess | None = None
        self.config = config
        self.simulator = simulator
        self.subscriber_settings = subscriber_settings or {}
        self.session_factory = session_factory  # None: status events are not persisted here
        self.service: FeedService | None = None
        # Who persists the feeds alerts the units; None for both: another process does (feed serve).
        self.alerts_factory = alerts_factory if alerts_factory is not None else session_factory
        self.alert_service: AlertService | None = None
        self.alert_problem: str | None = None  # why the units cannot be alerted from here (Swedish), for a banner
        self._orders: ThreadPoolExecutor | None = None
        # Outcome messages from the units, in order (the console's FeedOutcomeApplier drains it); one
        # queue for the whole life of these feeds, handed to each FeedService started.
        self.outcomes: queue.Queue[OutcomeMessage] = queue.Queue(10_000)

    @classmethod
    def demo(cls, fleet: Fleet, *, time_scale: float = 4.0, state: FleetState | None = None,
             session_factory: sessionmaker[Session] | None = None,
             alerts_factory: sessionmaker[Session] | None = None, **subscriber_settings: Any) -> LiveFeeds:
        """The default fleet simulated on loopback (time runs `time_scale` times faster)."""
        runner = SimulatorRunner(Simulator(fleet), time_scale=time_scale)
        return cls(state or FleetState(fleet), simulator=runner, subscriber_settings=subscriber_settings,
                   session_factory=session_factory, fleet=fleet, alerts_factory=alerts_factory)

    @classmethod
    def demo_process(cls, fleet: Fleet, *, time_scale: float = 4.0, state: FleetState | None = None,
                     extra_args: Sequence[str] = (), session_factory: sessionmaker[Session] | None = None,
                     alerts_factory: sessionmaker[Session] | None = None, **subscriber_settings: Any) -> LiveFeeds:
        """The simulator as a separate process (`python main.py simulate`) on loopback: it does
        not compete with the GUI for this process's interpreter lock. Needs the default fleet."""
        return cls(state or FleetState(fleet), simulator=SimulatorProcess(time_scale=time_scale, extra_args=extra_args),
                   subscriber_settings=subscriber_settings, session_factory=session_factory, fleet=fleet,
                   alerts_factory=alerts_factory)

    def start(self) -> LiveFeeds:
        if self.simulator is not None:
            self.simulator.start()
            self._orders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulator-orders")
        try:
            config = self.config or self.simulator.subscriber_config(**self.subscriber_settings)  # type: ignore[union-attr]
            if isinstance(self.state, MirrorFleetState):
                assert self.fleet is not None
                self.receiver = FeedReceiverProcess(config, self.state, self.fleet, outcomes=self.outcomes,
                                                    database_url=_url_of(self.session_factory)).start()
            else:
                self.service = FeedService(config, self.state, session_factory=self.session_factory,
                                           outcomes=self.outcomes)
                self.service.start()
            self._start_alerts(config)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_alerts(self, config: SubscriberConfig) -> None:
        """The alert sender on the configured endpoints, or on loopback for the in-process simulator's gateways.
        A failure (a port taken, a key missing) leaves the feeds running and says why in `alert_problem`."""
        if self.alerts_factory is None:
            return
        runner = self.simulator if isinstance(self.simulator, SimulatorRunner) else None
        endpoints = ({p: "tcp://127.0.0.1:*" for p in SIMULATED_PUBLISHERS} if runner is not None
                     else config.alert_endpoints())
        if not endpoints:
            return
        curve = config.curve if runner is None else None
        try:
            service = AlertService(self.alerts_factory, endpoints, console=socket.gethostname(),
                                   server_secret_key=curve.server_secret_key if curve else None,
                                   allowed_publishers=curve.allowed_publishers if curve else None)
            service.start()
        except Exception as exc:  # noqa: BLE001 - the board still works; the dispatcher is told
            self.alert_problem = f"Larmen till enheterna kan inte skickas härifrån: {exc}"
            log.error("alert sender not started: %s", exc)
            return
        self.alert_service = service
        if runner is not None:
            runner.connect_alerts(service.bound)

    def stop(self) -> None:
        if self.alert_service is not None:
            self.alert_service.stop()
            self.alert_service = None
        if self.receiver is not None:
            self.receiver.stop()  # the child's subscriber, then its writer, then the process
            self.receiver = None
        if self.service is not None:
            self.service.stop()  # the subscriber, then the writer (which writes what is queued)
            self.service = None
        if self._orders is not None:
            self._orders.shutdown(wait=True, cancel_futures=True)
            self._orders = None
        if self.simulator is not None:
            self.simulator.stop()

    @property
    def writer(self) -> FeedRecordWriter | RemoteWriter | None:
        """The record writer while running with persistence (counters(): stored, unchanged, dead letters per feed)."""
        if self.receiver is not None:
            return RemoteWriter(self.receiver) if self.receiver.database_url is not None else None
        return None if self.service is None else self.service.writer

    @property
    def outcomes_dropped(self) -> int:
        if self.receiver is not None:
            return self.receiver.outcomes_dropped
        return 0 if self.service is None else self.service.outcomes_dropped

    @property
    def problem(self) -> str | None:
        """Why the feeds stopped being received, or the units cannot be alerted from here (Swedish), for the
        console's banner; None while all is well."""
        received = None if self.receiver is None else self.receiver.problem
        return received or self.alert_problem

    @property
    def running(self) -> bool:
        if self.receiver is not None:
            return self.receiver.running
        return self.service is not None and self.service.running

    # --- orders to the simulator (demo mode) --------------------------------------------------------
    def order(self, fn: Callable[[Any], Any]) -> Future[Any] | None:
        """Run `fn(simulator)` off the GUI thread; None when there is no simulator."""
        if self.simulator is None or self._orders is None:
            return None
        sim = self.simulator
        return self._orders.submit(fn, sim)

    def alerts_due(self) -> None:
        """This console has just committed something the units must hear (an assignment, a recall): the alert
        sender looks at once instead of at its next poll."""
        if self.alert_service is not None:
            self.alert_service.poke()

    def tell_status(self, unit_id: str, status: str) -> Future[Any] | None:
        """A status set by hand: the simulated unit goes on from there (else its next report would undo it)."""
        return self.order(lambda sim: sim.set_status(unit_id, status))


class RemoteWriter:
    """The record writer of the feed receiver process, as far as the console reads it: its counters."""

    def __init__(self, receiver: FeedReceiverProcess):
        self.receiver = receiver

    def counters(self) -> dict[str, Any]:
        return self.receiver.writer_counters or {"publishers": {}}


def _url_of(factory: sessionmaker[Session] | None) -> str | None:
    """The database URL (with its password: the child needs it) of a session factory, None for none."""
    bind = None if factory is None else factory.kw.get("bind")
    return None if bind is None else str(bind.url.render_as_string(hide_password=False))
