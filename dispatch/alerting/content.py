"""What the crew is told about a case: the body of an `alert` or `update` (docs/alert-protocol.md 5.1).

Only what the crew needs to find the patient, know how urgent it is and what is expected: the address and position
(with how far off the position may be), the priority, the care need and complaint in Swedish, key facts (red flags,
pre-alert, the patient's documented treatment limitations, age, the current care plan's instructions and standing
orders, the notes written on the case — door code, floor), the patient's name and age and the callback number, and a
reference to the triage. Never the personnummer, the caller's name or the triage answers.

`alert_content` reads the case in the caller's transaction; the same case gives the same body, so its hash tells
whether an update is due. The complaint's Swedish name comes from the rule set, which this layer may not read: the
caller passes `complaint_name`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.alerting.protocol import MAX_FACT_CHARS, MAX_FACTS, VERSION
from dispatch.plan_following import short_hours
from records.care_plans import care_plan_unaudited
from records.models import Assignment, Case, CaseNote, TriageResult
from records.personnummer import InvalidPersonnummer
from resources.care_need import CareNeed, CareNeedPart
from resources.care_plan import CarePlanView, LimitationKind
from resources.geography import default_geography
from resources.location.model import KOMMUN_CENTRE_ACCURACY_M as KOMMUN_CENTRE_RADIUS_M
from resources.vocabulary import Capability, Priority, TransportNeed

ComplaintName = Callable[[str | None, str | None], str | None]  # (code, rule-set version) → Swedish name
KOMMUN_CENTRE_ACCURACY_M = round(KOMMUN_CENTRE_RADIUS_M)  # no address or point given: the kommun centre stands in
RED_FLAG_KINDS = ("red_flag", "manual_red_flag")  # records.case_detail: a red-flag question answered yes
RAISED = "ja"
PRE_ALERT_FLAG = "pre_alert"
PLAN_FACT_PREFIXES = ("Plan (", "Ordination (", *(f"{k.label} – beslut " for k in LimitationKind))
MAX_CARE_NEED_CHARS = 500
CONTENT_FIELDS = ("part", "priority", "address", "kommun", "lat", "lon", "accuracy_m", "care_need", "complaint",
                  "facts", "patient_name", "patient_age", "callback_phone", "triage_ref")
CHANGE_WORDS = {"priority": "prioritet", "address": "adress", "kommun": "kommun", "lat": "position",
                "lon": "position", "accuracy_m": "position", "care_need": "vårdbehov", "complaint": "besvär",
                "facts": "fakta", "patient_name": "patientens namn", "patient_age": "ålder",
                "callback_phone": "telefon", "triage_ref": "triagering", "part": "del"}


def alert_priority(priority: str | None) -> str:
    """The priority a unit is sent with: 1, 2 or 3 (a case without one, or a referral, goes as Prio 3)."""
    return priority if priority in (Priority.P1.value, Priority.P2.value, Priority.P3.value) else Priority.P3.value


def alert_content(session: Session, assignment: Assignment, complaint_name: ComplaintName | None = None
                  ) -> dict[str, Any]:
    """The crew's picture of `assignment`'s case, as the fields of docs/alert-protocol.md 5.1 (no header)."""
    case = session.get(Case, assignment.case_id)
    assert case is not None
    named = complaint_name(case.complaint, case.ruleset_version) if complaint_name else None
    return {
        "part": assignment.part,
        "priority": alert_priority(case.priority),
        "address": (case.address or "")[:256],
        "kommun": case.kommun,
        "lat": case.lat,
        "lon": case.lon,
        "accuracy_m": _accuracy(case),
        "care_need": care_need_text(case.care_need, assignment.part),
        "complaint": (named or case.complaint or None) and str(named or case.complaint)[:200],
        "facts": _facts(session, case),
        "patient_name": (case.patient_name or "")[:128],
        "patient_age": case.patient_age if case.patient_age is not None and 0 <= case.patient_age <= 130 else None,
        "callback_phone": (case.callback_phone or "")[:32],
        "triage_ref": {"ruleset": case.ruleset_version, "endpoint": case.endpoint_code},
    }


def alert_body(publisher: str, alert_id: str, seq: int, unit_id: str, case_id: int,
               content: dict[str, Any]) -> dict[str, Any]:
    """A stored `alert`/`update` (its `ts` is set when it is sent)."""
    return {"v": VERSION, "publisher": publisher, "alert_id": alert_id, "seq": seq, "unit_id": unit_id,
            "case_id": case_id, **content}


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What an update changes, in Swedish words (once each)."""
    return list(dict.fromkeys(CHANGE_WORDS[k] for k in CONTENT_FIELDS if old.get(k) != new.get(k)))


def care_need_text(care_need: dict[str, Any] | None, part: str) -> str:
    """The part's care need in Swedish: 'HLR/defibrillering, Ambulanstransport – på plats inom 10 min'."""
    if not care_need:
        return "Vårdbehov ej angivet"
    try:
        need = CareNeed.model_validate(care_need)
    except ValueError:
        return "Vårdbehov ej läsbart"
    chosen: CareNeedPart = next((p for p in need.parts() if p.role == part), need.parts()[0])
    labels = sorted(Capability(c).label for c in chosen.capabilities)
    if chosen.transport is not TransportNeed.NONE and chosen.transport.label not in labels:
        labels.append(chosen.transport.label)
    text = ", ".join(labels) or "Bedömning"
    if chosen.max_minutes is not None:
        text += f" – på plats inom {chosen.max_minutes} min"
    return text[:MAX_CARE_NEED_CHARS]


def _accuracy(case: Case) -> int | None:
    """The position's accuracy radius in metres as the case recorded it (docs/position.md); for a case from
    before positions carried their accuracy, the kommun-centre radius when it sits exactly on the centre."""
    if case.position_accuracy_m is not None:
        return max(1, round(case.position_accuracy_m))
    if case.position_source == "kommun_centre":
        return KOMMUN_CENTRE_ACCURACY_M
    if case.lat is None or case.lon is None or not case.kommun:
        return None
    geo = default_geography()
    if not geo.has_kommun(case.kommun):
        return None
    centre = geo.kommun(case.kommun)
    if abs(centre.lat - case.lat) < 1e-6 and abs(centre.lon - case.lon) < 1e-6:
        return KOMMUN_CENTRE_ACCURACY_M
    return None


def _facts(session: Session, case: Case) -> list[str]:
    facts: list[str] = []
    result = session.scalar(select(TriageResult).where(TriageResult.case_id == case.id)
                            .order_by(TriageResult.id.desc()).limit(1))
    for step in (result.path if result is not None else []):
        if isinstance(step, dict) and step.get("kind") in RED_FLAG_KINDS and step.get("answer") == RAISED:
            facts.append(f"Röd flagga: {step.get('text') or step.get('question_id') or 'okänd'}")
    if PRE_ALERT_FLAG in (case.flags or []):
        facts.append("Förlarm – triagering pågår")
    plan = _care_plan(session, case.personnummer)
    facts += [f"{lim.label} – beslut {lim.decided_by} {lim.decided_on.isoformat()}"
              + (f": {lim.note}" if lim.kind is LimitationKind.OTHER else "") for lim in plan.limitations]
    if case.patient_age is not None:
        facts.append(f"Ålder {case.patient_age} år")
    facts += plan_facts(plan)
    notes = session.scalars(select(CaseNote.text).where(CaseNote.case_id == case.id)
                            .order_by(CaseNote.written_at.desc(), CaseNote.id.desc()).limit(MAX_FACTS))
    facts += [f"Anteckning: {n}" for n in notes]
    return [_short(" ".join(f.split())) for f in dict.fromkeys(facts)][:MAX_FACTS]


def _care_plan(session: Session, personnummer: str | None) -> CarePlanView:
    """The patient's plan as the register holds it today; the alert's own audit row records its disclosure."""
    empty = CarePlanView(personnummer="", read_for=date.min)
    if not personnummer:
        return empty
    try:
        return care_plan_unaudited(session, personnummer)
    except InvalidPersonnummer:
        return empty


def plan_facts(plan: CarePlanView) -> list[str]:
    """The current plans' instructions with their hours, one fact per plan ("Plan (Vårdcentralen Lund Norr): Ring
    teamet dagtid (08–17); Vid andnöd: extra furosemid enligt ordination"), and the current standing orders, one fact
    per team. Every item whatever the hour, with its hours: the crew sees what applies when, and the alert does not
    change with the clock. Expired plans and orders are not sent."""
    out = []
    for p in plan.current_plans():
        items = [f"{i.text} ({short_hours(i)})" if i.hours_from is not None else i.text for i in p.items]
        if items:
            out.append(f"Plan ({p.team}): " + "; ".join(items))
    orders: dict[str, list[str]] = {}
    for o in plan.standing_orders:
        if not o.expired:
            orders.setdefault(o.team, []).append(o.text)
    out += [f"Ordination ({team}): " + "; ".join(texts) for team, texts in orders.items()]
    return out


def shares_care_plan(content: dict[str, Any]) -> bool:
    """Whether an alert's facts pass on something of the patient's own plan (for its audit row)."""
    return any(f.startswith(PLAN_FACT_PREFIXES) for f in content.get("facts", []))


def _short(text: str) -> str:
    return text if len(text) <= MAX_FACT_CHARS else text[:MAX_FACT_CHARS - 1] + "…"
