"""The patient's own plan as the recommendation reads it (docs/recommendation.md, "The patient's plan").

A current care plan (last valid day on or after the day of the decision) may say which resource to send: `call_team`
("ring teamet", the plan's team, within the item's hours when it names any) and `physician_car` ("läkarbil
nattetid"). What applies at the decision's local time is a *wish*; dispatch/recommend.py ranks a wished resource
first for a part it is adequate for, and never sends an inadequate one to follow a plan. `no_hospital` items are
notes for the dispatcher. This module holds the plan side (which wishes apply, what became of them, the Swedish
statement); the ranking of units stays in dispatch/recommend.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np

from dispatch.fleet_view import FleetSnapshot
from dispatch.recommendation_model import PartRecommendation, PlanFollowing
from resources.care_plan import CarePlanEntry, PlanItem, PlanItemKind
from resources.patient_context import PatientContext
from resources.vocabulary import Priority

PHYSICIAN_CAR_TYPE = "LAKARBIL"  # the palette type a plan's "läkarbil" names
WISH_KINDS = (PlanItemKind.CALL_TEAM, PlanItemKind.PHYSICIAN_CAR)  # call the team before the car when both apply
REASON_PLAN = "följer patientens plan"
REASON_DISPLACED = "lägsta tillräckliga nivå, men patientens plan följs"


@dataclass(frozen=True)
class Wish:
    """One instruction of a current plan that applies now and names a resource."""

    plan: CarePlanEntry
    item: PlanItem

    @property
    def team(self) -> str | None:
        """The team to call (None: the physician car, whoever runs it)."""
        return self.plan.team if self.item.kind is PlanItemKind.CALL_TEAM else None


def current_plans(context: PatientContext, day: date) -> list[CarePlanEntry]:
    """The patient's plans valid on `day` (an expired plan is shown elsewhere, never followed), in the register's
    order (newest first)."""
    view = context.care_plan
    if view is None:
        return []
    return [p for p in view.plans if p.valid_until >= day]


def plan_teams(plans: list[CarePlanEntry]) -> list[str]:
    """The teams whose current plan the patient has: each serves the patient as an enrolled team does."""
    return list(dict.fromkeys(p.team for p in plans))


def wishes(plans: list[CarePlanEntry], at: time) -> list[Wish]:
    """The resource instructions that apply at local time `at`: every plan's `call_team` first, then `physician_car`."""
    return [Wish(p, i) for kind in WISH_KINDS for p in plans for i in p.items if i.kind is kind and i.applies_at(at)]


def short_hours(item: PlanItem) -> str:
    """'08–17', '22:30–07' — the item's hours as a person says them."""
    if item.hours_from is None or item.hours_to is None:
        return ""
    return "–".join(f"{t:%H}" if t.minute == 0 else f"{t:%H:%M}" for t in (item.hours_from, item.hours_to))


def source(plan: CarePlanEntry) -> str:
    return f"{plan.team}, {plan.written_on.isoformat()}"


def followed_text(wish: Wish, part: str, main: str) -> str:
    """"Följer patientens plan (Vårdcentralen Lund Norr, 2026-10-01): Ring teamet dagtid" (and for which part, when
    the plan is followed for another than the main part)."""
    text = f"Följer patientens plan ({source(wish.plan)}): {wish.item.text}"
    return text if part == main else f"{text} – för delen {part or 'huvudbehov'}"


def out_of_hours(plans: list[CarePlanEntry], at: time) -> tuple[CarePlanEntry, PlanItem] | None:
    """A `call_team` item that names hours and does not apply at `at` (the plan's team is to be called then only)."""
    return next(((p, i) for p in plans for i in p.items
                 if i.kind is PlanItemKind.CALL_TEAM and i.hours_from is not None and not i.applies_at(at)), None)


def out_of_hours_text(plan: CarePlanEntry, item: PlanItem) -> str:
    return f"Kan inte följa planen ({source(plan)}): teamet är utanför tjänstetid ({short_hours(item)})"


def notes(plans: list[CarePlanEntry]) -> list[str]:
    """What a plan says the dispatcher should keep in mind whatever is sent: the patient's wish not to go to
    hospital."""
    return [f"Planen ({p.team}): {i.text}" for p in plans for i in p.items if i.kind is PlanItemKind.NO_HOSPITAL]


def no_instruction_text(plan: CarePlanEntry) -> str:
    return f"Patientens plan ({source(plan)}) anger ingen resurs för den här tiden."


@dataclass
class Miss:
    """Why a wish could not be followed for a part: `beyond` (the need asks for more than the planned resource gives:
    a capability, transport, Prio 1), `hours` (out of service), `unit` (no unit in time), `other` (a referral)."""

    wish: Wish
    part: str
    kind: str
    why: str


def miss_kind(why: str, priority: Priority) -> str:
    """The kind of a ranking reason (dispatch/recommend.py's Swedish reasons) as a reason not to follow a plan."""
    if why.startswith("utanför tjänstetid"):
        return "hours"
    if why.startswith("tar inte"):  # Prio 1 is beyond a team's plan; a referral needs no unit at all
        return "other" if priority is Priority.REFERRAL else "beyond"
    if why.startswith(("saknar förmåga", "kan inte ge", "endast för")):
        return "beyond"
    return "unit"


@dataclass
class PlanState:
    """The patient's current plans over one recommendation: the wishes that apply now, which one was followed (for
    which part), or the first reason one could not be."""

    plans: list[CarePlanEntry]
    local: datetime
    wishes: list[Wish] = field(init=False)
    teams: list[str] = field(init=False)
    followed: tuple[Wish, str] | None = None
    miss: Miss | None = None
    _team_masks: dict[str, np.ndarray | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.wishes = wishes(self.plans, self.local.time())
        self.teams = plan_teams(self.plans)

    @property
    def open(self) -> bool:
        """Still a wish to follow: the plan is followed for one part at most."""
        return bool(self.wishes) and self.followed is None

    def missed(self, wish: Wish, part: str, kind: str, why: str) -> None:
        if self.miss is None:  # the first part's (the main need's) reason is the one to tell
            self.miss = Miss(wish, part, kind, why)

    def team_mask(self, snap: FleetSnapshot, team: str) -> np.ndarray | None:
        """The fleet's units of `team` (None: no unit carries its name); one comparison over the fleet per team."""
        if team not in self._team_masks:
            code = snap.affiliation_code(team)
            self._team_masks[team] = None if code is None else snap.affiliation == code
        return self._team_masks[team]

    def statement(self, parts: list[PartRecommendation]) -> PlanFollowing | None:
        """What the recommendation says about the plan (None: the patient has no current plan)."""
        if not self.plans:
            return None
        said = notes(self.plans)
        main = parts[0].part if parts else ""
        if self.followed is not None:
            wish, part = self.followed
            return PlanFollowing(followed=True, team=wish.plan.team, written_on=wish.plan.written_on,
                                 instruction=wish.item.text, part=part, text=followed_text(wish, part, main),
                                 notes=said)
        if self.miss is not None:
            m = self.miss
            return PlanFollowing(followed=False, team=m.wish.plan.team, written_on=m.wish.plan.written_on,
                                 instruction=m.wish.item.text, part=m.part, text=miss_text(m, parts), notes=said)
        idle = out_of_hours(self.plans, self.local.time())
        if idle is not None:
            plan, item = idle
            return PlanFollowing(followed=False, team=plan.team, written_on=plan.written_on, instruction=item.text,
                                 part=main, text=out_of_hours_text(plan, item), notes=said)
        plan = self.plans[0]
        return PlanFollowing(followed=None, team=plan.team, written_on=plan.written_on, part=main,
                             text=no_instruction_text(plan), notes=said)


def miss_text(m: Miss, parts: list[PartRecommendation]) -> str:
    """"Behovet går utöver planen (…): kräver Ambulans – teamet: saknar förmåga: Ambulanstransport", "Kan inte följa
    planen (…): teamet är utanför tjänstetid (vardagar 08–17)", "… : teamet – ingen ledig enhet"."""
    src = source(m.wish.plan)
    who = "teamet" if m.wish.team is not None else "läkarbilen"
    if m.kind == "beyond":
        part = next((p for p in parts if p.part == m.part), None)
        need = part.recommended.type_name if part is not None and part.recommended is not None else "mer"
        return f"Behovet går utöver planen ({src}): kräver {need} – {who}: {m.why}"
    if m.kind == "hours":
        return f"Kan inte följa planen ({src}): {who} är {m.why}"
    if m.kind == "other":
        return f"Kan inte följa planen ({src}): {who} {m.why}"
    return f"Kan inte följa planen ({src}): {who} – {m.why}"
