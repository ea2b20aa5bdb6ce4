"""The road factor per delregion (data/road_factors.yaml): road distance over straight-line distance."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from resources.datafile import load_model
from resources.geography import DELREGIONER

ROAD_FACTORS_FILE = Path(__file__).with_name("data") / "road_factors.yaml"


class RoadFactors(BaseModel):
    """One factor for every delregion (a missing one would silently fall back, so the file must name all)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    delregioner: dict[str, float]

    @model_validator(mode="after")
    def _every_delregion(self) -> RoadFactors:
        unknown = sorted(set(self.delregioner) - set(DELREGIONER))
        if unknown:
            raise ValueError(f"okänd delregion: {', '.join(unknown)} (kända: {', '.join(DELREGIONER)})")
        missing = [d for d in DELREGIONER if d not in self.delregioner]
        if missing:
            raise ValueError(f"vägfaktor saknas för delregion: {', '.join(missing)}")
        for name, factor in self.delregioner.items():
            if not 1.0 <= factor <= 3.0:
                raise ValueError(f"delregion {name}: vägfaktorn {factor} ligger utanför 1,0–3,0 "
                                 "(vägen kan inte vara kortare än fågelvägen)")
        return self


def load_road_factors(path: Path | str = ROAD_FACTORS_FILE) -> RoadFactors:
    return load_model(Path(path), RoadFactors)


@cache
def default_road_factors() -> RoadFactors:
    return load_road_factors()
