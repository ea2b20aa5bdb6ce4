"""Time-critical presentations end Prio 1 with an ambulance-capable care need, whatever the
patient's age or register context and wherever the deciding question sits in the tree.

Regression: an infant (or a child of unknown age) with a non-blanching rash or lethargy ended at
the infant endpoint BARNF.2.01 (Prio 2) because the age check came before the sepsis question;
a suicidal patient with a plan ended Prio 2.
"""

from __future__ import annotations

from typing import Any

import pytest
from triage_helpers import NOW

from resources.patient_context import PatientContext
from resources.vocabulary import Capability, Priority, TransportNeed
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import NO, UNKNOWN

CASES: list[tuple[str, str, PatientContext, dict[str, Any]]] = [
    ("spädbarn med petekier", "BARNF", PatientContext(age=0), {"prickar": "ja"}),
    ("barn med okänd ålder, slöhet vet ej", "BARNF", PatientContext(),
     {"prickar": "nej", "nackstel": "nej", "slött": UNKNOWN}),
    ("barn 4 år, slött", "BARNF", PatientContext(age=4), {"prickar": "nej", "nackstel": "nej", "slött": "ja"}),
    ("suicidtankar med plan", "PSYK", PatientContext(age=34), {"suicidplan": "ja"}),
    ("suicidplan vet ej", "PSYK", PatientContext(), {"suicidplan": UNKNOWN}),
    ("typisk bröstsmärta", "BRÖST", PatientContext(age=61), {"pågående": "ja", "karaktär": "ja"}),
    ("strokesymtom inom fönstret", "STROKE", PatientContext(age=77), {"symtom_nu": "ja", "debut": "inom_24h"}),
    ("anafylaxi", "ALLERGI", PatientContext(age=25), {"RF_ANAFYLAXI": "ja"}),
    ("sepsistecken hos inskriven äldre", "FEBER",
     PatientContext(age=88, enrolled_mobile_team="Vårdcentralen Lund Norr", home_care=True), {"ny_förvirring": "ja"}),
    ("okontrollerad blödning", "BLÖDN", PatientContext(age=50), {"RF_BLÖDNING": "ja"}),
]


def _replay(complaint: str, context: PatientContext, answers: dict[str, Any]) -> TriageSession:
    session = TriageSession(load_ruleset(), complaint, context, NOW)
    while not session.done:
        q = session.state().next_question
        assert q is not None
        assert q.id in answers or q.red_flag, f"{complaint}: '{q.id}' asked before the deciding question"
        session.answer(q.id, answers.get(q.id, NO))
    return session


@pytest.mark.parametrize(("name", "complaint", "context", "answers"), CASES, ids=[c[0] for c in CASES])
def test_time_critical_is_prio1_with_ambulance(name: str, complaint: str, context: PatientContext,
                                               answers: dict[str, Any]) -> None:
    result = _replay(complaint, context, answers).result
    assert result is not None
    assert result.priority == Priority.P1, f"{name}: {result.endpoint} {result.priority}"
    assert result.care_need.transport == TransportNeed.AMBULANCE
    assert Capability.AMBULANCE_TRANSPORT in result.care_need.capabilities
