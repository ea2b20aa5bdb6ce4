"""The regional report's estimates beside the replay's KPIs (replay/params/report_estimates.yaml): data with
their sources, read and checked here; shown, never tuned to (spec §6)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from replay.kpi import KPI_BY_KEY
from resources.datafile import load_model

ESTIMATES_FILE = Path(__file__).with_name("params") / "report_estimates.yaml"


class ReportEstimate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kpi: str
    variants: tuple[str, ...] = Field(min_length=1)
    value: float
    low: float | None = None
    high: float | None = None
    text: str
    source: str = Field(min_length=1)
    derived: bool = False

    @model_validator(mode="after")
    def _known(self) -> ReportEstimate:
        if self.kpi not in KPI_BY_KEY:
            raise ValueError(f"okänt mått {self.kpi!r} (se replay.kpi.KPIS)")
        if (self.low is None) != (self.high is None) or (self.low is not None and self.high is not None
                                                         and not self.low <= self.value <= self.high):
            raise ValueError("low och high anges båda, med low ≤ value ≤ high")
        return self


class ReportEstimates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: dict[str, str]
    estimates: tuple[ReportEstimate, ...]

    def for_kpi(self, kpi: str, variant: str) -> ReportEstimate | None:
        return next((e for e in self.estimates if e.kpi == kpi and variant in e.variants), None)


@cache
def report_estimates(path: Path = ESTIMATES_FILE) -> ReportEstimates:
    """Raises resources.datafile.DataFileError (Swedish, naming the entry) for a bad file."""
    return load_model(path, ReportEstimates, entry_key="kpi")
