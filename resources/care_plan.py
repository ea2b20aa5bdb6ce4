"""A patient's own plan, as plain data: the enrolled team's care plan ("vid försämring"), treatment limitations
and the standing orders a team can carry out at home (docs/care-plan-import.md).

The vocabulary lives here, below records/, so triage and dispatch can read a `CarePlanView` without the database.
Codes are English identifiers (stored); every code has a Swedish label, and the import file names them in Swedish
(`IMPORT_CODES`)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PlanItemKind(StrEnum):
    """One "vid försämring" instruction of a care plan."""

    CALL_TEAM = "call_team"  # ring the enrolled team (within `hours` when given)
    PHYSICIAN_CAR = "physician_car"  # send the physician car (e.g. at night)
    HOME_TREATMENT = "home_treatment"  # a treatment the team gives at home (e.g. IV furosemide)
    NO_HOSPITAL = "no_hospital"  # the patient does not want to go to hospital
    OTHER = "other"

    @property
    def label(self) -> str:
        return PLAN_ITEM_LABELS[self]


class LimitationKind(StrEnum):
    """A documented treatment limitation (behandlingsbegränsning), decided by a physician."""

    NO_CPR = "no_cpr"  # ej HLR (HLR-ställningstagande)
    NO_ICU = "no_icu"  # ej IVA
    NO_HOSPITAL = "no_hospital"  # ej sjukhusvård
    OTHER = "other"

    @property
    def label(self) -> str:
        return LIMITATION_LABELS[self]


class LimitationDecision(StrEnum):
    """What the nurse (or RLS physician) decided when a documented limitation met the call's path
    (commands.RecordLimitationDecision). Recording it changes no priority: a different priority is an override."""

    RESUSCITATE = "resuscitate"  # ej HLR: CPR is started, the limitation is not followed
    FOLLOW_LIMITATION = "follow_limitation"  # the limitation is followed (ej HLR: no CPR; assessment or death
    # confirmation instead)
    UNCLEAR_RESUSCITATE = "unclear_resuscitate"  # ej HLR: unclear whether the decision applies, CPR is started
    USUAL_CARE = "usual_care"  # another limitation: not followed, the triaged path stands

    def allowed_for(self, kind: LimitationKind) -> bool:
        """resuscitate / unclear_resuscitate are about CPR (ej HLR only); usual_care about every other kind."""
        if self in (LimitationDecision.RESUSCITATE, LimitationDecision.UNCLEAR_RESUSCITATE):
            return kind is LimitationKind.NO_CPR
        if self is LimitationDecision.USUAL_CARE:
            return kind is not LimitationKind.NO_CPR
        return True

    def label(self, kind: LimitationKind) -> str:
        """Swedish, for the console's choice and the case timeline."""
        if self is LimitationDecision.FOLLOW_LIMITATION:
            if kind is LimitationKind.NO_CPR:
                return "Beslutet om ej HLR följs: ingen HLR, bedömning eller dödsfallskonstaterande i stället"
            return f"Begränsningen följs ({kind.label.lower()})"
        return DECISION_LABELS[self]

    @classmethod
    def for_kind(cls, kind: LimitationKind) -> list[LimitationDecision]:
        """The decisions the console offers for a limitation of `kind`, in order."""
        return [d for d in cls if d.allowed_for(kind)]


DECISION_LABELS = {LimitationDecision.RESUSCITATE: "HLR startas – beslutet om ej HLR följs inte",
                   LimitationDecision.UNCLEAR_RESUSCITATE: "Oklart om beslutet gäller – HLR startas",
                   LimitationDecision.USUAL_CARE: "Begränsningen följs inte – vägen enligt triagen gäller"}


PLAN_ITEM_LABELS = {PlanItemKind.CALL_TEAM: "Ring teamet", PlanItemKind.PHYSICIAN_CAR: "Läkarbil",
                    PlanItemKind.HOME_TREATMENT: "Behandling i hemmet",
                    PlanItemKind.NO_HOSPITAL: "Vill inte till sjukhus", PlanItemKind.OTHER: "Övrigt"}
LIMITATION_LABELS = {LimitationKind.NO_CPR: "Ej HLR", LimitationKind.NO_ICU: "Ej IVA",
                     LimitationKind.NO_HOSPITAL: "Ej sjukhusvård", LimitationKind.OTHER: "Annan begränsning"}
# The import file's Swedish codes (column `slag`), as records.care_plan_import normalises them (lower case,
# å/ä→a, ö→o, spaces and hyphens → _): "Ej HLR" is ej_hlr, "Läkarbil" lakarbil.
IMPORT_CODES: dict[str, PlanItemKind | LimitationKind] = {
    "ring_teamet": PlanItemKind.CALL_TEAM, "lakarbil": PlanItemKind.PHYSICIAN_CAR,
    "behandling_i_hemmet": PlanItemKind.HOME_TREATMENT, "ej_sjukhus": PlanItemKind.NO_HOSPITAL,
    "annat": PlanItemKind.OTHER,
    "ej_hlr": LimitationKind.NO_CPR, "ej_iva": LimitationKind.NO_ICU, "ej_sjukhusvard": LimitationKind.NO_HOSPITAL,
    "annan": LimitationKind.OTHER,
}
ITEM_TEXT_MAX = 500  # one short instruction; the plan's free text holds the rest

_HOURS = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?\s*$")


def parse_hours(text: str) -> tuple[time, time]:
    """'08-17', '8–17', '08:00-17:00', '22.00-07.00' → (from, to); ValueError (Swedish) otherwise. A span that ends
    before it starts runs over midnight; 24 as the end means midnight."""
    m = _HOURS.match(text)
    if not m:
        raise ValueError(f"'{text}' är inga klockslag (skriv t.ex. 08-17 eller 22:00-07:00)")
    h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
    if h2 == 24 and m2 == 0:
        h2 = 0
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"'{text}': klockslaget finns inte")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise ValueError(f"'{text}': tiden börjar och slutar samtidigt")
    return start, end


def hours_text(start: time, end: time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


class PlanItem(BaseModel):
    """One "vid försämring" instruction: its kind, the plan's own words, and when it applies (local time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PlanItemKind
    text: str = Field(min_length=1, max_length=ITEM_TEXT_MAX)
    hours_from: time | None = None
    hours_to: time | None = None

    @model_validator(mode="after")
    def _both_hours_or_none(self) -> PlanItem:
        if (self.hours_from is None) != (self.hours_to is None):
            raise ValueError("ange både när tiden börjar och slutar, eller ingen tid")
        if self.hours_from is not None and self.hours_from == self.hours_to:
            raise ValueError("tiden börjar och slutar samtidigt")
        return self

    def applies_at(self, at: time) -> bool:
        """Whether the item applies at local time `at` (always, when it names no hours)."""
        if self.hours_from is None or self.hours_to is None:
            return True
        if self.hours_from < self.hours_to:
            return self.hours_from <= at < self.hours_to
        return at >= self.hours_from or at < self.hours_to  # over midnight

    @property
    def hours(self) -> str:
        return hours_text(self.hours_from, self.hours_to) if self.hours_from is not None and self.hours_to is not None else ""


class CarePlanEntry(BaseModel):
    """The current plan one team wrote for the patient."""

    model_config = ConfigDict(frozen=True)

    team: str
    author: str
    written_on: date
    valid_until: date
    expired: bool  # valid_until is before the day the view was read for
    items: list[PlanItem]
    free_text: str
    source: str  # the import file, or who edited it by hand
    updated_at: datetime


class TreatmentLimitation(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: LimitationKind
    decided_by: str  # the physician who decided
    decided_on: date
    documented_in: str  # where the decision is documented (the record, the document's name)
    note: str
    source: str
    updated_at: datetime

    @property
    def label(self) -> str:
        return self.kind.label


class StandingOrder(BaseModel):
    """A treatment the team may give at home without a new prescription (e.g. "IV-furosemid 40 mg")."""

    model_config = ConfigDict(frozen=True)

    team: str
    text: str
    valid_until: date
    expired: bool
    source: str
    updated_at: datetime


class CarePlanView(BaseModel):
    """Everything the register holds of the patient's own plan (empty lists when nothing)."""

    model_config = ConfigDict(frozen=True)

    personnummer: str
    read_for: date  # the day `expired` was decided for
    plans: list[CarePlanEntry] = []
    limitations: list[TreatmentLimitation] = []
    standing_orders: list[StandingOrder] = []

    @property
    def empty(self) -> bool:
        return not (self.plans or self.limitations or self.standing_orders)

    def limitation(self, kind: LimitationKind) -> TreatmentLimitation | None:
        return next((lim for lim in self.limitations if lim.kind is kind), None)

    def current_plans(self) -> list[CarePlanEntry]:
        return [p for p in self.plans if not p.expired]
