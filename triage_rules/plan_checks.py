"""The patient's own plan as triage context: the rule set's plan and limitation checks, the plan's team as the
first choice, and the limitations the nurse must see (docs/triage-rules.md, "The patient's own plan").

Plain functions over a `resources.care_plan.CarePlanView` (read and audited by records.care_plans.care_plan_for)
and the call's local time; the engine calls them. Every answer names its source and date, because the nurse acts
on someone else's documented decision: "Ej HLR, beslutat av Dr X 2026-09-02, dokumenterat i Journal ASIH Lund".

An expired plan never counts (it is still shown by the console, as expired): expiry is judged on the call's own
local date, not only on the day the view was read (a call taken just after midnight). A limitation never changes a
path here: `limitation_notices` only says which limitations the call's current path concerns.
"""

from __future__ import annotations

from datetime import date, datetime

from resources.care_need import CareNeed
from resources.care_plan import CarePlanEntry, CarePlanView, LimitationKind, PlanItem, PlanItemKind, TreatmentLimitation
from resources.clock import WEEKDAY_LABELS, WEEKDAYS
from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.results import LimitationNotice
from triage_rules.schema import NO, YES, ContextCheck

NOT_READ = "patientens plan är inte läst (patienten är inte identifierad)"


def is_current(plan: CarePlanEntry, day: date) -> bool:
    """Valid on the call's day (the last valid day on or after it), as dispatch/plan_following.py reads it."""
    return plan.valid_until >= day


def plan_source(plan: CarePlanEntry) -> str:
    """'vårdplan från Vårdcentralen Lund Norr, skriven av Maja Exempel 2026-01-10, giltig till 2026-06-30'."""
    return (f"vårdplan från {plan.team}, skriven av {plan.author} {plan.written_on.isoformat()}, giltig till "
            f"{plan.valid_until.isoformat()}")


def limitation_text(lim: TreatmentLimitation) -> str:
    """'Ej HLR, beslutat av Dr X 2026-09-02, dokumenterat i Journal ASIH Lund (Beslutat med patienten)'."""
    note = f" ({lim.note})" if lim.note else ""
    return (f"{lim.label}, beslutat av {lim.decided_by} {lim.decided_on.isoformat()}, dokumenterat i "
            f"{lim.documented_in}{note}")


def item_hours(item: PlanItem) -> str:
    return item.hours or "dygnet runt"


def call_team(view: CarePlanView | None, local: datetime) -> tuple[CarePlanEntry, PlanItem] | None:
    """The first current plan (newest first) whose "ring teamet" item applies at local time `local`."""
    if view is None:
        return None
    for plan in view.plans:
        if not is_current(plan, local.date()):
            continue
        for item in plan.items:
            if item.kind is PlanItemKind.CALL_TEAM and item.applies_at(local.time()):
                return plan, item
    return None


def evaluate(check: ContextCheck, view: CarePlanView | None, local: datetime) -> tuple[str, str]:
    """(ja | nej, the detail in Swedish naming the plan or decision, its author and dates) for a plan check."""
    if view is None:
        return NO, NOT_READ
    day = local.date()
    match check:
        case ContextCheck.CARE_PLAN_CURRENT:
            current = [p for p in view.plans if is_current(p, day)]
            if current:
                return YES, "; ".join(plan_source(p) for p in current)
            return NO, _no_plan(view, day)
        case ContextCheck.PLAN_CALL_TEAM:
            found = call_team(view, local)
            if found is not None:
                plan, item = found
                return YES, f"'{item.text}', {item_hours(item)} ({plan_source(plan)})"
            return NO, _no_call_team(view, local)
        case ContextCheck.PLAN_NO_HOSPITAL:
            for plan in view.plans:
                wish = next((i for i in plan.items if i.kind is PlanItemKind.NO_HOSPITAL), None)
                if wish is not None and is_current(plan, day):
                    return YES, f"'{wish.text}' ({plan_source(plan)})"
            return NO, _none_current(view, day, "inget 'vill inte till sjukhus' i en gällande vårdplan")
        case ContextCheck.LIMITATION_NO_CPR | ContextCheck.LIMITATION_NO_HOSPITAL:
            kind = LimitationKind.NO_CPR if check is ContextCheck.LIMITATION_NO_CPR else LimitationKind.NO_HOSPITAL
            lim = view.limitation(kind)
            if lim is not None:
                return YES, limitation_text(lim)
            return NO, f"inget dokumenterat beslut om {kind.label.lower()} i registret"
    raise AssertionError(check)


def _expired(view: CarePlanView, day: date) -> list[CarePlanEntry]:
    return [p for p in view.plans if not is_current(p, day)]


def _expired_text(plans: list[CarePlanEntry]) -> str:
    return "; ".join(f"vårdplanen från {p.team} gick ut {p.valid_until.isoformat()} (visas men räknas inte)"
                     for p in plans)


def _no_plan(view: CarePlanView, day: date) -> str:
    expired = _expired(view, day)
    return _expired_text(expired) if expired else "ingen vårdplan i registret"


def _none_current(view: CarePlanView, day: date, none: str) -> str:
    expired = _expired(view, day)
    return f"{none}; {_expired_text(expired)}" if expired else none


def _no_call_team(view: CarePlanView, local: datetime) -> str:
    """Why no "ring teamet" counts now: the item's hours (naming when it does apply), or an expired plan."""
    day = local.date()
    now = f"{WEEKDAY_LABELS[WEEKDAYS[local.weekday()]]} {local:%H:%M}"
    outside = [f"'{item.text}' ({plan.team}) gäller {item_hours(item)}, inte nu ({now})"
               for plan in view.plans if is_current(plan, day)
               for item in plan.items if item.kind is PlanItemKind.CALL_TEAM]
    if outside:
        return "; ".join(outside)
    return _none_current(view, day, "ingen 'ring teamet' i en gällande vårdplan")


# --- limitations on the path ------------------------------------------------------------------------------------

def cardiac_arrest_need(need: CareNeed) -> bool:
    """A cardiac-arrest path: the need asks for CPR and defibrillation (RÖD.1.00, DÖD.1.01)."""
    return any(Capability.CPR_DEFIBRILLATION in part.capabilities for part in need.parts())


def limitation_notices(view: CarePlanView | None, need: CareNeed | None, priority: Priority | None,
                       endpoint: str | None) -> tuple[LimitationNotice, ...]:
    """Every documented limitation of the patient, each saying whether the current path (its endpoint's care need
    and priority; nothing applies before an endpoint) is one the limitation concerns. Never changes the path."""
    if view is None:
        return ()
    return tuple(_notice(lim, need, priority, endpoint) for lim in view.limitations)


def _notice(lim: TreatmentLimitation, need: CareNeed | None, priority: Priority | None,
            endpoint: str | None) -> LimitationNotice:
    why = ""
    unchanged = "Vägen är oförändrad: du avgör och dokumenterar ditt beslut och varför."
    if need is not None and endpoint is not None:
        if lim.kind is LimitationKind.NO_CPR and cardiac_arrest_need(need):
            why = (f"Samtalet är på en hjärtstoppsväg ({endpoint}): regelverket ger HLR och ambulans. Beslutet om "
                   f"ej HLR ändrar inte vägen: du avgör om HLR ska startas och dokumenterar beslutet och varför.")
        elif (lim.kind is LimitationKind.NO_ICU and priority is Priority.P1
              and need.transport is TransportNeed.AMBULANCE):
            why = f"Prio 1 med ambulans ({endpoint}). {unchanged}"
        elif lim.kind is LimitationKind.NO_HOSPITAL and need.transport is not TransportNeed.NONE:
            why = f"Vårdbehovet innebär transport – {need.transport.label} ({endpoint}). {unchanged}"
    return LimitationNotice(kind=lim.kind.value, label=lim.label, text=limitation_text(lim), applies=bool(why),
                            why=why)
