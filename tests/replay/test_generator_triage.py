"""Every synthetic call through the real TriageSession (replay.scripted_triage): a result with the true facts and
with the caller's answers, facts that follow the modelled truth, and "vet ej" for a missing fact."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from generator_data import calls, ruleset

from replay.scripted_triage import answer_session
from resources.vocabulary import Priority


def test_every_call_reaches_a_result_truthful_and_told() -> None:
    rs = ruleset()
    sample = calls()[::4]  # every complaint, about 3,800 calls
    missing: Counter[tuple[str, str]] = Counter()
    oracle: Counter[tuple[str, Priority]] = Counter()
    told: Counter[tuple[str, Priority]] = Counter()
    for c in sample:
        truth = answer_session(rs, c, truthful=True, missing=missing)
        said = answer_session(rs, c, truthful=False, missing=missing)
        assert truth.complaint == said.complaint == c.complaint
        oracle[(c.severity, truth.priority)] += 1
        told[(c.severity, said.priority)] += 1
    assert not missing  # every question asked has a fact
    assert {c.complaint for c in sample} == {c.code for c in rs.complaints}

    def p1(counter: Counter[tuple[str, Priority]], s: str) -> float:
        n = sum(v for (sev, _), v in counter.items() if sev == s)
        return counter[(s, Priority.P1)] / n

    # the facts follow the truth: true Prio 1 calls mostly end at Prio 1, safe-with-advice calls rarely
    assert p1(oracle, "1") > 0.75 and p1(oracle, "H") < 0.15 and p1(oracle, "3") < 0.15
    # callers' "vet ej" (a red flag unknown counts as yes) pushes calls up, never down on the whole
    assert sum(v for (_, p), v in told.items() if p is Priority.P1) > sum(
        v for (_, p), v in oracle.items() if p is Priority.P1)


def test_a_missing_or_unusable_fact_is_answered_vet_ej_and_counted() -> None:
    rs = ruleset()
    call = next(c for c in calls() if c.complaint == "BRÖST")
    flag = next(k for k in call.facts if k.startswith("flag:"))
    facts = {k: v for k, v in call.facts.items() if k != flag}
    missing: Counter[tuple[str, str]] = Counter()
    result = answer_session(rs, replace(call, facts=facts), truthful=True, missing=missing)
    assert missing == {("BRÖST", flag.removeprefix("flag:")): 1}
    assert result.path[0].answer == "vet_ej" and result.priority is Priority.P1  # an unknown red flag raises
    for c in calls():
        asked = [s.question_id for s in answer_session(rs, c, truthful=True).path if s.kind == "vital"]
        if asked:
            break
    bad = {**c.facts, f"vital:{asked[0]}": 999999.0}  # outside the question's range: the session refuses it
    missing.clear()
    result = answer_session(rs, replace(c, facts=bad), truthful=True, missing=missing)
    assert missing == {(c.complaint, asked[0]): 1}
    assert next(s for s in result.path if s.question_id == asked[0]).answer == "vet_ej"
