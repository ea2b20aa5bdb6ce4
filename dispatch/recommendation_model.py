"""The recommendation as data: what the console shows, the CLI prints and the database stores."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from resources.vocabulary import Capability, Priority, TransportNeed, UnitStatus


class Option(BaseModel):
    """One resource that can be sent: a unit of a field type, or a remote type (no unit)."""

    model_config = ConfigDict(frozen=True)

    type_code: str
    type_name: str
    level: int
    kind: str  # field | remote
    unit_id: str | None = None
    unit_name: str | None = None
    unit_status: UnitStatus | None = None
    current_case_id: int | None = None
    eta_minutes: float  # until the unit is with the patient (0 for remote types)
    distance_km: float | None = None
    free_in_minutes: float = 0.0  # > 0 for a busy unit: when it is expected to be free
    in_time: bool = True  # with the patient within the part's max_minutes
    stale: bool = False  # the unit's status/position is not fresh from the feed
    missing_preferred: list[Capability] = []  # the part's preferred capabilities this type lacks
    reason: str  # Swedish, e.g. "lägsta tillräckliga nivå", "tillräcklig men högre nivå"


class PassedOver(BaseModel):
    """A palette type that was not recommended, and why (Swedish)."""

    model_config = ConfigDict(frozen=True)

    type_code: str
    type_name: str
    level: int
    reason: str
    text: str  # "<type name>: <reason>"


class Fallback(BaseModel):
    """When no type in the palette meets the need: the closest one, with what it lacks (for RLS)."""

    model_config = ConfigDict(frozen=True)

    option: Option
    missing: list[str]  # Swedish labels of the capabilities/transport it lacks


class PartRecommendation(BaseModel):
    model_config = ConfigDict(frozen=True)

    part: str  # the care-need part's role ("" for the primary part), also the assignment's `part`
    capabilities: list[Capability]
    preferred: list[Capability] = []  # welcome but not required (care need `preferred`)
    transport: TransportNeed
    max_minutes: int | None
    recommended: Option | None
    alternatives: list[Option]  # best unit of each other adequate type, by level
    passed_over: list[PassedOver]  # every other palette type with its reason, by level
    escalated: bool = False  # nothing adequate in time: the earliest adequate resource, late
    fallback: Fallback | None = None  # nothing adequate at all
    coverage_warning: str | None = None
    message: str

    def ranking(self) -> list[Option]:
        """Recommended first, then the alternatives."""
        return ([self.recommended] if self.recommended else []) + list(self.alternatives)


class PlanFollowing(BaseModel):
    """What the recommendation did with the patient's own plan (docs/recommendation.md, "The patient's plan")."""

    model_config = ConfigDict(frozen=True)

    followed: bool | None  # True: a first choice follows the plan; False: it cannot (why in `text`); None: the plan
    #                        names no resource for now (only notes)
    team: str  # the plan's team
    written_on: date
    instruction: str | None = None  # the plan's words that were (or could not be) followed, e.g. "Ring teamet dagtid"
    part: str | None = None  # the care-need part whose first choice follows the plan ("" the main part)
    text: str  # Swedish: "Följer patientens plan (…)", "Kan inte följa planen (…): …", "Behovet går utöver planen …"
    notes: list[str] = []  # what else the plan says that the dispatcher should see (e.g. "vill inte till sjukhus")


class ResourceRecommendation(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    priority: Priority
    kommun: str
    delregion: str
    lat: float
    lon: float
    case_id: int | None = None
    palette_version: str
    parts: list[PartRecommendation]
    coverage_warnings: list[str] = []
    plan: PlanFollowing | None = None  # the patient's current care plan, when it has something to say

    def part(self, role: str = "") -> PartRecommendation:
        for p in self.parts:
            if p.part == role:
                return p
        raise KeyError(f"vårdbehovet har ingen del {role!r}")
