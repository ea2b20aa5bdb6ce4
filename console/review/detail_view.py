"""One review item's whole story as readable HTML: triage path, recommendation at the time,
what was done, and the outcome."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from console.local_time import iso_local_text
from outcomes.codes import OutcomeCode
from records.review_queue import ReviewDetail
from resources.vocabulary import Capability, Priority, TransportNeed

SOURCE_LABELS = {"feed": "rapporterat av enheten", "manual": "registrerat manuellt"}


def _label(vocabulary: Callable[[str], Any], value: str, unknown: str | None = None) -> str:
    """The Swedish label of a stored code of `vocabulary` (an enum with `.label`); a code this version
    does not know (stored by an older or newer one) is shown as it is, or as `unknown`."""
    try:
        return vocabulary(value).label
    except ValueError:
        return value if unknown is None else unknown


def _prio(p: str | None) -> str:
    return _label(Priority, p) if p else "–"


def _need(cn: dict[str, Any] | None) -> str:
    if not cn:
        return "–"
    caps = [_label(Capability, c) for c in cn.get("capabilities", [])]
    t = cn.get("transport")
    parts = [", ".join(caps) or "–", _label(TransportNeed, t, unknown="") if t else ""]
    if cn.get("max_minutes") is not None:
        parts.append(f"inom {cn['max_minutes']} min")
    return escape(" · ".join(p for p in parts if p))


def _time(iso: str | None) -> str:
    """A stored (UTC) timestamp as Swedish local time."""
    return escape(iso_local_text(iso))


def render(detail: ReviewDetail) -> str:
    it, case, tr = detail.item, detail.case, detail.triage
    out = [f"<h2>{escape(it.reason_label)}"
           + (f" – ärende {it.case_id}" if it.case_id else "") + "</h2>",
           f"<p>{escape(it.detail).replace(chr(10), '<br>')}</p>"]
    if it.comment:
        out.append(f"<p><b>Kommentarer:</b><br>{escape(it.comment).replace(chr(10), '<br>')}</p>")
    if case is not None:
        out.append("<h3>Ärendet</h3><table>"
                   f"<tr><td>Status</td><td>{escape(case.status.label)}</td></tr>"
                   f"<tr><td>Prioritet nu</td><td><b>{_prio(case.priority)}</b></td></tr>"
                   f"<tr><td>Vårdbehov nu</td><td>{_need(case.care_need)}</td></tr>"
                   f"<tr><td>Patient</td><td>{escape(case.patient_name)} {escape(case.personnummer or '')}"
                   f"{' · ' + str(case.patient_age) + ' år' if case.patient_age is not None else ''}</td></tr>"
                   f"<tr><td>Plats</td><td>{escape(case.address)} {escape(case.kommun or '')}</td></tr>"
                   f"<tr><td>Flaggor</td><td>{escape(', '.join(case.flags)) or '–'}</td></tr></table>")
    if tr is not None:
        out.append(f"<h3>Triage ({escape(tr['complaint'])}, ändpunkt {escape(tr['endpoint_code'])}, "
                   f"regelverk {escape(tr['ruleset_version'])})</h3>")
        out.append(f"<p>Reglerna gav <b>{_prio(tr['priority'])}</b>, vårdbehov {_need(tr['care_need'])}.")
        if tr.get("override_reason"):
            out.append(f"<br><span style='color:#f5a623'><b>Överstyrt</b> till {_prio(tr.get('override_priority'))}"
                       f"{' / ' + _need(tr['override_care_need']) if tr.get('override_care_need') else ''}: "
                       f"{escape(tr['override_reason'])}</span>")
        out.append("</p><ol>")
        for step in tr.get("path", []):
            auto = " <i>(automatiskt)</i>" if step.get("automatic") else ""
            out.append(f"<li>{escape(step.get('text', ''))} → <b>{escape(step.get('answer_label', ''))}</b>{auto}</li>")
        out.append("</ol><p><b>Skäl:</b></p><ul>")
        out.extend(f"<li>{escape(r)}</li>" for r in tr.get("reasons", []))
        out.append("</ul>")
    if detail.recommendations:
        out.append("<h3>Rekommendation som visades</h3><ul>")
        for rec in detail.recommendations:
            parts = (rec.get("ranking") or {}).get("parts") or []
            for p in parts:
                best = p.get("recommended") or {}
                label = best.get("unit_name") or best.get("unit_id") or best.get("type_name") or "ingen"
                alts = ", ".join((a.get("unit_id") or a.get("type_name") or "") for a in p.get("alternatives", []))
                out.append(f"<li>{_time(rec['created_at'])}: {escape(p.get('part') or 'huvudbehov')}: "
                           f"<b>{escape(label)}</b> ({escape(best.get('type_name', ''))})"
                           f"{' · alternativ: ' + escape(alts) if alts else ''}</li>")
        out.append("</ul>")
    out.append("<h3>Vad som gjordes</h3>")
    if detail.assignments:
        out.append("<ul>")
        for a in detail.assignments:
            dev = (f" · <span style='color:#f5a623'>avvikelse från {escape(a['recommended_unit_id'] or '–')}: "
                   f"{escape(a['deviation_reason'])}</span>") if a.get("deviation_reason") else ""
            end = f" · avslutad ({escape(a['ended_reason'])})" if a.get("ended_reason") else ""
            out.append(f"<li>{_time(a['assigned_at'])}: {escape(a['unit_id'])}{dev}{end}</li>")
        out.append("</ul>")
    else:
        out.append("<p>Ingen enhet dirigerad.</p>")
    out.append("<h3>Utfall</h3>")
    if detail.outcome:
        o = detail.outcome
        out.append(f"<p><b>{escape(_label(OutcomeCode, o['code']))}</b>"
                   f"{' – ' + escape(o['destination']) if o.get('destination') else ''} "
                   f"({escape(SOURCE_LABELS.get(o['source'], o['source']))}, {_time(o['recorded_at'])})</p>")
    else:
        out.append("<p>Inget utfall ännu.</p>")
    return "\n".join(out)


