"""What the recommendation needs to know about a case (the `--case` file, or built from a stored case)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator

from resources.care_need import CareNeed
from resources.datafile import DataFileError, describe_validation_error, parse_structured, read_structured
from resources.geography import Geography, default_geography, in_skane
from resources.patient_context import PatientContext
from resources.vocabulary import Priority


class DispatchCase(BaseModel):
    """A triaged case, as the recommendation takes it (docs/recommendation.md, "Case")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    priority: Priority
    care_need: CareNeed
    lat: float
    lon: float
    kommun: str
    context: PatientContext = Field(default_factory=PatientContext)
    case_id: int | None = None

    @field_validator("care_need")
    @classmethod
    def _role_fits(cls, care_need: CareNeed) -> CareNeed:
        for i, part in enumerate(care_need.parts()):
            if len(part.role) > 32:
                raise ValueError(f"vårdbehovets del {i + 1}: 'role' får vara högst 32 tecken")
        return care_need

    @field_validator("lon")
    @classmethod
    def _inside_skane(cls, lon: float, info: ValidationInfo) -> float:
        """Checked on `lon` (after `lat`), so the error names the position's field, not the whole file."""
        lat = info.data.get("lat")
        if lat is not None and not in_skane(lat, lon):
            raise ValueError(f"positionen lat {lat}, lon {lon} ligger utanför Skåne")
        return lon

    def check_kommun(self, geography: Geography) -> None:
        if not geography.has_kommun(self.kommun):
            raise ValueError(f"okänd kommun {self.kommun!r} i ärendet")


# The fields of a triage result (triage_rules.results.TriageResult; `main.py triage` prints a case, see
# docs/recommendation.md "Case"). A case file may carry them; the recommendation does not use them.
# tests/dispatch/test_triage_pipes_to_recommend.py checks this list against TriageResult.
TRIAGE_FIELDS = frozenset({"ruleset_version", "complaint", "complaint_name", "endpoint", "endpoint_priority", "flags",
                           "reasons", "path", "red_flag", "recontact", "override", "triaged_at", "vitals", "news2",
                           "limitations"})


class CaseFile(BaseModel):
    """A case file as read: the case, and the time of the decision when the file gives one (`at`)."""

    model_config = ConfigDict(frozen=True)

    case: DispatchCase
    at: datetime | None = None


def load_case(path: Path | str, geography: Geography | None = None) -> DispatchCase:
    """Read a `--case` file (JSON or YAML); errors name the file and field."""
    return load_case_file(path, geography).case


def load_case_file(path: Path | str, geography: Geography | None = None, *, text: str | None = None) -> CaseFile:
    """Read a case file (JSON or YAML; `text` when it came on standard input, `path` then names it): the
    case format of docs/recommendation.md, which `main.py triage` prints. Without `lat`/`lon` the patient is
    placed at the kommun's centre. Errors name the file and field."""
    path = Path(path)
    data = read_structured(path) if text is None else parse_structured(text, path)
    geography = geography or default_geography()
    at: Any = None
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in TRIAGE_FIELDS}
        at = data.pop("at", None)
        kommun = data.get("kommun")
        if "lat" not in data and "lon" not in data:
            if kommun is None:
                raise DataFileError(path, ["fält 'kommun': saknas (ange kommunen, t.ex. main.py triage --kommun "
                                           "Lund; utan lat/lon placeras patienten i kommunens centrum)"])
            if isinstance(kommun, str) and geography.has_kommun(kommun):
                place = geography.kommun(kommun)
                data = {**data, "lat": place.lat, "lon": place.lon}
    try:
        when = TypeAdapter(datetime | None).validate_python(at)
    except ValidationError as exc:
        raise DataFileError(path, [f"fält 'at': {at!r} är ingen ISO-tid (t.ex. 2026-03-14T22:00)"]) from exc
    try:
        case = DispatchCase.model_validate(data)
        case.check_kommun(geography)
    except ValidationError as exc:
        raise DataFileError(path, describe_validation_error(exc, data)) from exc
    except ValueError as exc:
        raise DataFileError(path, [f"fält 'kommun': {exc}"]) from exc
    return CaseFile(case=case, at=when)


def case_from_record(case: Any, context: PatientContext | None = None) -> DispatchCase:
    """A DispatchCase from a stored case (records.cases.CaseView or a Case row).

    Raises ValueError in Swedish when the case is not yet triaged or has no position."""
    missing = [label for name, label in (("priority", "prioritet"), ("care_need", "vårdbehov"), ("lat", "position"),
                                        ("kommun", "kommun")) if getattr(case, name) is None]
    if missing:
        raise ValueError(f"Ärende {case.id} saknar {', '.join(missing)} och kan inte få en resursrekommendation.")
    return DispatchCase(priority=Priority(case.priority), care_need=CareNeed.model_validate(case.care_need),
                        lat=case.lat, lon=case.lon, kommun=case.kommun, context=context or PatientContext(),
                        case_id=case.id)
