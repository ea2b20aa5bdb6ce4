"""Preferred capabilities in the rule set (docs/triage-rules.md, docs/care-need.md): written as data,
validated, shown by `rules show`, carried in the triage result JSON; old results without them load."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from triage_helpers import minimal_ruleset_data

from larmcentral_cli import main
from resources.care_need import CareNeed
from resources.patient_context import PatientContext
from resources.vocabulary import Capability
from triage_rules.engine import TriageSession
from triage_rules.loader import RuleSetError, load_ruleset, ruleset_from_data, ruleset_to_data
from triage_rules.results import TriageResult

RS = load_ruleset()


def test_psychiatric_triage_result_carries_preferred_and_a_somatic_one_an_empty_list() -> None:
    psych = TriageSession.replay(RS, "PSYK", [("RF_SUICID_PÅGÅENDE", "nej"), ("suicidplan", "ja")],
                                 context=PatientContext(age=34)).result
    assert psych is not None and psych.endpoint == "PSYK.1.05"
    data = json.loads(psych.model_dump_json())
    assert data["care_need"]["preferred"] == ["psychiatric_assessment"]
    assert "psychiatric_assessment" not in data["care_need"]["capabilities"]
    lpt = TriageSession.replay(RS, "LPT", [("RF_SUICID_PÅGÅENDE", "nej"), ("fara", "ja")],
                               context=PatientContext(age=40),
                               now=datetime.fromisoformat("2026-03-03T22:00:00+01:00")).result
    assert lpt is not None and lpt.endpoint == "LPT.1.01"
    lpt_json = json.loads(lpt.model_dump_json())["care_need"]
    assert lpt_json["preferred"] == ["psychiatric_assessment"]
    assert lpt_json["additional"][0]["preferred"] == []  # the läkare part asks for nothing extra

    buk = TriageSession.replay(RS, "BUK", [("RF_CHOCK", "nej"), ("RF_BLÖDNING", "nej"), ("plötslig_svår", "nej"),
                                           ("bukhinna", "nej"), ("graviditet", "nej"), ("kräkningar", "ja"),
                                           ("puls", 90)]).result
    assert buk is not None and buk.endpoint == "BUK.3.03"
    assert json.loads(buk.model_dump_json())["care_need"]["preferred"] == []


def test_a_stored_result_from_before_preferred_still_loads() -> None:
    result = TriageSession.replay(RS, "PSYK", [("RF_SUICID_PÅGÅENDE", "nej"), ("suicidplan", "ja")]).result
    assert result is not None
    data = json.loads(result.model_dump_json())
    del data["care_need"]["preferred"]
    for part in data["care_need"]["additional"]:
        part.pop("preferred", None)
    old = TriageResult.model_validate(data)
    assert old.care_need.preferred == frozenset()
    assert CareNeed.model_validate({"capabilities": ["nurse_assessment"], "transport": "none"}).preferred == frozenset()


def test_preferred_in_a_rule_file_reaches_the_care_need() -> None:
    data = minimal_ruleset_data()
    data["care_needs"]["AMB"]["preferred"] = ["psychiatric_assessment"]
    rs = ruleset_from_data(data, "preferred.yaml")
    need = rs.endpoint_care_need(rs.complaint("TEST").endpoint("TEST.2.01"))
    assert need.preferred == {Capability.PSYCHIATRIC_ASSESSMENT}
    assert ruleset_to_data(rs)["care_needs"]["AMB"]["preferred"] == ["psychiatric_assessment"]
    assert "preferred" not in ruleset_to_data(rs)["care_needs"]["RÅD"]  # left out stays out


@pytest.mark.parametrize(("preferred", "expected"), [
    (["tankeläsning"], "okänd önskad förmåga 'tankeläsning' i 'preferred'"),
    (["nurse_assessment"], "förmågan 'nurse_assessment' står både som krav (capabilities) och som önskad (preferred)"),
])
def test_a_broken_preferred_is_refused_naming_file_and_care_need(preferred: list[str], expected: str) -> None:
    data = minimal_ruleset_data()
    data["complaints"][0]["endpoints"][0]["care_need"] = {
        "capabilities": ["nurse_assessment", "ambulance_transport"], "preferred": preferred,
        "transport": "ambulance", "max_minutes": 30}
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(data, "trasig.yaml")
    problems = info.value.problems
    assert any(expected in p and "trasig.yaml" in p and "TEST.2.01" in p for p in problems), problems


def test_rules_show_names_the_preferred_capability(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "show", "PSYK"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "PSYK.1.05" in x)
    assert "(önskas: Psykiatrisk bedömning)" in line
