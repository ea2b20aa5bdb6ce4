"""The vital-sign scoring data (NEWS2, qSOFA, children's ranges, glucose) as a versioned, validated file.

The published thresholds are data, not code: `triage_rules/scores/<version>.yaml`, named by a rule
set's `vital_scores` key. `triage_rules.scoring` applies them. Format and sources: docs/triage-rules.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from resources.datafile import DataFileError, describe_validation_error, read_structured
from resources.numbers import sv_number
from resources.vocabulary import Priority

SCORES_DIR = Path(__file__).with_name("scores")

VITAL_NAMES: Final = ("rr", "spo2", "pulse", "sbp", "temp", "avpu", "glucose")
"""The vital signs a session takes (TriageSession.set_vital)."""
NUMERIC_VITALS: Final = ("rr", "spo2", "pulse", "sbp", "temp", "glucose")
AVPU_VALUES: Final = ("A", "C", "V", "P", "U")
FALLBACK_RANGES: Final = {"rr": (0.0, 80.0), "spo2": (50.0, 100.0), "pulse": (20.0, 250.0), "sbp": (40.0, 300.0),
                          "temp": (30.0, 44.0), "glucose": (0.5, 60.0)}
"""Plausible values when a rule set names no scoring file (the file's own `ranges` otherwise)."""
VITAL_LABELS: Final = {
    "rr": ("Andningsfrekvens", "/min"), "spo2": ("Saturation", "%"), "pulse": ("Puls", "/min"),
    "sbp": ("Systoliskt blodtryck", "mmHg"), "temp": ("Temperatur", "°C"), "avpu": ("Medvetandegrad (ACVPU)", ""),
    "glucose": ("Blodsocker", "mmol/l"),
}


class VitalScoresError(DataFileError):
    """A scoring file that cannot be used; `problems` names every problem."""


def _int_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Model):
    """A score band: values up to and including `upto` (the last band has none) score `score`."""

    upto: float | None = None
    score: int = Field(ge=0, le=3)
    on_air: int | None = Field(default=None, ge=0, le=3, description="The score without supplemental oxygen")


class News2Parameters(_Model):
    rr: list[Band]
    spo2_scale1: list[Band]
    spo2_scale2: list[Band]
    supplemental_oxygen: int = Field(ge=0, le=3)
    sbp: list[Band]
    pulse: list[Band]
    consciousness: dict[str, int]
    temp: list[Band]


class News2Response(_Model):
    """Raise to `raise_to` when the total reaches `total_at_least`, or any parameter scores `any_parameter`."""

    total_at_least: int | None = Field(default=None, ge=1)
    any_parameter: int | None = Field(default=None, ge=1, le=3)
    raise_to: Priority
    reason: str = Field(min_length=1)

    _p = field_validator("raise_to", mode="before")(_int_to_str)


class News2(_Model):
    source: str = Field(min_length=1)
    min_age: int = Field(ge=0, le=130)
    parameters: News2Parameters
    response: list[News2Response] = Field(min_length=1)


class QsofaResponse(_Model):
    criteria_at_least: int = Field(ge=1, le=3)
    raise_to: Priority
    reason: str = Field(min_length=1)

    _p = field_validator("raise_to", mode="before")(_int_to_str)


class Qsofa(_Model):
    source: str = Field(min_length=1)
    min_age: int = Field(ge=0, le=130)
    fever_above: float
    hypothermia_below: float
    rr_at_least: float
    sbp_at_most: float
    altered_mentation: list[str] = Field(min_length=1)
    response: list[QsofaResponse] = Field(min_length=1)


class VitalThreshold(_Model):
    """A value strictly below/above a limit, or one of `values` (ACVPU), raises to at least `raise_to`."""

    vital: str
    below: float | None = None
    above: float | None = None
    values: list[str] = Field(default_factory=list)
    raise_to: Priority
    reason: str = Field(min_length=1)

    _p = field_validator("raise_to", mode="before")(_int_to_str)

    def matches(self, value: float | str) -> bool:
        if isinstance(value, str):
            return value in self.values
        if self.below is not None and value < self.below:
            return True
        return self.above is not None and value > self.above


class AgeBand(_Model):
    from_age: int = Field(ge=0)
    to_age: int = Field(ge=0)
    label: str = Field(min_length=1)
    thresholds: list[VitalThreshold] = Field(default_factory=list)


class Paediatric(_Model):
    source: str = Field(min_length=1)
    below_age: int = Field(ge=1, le=130)
    all_ages: list[VitalThreshold] = Field(default_factory=list)
    bands: list[AgeBand] = Field(min_length=1)

    def band(self, age: int) -> AgeBand | None:
        return next((b for b in self.bands if b.from_age <= age <= b.to_age), None)


class Glucose(_Model):
    source: str = Field(min_length=1)
    thresholds: list[VitalThreshold] = Field(default_factory=list)


class VitalScores(_Model):
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    ranges: dict[str, tuple[float, float]]
    news2: News2
    qsofa: Qsofa
    paediatric: Paediatric
    glucose: Glucose


def load_vital_scores(name: str, directory: Path | None = None) -> VitalScores:
    """The scoring file `name` (without .yaml), validated; raises VitalScoresError naming every problem."""
    return _load(name, directory or SCORES_DIR)


@cache
def _load(name: str, directory: Path) -> VitalScores:
    path = directory / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "inga"
        raise VitalScoresError(path, [f"{path}: vitalparameterpoängen '{name}' finns inte (kända: {known})"])
    try:
        data = read_structured(path)
    except DataFileError as exc:
        raise VitalScoresError(path, [f"{path}: {p}" for p in exc.problems]) from exc
    try:
        scores = VitalScores.model_validate(data)
    except ValidationError as exc:
        lines = describe_validation_error(exc, data if isinstance(data, dict) else {}, entry_key="vital")
        raise VitalScoresError(path, [f"{path}: {line}" for line in lines]) from exc
    problems = [f"{path}: {p}" for p in check_vital_scores(scores)]
    if scores.version != name:
        problems.append(f"{path}: 'version' är '{scores.version}' men filen heter {name}.yaml")
    if problems:
        raise VitalScoresError(path, problems)
    return scores


def check_vital_scores(s: VitalScores) -> list[str]:
    """What the shape allows but makes no sense: bands out of order, gaps in the age bands, unknown vital
    signs, limits outside the plausible range, a raise to hänvisning."""
    problems: list[str] = []
    for name in NUMERIC_VITALS:
        low, high = s.ranges.get(name, (0.0, 0.0))
        if name not in s.ranges:
            problems.append(f"ranges: saknar rimligt intervall för '{name}'")
        elif low >= high:
            problems.append(f"ranges › {name}: min måste vara mindre än max")
    for name in s.ranges:
        if name not in NUMERIC_VITALS:
            problems.append(f"ranges: okänd vitalparameter '{name}' (kända: {', '.join(NUMERIC_VITALS)})")
    p = s.news2.parameters
    for name in ("rr", "spo2_scale1", "spo2_scale2", "sbp", "pulse", "temp"):
        problems += _bands(f"news2 › parameters › {name}", getattr(p, name))
    if sorted(p.consciousness) != sorted(AVPU_VALUES):
        problems.append(f"news2 › parameters › consciousness: ska ge poäng för exakt {', '.join(AVPU_VALUES)}")
    if any(not 0 <= v <= 3 for v in p.consciousness.values()):
        problems.append("news2 › parameters › consciousness: poängen ska vara 0–3")
    for i, r in enumerate(s.news2.response, start=1):
        where = f"news2 › response {i}"
        if (r.total_at_least is None) == (r.any_parameter is None):
            problems.append(f"{where}: ange exakt en av 'total_at_least' och 'any_parameter'")
        problems += _raise(where, r.raise_to)
    for i, q in enumerate(s.qsofa.response, start=1):
        problems += _raise(f"qsofa › response {i}", q.raise_to)
    problems += [f"qsofa › altered_mentation: okänt värde '{v}' (ACVPU)" for v in s.qsofa.altered_mentation
                 if v not in AVPU_VALUES]
    problems += _age_bands(s.paediatric)
    for where, thresholds in [("paediatric › all_ages", s.paediatric.all_ages),
                              *((f"paediatric › {b.label}", b.thresholds) for b in s.paediatric.bands),
                              ("glucose", s.glucose.thresholds)]:
        for i, t in enumerate(thresholds, start=1):
            problems += _threshold(f"{where}, gräns {i}", t, s.ranges)
    return problems


def _bands(where: str, bands: list[Band]) -> list[str]:
    problems = []
    limits = [b.upto for b in bands]
    if not bands or limits[-1] is not None:
        problems.append(f"{where}: sista bandet ska sakna 'upto' (gäller alla högre värden)")
    inner = [x for x in limits[:-1] if x is not None]
    if len(inner) != len(limits[:-1]):
        problems.append(f"{where}: bara sista bandet får sakna 'upto'")
    elif inner != sorted(inner) or len(set(inner)) != len(inner):
        problems.append(f"{where}: banden ska stå i stigande ordning efter 'upto'")
    return problems


def _raise(where: str, raise_to: Priority) -> list[str]:
    return [f"{where}: vitalparametrar kan bara höja prioriteten; 'raise_to' kan inte vara hänvisning"] \
        if raise_to is Priority.REFERRAL else []


def _age_bands(p: Paediatric) -> list[str]:
    problems = []
    expected = 0
    for b in sorted(p.bands, key=lambda b: b.from_age):
        if b.to_age < b.from_age:
            problems.append(f"paediatric › {b.label}: 'to_age' är lägre än 'from_age'")
        if b.from_age != expected:
            problems.append(f"paediatric › {b.label}: åldersbanden ska ansluta utan glapp eller överlapp "
                            f"(väntade från {expected} år, inte {b.from_age})")
        expected = b.to_age + 1
    if expected != p.below_age:
        problems.append(f"paediatric: åldersbanden ska täcka 0 till {p.below_age - 1} år (slutar vid {expected - 1})")
    return problems


def _threshold(where: str, t: VitalThreshold, ranges: dict[str, tuple[float, float]]) -> list[str]:
    problems = _raise(where, t.raise_to)
    if t.vital not in VITAL_NAMES:
        return [*problems, f"{where}: okänd vitalparameter '{t.vital}' (kända: {', '.join(VITAL_NAMES)})"]
    if t.vital == "avpu":
        if t.below is not None or t.above is not None or not t.values:
            problems.append(f"{where}: medvetandegrad anges med 'values' (A, C, V, P, U), inte below/above")
        problems += [f"{where}: okänt värde '{v}' (ACVPU)" for v in t.values if v not in AVPU_VALUES]
        return problems
    bounds = [b for b in (t.below, t.above) if b is not None]
    if len(bounds) != 1 or t.values:
        problems.append(f"{where}: en gräns ska ha exakt en av 'below' och 'above'")
    low, high = ranges.get(t.vital, (float("-inf"), float("inf")))
    problems += [f"{where}: gränsvärdet {sv_number(b)} ligger utanför rimligt intervall {sv_number(low)}–{sv_number(high)}"
                 for b in bounds if not low <= b <= high]
    return problems
