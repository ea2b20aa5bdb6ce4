"""What the triage engine hands out: the state at each step and the result, as JSON-able pydantic data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from resources.care_need import CareNeed
from resources.vocabulary import Priority


class TriageInputError(ValueError):
    """An answer or command the session cannot take; the message is Swedish and says why."""


def care_need_json(care_need: CareNeed) -> dict[str, Any]:
    """A care need as JSON data with capabilities sorted (stable output across runs)."""
    data = care_need.model_dump(mode="json")
    for part in [data, *data["additional"]]:
        part["capabilities"] = sorted(part["capabilities"])
        part["preferred"] = sorted(part["preferred"])
    return data


class AnswerOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    label: str


class QuestionView(BaseModel):
    """The question the nurse is to ask now, with everything a UI needs to show it."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["yes_no", "choice", "vital"]
    text: str
    help: str = ""
    red_flag: bool = False
    options: tuple[AnswerOption, ...] = ()
    unit: str = ""
    min: float | None = None
    max: float | None = None


class RedFlagView(BaseModel):
    """A red flag the nurse can raise at any moment (TriageSession.available_red_flags)."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    help: str = ""
    complaint: bool = False  # one of the complaint's own red flags (asked first); else a general one
    raised: bool = False
    endpoint: str = ""


class PathStep(BaseModel):
    """One step on the path: what was asked, what was answered, what it counted as."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    kind: Literal["red_flag", "yes_no", "choice", "vital", "context", "manual_red_flag"]
    text: str
    answer: str
    answer_label: str
    counted_as: str | None = None
    automatic: bool = False


class LimitationNotice(BaseModel):
    """A documented treatment limitation of the patient (from the care-plan register), as the nurse must see it.

    The engine never changes a path because of a limitation: it says here which limitations the call's current
    path concerns (`applies`) — ej HLR on a cardiac-arrest path, ej sjukhusvård when the need includes transport —
    so the console shows them and the nurse decides, recording what and why (commands.RecordLimitationDecision)."""

    model_config = ConfigDict(frozen=True)

    kind: str  # resources.care_plan.LimitationKind value: no_cpr, no_icu, no_hospital, other
    label: str  # "Ej HLR"
    text: str  # "Ej HLR, beslutat av Dr X 2026-09-02, dokumenterat i Journal ASIH Lund (not)"
    applies: bool  # the current path is one the limitation is about: the nurse decides
    why: str = ""  # Swedish: why it applies to this path, and that the path is unchanged


class Override(BaseModel):
    model_config = ConfigDict(frozen=True)

    priority_before: Priority
    priority: Priority
    care_need_before: CareNeed
    care_need: CareNeed
    reason: str
    care_need_source: str = ""  # where a re-derived care need comes from (priority-only override)

    @field_serializer("care_need_before", "care_need")
    def _sorted(self, cn: CareNeed) -> dict[str, Any]:
        return care_need_json(cn)


class TriageResult(BaseModel):
    """What a finished triage hands to dispatch and records on the case."""

    model_config = ConfigDict(frozen=True)

    ruleset_version: str
    complaint: str
    complaint_name: str
    endpoint: str
    endpoint_priority: Priority
    priority: Priority
    care_need: CareNeed
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    path: tuple[PathStep, ...]
    red_flag: str | None = None
    recontact: bool = False
    override: Override | None = None
    triaged_at: datetime | None = None
    vitals: dict[str, float | str] = Field(default_factory=dict)  # taken with TriageSession.set_vital
    news2: int | None = None  # NEWS2 of the known vital signs (adults); None when none is known
    limitations: tuple[LimitationNotice, ...] = ()  # the patient's documented limitations; never change the path

    @field_serializer("care_need")
    def _sorted(self, cn: CareNeed) -> dict[str, Any]:
        return care_need_json(cn)


class TriageState(BaseModel):
    """The session at one moment: shown to the nurse after every answer."""

    model_config = ConfigDict(frozen=True)

    complaint: str
    provisional_priority: Priority
    next_question: QuestionView | None
    reasons: tuple[str, ...]
    path: tuple[PathStep, ...]
    done: bool
    result: TriageResult | None = None
    vitals: dict[str, float | str] = Field(default_factory=dict)
    news2: int | None = None
    limitations: tuple[LimitationNotice, ...] = ()  # as TriageResult.limitations, for the path so far
