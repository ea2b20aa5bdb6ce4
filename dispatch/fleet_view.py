"""The fleet state a recommendation works on: per-unit pydantic input, and a numpy snapshot.

`UnitState` is the boundary model (a `--fleet` file, or the live feed state merged onto the
fleet register with `merge_live`). `FleetSnapshot` turns a list of them into numpy arrays and
per-type index arrays once, so every recommendation against the same snapshot is a handful of
vectorised operations (docs/recommendation.md, "Fleet state").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from resources.clock import local_aware
from resources.datafile import DataFileError, describe_validation_error, read_structured
from resources.fleet import Fleet, Unit, default_fleet
from resources.geography import DELREGIONER, Geography, default_geography, in_skane
from resources.palette import Palette, default_palette
from resources.vocabulary import UnitStatus

BUSY_STATUSES = frozenset({UnitStatus.ALERTED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE,
                           UnitStatus.TRANSPORTING, UnitStatus.AT_HOSPITAL})
_STATUS_LIST = list(UnitStatus)
_STATUS_CODE = {s: i for i, s in enumerate(_STATUS_LIST)}
_AVAILABLE_BY_CODE = np.array([s.is_available for s in _STATUS_LIST])  # indexed by status code
_BUSY_BY_CODE = np.array([s in BUSY_STATUSES for s in _STATUS_LIST])


class UnitState(BaseModel):
    """One unit as the recommendation sees it.

    Only `id` is required in a file: `type`, `name`, `home_kommun`, `affiliation` and the position
    are taken from the fleet register (the default fleet) when left out. `expected_free_at` is when
    a busy unit is expected to be free again (without it a busy unit is not counted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]*$")
    type: str | None = None
    name: str | None = None
    home_kommun: str | None = None
    affiliation: str | None = None
    publisher: str | None = None
    lat: float | None = None
    lon: float | None = None
    status: UnitStatus = UnitStatus.AVAILABLE_AT_STATION
    case_id: int | None = None
    stale: bool = Field(default=False, description="No fresh report from the feed: status/position uncertain")
    expected_free_at: datetime | None = None


class FleetState(BaseModel):
    """A `--fleet` file: {"units": [UnitState, ...]} (the whole fleet, one entry per unit)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    units: tuple[UnitState, ...]


def states_from_fleet(fleet: Fleet, status: UnitStatus = UnitStatus.AVAILABLE_AT_STATION) -> list[UnitState]:
    """Every unit of `fleet` at home with `status` (the default: all free at their stations)."""
    return [_from_unit(u, status=status) for u in fleet.units]


def _from_unit(u: Unit, **live: Any) -> UnitState:
    return UnitState(id=u.id, type=u.type, name=u.name, home_kommun=u.home_kommun, affiliation=u.affiliation,
                     publisher=u.publisher, lat=u.lat, lon=u.lon, **live)


_LIVE_FIELDS = ("status", "lat", "lon", "case_id", "stale", "expected_free_at")


def merge_live(fleet: Fleet, live: Iterable[Any], *, unreported_stale: bool = True) -> list[UnitState]:
    """The fleet register overlaid with live state.

    `live` items may be objects or dicts with `id` and any of status, lat, lon, case_id, stale,
    expected_free_at (the feed's per-unit state). Units the feed has not reported stay at home,
    free at their station, and are marked stale when `unreported_stale`. Live entries for ids not
    in the register are ignored (the register decides what a unit is)."""
    by_id: dict[str, dict[str, Any]] = {}
    for item in live:
        get = item.get if isinstance(item, Mapping) else lambda k, _i=item: getattr(_i, k, None)
        fields: dict[str, Any] = {k: get(k) for k in _LIVE_FIELDS if get(k) is not None}
        if "status" in fields:
            fields["status"] = UnitStatus(fields["status"])
        by_id[str(get("id"))] = fields
    out = []
    for u in fleet.units:
        reported = by_id.get(u.id)
        if reported is None:
            out.append(_from_unit(u, stale=unreported_stale))
        else:
            merged: dict[str, Any] = {"lat": u.lat, "lon": u.lon, **reported}
            out.append(UnitState(id=u.id, type=u.type, name=u.name, home_kommun=u.home_kommun,
                                 affiliation=u.affiliation, publisher=u.publisher, **merged))
    return out


def resolve_states(states: Sequence[UnitState], register: Fleet | None = None, palette: Palette | None = None,
                   geography: Geography | None = None, source: str = "flottan") -> list[UnitState]:
    """Fill in what entries leave out from the register and check every entry.

    Raises DataFileError listing each problem with the entry (position and id) and field."""
    palette = palette or default_palette()
    geography = geography or default_geography()
    reg = (register or default_fleet()).by_id()
    problems: list[str] = []
    out: list[UnitState] = []
    seen: set[str] = set()
    for i, s in enumerate(states, start=1):
        where = f"post {i} ({s.id})"
        if s.id in seen:
            problems.append(f"{where}, fält 'id': enheten finns två gånger")
            continue
        seen.add(s.id)
        base = reg.get(s.id)
        fill: dict[str, Any] = {}
        for name in ("type", "name", "home_kommun", "affiliation", "lat", "lon"):
            if getattr(s, name) is None and base is not None:
                fill[name] = getattr(base, name)
        s = s.model_copy(update=fill) if fill else s
        if s.type is None:
            problems.append(f"{where}, fält 'type': saknas och enheten finns inte i enhetsregistret")
            continue
        if not palette.has(s.type):
            problems.append(f"{where}, fält 'type': okänd resurstyp {s.type!r}")
            continue
        if palette.type(s.type).kind == "remote":
            problems.append(f"{where}, fält 'type': {s.type} är en telefon-/bokningsresurs och har inga enheter")
            continue
        if s.home_kommun is None or not geography.has_kommun(s.home_kommun):
            problems.append(f"{where}, fält 'home_kommun': okänd eller saknad kommun {s.home_kommun!r}")
            continue
        if s.lat is None or s.lon is None or not in_skane(s.lat, s.lon):
            problems.append(f"{where}, fält 'lat'/'lon': position {s.lat}, {s.lon} saknas eller ligger utanför Skåne")
            continue
        if s.name is None:
            s = s.model_copy(update={"name": s.id})
        out.append(s)
    if problems:
        raise DataFileError(source, problems)
    return out


def load_fleet_state(path: Path | str, register: Fleet | None = None, palette: Palette | None = None,
                     geography: Geography | None = None) -> list[UnitState]:
    """Read a `--fleet` file (JSON or YAML) into checked unit states."""
    path = Path(path)
    data = read_structured(path)
    try:
        state = FleetState.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(path, describe_validation_error(exc, data, entry_key="id")) from exc
    return resolve_states(state.units, register, palette, geography, source=str(path))


class LiveReport(Protocol):
    """A unit's live fields as the feed state gives them (dispatch.feed.state.UnitView)."""

    @property
    def unit_id(self) -> str: ...
    @property
    def status(self) -> UnitStatus | None: ...  # None: never heard of (counted as free at its station)
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def case_id(self) -> int | None: ...
    @property
    def stale(self) -> bool: ...


class FleetSnapshot:
    """Numpy view of one fleet state. Build once per state; recommend against it many times.

    Units are held sorted by id, so "first minimum" in any per-type array is the lowest id —
    the deterministic tie-break. A snapshot is never changed after it is made (`updated` and
    `with_live` return changed copies), so it may be read from any thread."""

    _ARRAYS = ("lat", "lon", "status", "stale", "free_at", "case_id", "_outdated")

    def __init__(self, states: Sequence[UnitState], palette: Palette | None = None,
                 geography: Geography | None = None):
        self.palette = palette or default_palette()
        self.geography = geography or default_geography()
        units = sorted(states, key=lambda s: s.id)
        self._units: list[UnitState] = units
        n = len(units)
        self.ids = [u.id for u in units]
        self.index = {uid: i for i, uid in enumerate(self.ids)}
        if len(self.index) != n:
            raise ValueError("flottan innehåller samma enhet två gånger")
        self.lat = np.fromiter((u.lat for u in units), dtype=np.float64, count=n)
        self.lon = np.fromiter((u.lon for u in units), dtype=np.float64, count=n)
        self.status = np.fromiter((_STATUS_CODE[u.status] for u in units), dtype=np.int8, count=n)
        self.stale = np.fromiter((u.stale for u in units), dtype=bool, count=n)
        self.case_id = np.fromiter((-1 if u.case_id is None else u.case_id for u in units), dtype=np.int64, count=n)
        self.free_at = np.fromiter(
            (local_aware(u.expected_free_at).timestamp() if u.expected_free_at else np.nan for u in units),
            dtype=np.float64, count=n)
        # True where the arrays are newer than `_units[i]` (written by `with_live`; see `unit`).
        self._outdated = np.zeros(n, dtype=bool)
        self.affiliations: dict[str, int] = {}
        self.affiliation = np.fromiter((self._code(u.affiliation) for u in units), dtype=np.int32, count=n)
        delreg = {k.name: DELREGIONER.index(k.delregion) for k in self.geography.kommuner}
        # States come through resolve_states, which fills in `type` and `home_kommun`.
        self.delregion = np.fromiter((delreg[cast(str, u.home_kommun)] for u in units), dtype=np.int8, count=n)
        by_type: dict[str, list[int]] = {}
        for i, u in enumerate(units):
            by_type.setdefault(cast(str, u.type), []).append(i)
        self.type_index = {code: np.asarray(ix, dtype=np.intp) for code, ix in by_type.items()}
        self._derive()

    def _code(self, affiliation: str | None) -> int:
        if affiliation is None:
            return -1
        return self.affiliations.setdefault(affiliation, len(self.affiliations))

    def _derive(self) -> None:
        available = _AVAILABLE_BY_CODE[self.status]
        busy = _BUSY_BY_CODE[self.status]
        self.available = available
        # A unit can be counted if it is free now, or busy with a known expected free time.
        self.countable = available | (busy & ~np.isnan(self.free_at))

    def affiliation_code(self, affiliation: str | None) -> int | None:
        return self.affiliations.get(affiliation) if affiliation is not None else None

    def __len__(self) -> int:
        return len(self.ids)

    def unit(self, i: int) -> UnitState:
        """The unit at position `i` with its current live fields."""
        u = self._units[i]
        if not self._outdated[i]:
            return u
        case = int(self.case_id[i])
        return u.model_copy(update={"status": _STATUS_LIST[self.status[i]], "lat": float(self.lat[i]),
                                    "lon": float(self.lon[i]), "case_id": None if case < 0 else case,
                                    "stale": bool(self.stale[i])})

    @property
    def units(self) -> list[UnitState]:
        """Every unit with its current live fields, in snapshot order (builds the models that are out of date)."""
        if not self._outdated.any():
            return list(self._units)
        return [self.unit(i) for i in range(len(self._units))]

    def _copy(self) -> FleetSnapshot:
        new = object.__new__(FleetSnapshot)
        new.__dict__.update(self.__dict__)
        for name in self._ARRAYS:
            setattr(new, name, getattr(self, name).copy())
        return new

    def updated(self, changes: Iterable[UnitState]) -> FleetSnapshot:
        """A copy with live fields (status, position, case, stale, expected free time) of some
        units replaced. O(n) array copies, no re-validation of the unchanged units."""
        new = self._copy()
        new._units = list(self._units)
        for ch in changes:
            i = self.index.get(ch.id)
            if i is None:
                raise KeyError(f"okänd enhet: {ch.id}")
            upd = {k: getattr(ch, k) for k in _LIVE_FIELDS if k in ch.model_fields_set}
            cur = new.unit(i).model_copy(update=upd)
            new._units[i] = cur
            new._outdated[i] = False
            new.lat[i], new.lon[i] = cur.lat, cur.lon
            new.status[i] = _STATUS_CODE[cur.status]
            new.stale[i] = cur.stale
            new.case_id[i] = -1 if cur.case_id is None else cur.case_id
            new.free_at[i] = local_aware(cur.expected_free_at).timestamp() if cur.expected_free_at else np.nan
        new._derive()
        return new

    def with_live(self, reports: Iterable[LiveReport]) -> FleetSnapshot:
        """A copy with the feed's live fields (status, position, case, stale) of the reported units
        written straight into the arrays: O(n) array copies plus O(reported), no model is built or
        validated (`unit(i)` builds one when asked). A unit never heard of counts as free at its
        station, as in `merge_live`; ids not in the snapshot are ignored; the last report of a unit wins."""
        latest: dict[int, LiveReport] = {}
        index = self.index
        for r in reports:
            i = index.get(r.unit_id)
            if i is not None:
                latest[i] = r
        if not latest:
            return self
        new = self._copy()
        ix = np.fromiter(latest, dtype=np.intp, count=len(latest))
        rs = list(latest.values())
        new.lat[ix] = [r.lat for r in rs]
        new.lon[ix] = [r.lon for r in rs]
        new.status[ix] = [_STATUS_CODE[r.status or UnitStatus.AVAILABLE_AT_STATION] for r in rs]
        new.stale[ix] = [r.stale for r in rs]
        new.case_id[ix] = [-1 if r.case_id is None else r.case_id for r in rs]
        new._outdated[ix] = True
        new._derive()
        return new


@cache
def default_snapshot() -> FleetSnapshot:
    """The default fleet, every unit free at home (what `recommend` uses without --fleet).
    Built once; treat it as read-only (`updated` gives a changed copy)."""
    return FleetSnapshot(states_from_fleet(default_fleet()))
