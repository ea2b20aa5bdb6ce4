"""The engine's per-call random numbers, from the call's own `rng_key` (common random numbers): every variant
draws the same numbers for the same call, whatever it does with them, because each number has a fixed slot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Uniform slots
U_V0_PRIORITY = 0  # V0: assigned priority from the confusion row
U_V0_NO_AMBULANCE = 1  # V0: the call ends without an ambulance today
U_CONVEY = 2  # the primary unit takes the patient away
U_PAP_CONVEY = 3
N_UNIFORM = 4
# Normal slots per care-need part (on scene, handover); part p uses 2p and 2p+1
N_PARTS = 3
N_NORMAL = 2 * N_PARTS


@dataclass(frozen=True, slots=True)
class CallDraws:
    u: tuple[float, ...]
    z: tuple[float, ...]

    def on_scene_z(self, part: int) -> float:
        return self.z[2 * min(part, N_PARTS - 1)]

    def handover_z(self, part: int) -> float:
        return self.z[2 * min(part, N_PARTS - 1) + 1]


def call_draws(rng_key: int) -> CallDraws:
    rng = np.random.default_rng(rng_key)
    u = rng.random(N_UNIFORM)
    z = rng.standard_normal(N_NORMAL)
    return CallDraws(tuple(u.tolist()), tuple(z.tolist()))
