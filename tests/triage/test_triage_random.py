"""Property-based: random answer sequences never crash, never dead-end, always explain the result."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from triage_helpers import NOW

from resources.patient_context import PatientContext
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.results import TriageInputError
from triage_rules.schema import UNKNOWN

RS = load_ruleset()
CODES = [c.code for c in RS.complaints]

contexts = st.builds(
    PatientContext,
    age=st.one_of(st.none(), st.integers(0, 105)),
    enrolled_mobile_team=st.sampled_from([None, "MVT Lund Norr"]),
    enrolled_asih=st.sampled_from([None, "ASIH Malmö"]),
    lives_in_saebo=st.booleans(),
    home_care=st.booleans(),
    known_psychiatric_team=st.sampled_from([None, "FACT Malmö"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from(CODES), ctx=contexts, data=st.data())
def test_random_walks(code: str, ctx: PatientContext, data: st.DataObject) -> None:
    session = TriageSession(RS, code, ctx, NOW)
    for _ in range(60):
        state = session.state()
        assert state.reasons or state.next_question is not None
        if state.done:
            break
        q = state.next_question
        assert q is not None, "dead end: not done and no question"
        action = data.draw(st.sampled_from(["answer"] * 6 + ["back", "garbage", "change"]))
        if action == "back":
            session.back()
            continue
        if action == "garbage":
            try:
                session.answer(q.id, data.draw(st.sampled_from(["kanske", "", "999999", True])))
            except TriageInputError:
                pass
            continue
        if action == "change" and session.answers:
            qid, _ = data.draw(st.sampled_from(session.answers))
            view_q = RS.complaint(code).question(qid)
            if view_q is None or view_q.kind.value != "vital":
                session.change(qid, UNKNOWN)
            continue
        if q.kind == "vital":
            assert q.min is not None and q.max is not None
            value = data.draw(st.one_of(st.just(UNKNOWN), st.floats(q.min, q.max, allow_nan=False)))
        else:
            value = data.draw(st.sampled_from([o.value for o in q.options] + [o.label for o in q.options]))
        session.answer(q.id, value)
    if not session.done:  # finish deterministically so every walk ends in a result
        while not session.done:
            q = session.state().next_question
            assert q is not None, "dead end"
            session.answer(q.id, UNKNOWN)
    result = session.result
    assert result is not None
    assert result.reasons, "result without reasons"
    assert result.priority.urgency >= result.endpoint_priority.urgency
    assert result.ruleset_version == RS.version and result.path
    # determinism: replaying the recorded answers gives the same result
    again = TriageSession.replay(RS, code, session.answers, context=ctx, now=NOW).result
    assert again is not None and again.model_dump_json() == result.model_dump_json()
