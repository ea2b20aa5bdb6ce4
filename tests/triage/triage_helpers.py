"""Shared helpers for the triage tests (walk every path, replay journeys)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from resources.patient_context import PatientContext
from triage_rules.engine import TriageSession
from triage_rules.results import QuestionView, TriageResult
from triage_rules.schema import NO, UNKNOWN, RuleSet

FIXTURES = Path(__file__).with_name("fixtures")
NOW = datetime.fromisoformat("2026-03-03T10:00:00+01:00")  # a Tuesday morning
EVENING = datetime.fromisoformat("2026-03-03T22:00:00+01:00")  # the same day, outside office hours


def branch_answers(q: QuestionView) -> list[Any]:
    """Answers that can lead to different branches (vital signs do not branch, so 'vet ej')."""
    if q.kind == "vital":
        return [UNKNOWN]
    return [o.value for o in q.options]


def all_paths(rs: RuleSet, complaint: str, context: PatientContext | None = None, now: datetime = NOW,
              ) -> Iterator[tuple[list[tuple[str, Any]], TriageSession]]:
    """Every finished session reachable by branching answers (depth-first) at `now`."""
    stack: list[list[tuple[str, Any]]] = [[]]
    while stack:
        answers = stack.pop()
        session = TriageSession.replay(rs, complaint, answers, context=context, now=now)
        state = session.state()
        if state.done:
            yield answers, session
            continue
        q = state.next_question
        assert q is not None, f"{complaint}: dead end after {answers}"
        for value in branch_answers(q):
            stack.append([*answers, (q.id, value)])


def contexts() -> list[PatientContext]:
    """Patient contexts that exercise every context check both ways."""
    return [
        PatientContext(),
        PatientContext(age=85, enrolled_mobile_team="MVT Lund Norr", home_care=True, lives_in_saebo=True),
        PatientContext(age=70, enrolled_asih="ASIH Lund", known_psychiatric_team="FACT Malmö"),
        PatientContext(age=0),
        PatientContext(age=30),
    ]


def answered_or_no(rs: RuleSet, complaint: str, answers: dict[str, Any], context: PatientContext,
                   now: datetime = NOW) -> TriageResult:
    """Finish a triage answering each question from `answers` as it is asked, 'nej' where none is given."""
    session = TriageSession(rs, complaint, context, now)
    while not session.done:
        q = session.state().next_question
        assert q is not None
        session.answer(q.id, answers.get(q.id, NO))
    assert session.result is not None
    return session.result


def minimal_ruleset_data() -> dict[str, Any]:
    """The smallest valid rule set (fixtures/minimal.yaml) as a fresh dict, for tests to break."""
    return yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
