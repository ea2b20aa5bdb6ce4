"""Broken rule files are refused with every problem at once, each naming file, complaint and question."""

from __future__ import annotations

from pathlib import Path

import pytest
from triage_helpers import FIXTURES, minimal_ruleset_data

from triage_rules.loader import (
    RuleSetError,
    available_versions,
    diff_rulesets,
    load_ruleset,
    ruleset_from_data,
    ruleset_from_text,
    ruleset_to_data,
    write_version,
)


def _problems(name: str) -> list[str]:
    with pytest.raises(RuleSetError) as info:
        load_ruleset(FIXTURES / name)
    problems = info.value.problems
    assert problems
    for p in problems:
        assert name in p, f"problem does not name the file: {p}"
    return problems


def test_minimal_fixture_is_valid() -> None:
    rs = load_ruleset(FIXTURES / "minimal.yaml")
    assert rs.version == "test-1" and rs.source.endswith("minimal.yaml")


@pytest.mark.parametrize(("name", "expected"), [
    ("unknown_target.yaml", "kontaktorsak TEST (Testorsak), fråga 'ont': svaret 'nej' pekar på okänt mål 'FINNS_INTE'"),
    ("unreachable.yaml", "fråga 'ensam': frågan går inte att nå från start"),
    ("unreachable.yaml", "ändpunkt TEST.3.03: ändpunkten går inte att nå från start"),
    ("cycle.yaml", "fråga 'ont': cykel: ont → puls → ont"),
    ("missing_priority.yaml", "ändpunkt TEST.2.01: saknar prioritet"),
    ("vital_range.yaml", "fråga 'puls': ogiltigt intervall 250–20"),
    ("threshold_range.yaml", "fråga 'puls', gräns 1: gränsvärdet 400 ligger utanför rimligt intervall 20–250 /min"),
    ("unknown_capability.yaml", "okänd förmåga 'teleportation'"),
])
def test_each_broken_file_class_gives_its_message(name: str, expected: str) -> None:
    problems = _problems(name)
    assert any(expected in p for p in problems), problems


def test_every_error_is_reported_at_once() -> None:
    problems = _problems("many_errors.yaml")
    text = "\n".join(problems)
    assert "okänt mål 'FINNS_INTE'" in text
    assert "gränsvärdet 400" in text
    assert "saknar prioritet" in text


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(RuleSetError, match="rad 16"):
        load_ruleset(FIXTURES / "syntax_error.yaml")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["complaints"][0]["questions"][0].pop("unknown_as"), "saknar 'unknown_as'"),
    (lambda d: d["complaints"][0]["endpoints"][0].update(code="TEST.1.01"), "stämmer inte med prioriteten"),
    (lambda d: d["complaints"][0]["endpoints"][0].update(code="ANNAN.2.01"), "ska börja med 'TEST.'"),
    (lambda d: d["red_flags"][0]["endpoint"].update(priority=2, code="RÖD.2.01"), "måste ge Prio 1"),
    (lambda d: d["complaints"][0]["endpoints"][1].update(care_need="AMB"), "en hänvisning har ingen transport"),
    (lambda d: d["complaints"][0]["endpoints"][0].update(care_need="SAKNAS"), "okänd vårdbehovsmall 'SAKNAS'"),
    (lambda d: d["complaints"][0]["red_flags"].append("RF_OKÄND"), "okänd röd flagga 'RF_OKÄND'"),
    (lambda d: d["escalation"].pop(3), "saknar vårdbehov för Prio 3"),
    (lambda d: d["complaints"][0]["questions"][1]["thresholds"][0].update(raise_to="hänvisning"), "kan bara höja"),
    (lambda d: d["complaints"][0]["questions"][0].update(options=[]), "hör inte till frågetypen yes_no"),
])
def test_semantic_checks(change, expected: str) -> None:
    data = minimal_ruleset_data()
    change(data)
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(data, "mem.yaml")
    assert any(expected in p and p.startswith("mem.yaml") for p in info.value.problems), info.value.problems


def test_shape_errors_name_the_complaint_and_question() -> None:
    data = minimal_ruleset_data()
    data["complaints"][0]["questions"][0]["kind"] = "fritext"
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(data, "mem.yaml")
    assert any("TEST" in p and "ont" in p and "kind" in p for p in info.value.problems), info.value.problems


def test_from_text_and_write_version_and_diff(tmp_path: Path) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    (tmp_path / "test-1.yaml").write_text(text, encoding="utf-8")
    old = ruleset_from_text(text)
    data = ruleset_to_data(old)
    data["complaints"][0]["endpoints"][0]["care_need"] = "RÅD"
    data["complaints"][0]["endpoints"][0]["priority"] = "hänvisning"
    data["complaints"][0]["endpoints"][0]["code"] = "TEST.H.01"
    data["complaints"][0]["questions"][1]["goto"] = "TEST.H.01"
    with pytest.raises(RuleSetError):  # the broken one is not written
        write_version({**data, "escalation": {}}, "test-2", directory=tmp_path)
    assert available_versions(tmp_path) == ["test-1"]
    path = write_version(data, "test-2", directory=tmp_path, note="Accepterat av RLS-läkare")
    assert available_versions(tmp_path) == ["test-1", "test-2"]
    assert "Accepterat av RLS-läkare" in path.read_text(encoding="utf-8")
    new = load_ruleset(version="test-2", directory=tmp_path)
    assert new.version == "test-2"
    assert load_ruleset(directory=tmp_path).version == "test-2"  # newest by default
    assert load_ruleset(version="test-1", directory=tmp_path).version == "test-1"  # old stays loadable
    lines = diff_rulesets(old, new)
    assert any(line.startswith("Ändrat") and "version" in line for line in lines)
    assert any("TEST.H.01" in line and line.startswith("Tillagt") for line in lines)
    assert any("TEST.2.01" in line and line.startswith("Borttaget") for line in lines)
    with pytest.raises(RuleSetError, match="finns redan"):
        write_version(data, "test-2", directory=tmp_path)


def test_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(RuleSetError, match="skane-2026.1"):
        load_ruleset(version="finns-inte")


def test_shipped_ruleset_round_trips_through_data() -> None:
    rs = load_ruleset()
    again = ruleset_from_data(ruleset_to_data(rs), "copy")
    assert diff_rulesets(rs, again) == []


def test_new_versions_go_to_the_local_directory_never_the_shipped_one(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from triage_rules.loader import RULESET_DIR, available_versions, latest_version, load_ruleset, write_version

    shipped_before = sorted(p.name for p in RULESET_DIR.iterdir())
    monkeypatch.setenv("LARMCENTRAL_RULESET_DIR", str(tmp_path / "delad"))
    base = load_ruleset()
    path = write_version(base, f"{base.version}.99", note="Test")
    assert path.parent == tmp_path / "delad"
    assert sorted(p.name for p in RULESET_DIR.iterdir()) == shipped_before
    assert {base.version, f"{base.version}.99"} <= set(available_versions())
    assert latest_version() == f"{base.version}.99" and load_ruleset().version == f"{base.version}.99"
    assert load_ruleset(version=base.version).version == base.version  # the shipped one stays loadable
    monkeypatch.delenv("LARMCENTRAL_RULESET_DIR")
    assert f"{base.version}.99" not in available_versions()  # other machines' data dirs are not shared


# --- "vet ej" decisions (issue 14) -------------------------------------------------------------
def _ask_follow_up(d: dict) -> None:  # type: ignore[type-arg]
    q = d["complaints"][0]["questions"][0]
    q.update(unknown="ask", unknown_follow_up="puls")
    q.pop("unknown_as")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["complaints"][0]["questions"][0].pop("unknown"),
     "kontaktorsak TEST (Testorsak), fråga 'ont': saknar beslut om 'vet ej'"),
    (lambda d: d["complaints"][0]["questions"][0].update(unknown="kanske"), "unknown"),
    (lambda d: d["complaints"][0]["questions"][0].update(unknown="ask"), "'unknown: ask' kräver 'unknown_follow_up'"),
    (lambda d: (_ask_follow_up(d), d["complaints"][0]["questions"][0].update(unknown_follow_up="TEST.2.01")),
     "'unknown_follow_up' pekar på 'TEST.2.01', som inte är en fråga i kontaktorsak TEST"),
    (lambda d: d["complaints"][0]["questions"][0].update(unknown="ask", unknown_follow_up="puls"),
     "'unknown_as' används inte när 'unknown: ask'"),
    (lambda d: d["complaints"][0]["questions"][0].update(unknown_follow_up="puls"),
     "'unknown_follow_up' hör bara till 'unknown: ask', inte 'raise'"),
    (lambda d: d["complaints"][0]["questions"][1].update(unknown="raise"), "fältet 'unknown' hör inte till frågetypen vital"),
])
def test_unknown_decision_broken_file_classes(change, expected: str) -> None:  # type: ignore[no-untyped-def]
    data = minimal_ruleset_data()
    change(data)
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(data, "mem.yaml", require_unknown_decision=True)
    assert any(expected in p and p.startswith("mem.yaml") for p in info.value.problems), info.value.problems


def test_a_file_without_the_decision_is_refused_by_rules_check(tmp_path: Path) -> None:
    from larmcentral_cli import main

    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8").replace("unknown: raise, ", "")
    path = tmp_path / "utan-beslut.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetError, match="saknar beslut om 'vet ej'"):
        ruleset_from_text(text, str(path), require_unknown_decision=True)
    from triage_rules import validate
    if validate.REQUIRE_UNKNOWN_DECISION:  # the switch is on once the shipped rule set has every decision
        assert main(["rules", "check", str(path)]) == 1


def test_ask_follow_up_is_valid_and_reaches_its_question() -> None:
    data = minimal_ruleset_data()
    _ask_follow_up(data)
    data["complaints"][0]["questions"][0]["if_yes"] = "TEST.2.01"  # puls now reachable only through "vet ej"
    rs = ruleset_from_data(data, "mem.yaml", require_unknown_decision=True)
    from triage_rules.engine import TriageSession

    s = TriageSession(rs, "TEST")
    s.answer("RF_X", "nej")
    state = s.answer("ont", "vet ej")
    assert state.next_question is not None and state.next_question.id == "puls"
    assert any("följdfråga" in r for r in state.reasons)
    assert s.answer("puls", 140).result is not None
    assert s.result is not None and s.result.endpoint == "TEST.2.01" and s.result.priority.value == "1"


@pytest.mark.parametrize(("text", "parts"), [
    ("Har patienten ont i bröstet just nu?", 1),
    ("Är reaktionen begränsad till ett område (svullnad runt ett stick, klåda eller utslag)?", 1),
    ("Har patienten samtidigt bröstsmärta eller hostar blod?", 2),
    ("Är smärtan tryckande, strålar den mot arm eller är patienten kallsvettig?", 3),
    ("Har patienten känd KOL/hjärtsvikt?", 2),
    ("Är blodsockret under 4 mmol/l?", 1),
])
def test_bundled_findings_heuristic(text: str, parts: int) -> None:
    from triage_rules.validate import bundled_findings

    assert len(bundled_findings(text)) == parts, bundled_findings(text)


def test_warnings_bundled_question_and_contradicted_decision() -> None:
    from triage_rules.validate import ruleset_warnings

    data = minimal_ruleset_data()
    q = data["complaints"][0]["questions"][0]
    q.update(text="Har patienten ont i bröstet eller andnöd?", unknown="no_change")  # "ja" leads higher than "nej"
    rs = ruleset_from_data(data, "mem.yaml", require_unknown_decision=True)
    warnings = ruleset_warnings(rs, "mem.yaml")
    assert any("fråga 'ont': varning: frågan verkar fråga om 2 fynd" in w for w in warnings), warnings
    assert any("'unknown: no_change' men 'vet ej' räknas som 'ja'" in w for w in warnings), warnings
    q.update(unknown="raise", bundle_reason="Båda talar för akut hjärt-lungsjukdom; vet ej ska höja.")
    assert ruleset_warnings(ruleset_from_data(data, "mem.yaml"), "mem.yaml") == []


# --- the vital-sign scoring file and the rule set's keys for it (issue 14) ------------------------
SCORES_FILE = Path(__file__).resolve().parents[2] / "triage_rules" / "scores" / "vital-scores-2026.1.yaml"


def _broken_scores(tmp_path: Path, old: str, new: str) -> list[str]:
    from triage_rules.vital_scores import VitalScoresError, load_vital_scores

    text = SCORES_FILE.read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / "trasig.yaml").write_text(text.replace(old, new, 1).replace(
        "version: vital-scores-2026.1", "version: trasig"), encoding="utf-8")
    with pytest.raises(VitalScoresError) as info:
        load_vital_scores("trasig", tmp_path)
    assert all("trasig.yaml" in p for p in info.value.problems), info.value.problems
    return info.value.problems


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("rr: [{upto: 8, score: 3}, {upto: 11, score: 1}", "rr: [{upto: 11, score: 3}, {upto: 8, score: 1}",
     "news2 › parameters › rr: banden ska stå i stigande ordning"),
    ("{upto: 24, score: 2}, {score: 3}]", "{upto: 24, score: 2}, {upto: 30, score: 3}]", "sista bandet ska sakna 'upto'"),
    ("{upto: 130, score: 2}, {score: 3}]", "{upto: 130, score: 4}, {score: 3}]", "score"),
    ("consciousness: {A: 0, C: 3, V: 3, P: 3, U: 3}", "consciousness: {A: 0, V: 3, P: 3, U: 3}",
     "ska ge poäng för exakt A, C, V, P, U"),
    ("{total_at_least: 5, raise_to: 2,", "{total_at_least: 5, raise_to: hänvisning,", "kan bara höja prioriteten"),
    ("{total_at_least: 7, raise_to: 1,", "{total_at_least: 7, any_parameter: 3, raise_to: 1,",
     "ange exakt en av 'total_at_least' och 'any_parameter'"),
    ("from_age: 2\n      to_age: 4", "from_age: 3\n      to_age: 4", "ska ansluta utan glapp eller överlapp (väntade från 2 år, inte 3)"),
    ("{vital: rr, above: 25, raise_to: 3,", "{vital: andning, above: 25, raise_to: 3,", "okänd vitalparameter 'andning'"),
    ("{vital: sbp, below: 90, raise_to: 1, reason: \"hypotension (PALS: under 90 från 10 år)\"}\n    - from_age: 12",
     "{vital: sbp, below: 900, raise_to: 1, reason: \"x\"}\n    - from_age: 12", "gränsvärdet 900 ligger utanför rimligt intervall 40–300"),
    ("{vital: avpu, values: [C], raise_to: 2,", "{vital: avpu, values: [Q], raise_to: 2,", "okänt värde 'Q' (ACVPU)"),
    ("  glucose: [0.5, 60]", "  glukos: [0.5, 60]", "ranges: saknar rimligt intervall för 'glucose'"),
])
def test_broken_vital_scores_file_classes(tmp_path: Path, old: str, new: str, expected: str) -> None:
    problems = _broken_scores(tmp_path, old, new)
    assert any(expected in p for p in problems), problems


def test_rule_set_keys_for_vital_scores_are_checked() -> None:
    data = minimal_ruleset_data()
    data.update(vital_scores="finns-inte", suspected_infection=["TEST", "OKÄND"])
    with pytest.raises(RuleSetError) as info:
        ruleset_from_data(data, "mem.yaml")
    text = "\n".join(info.value.problems)
    assert "mem.yaml: vital_scores: vitalparameterpoängen kan inte användas" in text and "finns-inte" in text
    assert "mem.yaml: suspected_infection: okänd kontaktorsak 'OKÄND'" in text
    data.update(vital_scores="vital-scores-2026.1", suspected_infection=["TEST"])
    assert ruleset_from_data(data, "mem.yaml").scores is not None


def test_escalation_for_a_referral_override_must_be_a_referral_need() -> None:
    data = minimal_ruleset_data()
    data["escalation"]["hänvisning"] = "AMB"
    with pytest.raises(RuleSetError, match="eskalering hänvisning: en hänvisning har ingen transport"):
        ruleset_from_data(data, "mem.yaml")
    data["escalation"]["hänvisning"] = "RÅD"
    from resources.vocabulary import Priority

    assert ruleset_from_data(data, "mem.yaml").escalation_care_need(Priority.REFERRAL) is not None
