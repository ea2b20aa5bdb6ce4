"""The replay's records: a synthetic call (the generator writes it once, every variant reads the same one) and
what one variant did with it. Plain frozen dataclasses: a year is about 192,000 calls, so no per-record
validation beyond the call file's reader.

Times are minutes (float) since the replay year's start, 1 January 00:00 Swedish local time (`Manifest.year`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["1", "2", "3", "H"]  # modelled truth: time-critical, acute, within hours, safe with advice
SEVERITIES: tuple[Severity, ...] = ("1", "2", "3", "H")
Stream = Literal["A", "B"]  # A: 112 medical calls; B: healthcare orders (RSLc today)
CallerType = Literal["public", "home_care_staff", "saebo_staff", "professional"]
Answer = str | float  # "ja", "nej", "vet ej", a choice option's value, or a vital's number


@dataclass(frozen=True, slots=True)
class SyntheticCall:
    """One call of the synthetic year. `facts` are the truth for every question, red flag (key `flag:<id>`)
    and vital question (key `vital:<question id>`) of the complaint; `told` is what the caller says (a fact,
    "vet ej" or a misreport), with the same keys. `rng_key` seeds the engine's per-call draws (task times,
    conveyance), so every variant draws the same numbers for the same call (common random numbers). `year` makes a
    call self-contained: its local time is `replay.call_context.call_datetime(call)`."""

    call_id: int
    stream: Stream
    t_min: float
    kommun: str
    lat: float
    lon: float
    age: int
    caller: CallerType
    complaint: str
    severity: Severity
    need: str  # a need class of params/needs.yaml
    facts: dict[str, Answer]
    told: dict[str, Answer]
    rng_key: int
    patient_id: int | None = None  # a patient of the synthetic register; None for everyone else
    mobile_team: str | None = None
    asih: str | None = None
    saebo: bool = False
    home_care: bool = False
    listed_vardcentral: str | None = None
    psych_team: str | None = None
    year: int = 2021  # the replay year whose start `t_min` counts from (Manifest.year)


@dataclass(frozen=True, slots=True)
class Manifest:
    """The call file's header: what made the calls (no timestamps, so the same seed gives the same bytes)."""

    seed: int
    year: int
    call_count: int
    params_sha256: str
    ruleset_version: str
    ruleset_sha256: str
    volume_factor: float = 1.0
    limit_days: int | None = None
    git_commit: str | None = None
    format: str = "larmcentral-replay-calls/1"
    unknown_factor: float = 1.0  # × every caller's P("vet ej") (V7's sensitivity runs)


Disposition = str  # the primary resource type code that served the call (AMBULANS, LIGGANDE …), or the
# hänvisning type (EGENVARD, R1177, BOKNING_VC)


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What one variant did with one call: exactly one per call (a conservation check)."""

    call_id: int
    variant: str
    priority: str  # assigned: "1", "2", "3" or "hänvisning"
    oracle_priority: str  # the same triage answered with the true facts
    disposition: Disposition
    delregion: str
    units: tuple[str, ...] = ()  # every unit that was alerted for the call, in order
    dispatched_min: float | None = None  # first unit alerted, minutes since the year's start
    response_min: float | None = None  # first primary-part unit on scene minus the call's start
    queued_min: float = 0.0  # time waiting for a countable unit
    late: bool = False  # the recommendation could not meet the part's max_minutes
    no_adequate_type: bool = False  # the palette had no adequate type; served by the fallback
    under_resourced: bool = False  # the true need was not met: wrong types, too late, no unit (replay.need_met)
    conveyed: bool = False
    destination: str | None = None
    ed_visit: float = 0.0  # P(ED visit) under the assumption of params/outcomes.yaml


@dataclass(frozen=True, slots=True)
class Mission:
    """One unit's job for one call; no unit has two overlapping missions (a conservation check)."""

    call_id: int
    variant: str
    unit_id: str
    unit_type: str
    priority: str
    alerted_min: float
    on_scene_min: float
    free_min: float  # free again (ledig ute) after handover or leaving the scene
    conveyed: bool


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """A stretch when a delregion had no available ambulance based there (the product's coverage rule)."""

    variant: str
    delregion: str
    start_min: float
    end_min: float


@dataclass
class VariantResult:
    variant: str
    seed: int
    outcomes: list[CallOutcome] = field(default_factory=list)
    missions: list[Mission] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
