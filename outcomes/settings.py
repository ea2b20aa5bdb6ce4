"""Configurable figures of the outcome loop: follow-up intervals, recontact window, statistics thresholds.

Defaults are the documented values (docs/outcomes.md); each can be set from the environment, e.g.
LARMCENTRAL_OUTCOMES_RECONTACT_WINDOW_HOURS=48 or
LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS='{"treated_left_home": 12}'.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outcomes.codes import OutcomeCode

DEFAULT_FOLLOWUP_HOURS: dict[str, float] = {
    OutcomeCode.TREATED_LEFT_HOME.value: 24,
    OutcomeCode.LEFT_HOME_ADVICE.value: 24,
    OutcomeCode.HANDED_OVER_TEAM.value: 48,
    OutcomeCode.DECLINED.value: 24,
}


class OutcomeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LARMCENTRAL_OUTCOMES_", extra="ignore", frozen=True)

    followup_hours: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_FOLLOWUP_HOURS))
    # A case answered only by non-ambulance units gets a follow-up even when its code has none.
    non_ambulance_followup_hours: float = Field(default=24, gt=0)
    ambulance_types: frozenset[str] = frozenset({"AMBULANS"})
    no_followup_codes: frozenset[str] = frozenset({OutcomeCode.DECEASED.value, OutcomeCode.NOT_FOUND.value})

    recontact_window_hours: float = Field(default=72, gt=0)
    stats_recontact_hours: float = Field(default=72, gt=0)

    min_cases: int = Field(default=30, ge=1, description="No signal or proposal below this many cases")
    under_triage_signal_rate: float = Field(default=0.0, ge=0, le=1,
                                            description="Signal when the Wilson lower bound exceeds this")
    over_triage_signal_rate: float = Field(default=0.25, ge=0, le=1)
    proposal_prio1_left_home_lower: float = Field(default=0.5, ge=0, le=1)
    proposal_redirect_left_home_lower: float = Field(default=0.6, ge=0, le=1)

    @field_validator("followup_hours")
    @classmethod
    def _known_codes(cls, v: dict[str, float]) -> dict[str, float]:
        for code, hours in v.items():
            if code not in OutcomeCode.__members__.values():
                raise ValueError(f"okänd utfallskod {code!r} i uppföljningsintervallen")
            if hours <= 0:
                raise ValueError(f"uppföljningsintervallet för {code} måste vara större än 0 timmar")
        return v

    def followup_interval(self, code: OutcomeCode) -> timedelta | None:
        hours = self.followup_hours.get(code.value)
        return None if hours is None else timedelta(hours=hours)

    @property
    def recontact_window(self) -> timedelta:
        return timedelta(hours=self.recontact_window_hours)
