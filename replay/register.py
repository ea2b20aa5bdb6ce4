"""The synthetic patient register (spec §1.4): patients enrolled in a mobile team, living in SÄBO, with kommunal
hemsjukvård or enrolled in ASIH, each with a fixed kommun, position, age and team codes, for a whole replay year of
one seed. Their calls count within the year's volume.

Team codes are the fleet's unit affiliations (resources.fleet): a mobile team is a vårdcentral's
("Vårdcentralen Lund Norr"), ASIH "ASIH <kommun>", a psychiatric team "Psykiatri <kommun>"; so
dispatch.recommend's `serves` rules (enrolled or listed, enrolled ASIH, known psychiatric) match them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.params import PatientParams, RegisterGroup
from replay.places import Places
from resources.fleet import Fleet
from resources.geography import Geography, distance_km

GROUPS = ("mvt", "saebo", "home_care", "asih")


@dataclass(frozen=True)
class Teams:
    """The fleet's team affiliations by kommun, and the nearest team of a kind for any kommun."""

    mvt: dict[str, tuple[str, ...]]  # kommun -> the vårdcentraler with a mobile team there
    asih: dict[str, str]  # kommun -> the nearest ASIH unit's affiliation
    psych: dict[str, str]  # kommun -> the nearest psychiatric team's affiliation
    nearest_mvt: dict[str, str]  # kommun without a mobile team -> the nearest kommun's first one

    def listed(self, kommun: str, with_team: bool, u: float) -> str:
        """The vårdcentral a patient of `kommun` is listed at: one with a mobile team (`with_team`, when the
        kommun has one) or one without (a name no unit of the fleet carries)."""
        teams = self.mvt.get(kommun, ())
        if with_team and teams:
            return teams[int(u * len(teams))]
        return f"Vårdcentralen {kommun} {1 + int(u * 3)}"

    def mobile_team(self, kommun: str, u: float) -> str:
        teams = self.mvt.get(kommun, ())
        return teams[int(u * len(teams))] if teams else self.nearest_mvt[kommun]


def teams_from_fleet(fleet: Fleet, geo: Geography) -> Teams:
    def by_kommun(code: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for u in fleet.units:
            if u.type == code and u.affiliation and u.affiliation not in found.get(u.home_kommun, []):
                found.setdefault(u.home_kommun, []).append(u.affiliation)
        return found

    def nearest(found: dict[str, list[str]], kommun: str) -> str:
        k = geo.kommun(kommun)
        home = min(found, key=lambda n: (distance_km(k.lat, k.lon, geo.kommun(n).lat, geo.kommun(n).lon), n))
        return found[home][0]

    mvt, asih, psych = by_kommun("MVT_VC"), by_kommun("ASIH"), by_kommun("PSYK_MT")
    names = [k.name for k in geo.kommuner]
    return Teams(mvt={k: tuple(v) for k, v in mvt.items()},
                 asih={k: nearest(asih, k) for k in names} if asih else {},
                 psych={k: nearest(psych, k) for k in names} if psych else {},
                 nearest_mvt={k: nearest(mvt, k) for k in names if k not in mvt} if mvt else {})


@dataclass(frozen=True, slots=True)
class RegisterPatient:
    patient_id: int
    group: str  # one of GROUPS
    kommun: str
    lat: float
    lon: float
    age: int
    listed_vardcentral: str
    mobile_team: str | None = None
    asih: str | None = None
    saebo: bool = False
    home_care: bool = False


@dataclass(frozen=True)
class PatientRegister:
    patients: tuple[RegisterPatient, ...]
    groups: dict[str, tuple[int, int]]  # group -> (first index, count) in `patients`
    calls_per_year: dict[str, float]  # group -> expected calls a year of the whole group

    def of_group(self, group: str) -> tuple[RegisterPatient, ...]:
        first, n = self.groups[group]
        return self.patients[first:first + n]


def ages(rng: np.random.Generator, bands: list[tuple[int, int]], shares: np.ndarray, n: int) -> np.ndarray:
    """`n` ages: a band by `shares`, then uniform within it."""
    band = rng.choice(len(bands), size=n, p=shares / shares.sum())
    lo = np.array([b[0] for b in bands])[band]
    hi = np.array([b[1] for b in bands])[band]
    out: np.ndarray = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    return out


def build_register(params: PatientParams, rng: np.random.Generator, places: Places, teams: Teams) -> PatientRegister:
    """The register of one seed, drawn from its own random stream."""
    bands = [(b.min, b.max) for b in params.age_mix.bands]
    patients: list[RegisterPatient] = []
    groups: dict[str, tuple[int, int]] = {}
    rate: dict[str, float] = {}
    share = params.listing.mobile_team_share
    for name in GROUPS:
        g: RegisterGroup = getattr(params.registry, name)
        first = len(patients)
        groups[name] = (first, g.size)
        rate[name] = g.size * g.calls_per_person_year
        if not g.size:
            continue
        kommun = places.kommuner(rng, g.size)
        lat, lon = places.positions(rng, kommun)
        age = ages(rng, bands, np.asarray(g.age, dtype=float), g.size)
        u = rng.random((g.size, 3))
        for i in range(g.size):
            k = places.names[int(kommun[i])]
            team = teams.mobile_team(k, float(u[i, 0])) if name == "mvt" else None
            patients.append(RegisterPatient(
                patient_id=first + i + 1, group=name, kommun=k, lat=float(lat[i]), lon=float(lon[i]),
                age=int(age[i]), listed_vardcentral=team or teams.listed(k, bool(u[i, 1] < share), float(u[i, 0])),
                mobile_team=team, asih=teams.asih.get(k) if name == "asih" else None, saebo=name == "saebo",
                home_care=bool(u[i, 2] < g.home_care_share),
            ))
    return PatientRegister(patients=tuple(patients), groups=groups, calls_per_year=rate)
