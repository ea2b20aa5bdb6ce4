"""Units of the palette: the default Skåne fleet, built deterministically, or a region's own file."""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from resources.datafile import DataFileError, describe_validation_error, load_model, read_structured
from resources.geography import Geography, default_geography, in_skane
from resources.palette import Palette, default_palette

FLEET_PLAN_FILE = Path(__file__).with_name("data") / "fleet_plan.yaml"

Publisher = Literal["ambulans", "mobila_team", "skanetrafiken", "raddningstjanst"]

# Vårdcentral names in the default fleet are made up from the kommun and a district.
_DISTRICTS = ("Centrum", "Norr", "Söder", "Öster", "Väster", "Nordost", "Sydväst", "Hälsan", "Parken", "Torget",
              "Stationen", "Kvarnen", "Ängen", "Hamnen", "Slottet", "Backen", "Bäcken", "Gläntan", "Lunden", "Eken")


class Unit(BaseModel):
    """One unit (vehicle or team). Position here is its home; live position comes from the feed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
    type: str
    name: str
    home_kommun: str
    lat: float
    lon: float
    affiliation: str | None = Field(default=None, description="Vårdcentral, ASIH unit, hospital or team it belongs to")
    publisher: Publisher


class Fleet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    units: tuple[Unit, ...]

    def by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    def of_type(self, code: str) -> list[Unit]:
        return [u for u in self.units if u.type == code]


class PlanEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=0)
    placement: Literal["stations", "population", "fixed"]
    publisher: Publisher
    prefix: str
    at: dict[str, int] | None = None
    min_per_kommun: int = 0

    @model_validator(mode="after")
    def _fixed_sums(self) -> PlanEntry:
        if self.placement == "fixed":
            if not self.at or sum(self.at.values()) != self.count:
                raise ValueError("placement 'fixed' kräver 'at' vars antal summerar till 'count'")
        return self


class FleetPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    types: dict[str, PlanEntry]


def validate_fleet(fleet: Fleet, palette: Palette, geography: Geography) -> list[str]:
    """Every problem with a fleet against a palette and geography, each naming the unit and field."""
    problems: list[str] = []
    seen: set[str] = set()
    for i, u in enumerate(fleet.units, start=1):
        where = f"post {i} ({u.id})"
        if u.id in seen:
            problems.append(f"{where}, fält 'id': enheten finns två gånger")
        seen.add(u.id)
        if not palette.has(u.type):
            problems.append(f"{where}, fält 'type': okänd resurstyp {u.type!r}")
        elif palette.type(u.type).kind == "remote":
            problems.append(f"{where}, fält 'type': {u.type} är en telefon-/bokningsresurs och har inga enheter")
        if not geography.has_kommun(u.home_kommun):
            problems.append(f"{where}, fält 'home_kommun': okänd kommun {u.home_kommun!r}")
        if not in_skane(u.lat, u.lon):
            problems.append(f"{where}, fält 'lat'/'lon': {u.lat}, {u.lon} ligger utanför Skåne")
    return problems


def load_fleet(path: Path | str, palette: Palette | None = None, geography: Geography | None = None) -> Fleet:
    """Load a fleet file (JSON or YAML: {"units": [...]}) and check it against the palette and geography."""
    path = Path(path)
    data = read_structured(path)
    try:
        fleet = Fleet.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(path, describe_validation_error(exc, data, entry_key="id")) from exc
    problems = validate_fleet(fleet, palette or default_palette(), geography or default_geography())
    if problems:
        raise DataFileError(path, problems)
    return fleet


def save_fleet(fleet: Fleet, path: Path | str) -> None:
    Path(path).write_text(json.dumps(fleet.model_dump(mode="json"), ensure_ascii=False, indent=1), encoding="utf-8")


def _largest_remainder(weights: dict[str, float], total: int, minimum: int = 0) -> dict[str, int]:
    """Split `total` over keys in proportion to weights (deterministic; ties broken by key order)."""
    base = {k: minimum for k in weights}
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("för få enheter för minimiantalet per plats")
    wsum = sum(weights.values())
    exact = {k: rest * w / wsum for k, w in weights.items()}
    counts = {k: base[k] + int(v) for k, v in exact.items()}
    left = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - int(exact[k])), list(weights).index(k)))[:left]:
        counts[k] += 1
    return counts


def build_default_fleet(palette: Palette | None = None, geography: Geography | None = None,
                        plan_file: Path = FLEET_PLAN_FILE) -> Fleet:
    """The default Skåne fleet from the plan file. Deterministic: same data, same fleet."""
    palette = palette or default_palette()
    geo = geography or default_geography()
    plan = load_model(plan_file, FleetPlan)
    rng = random.Random(20221)  # fixed seed: positions jitter the same way every time
    units: list[Unit] = []
    for code, entry in plan.types.items():
        if not palette.has(code):
            raise DataFileError(plan_file, [f"fält 'types', post {code}: okänd resurstyp"])
        rtype = palette.type(code)
        if entry.placement == "stations":
            stations = geo.ambulance_stations
            per_kommun = {s.kommun: sum(1 for t in stations if t.kommun == s.kommun) for s in stations}
            weights = {s.code: geo.kommun(s.kommun).population / per_kommun[s.kommun] for s in stations}
            counts = _largest_remainder(weights, entry.count, minimum=1)
            spots = [(s.kommun, s.lat, s.lon, s.name, n) for s in stations if (n := counts[s.code])]
        else:
            if entry.placement == "population":
                weights = {k.name: float(k.population) for k in geo.kommuner}
                counts = _largest_remainder(weights, entry.count, minimum=entry.min_per_kommun)
            else:
                counts = dict(entry.at or {})
            spots = []
            for kommun_name, n in counts.items():
                k = geo.kommun(kommun_name)
                if n:
                    spots.append((k.name, k.lat, k.lon, k.name, n))
        serial = 0
        for kommun_name, lat, lon, place_name, n in spots:
            for i in range(n):
                serial += 1
                jlat, jlon = lat, lon
                if entry.placement != "stations":
                    jlat += rng.uniform(-0.02, 0.02)
                    jlon += rng.uniform(-0.03, 0.03)
                affiliation = _affiliation(code, kommun_name, i)
                units.append(Unit(
                    id=f"{entry.prefix}-{serial:03d}",
                    type=code,
                    name=_unit_name(rtype.name, code, place_name, affiliation, serial),
                    home_kommun=kommun_name,
                    lat=round(jlat, 5),
                    lon=round(jlon, 5),
                    affiliation=affiliation,
                    publisher=entry.publisher,
                ))
    fleet = Fleet(units=tuple(units))
    problems = validate_fleet(fleet, palette, geo)
    if problems:
        raise DataFileError(plan_file, problems)
    return fleet


def _affiliation(code: str, kommun: str, i: int) -> str | None:
    if code == "MVT_VC":
        return f"Vårdcentralen {kommun} {_DISTRICTS[i % len(_DISTRICTS)]}"
    if code == "ASIH":
        return f"ASIH {kommun}"
    if code == "MT_SJH":
        return f"Sjukhuset {kommun}"
    if code == "PSYK_MT":
        return f"Psykiatri {kommun}"
    return None


def _unit_name(type_name: str, code: str, place: str, affiliation: str | None, serial: int) -> str:
    if code == "MVT_VC" and affiliation:
        return f"Mobilt vårdteam {affiliation.removeprefix('Vårdcentralen ')}"
    if affiliation:
        return f"{type_name.split(' (')[0]} {affiliation.split(' ', 1)[1]} {serial}"
    return f"{type_name.split(' (')[0]} {place.removeprefix('Ambulansstation ')} {serial}"


@cache
def default_fleet() -> Fleet:
    return build_default_fleet()
