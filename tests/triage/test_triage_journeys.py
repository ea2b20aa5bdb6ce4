"""Recorded calls under tests/triage/journeys/<version>/ replayed through that shipped rule-set version.

Each version keeps its own journeys: skane-2026.1's document what that version does (it stays loadable
for cases triaged with it); skane-2026.2's pin what the second version changed on purpose. The newest
version is also measured against the expert vignettes (tests/clinical/)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field
from triage_helpers import NOW

from outcomes.acceptance import complaint_code, load_vignettes
from resources.patient_context import PatientContext
from resources.vocabulary import Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import NO
from triage_rules.validate import LEGACY_VERSIONS

JOURNEY_DIR = Path(__file__).with_name("journeys")


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str
    priority: Priority
    flags: list[str] = Field(default_factory=list)
    transport: TransportNeed | None = None


class Journey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    ruleset: str = ""
    complaint: str
    context: PatientContext = PatientContext()
    now: datetime | None = None
    answers: dict[str, Any]
    expect: Expect


def _journeys() -> list[Journey]:
    out = []
    for path in sorted(JOURNEY_DIR.glob("*/*.yaml")):
        out += [Journey.model_validate({**j, "ruleset": path.parent.name})
                for j in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return out


JOURNEYS = _journeys()


def replay(j: Journey) -> TriageSession:
    """Answer each question as it is asked; unlisted red flags are answered 'nej'."""
    rs = load_ruleset(version=j.ruleset)
    session = TriageSession(rs, j.complaint, j.context, j.now or NOW)
    used = set()
    while not session.done:
        q = session.state().next_question
        assert q is not None
        if q.id in j.answers:
            value = j.answers[q.id]
        elif q.red_flag:
            value = NO
        else:
            raise AssertionError(f"{j.name}: question '{q.id}' ({q.text}) was asked but has no answer")
        used.add(q.id)
        session.answer(q.id, value)
    unused = set(j.answers) - used
    assert not unused, f"{j.name}: answers never asked for: {unused}"
    return session


@pytest.mark.parametrize("journey", JOURNEYS, ids=[f"{j.ruleset}: {j.name}" for j in JOURNEYS])
def test_journey(journey: Journey) -> None:
    result = replay(journey).result
    assert result is not None
    assert result.endpoint == journey.expect.endpoint
    assert result.priority == journey.expect.priority
    for flag in journey.expect.flags:
        assert flag in result.flags
    if journey.expect.transport is not None:
        assert result.care_need.transport == journey.expect.transport
    assert result.reasons and result.ruleset_version == journey.ruleset


@pytest.mark.parametrize("version", sorted({j.ruleset for j in JOURNEYS}))
def test_every_complaint_has_a_journey(version: str) -> None:
    """For the versions the vignettes' answer scripts are written for (skane-2026.2 and later: every version but the
    legacy 2026.1, whose question ids differ) the expert vignettes count as recorded journeys too (they cover all
    complaints; 2026.2 was measured against them at its release, the newest is by tests/clinical)."""
    rs = load_ruleset(version=version)
    covered = {j.complaint for j in JOURNEYS if j.ruleset == version}
    if version == load_ruleset().version or version not in LEGACY_VERSIONS:
        covered |= {complaint_code(rs, v.complaint) for v in load_vignettes()}
    missing = [c.code for c in rs.complaints if c.code not in covered]
    assert not missing, f"complaints without a recorded journey in {version}: {missing}"
