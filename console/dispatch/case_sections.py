"""The dispatcher's case panel as text: records.case_detail's plain data turned into titled sections of
(label, value, tooltip) rows, in Swedish, with local times and no internal codes in what is read (the codes —
question ids, the endpoint, flag ids — are in the tooltips). No widgets here: console/dispatch/case_panel.py
draws the sections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from console.complaint_names import complaint_name
from console.local_time import local, local_text, local_today
from dispatch.plan_following import short_hours
from dispatch.recommendation_model import Option, ResourceRecommendation
from records.case_detail import CaseDetail, UnitLine
from resources.care_plan import CarePlanView
from resources.location.model import SOURCE_LABELS, PositionSource
from resources.numbers import sv_number
from resources.vocabulary import Priority, Role, UnitStatus
from triage_rules.vital_scores import VITAL_LABELS

# ended_reason codes dispatch writes (dispatch.assignment) → what the dispatcher reads
ENDED = {"recalled": "återkallad", "reassigned": "ersatt", "case_closed": "ärendet avslutat",
         "redirected": "omdirigerad till annat ärende", "declined": "avböjde uppdraget"}


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    tooltip: str = ""


@dataclass
class Section:
    key: str  # stable, for tests and for keeping a section collapsed across re-reads
    title: str
    rows: list[Row] = field(default_factory=list)


def when(at: datetime | None) -> str:
    """Local time: "14:02" today, "2026-11-30 14:02" another day."""
    if at is None:
        return ""
    return local_text(at, "%H:%M") if local(at).date() == local_today() else local_text(at)


def _label(vocabulary: Callable[[str], Any], value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(vocabulary(value).label)
    except ValueError:
        return value


def option_text(o: Option) -> str:
    """As the nurse's recommendation panel words a resource (console/calltaking/recommendation_panel.py)."""
    if o.kind == "remote":
        return o.type_name
    who = o.unit_name or o.unit_id or o.type_name
    dist = f", {sv_number(o.distance_km, 0)} km" if o.distance_km is not None else ""
    return f"{o.type_name} – {who} ({sv_number(o.eta_minutes, 0)} min{dist})"


def sections(detail: CaseDetail, *, unit_name: Callable[[str], str | None] = lambda _u: None,
             live_status: Callable[[str], UnitStatus | None] = lambda _u: None,
             alert_state: Callable[[str], str | None] = lambda _u: None) -> list[Section]:
    """Every section of the panel, in reading order: who and where, then what the dispatcher acts on (notes such as a
    door code, the units), then the triage behind the priority. `unit_name`/`live_status`: from the fleet board;
    `alert_state`: how far an active unit's alert got (console/dispatch/unit_alerts.py), e.g. "Kvitterat"."""
    c = detail.case
    out = [
        Section("caller", "Inringare", [
            Row("Namn", c.caller_name or "–"),
            Row("Återuppringning", c.callback_phone or "–"),
            Row("Adress", ", ".join(p for p in (c.address, c.kommun or "") if p) or "–"),
            _position(c),
        ]),
        Section("patient", "Patient", [
            Row("Namn", c.patient_name or "okänd"),
            Row("Personnummer", c.personnummer or "–"),
            Row("Ålder", f"{c.patient_age} år" if c.patient_age is not None else "–"),
        ]),
        *([care_plan_section(detail.care_plan)] if detail.care_plan is not None else []),
        Section("notes", f"Anteckningar ({len(detail.notes)})" if detail.notes else "Anteckningar", [
            Row(f"{when(n.written_at)} {n.author}", n.text, f"{n.author}, {_label(Role, n.role)}")
            for n in detail.notes]
            or [Row("", "Inga anteckningar ännu.")]),
        Section("units", "Enheter", [_unit(u, unit_name, live_status, alert_state) for u in detail.units]
                or [Row("", "Ingen enhet dirigerad.")]),
        _red_flags(detail),
    ]
    if detail.vitals:
        out.append(Section("vitals", "Vitalparametrar", [_vital(name, value) for name, value in detail.vitals.items()]))
    out += [_triage(detail), _recommendation(detail)]
    return out


def _position(c: Any) -> Row:
    if c.lat is None or c.lon is None:
        return Row("Position", "saknas")
    return Row("Position", position_text(c), f"{sv_number(c.lat, 5)}, {sv_number(c.lon, 5)}")


def position_text(c: Any) -> str:
    """Where a case's position came from and how sure it is; a doubtful one says why first (docs/position.md).
    The case panel and the map's hover say it alike."""
    try:
        source = SOURCE_LABELS[PositionSource(c.position_source)] if c.position_source else "okänd källa"
    except ValueError:
        source = str(c.position_source)
    accuracy = f", ±{sv_number(c.position_accuracy_m, 0)} m" if c.position_accuracy_m is not None else ""
    text = f"{source}{accuracy}"
    if c.position_flag:
        text = f"⚠ {c.position_flag} ({text})"
    return text


def care_plan_section(view: CarePlanView) -> Section:
    """The patient's own plan as the register holds it: treatment limitations first (who decided, when, where it is
    documented), then each plan with its "vid försämring" items and free text, then the standing orders; an expired
    plan or order is listed and marked "utgången", never left out. The title names the limitations, so a collapsed
    section still says "Ej HLR"."""
    title = "Patientens plan"
    if view.limitations:
        title += " – " + ", ".join(lim.label for lim in view.limitations)
    sec = Section("care_plan", title)
    for lim in view.limitations:
        text = f"beslut {lim.decided_by} {lim.decided_on.isoformat()}, dokumenterat i {lim.documented_in}"
        sec.rows.append(Row(lim.label, f"{text} – {lim.note}" if lim.note else text, f"Källa: {lim.source}"))
    for plan in view.plans:
        state = f"utgången {plan.valid_until.isoformat()}" if plan.expired else f"gäller till {plan.valid_until.isoformat()}"
        sec.rows.append(Row(f"Plan {plan.team}" + (" (utgången)" if plan.expired else ""),
                            f"skriven {plan.written_on.isoformat()} av {plan.author}, {state}", f"Källa: {plan.source}"))
        for item in plan.items:
            hours = short_hours(item)
            sec.rows.append(Row(f"  {item.kind.label}" + (f" {hours}" if hours else ""), item.text, item.kind.value))
        if plan.free_text:
            sec.rows.append(Row("  Planens text", plan.free_text))
    for order in view.standing_orders:
        state = (f"utgången {order.valid_until.isoformat()}" if order.expired
                 else f"gäller till {order.valid_until.isoformat()}")
        sec.rows.append(Row(f"Ordination ({order.team})", f"{order.text} – {state}", f"Källa: {order.source}"))
    if view.empty:
        sec.rows.append(Row("", "Ingen vårdplan, behandlingsbegränsning eller ordination i registret."))
    return sec


def _vital(name: str, value: float | str) -> Row:
    label, unit = VITAL_LABELS.get(name, (name, ""))
    text = sv_number(value) if isinstance(value, int | float) else str(value)
    return Row(label, f"{text} {unit}".strip(), name)


def _triage(detail: CaseDetail) -> Section:
    c = detail.case
    sec = Section("triage", "Triage")
    if detail.triaged_at is None:
        sec.rows.append(Row("", "Ingen avslutad triagering sparad ännu."))
        return sec
    prio = _label(Priority, c.priority) or "–"
    tip = f"Ändpunkt {detail.endpoint_code}" if detail.endpoint_code else ""
    if detail.override_reason:
        prio += f" (överstyrd från {_label(Priority, detail.triage_priority)}: {detail.override_reason})"
    sec.rows += [Row("Besvär", complaint_name(c.complaint) or "–", c.complaint or ""), Row("Prioritet", prio, tip),
                 Row("Triagerad", f"{when(detail.triaged_at)} av {detail.triaged_by or '?'}")]
    for a in detail.answers:
        how = " (automatiskt)" if a.automatic else ""
        sec.rows.append(Row(a.question, f"{a.answer}{how}", a.code))
    return sec


def _red_flags(detail: CaseDetail) -> Section:
    rows = [Row(f.text, "registrerad under samtalet" if f.by_hand else "ja", f.code) for f in detail.red_flags]
    return Section("red_flags", f"Röda flaggor ({len(rows)})" if rows else "Röda flaggor",
                   rows or [Row("", "Inga röda flaggor.")])


def _recommendation(detail: CaseDetail) -> Section:
    title = "Rekommendation som visades"
    if detail.recommendation_shown is None:
        return Section("recommendation", title, [Row("", "Ingen rekommendation sparad med ärendet.")])
    title += f" ({when(detail.recommendation_shown_at)})"
    try:
        rec = ResourceRecommendation.model_validate(detail.recommendation_shown)
    except ValidationError:  # stored by another version: say so rather than show it wrongly
        return Section("recommendation", title, [Row("", "Rekommendationen kan inte visas i den här versionen.")])
    rows = []
    for part in rec.parts:
        name = part.part or "Huvudbehov"
        if part.recommended is not None:
            rows.append(Row(name, "★ " + option_text(part.recommended), part.recommended.reason))
        else:
            rows.append(Row(name, part.message or "Ingen tillräcklig resurs i tid", ""))
    if rec.plan is not None:
        rows.append(Row("Patientens plan", rec.plan.text, "\n".join(rec.plan.notes)))
    return Section("recommendation", title, rows)


def _unit(u: UnitLine, unit_name: Callable[[str], str | None],
          live_status: Callable[[str], UnitStatus | None],
          alert_state: Callable[[str], str | None] = lambda _u: None) -> Row:
    name = unit_name(u.unit_id)
    label = f"{u.unit_id} {name}" if name else u.unit_id
    if u.part:
        label += f" ({u.part})"
    times = [f"{_label(UnitStatus, s.status)} {when(s.at)}" for s in u.steps] or [f"Larmad {when(u.assigned_at)}"]
    if u.active:
        now = live_status(u.unit_id)
        if now is not None and (not u.steps or now.value != u.steps[-1].status):
            times.append(f"nu: {now.label}")  # the board's newer word, until the stored one catches up
        alerted = alert_state(u.unit_id)
        if alerted:
            times.append(f"larm: {alerted.lower()}")
    else:
        end = ENDED.get(u.ended_reason or "", "avslutad")  # a code this version does not know: not shown raw
        times.append(f"{end} {when(u.ended_at)}".strip())
    tip = f"Dirigerad {when(u.assigned_at)} av {u.assigned_by}"
    if u.deviation_reason:
        tip += f"; avvikelse från {u.recommended_unit_id or 'rekommendationen'}: {u.deviation_reason}"
    return Row(label, " · ".join(times), tip)
