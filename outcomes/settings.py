"""Configurable figures of the outcome loop: follow-up intervals, statistics thresholds.

Defaults are the documented values (docs/outcomes.md). The environment sets them through the one
settings model (resources.settings.Settings, fields `outcomes_*`), e.g. LARMCENTRAL_OUTCOMES_MIN_CASES=50 or
LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS='{"treated_left_home": 12}' (the codes named replace their default).
The recontact window is not a setting: it is the rule set's `recontact_window_hours`
(outcomes.recontact.recontact_window), one window for linking, flagging, triage and statistics.

`outcome_settings()` is the view of the environment; `OutcomeSettings(...)` built in code (tests, a caller
with its own figures) starts from the defaults and ignores the environment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from outcomes.codes import OutcomeCode
from resources.settings import DEFAULT_FOLLOWUP_HOURS as DEFAULT_FOLLOWUP_HOURS
from resources.settings import Settings, load_settings

PREFIX = "outcomes_"  # Settings.outcomes_x is OutcomeSettings.x (env LARMCENTRAL_OUTCOMES_X)


def _default(name: str) -> Any:
    return Settings.model_fields[PREFIX + name].get_default(call_default_factory=True)


class OutcomeSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    followup_hours: dict[str, float] = Field(default_factory=lambda: _default("followup_hours"))
    # A case answered only by non-ambulance units gets a follow-up even when its code has none.
    non_ambulance_followup_hours: float = Field(default=_default("non_ambulance_followup_hours"), gt=0)
    ambulance_types: frozenset[str] = Field(default_factory=lambda: _default("ambulance_types"))
    no_followup_codes: frozenset[str] = Field(default_factory=lambda: _default("no_followup_codes"))

    min_cases: int = Field(default=_default("min_cases"), ge=1, description="No signal or proposal below this many cases")
    under_triage_signal_rate: float = Field(default=_default("under_triage_signal_rate"), ge=0, le=1,
                                            description="Signal when the Wilson lower bound exceeds this")
    over_triage_signal_rate: float = Field(default=_default("over_triage_signal_rate"), ge=0, le=1)
    proposal_prio1_left_home_lower: float = Field(default=_default("proposal_prio1_left_home_lower"), ge=0, le=1)
    proposal_redirect_left_home_lower: float = Field(default=_default("proposal_redirect_left_home_lower"),
                                                     ge=0, le=1)

    @field_validator("followup_hours")
    @classmethod
    def _known_codes(cls, v: dict[str, float]) -> dict[str, float]:
        for code, hours in v.items():
            if code not in OutcomeCode.__members__.values():
                raise ValueError(f"okänd utfallskod {code!r} i uppföljningsintervallen")
            if hours <= 0:
                raise ValueError(f"uppföljningsintervallet för {code} måste vara större än 0 timmar")
        return v

    @classmethod
    def from_settings(cls, settings: Settings) -> OutcomeSettings:
        """The `outcomes_*` fields of the one settings model."""
        return cls(**{name: getattr(settings, PREFIX + name) for name in cls.model_fields})

    def followup_interval(self, code: OutcomeCode) -> timedelta | None:
        hours = self.followup_hours.get(code.value)
        return None if hours is None else timedelta(hours=hours)


def outcome_settings() -> OutcomeSettings:
    """The outcome loop's figures as the environment sets them (LARMCENTRAL_OUTCOMES_*), read on each call;
    raises resources.settings.SettingsError (Swedish, naming the variable) for a bad value."""
    return OutcomeSettings.from_settings(load_settings())
