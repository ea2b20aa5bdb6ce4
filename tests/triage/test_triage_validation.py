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
