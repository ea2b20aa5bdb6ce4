"""The simulator's command channel: JSON orders on a REP socket, and a small client for it.

Request: one frame of JSON, ``{"cmd": "status", "unit_id": "AMB-001", "status": "ej_i_tjanst"}`` (a status set by
hand) or ``{"cmd": "fault", "publisher": "ambulans", "drop_rate": 0.1, "alert_decline_rate": 0.5}``. Reply:
``{"ok": true}`` or ``{"ok": false, "error": "<Swedish message>"}``.

Assignments and recalls do not come this way: the simulated units receive them as alerts over the unit alert
protocol (docs/alert-protocol.md, dispatch/simulator/alert_gateway.py), like any unit system. `AssignCommand` and
`RecallCommand` remain the runner's in-process orders (tests, a unit sent without a case).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import zmq
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from dispatch.simulator.model import SimulatorError
from resources.fleet import Publisher
from resources.vocabulary import Priority, UnitStatus


class _Cmd(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssignCommand(_Cmd):
    cmd: Literal["assign"]
    unit_id: str
    case_id: int | None = None
    lat: float
    lon: float
    priority: Priority = Priority.P2


class RecallCommand(_Cmd):
    cmd: Literal["recall"]
    unit_id: str


class StatusCommand(_Cmd):
    """A status the dispatcher set by hand (radio): the unit goes on from there."""

    cmd: Literal["status"]
    unit_id: str
    status: UnitStatus


class FaultCommand(_Cmd):
    """Misbehaviour for tests; fields left out keep their current setting."""

    cmd: Literal["fault"]
    publisher: Publisher
    drop_rate: float | None = Field(default=None, ge=0, le=1)
    silent: bool | None = None
    garbage: int = Field(default=0, ge=0, le=1000, description="Send this many rounds of bad messages now")
    restart: bool = False
    same_epoch: bool = Field(default=False, description="With restart: keep the epoch (a publisher bug the "
                                                         "larmcentral must detect)")
    flood_rate: float | None = Field(default=None, ge=0, le=1_000_000, description="Extra status messages per second")
    # The publisher's unit gateway (docs/alert-protocol.md): alerts lost, held back, declined; the gateway down.
    alert_drop_rate: float | None = Field(default=None, ge=0, le=1, description="Share of alert messages lost")
    alert_delay_s: float | None = Field(default=None, ge=0, le=600, description="Alert messages held this long")
    alert_decline_rate: float | None = Field(default=None, ge=0, le=1, description="Share of alerts declined")
    alert_down: bool | None = Field(default=None, description="The unit gateway off: no heartbeats, nothing taken")
    alert_restart: bool = Field(default=False, description="The unit gateway restarts and forgets its alerts")


Command = Annotated[StatusCommand | FaultCommand, Field(discriminator="cmd")]
COMMAND = TypeAdapter(Command)


class SimulatorClient:
    """Send orders to a running simulator (`python main.py simulate`) over its command socket."""

    def __init__(self, endpoint: str, *, timeout: float = 3.0, context: zmq.Context | None = None):  # type: ignore[type-arg]
        self.endpoint = endpoint
        self.timeout = timeout
        self.context = context or zmq.Context.instance()

    def send(self, command: dict[str, Any]) -> dict[str, Any]:
        sock = self.context.socket(zmq.REQ)
        sock.linger = 0
        try:
            sock.connect(self.endpoint)
            sock.send(json.dumps(command).encode())
            if not sock.poll(int(self.timeout * 1000)):
                raise SimulatorError(f"simulatorn svarar inte på {self.endpoint}")
            reply = json.loads(sock.recv())
        finally:
            sock.close()
        if not reply.get("ok"):
            raise SimulatorError(reply.get("error") or "okänt fel i simulatorn")
        return reply  # type: ignore[no-any-return]

    def set_status(self, unit_id: str, status: str) -> None:
        self.send({"cmd": "status", "unit_id": unit_id, "status": str(status)})

    def fault(self, publisher: str, **settings: Any) -> None:
        self.send({"cmd": "fault", "publisher": publisher, **settings})
