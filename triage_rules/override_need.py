"""The care need that fits a priority the nurse overrode to (issue 14: an override re-derives the need).

A priority-only override must not keep a care need made for another priority (a Prio 1 override of a
home-visit endpoint kept "physician_assessment, poc_tests, no transport, 120 min" and nothing could meet
it). The rule, documented in docs/triage-rules.md ("Overrides"):

1. the same priority as before: the care need as it was;
2. the endpoint's own priority: the endpoint's own care need;
3. raising: the rule set's `escalation` care need for the new priority (with the shorter max_minutes);
4. lowering: the same capabilities and transport, given the longer of its own time and the escalation
   need's time for the new priority; lowering to hänvisning uses `escalation: {hänvisning: …}` when the
   rule set has one, else keeps the need without a time limit.
"""

from __future__ import annotations

from resources.care_need import CareNeed
from resources.vocabulary import Priority
from triage_rules.schema import Endpoint, RuleSet


def find_endpoint(rs: RuleSet, code: str) -> Endpoint | None:
    """The endpoint with `code` in any complaint or red flag of `rs`."""
    for rf in rs.red_flags:
        if rf.endpoint.code == code:
            return rf.endpoint
    for c in rs.complaints:
        e = c.endpoint(code)
        if e is not None:
            return e
    return None


def override_care_need(rs: RuleSet, endpoint: Endpoint, before: CareNeed, priority_before: Priority,
                       priority: Priority) -> tuple[CareNeed, str]:
    """(care need, Swedish: where it comes from) for a priority override from `priority_before` to `priority`."""
    if priority == priority_before:
        return before, "oförändrat vårdbehov"
    if priority == endpoint.priority:
        return rs.endpoint_care_need(endpoint), f"ändpunktens eget vårdbehov ({endpoint.code})"
    ref = rs.escalation.get(priority.value)
    name = f" ({ref})" if isinstance(ref, str) else ""
    escalated = rs.escalation_care_need(priority)
    if priority.urgency > priority_before.urgency:
        assert escalated is not None  # the validator requires escalation care needs for Prio 1–3
        minutes = [m for m in (escalated.max_minutes, before.max_minutes) if m is not None]
        need = escalated.model_copy(update={"max_minutes": min(minutes) if minutes else None})
        return need, f"regelverkets eskalering för {priority.label}{name}"
    if escalated is not None and priority is Priority.REFERRAL:
        return escalated, f"regelverkets vårdbehov för hänvisning{name}"
    if priority is Priority.REFERRAL:
        return before.model_copy(update={"max_minutes": None}), "samma vårdbehov utan tidsgräns"
    assert escalated is not None
    minutes = [m for m in (escalated.max_minutes, before.max_minutes) if m is not None]
    longest = max(minutes) if minutes else None
    return (before.model_copy(update={"max_minutes": longest}),
            f"samma vårdbehov med tidsgränsen för {priority.label} ({longest} min)" if longest is not None
            else "samma vårdbehov utan tidsgräns")
