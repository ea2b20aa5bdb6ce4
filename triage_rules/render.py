"""A complaint's decision tree as readable Swedish text, for physicians reviewing the rules."""

from __future__ import annotations

from resources.care_need import CareNeed
from resources.vocabulary import Priority, TransportNeed
from triage_rules.schema import (
    ANSWER_LABELS,
    Complaint,
    Endpoint,
    Question,
    QuestionKind,
    RedFlag,
    RuleSet,
    UnknownPolicy,
    _num,
)

_INDENT = "    "


def describe_care_need(cn: CareNeed) -> str:
    parts = []
    for i, part in enumerate(cn.parts()):
        caps = ", ".join(sorted(c.label for c in part.capabilities)) or "inga förmågor"
        if part.preferred:
            caps += f" (önskas: {', '.join(sorted(c.label for c in part.preferred))})"
        when = f"inom {part.max_minutes} min" if part.max_minutes is not None else "utan tidsgräns"
        text = f"{caps} · {part.transport.label} · {when}"
        parts.append(text if i == 0 else f"+ {part.role}: {text}")
    return " ".join(parts)


def describe_endpoint(rs: RuleSet, e: Endpoint) -> list[str]:
    assert e.priority is not None
    head = f"● {e.code}  {e.priority.label} · {describe_care_need(rs.endpoint_care_need(e))}"
    lines = [head]
    if e.flags:
        lines.append(f"  flaggor: {', '.join(e.flags)}")
    own = rs.endpoint_care_need(e)
    prefix = e.code.split(".")[0]
    has_vitals = rs.has_complaint(prefix) and any(q.kind == QuestionKind.VITAL for q in rs.complaint(prefix).questions)
    if has_vitals and e.priority is not Priority.REFERRAL and own.transport is not TransportNeed.AMBULANCE:
        abnormal = rs.vitals_abnormal_care_need(e, e.priority)
        if abnormal is not None:
            source = "if_vitals_abnormal" if e.if_vitals_abnormal is not None else "eskalering"
            lines.append(f"  vid avvikande vitalparameter ({source}): {describe_care_need(abnormal)}")
    lines.append(f"  «{e.reason}»")
    return lines


def describe_combined_vitals(rs: RuleSet, c: Complaint | None = None) -> list[str]:
    """The rule set's combined_vitals rules, in Swedish; with `c`, only rules its vital signs can meet."""
    vital_ids = {q.id for q in c.questions if q.kind == QuestionKind.VITAL} if c is not None else None
    lines = []
    for rule in rs.combined_vitals:
        assert rule.of_priority is not None and rule.raise_to is not None
        counting = vital_ids if not rule.vitals or vital_ids is None else vital_ids & set(rule.vitals)
        if counting is not None and len(counting) < rule.min_count:
            continue
        which = ", ".join(rule.vitals) if rule.vitals else "alla vitalparametrar"
        lines.append(f"minst {rule.min_count} uppmätta vitalparametrar ({which}) på {rule.of_priority.label}-nivå "
                     f"eller högre samtidigt → höjer till minst {rule.raise_to.label} (vet ej räknas inte) "
                     f"«{rule.reason}»")
    return lines


def render_complaint(rs: RuleSet, code: str) -> str:
    c = rs.complaint(code)
    out = [
        f"{c.code} – {c.name}",
        f"Regelverk {rs.version} ({rs.status})",
        f"Preliminär prioritet innan ändpunkt: {c.initial_priority.label}",
    ]
    if c.help:
        out.append(f"Anvisning: {c.help}")
    if rs.vital_scores:
        qsofa = " (kontaktorsaken räknas som misstänkt infektion)" if c.code in rs.suspected_infection else ""
        out += ["", f"Vitalparametrar kan tas när som helst i samtalet och kan bara höja ({rs.vital_scores}): "
                    f"NEWS2 för vuxna, qSOFA för 65 år och äldre vid misstänkt infektion{qsofa}, åldersband för "
                    "barn under 16 år, blodsocker för alla (se docs/triage-rules.md)."]
    combined = describe_combined_vitals(rs, c)
    if combined:
        out += ["", "Kombinerade vitalparametrar (gäller hela regelverket):", *[f"{_INDENT}{line}" for line in combined]]
    if c.red_flags:
        out += ["", "Röda flaggor (frågas först; ja ger alltid Prio 1 och avslutar):"]
        for rf_id in c.red_flags:
            rf = rs.red_flag(rf_id)
            assert rf is not None
            out += _red_flag(rs, rf, _INDENT)
    out += ["", "Frågor:"]
    _node(rs, c, c.start, _INDENT, out, set())
    return "\n".join(out)


def _red_flag(rs: RuleSet, rf: RedFlag, indent: str) -> list[str]:
    lines = [f"{indent}[{rf.id}] {rf.text} (vet ej räknas som {ANSWER_LABELS[rf.unknown_as].lower()})"]
    lines += [f"{indent}{_INDENT}ja → {line}" if i == 0 else f"{indent}{_INDENT}     {line}"
              for i, line in enumerate(describe_endpoint(rs, rf.endpoint))]
    return lines


def _node(rs: RuleSet, c: Complaint, target: str, indent: str, out: list[str], seen: set[str]) -> None:
    rf = rs.red_flag(target)
    if rf is not None:
        out += _red_flag(rs, rf, indent)
        return
    e = c.endpoint(target)
    if e is not None:
        out += [f"{indent}{line}" for line in describe_endpoint(rs, e)]
        return
    q = c.question(target)
    assert q is not None
    if q.id in seen:
        out.append(f"{indent}→ [{q.id}] (se ovan)")
        return
    seen.add(q.id)
    out.append(f"{indent}[{q.id}] {_question_head(q)}")
    if q.help:
        out.append(f"{indent}  ({q.help})")
    if q.kind == QuestionKind.VITAL:
        for t in q.thresholds:
            assert t.raise_to is not None
            why = f" ({t.reason})" if t.reason else ""
            out.append(f"{indent}  {t.describe(q.unit)} → höjer till minst {t.raise_to.label}{why}")
        assert q.goto is not None
        out.append(f"{indent}  därefter:")
        _node(rs, c, q.goto, indent + _INDENT, out, seen)
        return
    for label, goto in q.targets():
        shown = label
        if q.kind == QuestionKind.CHOICE:
            opt = q.option(label)
            shown = opt.label if opt else label
        out.append(f"{indent}  {shown} →")
        _node(rs, c, goto, indent + _INDENT, out, seen)


_DECISION = {UnknownPolicy.RAISE: " – det farligare svaret", UnknownPolicy.NO_CHANGE: " – ingen förändring"}


def _question_head(q: Question) -> str:
    if q.kind in (QuestionKind.YES_NO, QuestionKind.CHOICE) and q.asks_follow_up:
        kind = "ja/nej" if q.kind == QuestionKind.YES_NO else "flerval"
        return f"{q.text} ({kind}; vet ej → följdfråga [{q.unknown_follow_up}])"
    decision = _DECISION.get(q.unknown, " – beslut om vet ej saknas") if q.unknown else " – beslut om vet ej saknas"
    if q.kind == QuestionKind.YES_NO:
        return f"{q.text} (ja/nej; vet ej räknas som {q.unknown_as}{decision})"
    if q.kind == QuestionKind.CHOICE:
        opt = q.option(str(q.unknown_as))
        return f"{q.text} (flerval; vet ej räknas som '{opt.label if opt else q.unknown_as}'{decision})"
    if q.kind == QuestionKind.VITAL:
        assert q.range is not None
        unknown = ("vet ej höjer inte" if q.unknown_as is None
                   else f"vet ej räknas som {_num(float(q.unknown_as))} {q.unit}")
        return f"{q.text} (mätvärde i {q.unit}, rimligt {_num(q.range[0])}–{_num(q.range[1])}; {unknown})"
    who = f"{q.check.value if q.check else ''}" + (f" {q.age}" if q.age is not None else "")
    if q.check is not None and q.check.from_care_plan:
        return (f"{q.text} (avgörs automatiskt ur patientens plan: {who}; ingen känd plan räknas som nej, "
                "en utgången plan räknas aldrig)")
    return f"{q.text} (avgörs automatiskt ur patientuppgifterna: {who})"
