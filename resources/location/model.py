"""The plain shapes the location code passes around: a register row, a place name, a search hit, a position."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field


class AddressRow(NamedTuple):
    """One belägenhetsadress, WGS84 (a tuple: the register holds half a million of them)."""

    street: str
    number: int | None
    letter: str
    postnummer: str
    postort: str
    kommun: str
    lat: float
    lon: float


class PlaceRow(NamedTuple):
    """A named place with one point: kind is e.g. "tätort", "småort", "sjukhus", "skola", "station"."""

    name: str
    kind: str
    kommun: str
    lat: float
    lon: float


class AddressHit(NamedTuple):
    """A search result: `label` is what the nurse reads ("Storgatan 12 B, 291 31 Kristianstad")."""

    label: str
    kind: str  # "address" or the place's kind
    kommun: str
    lat: float
    lon: float
    score: float


class PositionSource(StrEnum):
    ADDRESS = "address"  # chosen from the address register (or a place name)
    COORDINATES = "coordinates"  # typed in (WGS84 decimal, degrees-minutes, SWEREF 99 TM)
    PHONE = "phone"  # the caller's phone position (AML)
    MAP = "map"  # a click on the map
    KOMMUN_CENTRE = "kommun_centre"  # nothing better: the kommun's centre stands in


# How far the patient may be from a position of each kind when nothing better says (metres, a radius): a register
# point is the building's entrance or plot centre; the kommun's centre is anywhere in a kommun (Skåne's are < 30 km).
ADDRESS_ACCURACY_M = 15.0
KOMMUN_CENTRE_ACCURACY_M = 15_000.0

SOURCE_LABELS: dict[PositionSource, str] = {
    PositionSource.ADDRESS: "adressregistret",
    PositionSource.COORDINATES: "inmatade koordinater",
    PositionSource.PHONE: "telefonens position (AML)",
    PositionSource.MAP: "klick på kartan",
    PositionSource.KOMMUN_CENTRE: "kommunens centrum",
}


class Position(BaseModel):
    """A position as the case records it: where it came from, how accurate (metres, radius), when it was measured,
    and `flag`: why it is doubtful (Swedish), None when it is not."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    source: PositionSource
    accuracy_m: float | None = Field(default=None, ge=0)
    at: datetime | None = None
    flag: str | None = None
