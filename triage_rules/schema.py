"""The rule-set file format (YAML/JSON) as pydantic models.

The models are deliberately lenient where a medical reviewer is most likely to slip
(a missing priority, a misspelt capability, a target that does not exist): those are
reported together, in Swedish, by `triage_rules.validate`, instead of pydantic stopping
at the first one. The format is documented for the medical leadership in
docs/triage-rules.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from resources.care_need import CareNeed, CareNeedPart
from resources.clock import WEEKDAY_LABELS, WEEKDAYS, Weekday
from resources.numbers import sv_number
from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.vital_scores import VitalScores, load_vital_scores

YES: Final = "ja"
NO: Final = "nej"
UNKNOWN: Final = "vet_ej"
"""The answer value for "vet ej" (don't know); valid for every question."""

ANSWER_LABELS = {YES: "Ja", NO: "Nej", UNKNOWN: "Vet ej"}


def _int_to_str(value: Any) -> Any:
    """YAML reads `priority: 1` as an int; the vocabulary's codes are strings."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CareNeedPartSpec(_Model):
    """A care-need part as written in the file. Capabilities stay strings so that an
    unknown one is reported by the validator with the endpoint that uses it."""

    role: str = ""
    capabilities: list[str] = Field(default_factory=list)
    preferred: list[str] = Field(
        default_factory=list,
        description="Capabilities that are welcome but not required; they unlock palette types reserved for "
                    "them (e.g. PAP for psychiatric_assessment) and are named in the recommendation's reasons")
    transport: TransportNeed = TransportNeed.NONE
    max_minutes: int | None = Field(default=None, ge=0)

    def to_part(self) -> CareNeedPart:
        return CareNeedPart(
            role=self.role,
            capabilities=frozenset(Capability(c) for c in self.capabilities),
            preferred=frozenset(Capability(c) for c in self.preferred),
            transport=self.transport,
            max_minutes=self.max_minutes,
        )


class CareNeedSpec(CareNeedPartSpec):
    additional: list[CareNeedPartSpec] = Field(default_factory=list)

    def to_care_need(self, max_minutes: int | None = None) -> CareNeed:
        primary = self.to_part()
        return CareNeed(
            role=primary.role,
            capabilities=primary.capabilities,
            preferred=primary.preferred,
            transport=primary.transport,
            max_minutes=max_minutes if max_minutes is not None else primary.max_minutes,
            additional=tuple(p.to_part() for p in self.additional),
        )


class Endpoint(_Model):
    """Where a path ends: priority, care need (a named template or inline), flags, reason."""

    code: str = Field(min_length=1)
    priority: Priority | None = None
    care_need: str | CareNeedSpec | None = None
    max_minutes: int | None = Field(default=None, ge=0, description="Overrides the template's max_minutes")
    flags: list[str] = Field(default_factory=list)
    reason: str = ""
    if_vitals_abnormal: str | CareNeedSpec | None = Field(
        default=None,
        description="Care need used instead when a vital sign fires at or above this endpoint's priority "
                    "and the endpoint's own care need has no ambulance transport; default: the escalation "
                    "care need for the priority",
    )

    _priority_from_int = field_validator("priority", mode="before")(_int_to_str)


class RedFlag(_Model):
    """A global red flag: a yes/no question that, answered yes, ends the call at Prio 1."""

    id: str = Field(pattern=r"^RF_[A-ZÅÄÖ0-9_]+$")
    text: str = Field(min_length=1)
    help: str = ""
    unknown_as: Literal["ja", "nej"] = YES
    endpoint: Endpoint


class Threshold(_Model):
    """A vital-sign limit: a value strictly below/above it raises the priority."""

    below: float | None = None
    above: float | None = None
    raise_to: Priority | None = None
    reason: str = ""

    _priority_from_int = field_validator("raise_to", mode="before")(_int_to_str)

    def matches(self, value: float) -> bool:
        if self.below is not None and value < self.below:
            return True
        return self.above is not None and value > self.above

    def describe(self, unit: str) -> str:
        if self.below is not None:
            return f"under {_num(self.below)} {unit}".rstrip()
        return f"över {_num(self.above)} {unit}".rstrip()


class CombinedVitals(_Model):
    """A rule-set-level rule: several vital signs abnormal together raise further than each alone
    (e.g. breathing rate, pulse and blood pressure each in the Prio 2 band: qSOFA-like sepsis risk).

    A vital sign counts when it was measured (not "vet ej") and one of its thresholds fired at
    `of_priority` or more urgent; when at least `min_count` count on the path, the priority is
    raised to at least `raise_to`."""

    min_count: int = 2
    of_priority: Priority | None = None
    raise_to: Priority | None = None
    vitals: list[str] = Field(
        default_factory=list, description="Question ids that count (e.g. [af, sat, puls, sbt, temp]); empty = all")
    reason: str = ""

    _priority_from_int = field_validator("of_priority", "raise_to", mode="before")(_int_to_str)

    def counts(self, question_id: str, fired: Priority) -> bool:
        assert self.of_priority is not None
        return ((not self.vitals or question_id in self.vitals)
                and fired is not Priority.REFERRAL and fired.urgency >= self.of_priority.urgency)


class Option(_Model):
    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    goto: str = Field(min_length=1)


class QuestionKind(StrEnum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    VITAL = "vital"
    CONTEXT = "context"  # answered automatically from the patient context


class ContextCheck(StrEnum):
    ENROLLED_MOBILE_TEAM = "enrolled_mobile_team"
    ENROLLED_ASIH = "enrolled_asih"
    LIVES_IN_SAEBO = "lives_in_saebo"
    HOME_CARE = "home_care"
    KNOWN_PSYCHIATRIC = "known_psychiatric"
    FRAIL_CARE = "frail_care"  # any of: mobile team, ASIH, SÄBO, home care
    AGE_AT_LEAST = "age_at_least"
    AGE_BELOW = "age_below"
    OFFICE_HOURS = "office_hours"  # the call's time is within the rule set's office_hours (not patient data)
    # From the patient's own plan (PatientContext.care_plan; triage_rules.plan_checks). Never asked: no plan known
    # counts as "nej", so a tree's "nej" branch must be the generic path. An expired plan never counts.
    CARE_PLAN_CURRENT = "care_plan_current"  # a current (not expired) care plan
    PLAN_CALL_TEAM = "plan_call_team"  # a current plan's "ring teamet" item applies at the call's local time
    PLAN_NO_HOSPITAL = "plan_no_hospital"  # a current plan says the patient does not want to go to hospital
    LIMITATION_NO_CPR = "limitation_no_cpr"  # a documented decision: ej HLR
    LIMITATION_NO_HOSPITAL = "limitation_no_hospital"  # a documented decision: ej sjukhusvård

    @property
    def from_care_plan(self) -> bool:
        return self in PLAN_CHECKS


PLAN_CHECKS: Final = frozenset({ContextCheck.CARE_PLAN_CURRENT, ContextCheck.PLAN_CALL_TEAM,
                                ContextCheck.PLAN_NO_HOSPITAL, ContextCheck.LIMITATION_NO_CPR,
                                ContextCheck.LIMITATION_NO_HOSPITAL})
"""Context checks answered from the patient's own plan (the care-plan register), not from the patient register."""


class OfficeHours(_Model):
    """When home-visit teams (vårdcentralens mobila team) work; used by `office_hours` checks."""

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="17:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    def covers(self, local: datetime) -> bool:
        return WEEKDAYS[local.weekday()] in self.days and self.start <= f"{local.hour:02d}:{local.minute:02d}" < self.end

    def label(self) -> str:
        days = "vardagar" if self.days == list(WEEKDAYS[:5]) else ", ".join(WEEKDAY_LABELS[d] for d in self.days)
        return f"{days} {self.start}–{self.end}"


class UnknownPolicy(StrEnum):
    """What "vet ej" means for a yes/no or choice question (the file must say; see docs/triage-rules.md)."""

    RAISE = "raise"  # counts as the riskier answer (`unknown_as`): not knowing is itself a danger sign
    ASK = "ask"  # leads to a named follow-up question (`unknown_follow_up`)
    NO_CHANGE = "no_change"  # counts as the non-alarming answer (`unknown_as`): changes nothing


DEFAULT_QUESTION_VITALS: Final = {
    "af": "rr", "sat": "spo2", "sat_ny": "spo2", "puls": "pulse", "sbt": "sbp", "temp": "temp",
    "glukos": "glucose", "glukos_lågt": "glucose", "glukos_högt": "glucose",
}
"""Vital questions whose id says which session vital sign they measure (others name it with `vital:`)."""


class Question(_Model):
    id: str = Field(pattern=r"^[a-zåäö0-9_]+$")
    kind: QuestionKind
    text: str = Field(min_length=1)
    help: str = ""
    # yes_no and context
    if_yes: str | None = None
    if_no: str | None = None
    # choice
    options: list[Option] = Field(default_factory=list)
    # vital
    unit: str = ""
    range: tuple[float, float] | None = None
    thresholds: list[Threshold] = Field(default_factory=list)
    goto: str | None = None
    # context
    check: ContextCheck | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    # what "vet ej" counts as: ja/nej, an option value, or a number (null for a vital = no raise)
    unknown_as: str | float | None = None
    # yes_no and choice: the decision behind "vet ej" (raise | ask | no_change) and, for ask, the follow-up
    unknown: UnknownPolicy | None = None
    unknown_follow_up: str | None = None
    bundle_reason: str = Field(
        default="", description="Why several findings are asked as one question (all point the same way and "
                                "'vet ej' should raise for all); silences the bundled-question warning")
    # vital: which vital sign of the session the question measures (rr, spo2, …); default from the id
    vital: str | None = None
    # yes_no: "ja" (not "vet ej") means a prescribed target saturation of 88–92 %: NEWS2 scores SpO2 on scale 2
    spo2_scale2_if_yes: bool = False

    def targets(self) -> list[tuple[str, str]]:
        """(answer label, target) for every outgoing edge (with "vet ej" when it asks a follow-up)."""
        follow = ([("vet ej", self.unknown_follow_up)]
                  if self.unknown is UnknownPolicy.ASK and self.unknown_follow_up else [])
        if self.kind in (QuestionKind.YES_NO, QuestionKind.CONTEXT):
            return [(lab, t) for lab, t in (("ja", self.if_yes), ("nej", self.if_no)) if t] + follow
        if self.kind == QuestionKind.CHOICE:
            return [(o.value, o.goto) for o in self.options] + follow
        return [("värde", self.goto)] if self.goto else []

    @property
    def asks_follow_up(self) -> bool:
        return self.unknown is UnknownPolicy.ASK

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def vital_sign(self) -> str | None:
        """The session vital sign (rr, spo2, …) a vital question measures: `vital`, else by its id."""
        if self.kind != QuestionKind.VITAL:
            return None
        return self.vital or DEFAULT_QUESTION_VITALS.get(self.id)


class Complaint(_Model):
    """A chief complaint (kontaktorsak): its red flags, questions and endpoints."""

    code: str = Field(pattern=r"^[A-ZÅÄÖ]+$")
    name: str = Field(min_length=1)
    help: str = ""
    initial_priority: Priority = Priority.P2
    red_flags: list[str] = Field(default_factory=list)
    start: str = Field(min_length=1)
    questions: list[Question] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)

    _priority_from_int = field_validator("initial_priority", mode="before")(_int_to_str)
    _questions: dict[str, Question] = PrivateAttr(default_factory=dict)
    _endpoints: dict[str, Endpoint] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: Any) -> None:
        self._questions = {q.id: q for q in self.questions}
        self._endpoints = {e.code: e for e in self.endpoints}

    def question(self, qid: str) -> Question | None:
        return self._questions.get(qid)

    def endpoint(self, code: str) -> Endpoint | None:
        return self._endpoints.get(code)


class RuleSet(_Model):
    """A whole rule set, as one versioned file."""

    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    status: str = Field(min_length=1, description="e.g. 'beslutsstöd – ska fastställas av regionens medicinska ledning'")
    title: str = ""
    recontact_window_hours: float = Field(default=72.0, gt=0, le=24 * 60)
    office_hours: OfficeHours = Field(default_factory=OfficeHours)
    templates: dict[str, Any] = Field(
        default_factory=dict, description="Holds YAML anchors reused below (e.g. vital signs); not read by the engine"
    )
    care_needs: dict[str, CareNeedSpec] = Field(default_factory=dict)
    escalation: dict[str, str | CareNeedSpec] = Field(default_factory=dict)
    combined_vitals: list[CombinedVitals] = Field(
        default_factory=list, description="Several abnormal vital signs together raise the priority further")
    vital_scores: str | None = Field(
        default=None, description="The vital-sign scoring file (triage_rules/scores/<name>.yaml: NEWS2, qSOFA, "
                                  "children's ranges) applied to vital signs taken at any time in the call")
    suspected_infection: list[str] = Field(
        default_factory=list, description="Complaint codes under which infection is suspected (qSOFA applies)")
    red_flags: list[RedFlag] = Field(default_factory=list)
    complaints: list[Complaint] = Field(min_length=1)

    _complaints: dict[str, Complaint] = PrivateAttr(default_factory=dict)
    _red_flags: dict[str, RedFlag] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="")

    @field_validator("escalation", mode="before")
    @classmethod
    def _escalation_keys(cls, value: Any) -> Any:
        return {_int_to_str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    def model_post_init(self, __context: Any) -> None:
        self._complaints = {c.code: c for c in self.complaints}
        self._red_flags = {r.id: r for r in self.red_flags}

    @property
    def source(self) -> str:
        """The file (or '<text>') this rule set was loaded from."""
        return self._source

    def complaint(self, code: str) -> Complaint:
        try:
            return self._complaints[code]
        except KeyError:
            raise KeyError(f"okänd kontaktorsak '{code}' i regelverk {self.version}") from None

    def has_complaint(self, code: str) -> bool:
        return code in self._complaints

    def red_flag(self, flag_id: str) -> RedFlag | None:
        return self._red_flags.get(flag_id)

    @property
    def scores(self) -> VitalScores | None:
        """The vital-sign scoring data this rule set names (None when it names none)."""
        return load_vital_scores(self.vital_scores) if self.vital_scores else None

    def care_need_spec(self, ref: str | CareNeedSpec | None) -> CareNeedSpec | None:
        if isinstance(ref, str):
            return self.care_needs.get(ref)
        return ref

    def endpoint_care_need(self, endpoint: Endpoint) -> CareNeed:
        spec = self.care_need_spec(endpoint.care_need)
        if spec is None:
            raise ValueError(f"ändpunkt {endpoint.code} saknar vårdbehov")
        return spec.to_care_need(endpoint.max_minutes)

    def vitals_abnormal_care_need(self, endpoint: Endpoint, priority: Priority) -> CareNeed | None:
        """The care need when a vital sign fires at or above the endpoint's priority: the endpoint's
        `if_vitals_abnormal`, else the escalation care need for `priority`."""
        if endpoint.if_vitals_abnormal is not None:
            spec = self.care_need_spec(endpoint.if_vitals_abnormal)
            return spec.to_care_need() if spec else None
        return self.escalation_care_need(priority)

    def escalation_care_need(self, priority: Priority) -> CareNeed | None:
        spec = self.care_need_spec(self.escalation.get(priority.value))
        return spec.to_care_need() if spec else None


def _num(x: float | None) -> str:
    return "" if x is None else sv_number(x)
