"""What an outcome records about the patient's own plan (docs/outcomes.md, "The patient's plan"): whether the plan
was followed — asked when the patient had a current care plan — and the team responsible for the patient, for the
per-team statistics the teams and RLS revise their plans by."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import CarePlanRow, Case, Patient
from records.personnummer import InvalidPersonnummer, normalise
from records.text_fields import check_optional_text

PlanFollowed = Literal["yes", "no", "not_applicable"]
PLAN_FOLLOWED = get_args(PlanFollowed)
PLAN_FOLLOWED_LABELS: dict[str, str] = {"yes": "Ja", "no": "Nej", "not_applicable": "Ej tillämpligt"}
PLAN_REASON_MAX = 500
REASON_LABEL = "Skäl till att planen inte följdes"


class PlanAnswerError(ValueError):
    """A plan answer that cannot be recorded; the message is Swedish and names what was wrong."""


def check_plan_answer(followed: str | None, reason: str | None) -> tuple[PlanFollowed | None, str | None]:
    """The answer as stored: `no` needs a reason, the other answers take none."""
    reason = (reason or "").strip() or None
    if followed is None:
        if reason is not None:
            raise PlanAnswerError("ett skäl anges bara när patientens plan inte följdes (svaret nej)")
        return None, None
    if followed not in PLAN_FOLLOWED:
        raise PlanAnswerError(f"'{followed}' är inget svar på om planen följdes (ja, nej eller ej tillämpligt)")
    if followed == "no" and reason is None:
        raise PlanAnswerError("skriv varför patientens plan inte följdes")
    if followed != "no" and reason is not None:
        raise PlanAnswerError("ett skäl anges bara när patientens plan inte följdes (svaret nej)")
    try:
        reason = check_optional_text(reason, REASON_LABEL, PLAN_REASON_MAX, multiline=True)
    except ValueError as exc:
        raise PlanAnswerError(str(exc)) from exc
    return followed, reason  # type: ignore[return-value]


def _patient(case: Case) -> str | None:
    if not case.personnummer:
        return None
    try:
        return normalise(case.personnummer)
    except InvalidPersonnummer:
        return None


def current_plan_team(session: Session, case: Case, day: date) -> str | None:
    """The team of the patient's newest care plan valid on `day` (None: no current plan)."""
    pnr = _patient(case)
    if pnr is None:
        return None
    return session.scalar(select(CarePlanRow.team)
                          .where(CarePlanRow.personnummer == pnr, CarePlanRow.valid_until >= day)
                          .order_by(CarePlanRow.written_on.desc(), CarePlanRow.team).limit(1))


def patient_team(session: Session, case: Case, day: date) -> str | None:
    """The team responsible for the case's patient on `day`: the team of the current care plan (the newest, when
    several), else the ASIH unit the register enrols the patient in, else the mobile care team; None for a patient
    of none (or a case without a valid personnummer). Recorded with the outcome, so the statistics keep the team of
    the time even when the patient later changes team. Part of the outcome's own audited write, not a read shown to
    anyone."""
    team = current_plan_team(session, case, day)
    if team is not None:
        return team
    pnr = _patient(case)
    patient = session.get(Patient, pnr) if pnr is not None else None
    if patient is None:
        return None
    return patient.enrolled_asih or patient.enrolled_mobile_team
