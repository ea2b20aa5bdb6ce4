"""The palette: every resource type the larmcentral can send or refer to, as validated data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from resources.clock import WEEKDAY_LABELS, WEEKDAYS, Weekday
from resources.datafile import load_model
from resources.vocabulary import Capability, Priority, TransportNeed
from resources.week_hours import week_label, week_minutes

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_PALETTE_FILE = DATA_DIR / "palette.yaml"



class Serves(StrEnum):
    """Which patients a resource type may serve."""

    ALL = "all"
    ENROLLED_OR_LISTED = "enrolled_or_listed"  # mobile team: its enrolled or listed patients
    ENROLLED_ASIH = "enrolled_asih"
    KNOWN_PSYCHIATRIC = "known_psychiatric"
    CATCHMENT = "catchment"  # hospital teams: patients in their delregion


class ServiceWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    days: tuple[Weekday, ...] = Field(min_length=1)
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")

    def _minutes(self, hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    def covers(self, at: datetime) -> bool:
        """True if `at` falls in this window. A window ending before it starts runs past midnight
        and belongs to the day it starts on."""
        start, end = self._minutes(self.start), self._minutes(self.end)
        minute = at.hour * 60 + at.minute
        today = WEEKDAYS[at.weekday()]
        yesterday = WEEKDAYS[(at.weekday() - 1) % 7]
        if start < end:
            return today in self.days and start <= minute < end
        return (today in self.days and minute >= start) or (yesterday in self.days and minute < end)

    def label(self) -> str:
        days = self.days
        if days == WEEKDAYS:
            d = "alla dagar"
        elif days == WEEKDAYS[:5]:
            d = "vardagar"
        elif days == WEEKDAYS[5:]:
            d = "helger"
        else:
            d = ", ".join(WEEKDAY_LABELS[x] for x in days)
        return f"{d} {self.start[:2]}–{self.end[:2]}"


# Capabilities that include another one: a type with the key must also list the value.
IMPLIED_CAPABILITIES: dict[Capability, Capability] = {
    Capability.PHYSICIAN_ASSESSMENT: Capability.NURSE_ASSESSMENT,
}


class SpeedProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kmh: float = Field(gt=0, le=200)
    prio1_kmh: float = Field(gt=0, le=200)
    road_factor: float = Field(ge=1.0, le=3.0)
    mobilisation_minutes: float = Field(ge=0, le=120)


class ResourceType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9_]+$")
    name: str = Field(min_length=1)
    level: int = Field(ge=0)
    kind: Literal["field", "remote"]
    capabilities: frozenset[Capability] = Field(min_length=1)
    transport: TransportNeed
    priorities: frozenset[Priority] = Field(min_length=1)
    serves: Serves
    reserved_for: frozenset[Capability] = Field(
        default=frozenset(),
        description="Specialised type: adequate only for a care need that requires or prefers one of these "
                    "capabilities (e.g. PAP: psychiatric_assessment); empty = any need it can meet",
    )
    service_hours: tuple[ServiceWindow, ...] = Field(min_length=1)
    speed: SpeedProfile | None = None

    @model_validator(mode="after")
    def _field_types_have_speed(self) -> ResourceType:
        if self.kind == "field" and self.speed is None:
            raise ValueError("en fältresurs måste ha 'speed' (hastighetsprofil)")
        return self

    @model_validator(mode="after")
    def _consistent_capabilities(self) -> ResourceType:
        # A physician's assessment includes what a nurse's assessment covers; the file must say so
        # explicitly (the loader refuses rather than adds, so the file shows what the type can do).
        for cap, implied in IMPLIED_CAPABILITIES.items():
            if cap in self.capabilities and implied not in self.capabilities:
                raise ValueError(f"förmågan '{cap.value}' ({cap.label}) förutsätter '{implied.value}' "
                                 f"({implied.label}); lägg till den i 'capabilities'")
        outside = self.reserved_for - self.capabilities
        if outside:
            names = ", ".join(sorted(c.value for c in outside))
            raise ValueError(f"'reserved_for' nämner förmågor som typen inte har: {names}")
        return self

    def in_service(self, at: datetime) -> bool:
        return any(w.covers(at) for w in self.service_hours)

    def round_the_clock(self) -> bool:
        """In service every minute of the week (then it never closes)."""
        return _covered_minutes(self.service_hours) == 7 * 24 * 60

    def hours_label(self) -> str:
        """As a person says it, e.g. "vardagar 17–08, helger dygnet runt" (resources.week_hours)."""
        return _hours_label(self.service_hours)

    def provides(self, transport: TransportNeed) -> bool:
        return transport.rank <= self.transport.rank

    def missing(self, capabilities: frozenset[Capability]) -> frozenset[Capability]:
        return capabilities - self.capabilities

    def reserved_against(self, requested: frozenset[Capability]) -> bool:
        """True when the type is reserved (`reserved_for`) and the need asks for none of its
        capabilities; `requested` = required plus preferred (`CareNeedPart.requested`)."""
        return bool(self.reserved_for) and not (self.reserved_for & requested)

    def reserved_label(self) -> str:
        """Swedish reason a reserved type is passed over, e.g. "endast för vårdbehov med psykiatrisk bedömning"."""
        labels = " eller ".join(c.label.lower() for c in sorted(self.reserved_for, key=list(Capability).index))
        return f"endast för vårdbehov med {labels}"


# Per distinct set of windows (a palette has a handful): the recommendation asks for every type out of service.
@cache
def _hours_label(windows: tuple[ServiceWindow, ...]) -> str:
    return week_label(week_minutes((w.days, w.start, w.end) for w in windows))


@cache
def _covered_minutes(windows: tuple[ServiceWindow, ...]) -> int:
    return sum(week_minutes((w.days, w.start, w.end) for w in windows))


class Palette(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    types: tuple[ResourceType, ...] = Field(min_length=1)

    @field_validator("types")
    @classmethod
    def _unique_codes_and_levels(cls, types: tuple[ResourceType, ...]) -> tuple[ResourceType, ...]:
        seen_codes: set[str] = set()
        seen_levels: dict[int, str] = {}
        for t in types:
            if t.code in seen_codes:
                raise ValueError(f"resurstypen {t.code} finns två gånger")
            if t.level in seen_levels:
                raise ValueError(f"{t.code} och {seen_levels[t.level]} har samma nivå {t.level}; nivåerna måste vara unika")
            seen_codes.add(t.code)
            seen_levels[t.level] = t.code
        return tuple(sorted(types, key=lambda t: t.level))

    def type(self, code: str) -> ResourceType:
        return self._by_code()[code]

    def has(self, code: str) -> bool:
        return code in self._by_code()

    def _by_code(self) -> dict[str, ResourceType]:
        return _index(self)


@cache
def _index(palette: Palette) -> dict[str, ResourceType]:
    return {t.code: t for t in palette.types}


def load_palette(path: Path | str = DEFAULT_PALETTE_FILE) -> Palette:
    """Load and validate a palette file; raises DataFileError naming the file, entry and field."""
    return load_model(Path(path), Palette)


@cache
def default_palette() -> Palette:
    return load_palette(DEFAULT_PALETTE_FILE)


