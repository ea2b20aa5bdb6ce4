"""What the region knows about a patient that changes triage and dispatch."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from resources.care_plan import CarePlanView


class PatientContext(BaseModel):
    """Context looked up from the patient register and case history (plain data)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    personnummer: str | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    enrolled_mobile_team: str | None = Field(default=None, description="Team code of the mobile care team the patient is enrolled in")
    enrolled_asih: str | None = Field(default=None, description="ASIH unit the patient is enrolled in")
    lives_in_saebo: bool = False
    home_care: bool = Field(default=False, description="Receives kommunal hemsjukvård")
    listed_vardcentral: str | None = None
    known_psychiatric_team: str | None = None
    last_left_at_home: datetime | None = Field(default=None, description="When a recent contact ended 'lämnad hemma'")
    last_case_id: int | None = None
    register_known: bool = Field(
        default=True, description="False: the patient register was not consulted or has no entry for the patient, "
                                  "so triage asks the context questions it would answer (enrolled, ASIH, SÄBO, home "
                                  "care, age …) instead of counting an unknown as 'nej'")
    care_plan: CarePlanView | None = Field(
        default=None, description="The patient's own plan (care plans, treatment limitations, standing orders) as "
                                  "read, audited, from the register (records.care_plans.care_plan_for); None when not "
                                  "read")
