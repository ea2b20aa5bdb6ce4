"""The scripted caller: a synthetic call answered through the product's real TriageSession (no second triage).

Each question the session asks is answered from the call's `facts` (truthful, the oracle) or `told` (what the
caller says): red flags from `flag:<id>`, vital questions from `vital:<question id>`, the rest by question id.
Context questions are answered by the engine from the PatientContext (replay.call_context). A question without a
fact, or a fact the session refuses, is answered "vet ej" and counted in `MISSING` (complaint, question id).
"""

from __future__ import annotations

from collections import Counter

from replay.call_context import call_datetime, patient_context
from replay.model import Answer, SyntheticCall
from triage_rules.engine import TriageSession
from triage_rules.results import TriageInputError, TriageResult
from triage_rules.schema import RuleSet

UNKNOWN = "vet ej"
MISSING: Counter[tuple[str, str]] = Counter()
"""(complaint, question id) answered "vet ej" for want of a usable fact, over the process's lifetime."""


def _key(question_id: str, kind: str, red_flag: bool) -> str:
    if red_flag:
        return f"flag:{question_id}"
    return f"vital:{question_id}" if kind == "vital" else question_id


def answer_session(ruleset: RuleSet, call: SyntheticCall, *, truthful: bool,
                   missing: Counter[tuple[str, str]] | None = None) -> TriageResult:
    """The call triaged to its result with the true facts (`truthful`) or the caller's answers."""
    answers = call.facts if truthful else call.told
    counter = MISSING if missing is None else missing
    session = TriageSession(ruleset, call.complaint, patient_context(call), call_datetime(call))
    state = session.state()
    complaint = session.complaint
    for _ in range(len(complaint.questions) + len(ruleset.red_flags) + 2):
        if state.done:
            break
        q = state.next_question
        assert q is not None
        value: Answer | None = answers.get(_key(q.id, q.kind, q.red_flag))
        if value is None:
            counter[(call.complaint, q.id)] += 1
            value = UNKNOWN
        try:
            state = session.answer(q.id, value)
        except TriageInputError:
            counter[(call.complaint, q.id)] += 1
            state = session.answer(q.id, UNKNOWN)
    result = session.result
    if result is None:  # every answer moves the walk forward; the loader refuses cycles
        raise RuntimeError(f"samtal {call.call_id} ({call.complaint}) nådde inget resultat")
    return result
