"""How long a case may wait in väntrummet per priority before it is late.

Documented default (to be set by the region's medical management — the domain brief gives no
figures): Prio 1 10 min, Prio 2 30 min, Prio 3 120 min, hänvisning 240 min. Override with the
environment variable LARMCENTRAL_WAIT_TARGETS, e.g. "1=8,2=20,3=90" (minutes).
"""

from __future__ import annotations

import os
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from resources.datafile import ConfigurationError
from resources.vocabulary import Priority

TARGETS_ENV = "LARMCENTRAL_WAIT_TARGETS"
WARN_FRACTION = 0.75  # from this share of the target on, the case is shown as "nära målet"


class WaitTargets(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    minutes: dict[Priority, float] = Field(default_factory=lambda: {
        Priority.P1: 10.0, Priority.P2: 30.0, Priority.P3: 120.0, Priority.REFERRAL: 240.0})

    def target(self, priority: Priority | None) -> float:
        return self.minutes.get(priority or Priority.P3, self.minutes.get(Priority.P3, 120.0))

    def state(self, priority: Priority | None, waited_s: float) -> str:
        """"ok", "near" (≥ 75 % of the target) or "late" (past the target)."""
        frac = waited_s / 60.0 / self.target(priority)
        return "late" if frac >= 1.0 else "near" if frac >= WARN_FRACTION else "ok"


def load_targets(env: dict[str, str] | None = None) -> WaitTargets:
    """The default targets, with any override from LARMCENTRAL_WAIT_TARGETS."""
    raw = (env if env is not None else os.environ).get(TARGETS_ENV, "").strip()
    if not raw:
        return WaitTargets()
    minutes = dict(WaitTargets().minutes)
    for part in raw.split(","):
        key, sep, value = part.partition("=")
        try:
            minutes[Priority(key.strip())] = float(value)
            if not sep or float(value) <= 0:
                raise ValueError
        except ValueError:
            raise ConfigurationError(f"{TARGETS_ENV}: ogiltig post {part!r}; skriv t.ex. \"1=10,2=30,3=120\" "
                             "(prioritet=minuter, minuter > 0)") from None
    return WaitTargets(minutes=minutes)


def waited_seconds(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def format_wait(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
