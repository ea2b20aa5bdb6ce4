"""Skåne's kommuner, delregioner, emergency departments and ambulance stations (data)."""

from __future__ import annotations

import bisect
import math
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from resources.datafile import load_model

GEOGRAPHY_FILE = Path(__file__).with_name("data") / "geography.yaml"

# A generous bounding box around Skåne (WGS84); positions outside it are rejected.
SKANE_BOUNDS = (55.25, 56.60, 12.35, 14.65)  # lat_min, lat_max, lon_min, lon_max
DELREGIONER = ("Malmö", "Sydväst", "Sydost", "Nordost", "Nordväst", "Mellersta")

# The box also holds Copenhagen, Amager, Saltholm and Helsingør. West of this line through the
# middle of Öresund (approximately the Swedish-Danish sea border, as (lat, lon) points from
# south to north) a position is in Denmark. North of its last point the Danish coast lies west
# of the box.
ORESUND_LINE = ((55.25, 12.66), (55.45, 12.72), (55.55, 12.80), (55.63, 12.83), (55.75, 12.78),
                (55.90, 12.62), (56.03, 12.645), (56.06, 12.65), (56.12, 12.52), (56.16, 12.35))
_LINE_LATS = tuple(p[0] for p in ORESUND_LINE)


def in_skane(lat: float, lon: float) -> bool:
    """Inside the box around Skåne and east of the Öresund line (not in Denmark)."""
    lat_min, lat_max, lon_min, lon_max = SKANE_BOUNDS
    if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
        return False
    if lat > _LINE_LATS[-1] or lon >= 12.83:
        return True
    i = max(1, bisect.bisect_left(_LINE_LATS, lat))
    (lat0, lon0), (lat1, lon1) = ORESUND_LINE[i - 1], ORESUND_LINE[i]
    return lon >= lon0 + (lon1 - lon0) * (lat - lat0) / (lat1 - lat0)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


class Place(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float
    lon: float

    @model_validator(mode="after")
    def _inside_skane(self) -> Place:
        if not in_skane(self.lat, self.lon):
            raise ValueError(f"positionen {self.lat}, {self.lon} ligger utanför Skåne")
        return self


class Kommun(Place):
    name: str
    delregion: str
    population: int = Field(gt=0)


class EmergencyDepartment(Place):
    code: str
    name: str
    kommun: str
    open_24_7: bool


class AmbulanceStation(Place):
    code: str
    name: str
    kommun: str


class Geography(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kommuner: tuple[Kommun, ...]
    emergency_departments: tuple[EmergencyDepartment, ...]
    ambulance_stations: tuple[AmbulanceStation, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Geography:
        names = {k.name for k in self.kommuner}
        for k in self.kommuner:
            if k.delregion not in DELREGIONER:
                raise ValueError(f"kommunen {k.name}: okänd delregion {k.delregion!r}")
        for place in (*self.emergency_departments, *self.ambulance_stations):
            if place.kommun not in names:
                raise ValueError(f"{place.code}: okänd kommun {place.kommun!r}")
        return self

    def kommun(self, name: str) -> Kommun:
        for k in self.kommuner:
            if k.name == name:
                return k
        raise KeyError(f"okänd kommun: {name}")

    def has_kommun(self, name: str) -> bool:
        return any(k.name == name for k in self.kommuner)

    def delregion_of(self, kommun: str) -> str:
        return self.kommun(kommun).delregion

    def nearest_kommun(self, lat: float, lon: float) -> Kommun:
        return min(self.kommuner, key=lambda k: distance_km(lat, lon, k.lat, k.lon))

    def nearest_ed(self, lat: float, lon: float, open_24_7_only: bool = False) -> EmergencyDepartment:
        eds = [e for e in self.emergency_departments if e.open_24_7 or not open_24_7_only]
        return min(eds, key=lambda e: distance_km(lat, lon, e.lat, e.lon))


def load_geography(path: Path | str = GEOGRAPHY_FILE) -> Geography:
    return load_model(Path(path), Geography, entry_key="name")


@cache
def default_geography() -> Geography:
    return load_geography()
