"""Recorded calls: the answers-file format of `main.py triage --answers FILE.json` (pydantic).

    {"ruleset": "skane-2026.1",                       # optional; default the newest version
     "complaint": "FEBER",
     "context": {"age": 84, "enrolled_mobile_team": "VC Lund Norr"},   # PatientContext, optional
     "now": "2026-03-03T10:00:00+01:00",               # optional; default the current time
     "answers": [{"question": "RF_MEDVETSLÖS", "answer": "nej"}, ["sepsis", "nej"], ["sat", 95],
                 {"red_flag": "RF_CHOCK"}],                # a red flag the nurse raised here (optional)
     "vitals": {"rr": 28, "spo2": 88, "sbp": 85, "avpu": "A"},   # taken at any time (optional)
     "on_oxygen": false, "spo2_scale2": false,          # NEWS2 oxygen facts (optional)
     "override": {"priority": "1", "reason": "..."},   # optional
     "kommun": "Lund", "lat": 55.70, "lon": 13.19}     # where the patient is (optional; passed on to recommend)

Answers are given in the order the questions are asked; `answer` is ja/nej/vet ej, an option
value or label, or a number (vital sign); null means "vet ej". Vital signs never change the path, so
`vitals` are set after the answers (a question they answer may be left out). See docs/triage-rules.md.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from resources.care_need import CareNeed
from resources.datafile import DataFileError, describe_validation_error, read_structured
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from triage_rules.engine import TriageSession
from triage_rules.results import TriageInputError, TriageResult
from triage_rules.schema import RuleSet


class RecordedAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1)
    answer: bool | float | str | None = None


class RecordedRedFlag(BaseModel):
    """A red flag the nurse raised at this point of the call (TriageSession.raise_red_flag)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    red_flag: str = Field(min_length=1)


class RecordedOverride(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    priority: Priority | None = None
    care_need: CareNeed | None = None
    reason: str = Field(min_length=1)

    @field_validator("priority", mode="before")
    @classmethod
    def _int_priority(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class RecordedCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ruleset: str | None = None
    complaint: str = Field(min_length=1)
    context: PatientContext = PatientContext()
    now: datetime | None = None
    answers: list[RecordedAnswer | RecordedRedFlag] = Field(default_factory=list)
    vitals: dict[str, float | str | None] = Field(default_factory=dict)
    on_oxygen: bool = False
    spo2_scale2: bool = False
    override: RecordedOverride | None = None
    # Where the patient is, as the intake has it: not used by triage, printed with the result so that the
    # output is a case for `main.py recommend` (docs/recommendation.md "Case").
    kommun: str | None = Field(default=None, min_length=1)
    lat: float | None = None
    lon: float | None = None

    @field_validator("answers", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        """Allow the short form ["question", answer] next to {"question": ..., "answer": ...}."""
        if isinstance(value, list):
            return [{"question": a[0], "answer": a[1]} if isinstance(a, list | tuple) and len(a) == 2 else a
                    for a in value]
        return value


def load_recorded_call(path: Path | str) -> RecordedCall:
    """Read an answers file (JSON or YAML); raises DataFileError naming the file and field."""
    path = Path(path)
    data = read_structured(path)
    try:
        return RecordedCall.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(path, describe_validation_error(exc, data, entry_key="question")) from exc


def run_recorded_call(call: RecordedCall, ruleset: RuleSet) -> TriageResult:
    """Replay `call` against `ruleset`; raises TriageInputError if an answer does not fit or the
    answers end before an endpoint (naming the question that is still open)."""
    if not ruleset.has_complaint(call.complaint):
        known = ", ".join(c.code for c in ruleset.complaints)
        raise TriageInputError(f"Okänd kontaktorsak '{call.complaint}' (kända: {known}).")
    session = TriageSession(ruleset, call.complaint, call.context, call.now)
    for i, step in enumerate(call.answers, start=1):
        try:
            if isinstance(step, RecordedRedFlag):
                session.raise_red_flag(step.red_flag)
            else:
                session.answer(step.question, step.answer)
        except TriageInputError as exc:
            what = step.red_flag if isinstance(step, RecordedRedFlag) else step.question
            raise TriageInputError(f"Svar {i} ('{what}'): {exc}") from exc
    if call.on_oxygen or call.spo2_scale2:
        session.set_oxygen(supplemental=call.on_oxygen, spo2_scale2=call.spo2_scale2)
    for name, value in call.vitals.items():
        try:
            session.set_vital(name, value)
        except TriageInputError as exc:
            raise TriageInputError(f"Vitalparameter '{name}': {exc}") from exc
    state = session.state()
    if not state.done:
        q = state.next_question
        assert q is not None
        raise TriageInputError(f"Svaren tar slut innan triagen är klar; obesvarad fråga '{q.id}': {q.text}")
    if call.override is not None:
        o = call.override
        return session.override(priority=o.priority, care_need=o.care_need, reason=o.reason)
    result = session.result
    assert result is not None
    return result
