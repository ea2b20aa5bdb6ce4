"""What the recommendation needs to know about a case (the `--case` file, or built from a stored case)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from resources.care_need import CareNeed
from resources.datafile import DataFileError, describe_validation_error, read_structured
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


def load_case(path: Path | str, geography: Geography | None = None) -> DispatchCase:
    """Read a `--case` file (JSON or YAML); errors name the file and field."""
    path = Path(path)
    data = read_structured(path)
    try:
        case = DispatchCase.model_validate(data)
        case.check_kommun(geography or default_geography())
    except ValidationError as exc:
        raise DataFileError(path, describe_validation_error(exc, data)) from exc
    except ValueError as exc:
        raise DataFileError(path, [f"fält 'kommun': {exc}"]) from exc
    return case


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
