"""A believable Skåne fleet on the feed protocol, for `make run`, tests and demos.

`Simulator` (simulated time, driven by `step(dt)`), `SimulatorRunner` (real time, publishes the
four feeds and takes orders), `SimulatorClient` (orders over the command socket).
"""

from dispatch.simulator.commands import SimulatorClient
from dispatch.simulator.model import OutcomeEvent, Simulator, SimulatorError, StatusEvent
from dispatch.simulator.runner import PUBLISHERS, SimulatorRunner

__all__ = ["PUBLISHERS", "OutcomeEvent", "Simulator", "SimulatorClient", "SimulatorError", "SimulatorRunner",
           "StatusEvent"]
