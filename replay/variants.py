"""Replay variants as data (params/variants.yaml): each is the product's default palette and fleet changed
by a few operations on pydantic model copies; the shipped data files are never edited.

    variant_codes()          -> ["V0", "V1", "V2", "V3", "V4", "V5-Malmo", …, "V6"]
    load_variant("V3")       -> Variant (palette, fleet, how triage and absent needs are handled)

V5 adds one unit in a delregion's most populous kommun and is run once per delregion: V5-<delregion>
(ASCII: Malmo, Sydvast, Sydost, Nordost, Nordvast, Mellersta). V7 is run once per factor on the callers'
P("vet ej") it names (`unknown_factors`: V7-halv, V7-dubbel), on calls generated with that factor.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from resources.datafile import DataFileError, read_structured
from resources.fleet import Fleet, Unit, default_fleet
from resources.geography import DELREGIONER, Geography, default_geography
from resources.palette import Palette, ServiceWindow, default_palette
from resources.vocabulary import Priority

VARIANTS_FILE = Path(__file__).with_name("params") / "variants.yaml"

_KNOWN_KEYS = frozenset({"name", "base", "triage", "palette_keep", "palette_drop", "round_the_clock", "fleet_keep",
                         "add_unit", "referral_fallback", "absent_to_ambulance", "volume_factor", "unknown_factors",
                         "source",
                         "assumption", "note"})
_ALL_DAY = ServiceWindow(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), start="00:00", end="24:00")


@dataclass(frozen=True)
class Variant:
    code: str
    name: str
    triage: Literal["emulator", "product"]
    palette: Palette
    fleet: Fleet
    referral_fallback: str | None = None  # a hänvisning no remote type meets goes to this type
    absent_to_ambulance: bool = False  # a need no palette type meets gets an ambulance at its priority
    volume_factor: float = 1.0  # the call generator's volume factor for this variant
    unknown_factor: float = 1.0  # the call generator's factor on the callers' P("vet ej") for this variant

    def takes_referral(self, code: str) -> bool:
        return self.palette.has(code) and Priority.REFERRAL in self.palette.type(code).priorities


def slug(name: str) -> str:
    """ASCII of a delregion's name for a variant code (Nordväst -> Nordvast)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


@cache
def _specs(path: Path = VARIANTS_FILE) -> dict[str, dict[str, Any]]:
    data = read_structured(path)
    if not isinstance(data, dict):
        raise DataFileError(path, ["filen ska vara en mappning av varianter"])
    problems = []
    for code, spec in data.items():
        if not isinstance(spec, dict):
            problems.append(f"variant {code}: ska vara en mappning")
            continue
        unknown = sorted(set(spec) - _KNOWN_KEYS)
        if unknown:
            problems.append(f"variant {code}: okända fält {', '.join(unknown)}")
        if not spec.get("source") and spec.get("assumption") is not True:
            problems.append(f"variant {code}: anger varken 'source' eller 'assumption: true'")
        if "unknown_factors" in spec:
            problems += _factor_problems(str(code), spec)
        if spec.get("base") is not None and spec["base"] not in data:
            problems.append(f"variant {code}: okänd bas {spec['base']!r}")
    if problems:
        raise DataFileError(path, problems)
    return {str(k): v for k, v in data.items()}


def _factor_problems(code: str, spec: dict[str, Any]) -> list[str]:
    """`unknown_factors` names each factor with letters and digits (the code V7-<name>) and factors over 0, at most
    10, that give distinct call-file names; a variant run per delregion cannot also be run per factor."""
    factors = spec["unknown_factors"]
    if not (isinstance(factors, dict) and factors and all(
            isinstance(k, str) and k.isascii() and k.isalnum() and isinstance(v, int | float)
            and not isinstance(v, bool) and 0 < v <= 10 for k, v in factors.items())):
        return [f"variant {code}: unknown_factors ska vara namn (bokstäver och siffror) med en faktor över 0 och "
                "högst 10"]
    problems = []
    if len({f"{v:g}" for v in factors.values()}) < len(factors):
        problems.append(f"variant {code}: unknown_factors har två faktorer som skrivs lika ({factors})")
    if spec.get("add_unit"):
        problems.append(f"variant {code}: unknown_factors och add_unit kan inte kombineras")
    return problems


def variant_codes(path: Path = VARIANTS_FILE) -> list[str]:
    codes = []
    for code, spec in _specs(path).items():
        if spec.get("add_unit"):
            codes += [f"{code}-{slug(d)}" for d in DELREGIONER]
        elif spec.get("unknown_factors"):
            codes += [f"{code}-{name}" for name in spec["unknown_factors"]]
        else:
            codes.append(code)
    return codes


@cache
def load_variant(code: str, path: Path = VARIANTS_FILE) -> Variant:
    """The variant `code` (e.g. "V2", "V5-Nordost"); KeyError with a Swedish message when unknown."""
    specs = _specs(path)
    base_code, _, where = code.partition("-")
    if code not in variant_codes(path):
        raise KeyError(f"okänd variant {code!r} (kända: {', '.join(variant_codes(path))})")
    unknown_factor = float(specs[base_code].get("unknown_factors", {}).get(where, 1.0))
    delregion = None
    if where and specs[base_code].get("add_unit"):
        delregion = next((d for d in DELREGIONER if slug(d) == where), None)
        if delregion is None:
            raise KeyError(f"okänd delregion {where!r} i variant {code!r}")
    chain = []
    c: str | None = base_code
    while c is not None:
        chain.append(specs[c])
        c = specs[c].get("base")
    palette, fleet = default_palette(), default_fleet()
    merged: dict[str, Any] = {}
    for spec in reversed(chain):
        palette, fleet = _apply(spec, palette, fleet, delregion, default_geography())
        merged.update({k: v for k, v in spec.items() if k in ("triage", "referral_fallback", "absent_to_ambulance",
                                                                 "volume_factor")})
    palette = palette.model_copy(update={"version": f"{palette.version}+{code}"})
    return Variant(code=code, name=str(specs[base_code].get("name", code)), triage=merged.get("triage", "product"),
                   palette=palette, fleet=fleet, referral_fallback=merged.get("referral_fallback"),
                   absent_to_ambulance=bool(merged.get("absent_to_ambulance", False)),
                   volume_factor=float(merged.get("volume_factor", 1.0)), unknown_factor=unknown_factor)


def _apply(spec: dict[str, Any], palette: Palette, fleet: Fleet, delregion: str | None,
           geo: Geography) -> tuple[Palette, Fleet]:
    types = list(palette.types)
    if spec.get("palette_keep"):
        keep = set(spec["palette_keep"])
        types = [t for t in types if t.code in keep]
    if spec.get("palette_drop"):
        drop = set(spec["palette_drop"])
        types = [t for t in types if t.code not in drop]
    for code in spec.get("round_the_clock") or ():
        types = [t.model_copy(update={"service_hours": (_ALL_DAY,)}) if t.code == code else t for t in types]
    palette = palette.model_copy(update={"types": tuple(types)})
    codes = {t.code for t in types}
    units = [u for u in fleet.units if u.type in codes]
    for code, ids in (spec.get("fleet_keep") or {}).items():
        keep_ids = set(ids)
        units = [u for u in units if u.type != code or u.id in keep_ids]
    add = spec.get("add_unit")
    if add and delregion is not None:
        units.append(_extra_unit(str(add["type"]), delregion, units, geo))
    return palette, Fleet(units=tuple(units))


def _extra_unit(code: str, delregion: str, units: list[Unit], geo: Geography) -> Unit:
    """One more unit of type `code` in the delregion's most populous kommun, like the type's others."""
    town = max((k for k in geo.kommuner if k.delregion == delregion), key=lambda k: k.population)
    like = next(u for u in units if u.type == code)
    prefix = like.id.rsplit("-", 1)[0]
    return like.model_copy(update={"id": f"{prefix}-X{slug(delregion).upper()}", "home_kommun": town.name,
                                   "lat": town.lat, "lon": town.lon, "name": f"{like.name.rsplit(' ', 2)[0]} "
                                   f"{town.name} extra"})
