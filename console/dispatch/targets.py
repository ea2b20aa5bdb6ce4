"""How long a case may wait in väntrummet per priority before it is late.

Documented default (to be set by the region's medical management — the domain brief gives no
figures): Prio 1 10 min, Prio 2 30 min, Prio 3 120 min, hänvisning 240 min. Override with the
environment variable LARMCENTRAL_WAIT_TARGETS, e.g. "1=8,2=20,3=90" (minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from resources.settings import DEFAULT_WAIT_TARGETS, load_settings
from resources.vocabulary import Priority

TARGETS_ENV = "LARMCENTRAL_WAIT_TARGETS"  # resources.settings.Settings.wait_targets
WARN_FRACTION = 0.75  # from this share of the target on, the case is shown as "nära målet"


class WaitTargets(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    minutes: dict[Priority, float] = Field(default_factory=lambda: dict(DEFAULT_WAIT_TARGETS))

    def target(self, priority: Priority | None) -> float:
        return self.minutes.get(priority or Priority.P3, self.minutes.get(Priority.P3, 120.0))

    def state(self, priority: Priority | None, waited_s: float) -> str:
        """"ok", "near" (≥ 75 % of the target) or "late" (past the target)."""
        frac = waited_s / 60.0 / self.target(priority)
        return "late" if frac >= 1.0 else "near" if frac >= WARN_FRACTION else "ok"


def load_targets(env: Mapping[str, str] | None = None) -> WaitTargets:
    """The default targets, with any override from LARMCENTRAL_WAIT_TARGETS (`env` replaces the process
    environment, e.g. in a test). A bad value raises SettingsError naming the variable."""
    return WaitTargets(minutes=load_settings(env).wait_targets)


def waited_seconds(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def format_wait(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
