"""The call generator's parameters (replay/params/*.yaml) as strict pydantic models.

Every parameter block says where it comes from: `source:` (a key of the spec's source list and a short text) or
`assumption: true` with a `reason:`; a block with neither is refused. A bad file gives a Swedish
`DataFileError` naming the file and the field. `params_sha256` fingerprints the files for the call file's manifest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from replay.model import SEVERITIES, CallerType
from resources.datafile import DataFileError, describe_validation_error, read_structured
from resources.geography import Geography, default_geography
from triage_rules.schema import RuleSet

PARAMS_DIR = Path(__file__).with_name("params")
PARAM_FILES = ("volume", "arrivals", "spatial", "patients", "complaints", "needs", "answers")
"""The generator's files; other files in params/ belong to the engine and the report."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Sourced(_Strict):
    """A parameter block: its source, or an assumption with its reason."""

    source: str = ""
    assumption: bool = False
    reason: str = ""

    @model_validator(mode="after")
    def _says_where_from(self) -> Sourced:
        if not self.source.strip() and not (self.assumption and self.reason.strip()):
            raise ValueError("parametern saknar ursprung: ange source: eller assumption: true med reason:")
        return self


def _probabilities(values: dict[str, float], what: str) -> None:
    if any(v < 0 for v in values.values()) or sum(values.values()) <= 0:
        raise ValueError(f"{what}: sannolikheterna ska vara icke-negativa och inte alla noll")


# --- volume.yaml ------------------------------------------------------------------------------------------------
class Year(Sourced):
    value: int = Field(ge=2000, le=2100)


class StreamVolume(Sourced):
    calls_per_year: int = Field(gt=0)


class Growth(Sourced):
    base_year: int
    per_year: float = Field(ge=-0.5, le=0.5)


class VolumeParams(_Strict):
    year: Year
    streams: dict[str, StreamVolume]
    growth: Growth

    @model_validator(mode="after")
    def _both_streams(self) -> VolumeParams:
        if set(self.streams) != {"A", "B"}:
            raise ValueError("streams ska ha exakt strömmarna A och B")
        return self


# --- arrivals.yaml ----------------------------------------------------------------------------------------------
class HourOfDay(Sourced):
    factors: list[float] = Field(min_length=24, max_length=24)


class DayTypes(Sourced):
    weekday: float = Field(gt=0)
    saturday: float = Field(gt=0)
    sunday: float = Field(gt=0)


class Holidays(Sourced):
    as_sunday: bool = True
    include_eves: bool = True


class Winter(Sourced):
    months: list[int]
    factor: float = Field(gt=0)


class StreamBOffice(Sourced):
    share: float = Field(ge=0, le=1)
    start_hour: int = Field(ge=0, le=23)
    end_hour: int = Field(ge=1, le=24)


class ArrivalParams(_Strict):
    hour_of_day: HourOfDay
    day_types: DayTypes
    holidays: Holidays
    winter: Winter
    stream_b_office: StreamBOffice


# --- spatial.yaml -----------------------------------------------------------------------------------------------
class KommunWeight(Sourced):
    by: str = Field(pattern=r"^population$")


class Central(Sourced):
    share: float = Field(ge=0, le=1)
    radius_km: float = Field(gt=0)


class Spread(Sourced):
    share: float = Field(ge=0, le=1)


class Areas(Sourced):
    values: dict[str, float]


class SpatialParams(_Strict):
    kommun_weight: KommunWeight
    central: Central
    spread: Spread
    areas_km2: Areas

    @model_validator(mode="after")
    def _shares(self) -> SpatialParams:
        if abs(self.central.share + self.spread.share - 1) > 1e-9:
            raise ValueError("central.share + spread.share ska vara 1")
        return self


# --- patients.yaml ----------------------------------------------------------------------------------------------
class AgeBand(_Strict):
    min: int = Field(ge=0, le=130)
    max: int = Field(ge=0, le=130)
    share: float = Field(ge=0)


class AgeMix(Sourced):
    bands: list[AgeBand] = Field(min_length=1)


class RegisterGroup(Sourced):
    size: int = Field(ge=0)
    calls_per_person_year: float = Field(ge=0)
    age: list[float]
    home_care_share: float = Field(ge=0, le=1)


class Register(_Strict):
    mvt: RegisterGroup
    saebo: RegisterGroup
    home_care: RegisterGroup
    asih: RegisterGroup


class PsychTeam(Sourced):
    share: float = Field(ge=0, le=1)
    complaints: list[str]


class Listing(Sourced):
    mobile_team_share: float = Field(ge=0, le=1)


class Callers(Sourced):
    saebo: dict[CallerType, float]
    asih: dict[CallerType, float]
    mvt: dict[CallerType, float]
    home_care: dict[CallerType, float]
    none: dict[CallerType, float]


class PatientParams(_Strict):
    age_mix: AgeMix
    registry: Register = Field(alias="register")  # `register` would shadow BaseModel's attribute
    psych_team: PsychTeam
    listing: Listing
    callers: Callers

    @model_validator(mode="after")
    def _consistent(self) -> PatientParams:
        n = len(self.age_mix.bands)
        for name in ("mvt", "saebo", "home_care", "asih"):
            group: RegisterGroup = getattr(self.registry, name)
            if len(group.age) != n:
                raise ValueError(f"register.{name}.age ska ha en andel per åldersband ({n})")
            _probabilities({str(i): a for i, a in enumerate(group.age)}, f"register.{name}.age")
        for band in self.age_mix.bands:
            if band.min > band.max:
                raise ValueError(f"age_mix: åldersbandet {band.min}–{band.max} är omvänt")
        for name in ("saebo", "asih", "mvt", "home_care", "none"):
            _probabilities(dict(getattr(self.callers, name)), f"callers.{name}")
        return self


# --- complaints.yaml --------------------------------------------------------------------------------------------
class ComplaintRow(_Strict):
    code: str = Field(min_length=1)
    a: float = Field(ge=0)
    b: float = Field(ge=0)
    severity: list[float] = Field(min_length=4, max_length=4)

    @model_validator(mode="after")
    def _split(self) -> ComplaintRow:
        _probabilities({s: p for s, p in zip(SEVERITIES, self.severity, strict=True)}, f"{self.code}: severity")
        return self


class AgeLimit(_Strict):
    min: int = Field(default=0, ge=0)
    max: int = Field(default=130, le=130)


class AgeLimits(Sourced):
    limits: dict[str, AgeLimit] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: Any) -> Any:
        """The file lists the limits beside source/assumption/reason; gather them under `limits`."""
        if isinstance(data, dict) and "limits" not in data:
            meta = {k: v for k, v in data.items() if k in ("source", "assumption", "reason")}
            return {**meta, "limits": {k: v for k, v in data.items() if k not in meta}}
        return data


class ComplaintParams(_Strict):
    shares: Sourced
    complaints: list[ComplaintRow] = Field(min_length=1)
    age_limits: AgeLimits

    @model_validator(mode="after")
    def _unique(self) -> ComplaintParams:
        codes = [c.code for c in self.complaints]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"kontaktorsaken förekommer två gånger: {', '.join(twice)}")
        return self


# --- needs.yaml -------------------------------------------------------------------------------------------------
class NeedClass(_Strict):
    care_need: str = Field(min_length=1)
    by_severity: dict[str, str] = Field(default_factory=dict)
    severity_limits: bool = False
    text: str = ""

    def template(self, severity: str) -> str:
        return self.by_severity.get(severity, self.care_need)


class SeverityMinutes(Sourced):
    values: dict[str, int]


class FrailHomeFactor(_Strict):
    factor: float = Field(ge=0)
    classes: list[str]


class NeedParams(Sourced):
    classes: dict[str, NeedClass] = Field(min_length=1)
    severity_minutes: SeverityMinutes
    default: dict[str, dict[str, float]]
    complaints: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict)
    frail_home_factor: FrailHomeFactor

    @model_validator(mode="after")
    def _known_classes(self) -> NeedParams:
        if set(self.default) != set(SEVERITIES):
            raise ValueError(f"default ska ha en fördelning per svårighetsgrad {', '.join(SEVERITIES)}")
        tables = [(f"default.{s}", d) for s, d in self.default.items()]
        tables += [(f"complaints.{c}.{s}", d) for c, by_s in self.complaints.items() for s, d in by_s.items()]
        for where, dist in tables:
            unknown = sorted(set(dist) - set(self.classes))
            if unknown:
                raise ValueError(f"{where}: okänd behovsklass {', '.join(unknown)}")
            _probabilities(dist, where)
        for c, by_s in self.complaints.items():
            bad = sorted(set(by_s) - set(SEVERITIES))
            if bad:
                raise ValueError(f"complaints.{c}: okänd svårighetsgrad {', '.join(bad)}")
        unknown = sorted(set(self.frail_home_factor.classes) - set(self.classes))
        if unknown:
            raise ValueError(f"frail_home_factor.classes: okänd behovsklass {', '.join(unknown)}")
        return self


# --- answers.yaml -----------------------------------------------------------------------------------------------
class RedFlagTruth(Sourced):
    p_true: dict[str, float]


class YesNo(Sourced):
    p_at_least: float = Field(ge=0, le=1)
    p_one_less: float = Field(ge=0, le=1)
    p_else: float = Field(ge=0, le=1)


class Choice(Sourced):
    gap_weight: float = Field(ge=0)


class NeedBranch(Sourced):
    p_matching: float = Field(ge=0, le=1)


class VitalBands(Sourced):
    bands: dict[str, list[float]]

    @model_validator(mode="before")
    @classmethod
    def _gather(cls, data: Any) -> Any:
        if isinstance(data, dict) and "bands" not in data:
            meta = {k: v for k, v in data.items() if k in ("source", "assumption", "reason")}
            return {**meta, "bands": {k: v for k, v in data.items() if k not in meta}}
        return data


class Unknown(_Strict):
    question: float = Field(ge=0, le=1)
    vital: float = Field(ge=0, le=1)


class UnknownByCaller(Sourced):
    public: Unknown
    home_care_staff: Unknown
    saebo_staff: Unknown
    professional: Unknown

    def of(self, caller: CallerType) -> Unknown:
        found: Unknown = getattr(self, caller)
        return found


class Misreport(Sourced):
    p: float = Field(ge=0, le=1)


class CallTaker(Sourced):
    factors: dict[str, float]
    used: str

    @model_validator(mode="after")
    def _known(self) -> CallTaker:
        if self.used not in self.factors:
            raise ValueError(f"used: okänd mottagare {self.used!r} (kända: {', '.join(self.factors)})")
        return self


class AnswerParams(_Strict):
    red_flags: RedFlagTruth
    yes_no: YesNo
    choice: Choice
    need_branch: NeedBranch
    vital_bands: VitalBands
    unknown: UnknownByCaller
    misreport: Misreport
    call_taker: CallTaker

    @model_validator(mode="after")
    def _per_severity(self) -> AnswerParams:
        for where, table in (("red_flags.p_true", self.red_flags.p_true), ("vital_bands", self.vital_bands.bands)):
            if set(table) != set(SEVERITIES):
                raise ValueError(f"{where} ska ha en post per svårighetsgrad {', '.join(SEVERITIES)}")
        for s, band in self.vital_bands.bands.items():
            if len(band) != 3:
                raise ValueError(f"vital_bands.{s} ska ha tre andelar (normal, Prio 2, Prio 1)")
            _probabilities({str(i): p for i, p in enumerate(band)}, f"vital_bands.{s}")
        return self


class ReplayParams(_Strict):
    volume: VolumeParams
    arrivals: ArrivalParams
    spatial: SpatialParams
    patients: PatientParams
    complaints: ComplaintParams
    needs: NeedParams
    answers: AnswerParams
    sha256: str = ""

    def with_year(self, year: int) -> ReplayParams:
        """The same parameters for another replay year (volume grows with `growth`), e.g. 2026."""
        volume = self.volume.model_copy(update={"year": self.volume.year.model_copy(update={"value": year})})
        return self.model_copy(update={"volume": volume})


_MODELS: dict[str, type[BaseModel]] = {
    "volume": VolumeParams, "arrivals": ArrivalParams, "spatial": SpatialParams, "patients": PatientParams,
    "complaints": ComplaintParams, "needs": NeedParams, "answers": AnswerParams,
}


def load_params(directory: Path | str = PARAMS_DIR, *, ruleset: RuleSet | None = None,
                geography: Geography | None = None) -> ReplayParams:
    """Load and check the generator's files in `directory`; with `ruleset`, also check the complaint codes and the
    need classes' care-need templates against it. Raises DataFileError (Swedish, naming file and field)."""
    directory = Path(directory)
    parts: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name in PARAM_FILES:
        path = directory / f"{name}.yaml"
        if not path.exists():
            raise DataFileError(path, ["parameterfilen saknas"])
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        data = read_structured(path)
        try:
            parts[name] = _MODELS[name].model_validate(data)
        except ValidationError as exc:
            raise DataFileError(path, describe_validation_error(exc, data, entry_key="code")) from exc
    params = ReplayParams(**parts, sha256=digest.hexdigest())
    _check_geography(params, directory, geography or default_geography())
    if ruleset is not None:
        check_against_ruleset(params, ruleset, directory)
    return params


def _check_geography(params: ReplayParams, directory: Path, geo: Geography) -> None:
    names = {k.name for k in geo.kommuner}
    areas = params.spatial.areas_km2.values
    problems = [f"fält 'areas_km2', fält 'values': kommunen {k} saknas" for k in sorted(names - set(areas))]
    problems += [f"fält 'areas_km2', fält 'values', fält '{k}': okänd kommun" for k in sorted(set(areas) - names)]
    problems += [f"fält 'areas_km2', fält 'values', fält '{k}': ytan ska vara större än 0"
                 for k, a in areas.items() if a <= 0]
    if problems:
        raise DataFileError(directory / "spatial.yaml", problems)


def check_against_ruleset(params: ReplayParams, ruleset: RuleSet, directory: Path | str = PARAMS_DIR) -> None:
    """The complaint table must list exactly the rule set's complaints, and every need class's care-need
    template must exist in it."""
    directory = Path(directory)
    ours = [c.code for c in params.complaints.complaints]
    theirs = [c.code for c in ruleset.complaints]
    problems = [f"fält 'complaints': kontaktorsaken {c} finns inte i regelverk {ruleset.version}"
                for c in ours if c not in theirs]
    problems += [f"fält 'complaints': regelverk {ruleset.version} har kontaktorsaken {c}, som saknas här"
                 for c in theirs if c not in ours]
    limited = params.complaints.age_limits.limits
    problems += [f"fält 'age_limits', fält '{c}': okänd kontaktorsak" for c in limited if c not in theirs]
    if problems:
        raise DataFileError(directory / "complaints.yaml", problems)
    bad = [f"fält 'classes', fält '{name}': vårdbehovsmallen {t} finns inte i regelverk {ruleset.version}"
           for name, cls in params.needs.classes.items() for t in {cls.care_need, *cls.by_severity.values()}
           if t not in ruleset.care_needs]
    bad += [f"fält 'complaints', fält '{c}': okänd kontaktorsak" for c in params.needs.complaints if c not in theirs]
    if bad:
        raise DataFileError(directory / "needs.yaml", bad)
