"""Skåne's kommuner, delregioner, emergency departments and ambulance stations (data)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from resources.datafile import load_model

GEOGRAPHY_FILE = Path(__file__).with_name("data") / "geography.yaml"

OUTLINE_FILE = Path(__file__).with_name("data") / "skane_outline.yaml"

# A generous bounding box around Skåne (WGS84), e.g. for the map view; `in_skane` uses the outline.
SKANE_BOUNDS = (55.25, 56.60, 12.35, 14.65)  # lat_min, lat_max, lon_min, lon_max
DELREGIONER = ("Malmö", "Sydväst", "Sydost", "Nordost", "Nordväst", "Mellersta")


class SkaneOutline(BaseModel):
    """A simplified outline of Skåne as a polygon of (lat, lon) vertices (data/skane_outline.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)
    vertices: tuple[tuple[float, float], ...] = Field(min_length=3)

    @model_validator(mode="after")
    def _inside_bounds(self) -> SkaneOutline:
        lat_min, lat_max, lon_min, lon_max = SKANE_BOUNDS
        for i, (lat, lon) in enumerate(self.vertices, start=1):
            if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
                raise ValueError(f"hörn {i} ({lat}, {lon}) ligger utanför rutan runt Skåne {SKANE_BOUNDS}")
        return self


class _Polygon:
    """Point-in-polygon by ray casting, precomputed for the feed's hot path: the edges are sorted
    into latitude bands, so a test looks at the few edges of one band instead of all of them."""

    __slots__ = ("lat_min", "lat_max", "lon_min", "lon_max", "_band_height", "_bands")

    def __init__(self, vertices: tuple[tuple[float, float], ...], bands: int = 64):
        lats = [v[0] for v in vertices]
        lons = [v[1] for v in vertices]
        self.lat_min, self.lat_max = min(lats), max(lats)
        self.lon_min, self.lon_max = min(lons), max(lons)
        self._band_height = (self.lat_max - self.lat_min) / bands
        edges = []
        for (lat0, lon0), (lat1, lon1) in zip(vertices, vertices[1:] + vertices[:1], strict=True):
            if lat0 != lat1:  # a horizontal edge never crosses a horizontal ray
                edges.append((lat0, lat1, lon0, (lon1 - lon0) / (lat1 - lat0)))
        self._bands: tuple[tuple[tuple[float, float, float, float], ...], ...] = tuple(
            tuple(e for e in edges
                  if min(e[0], e[1]) <= self.lat_min + (b + 1) * self._band_height
                  and max(e[0], e[1]) >= self.lat_min + b * self._band_height)
            for b in range(bands)
        )

    def contains(self, lat: float, lon: float) -> bool:
        if not (self.lat_min <= lat <= self.lat_max and self.lon_min <= lon <= self.lon_max):
            return False
        band = self._bands[min(len(self._bands) - 1, int((lat - self.lat_min) / self._band_height))]
        inside = False
        for lat0, lat1, lon0, slope in band:
            if (lat0 > lat) != (lat1 > lat) and lon < lon0 + (lat - lat0) * slope:
                inside = not inside
        return inside


def load_skane_outline(path: Path | str = OUTLINE_FILE) -> SkaneOutline:
    return load_model(Path(path), SkaneOutline)


@cache
def skane_outline() -> SkaneOutline:
    """The shipped outline (vertices as (lat, lon)), e.g. for drawing it on a map."""
    return load_skane_outline()


@cache
def _skane_polygon() -> _Polygon:
    return _Polygon(skane_outline().vertices)


def in_skane(lat: float, lon: float) -> bool:
    """Inside the simplified outline of Skåne (with a small buffer out to sea; Denmark, Halland,
    Kronoberg and Blekinge are outside). See data/skane_outline.yaml for its source and accuracy."""
    return _skane_polygon().contains(lat, lon)


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
    code: str = Field(pattern=r"^12\d\d$")  # SCB's kommunkod (Skåne län is 12), as in Lantmäteriet's address data
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
        codes = [k.code for k in self.kommuner]
        if len(set(codes)) != len(codes):
            raise ValueError(f"en kommunkod förekommer två gånger: {sorted(c for c in codes if codes.count(c) > 1)}")
        for k in self.kommuner:
            if k.delregion not in DELREGIONER:
                raise ValueError(f"kommunen {k.name}: okänd delregion {k.delregion!r}")
        places: tuple[EmergencyDepartment | AmbulanceStation, ...] = (*self.emergency_departments,
                                                                      *self.ambulance_stations)
        for place in places:
            if place.kommun not in names:
                raise ValueError(f"{place.code}: okänd kommun {place.kommun!r}")
        return self

    def kommun(self, name: str) -> Kommun:
        for k in self.kommuner:
            if k.name == name:
                return k
        raise KeyError(f"okänd kommun: {name}")

    def kommun_by_code(self, code: str) -> Kommun | None:
        """The kommun with SCB's kommunkod `code` ("1281" is Lund), None when no kommun of Skåne has it."""
        for k in self.kommuner:
            if k.code == code:
                return k
        return None

    def has_kommun(self, name: str) -> bool:
        return any(k.name == name for k in self.kommuner)

    def delregion_of(self, kommun: str) -> str:
        return self.kommun(kommun).delregion

    def nearest_ed(self, lat: float, lon: float, open_24_7_only: bool = False) -> EmergencyDepartment:
        eds = [e for e in self.emergency_departments if e.open_24_7 or not open_24_7_only]
        return min(eds, key=lambda e: distance_km(lat, lon, e.lat, e.lon))


def load_geography(path: Path | str = GEOGRAPHY_FILE) -> Geography:
    return load_model(Path(path), Geography, entry_key="name")


@cache
def default_geography() -> Geography:
    return load_geography()
