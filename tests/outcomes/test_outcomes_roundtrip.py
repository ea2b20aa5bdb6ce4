"""Accepting a proposal on the shipped rule set keeps the file as the medical leadership wrote it: every comment
line survives, and a line diff between the two versions shows only the proposed change and the version line."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from outcomes.proposals import accept_proposal, build_change
from records.audit import now
from records.models import RuleProposal
from resources.vocabulary import Role
from triage_rules import loader
from triage_rules.roundtrip import edit_version_text

BASE = loader.latest_version(loader.RULESET_DIR)


@pytest.fixture
def shipped_dir(tmp_path: Path) -> Path:
    d = tmp_path / "rulesets"
    d.mkdir()
    shutil.copy(loader.ruleset_path(BASE, loader.RULESET_DIR), d)
    return d


def propose(session, directory: Path, endpoint_code: str, kind: str) -> int:  # type: ignore[no-untyped-def]
    data = loader.ruleset_to_data(loader.load_ruleset(version=BASE, directory=directory))
    row = RuleProposal(endpoint_code=endpoint_code, ruleset_version=BASE, evidence={}, created_at=now(),
                       status="open", change=build_change(data, endpoint_code, kind))  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    return row.id


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    diff = [d for d in difflib.ndiff(old.splitlines(), new.splitlines()) if d[:2] in ("- ", "+ ")]
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def a_redirectable_endpoint() -> str:
    """A Prio 2/3 endpoint of the shipped set whose care need asks for an ambulance or lying transport."""
    rs = loader.load_ruleset(version=BASE, directory=loader.RULESET_DIR)
    data = loader.ruleset_to_data(rs)
    for complaint in data["complaints"]:
        for ep in complaint["endpoints"]:
            need = ep["care_need"] if isinstance(ep["care_need"], dict) else data["care_needs"][ep["care_need"]]
            if str(ep["priority"]) in ("2", "3") and need.get("transport") in ("ambulance", "lying"):
                return str(ep["code"])
    raise AssertionError("no Prio 2/3 endpoint with transport in the shipped rule set")


def test_a_lowered_priority_changes_only_its_lines_and_keeps_every_comment(db, make_actor, shipped_dir) -> None:
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    with db() as s, s.begin():
        decision = accept_proposal(s, doctor, propose(s, shipped_dir, "BRÖST.1.01", "lower_priority"),
                                   directory=shipped_dir)
    old = (shipped_dir / f"{BASE}.yaml").read_text(encoding="utf-8")
    new = Path(decision.path or "").read_text(encoding="utf-8")
    new_code = decision.proposal.change["new_code"]

    assert comments(old) and set(comments(old)) <= set(comments(new))
    assert new.count("&") == old.count("&") and new.count("*") == old.count("*")  # anchors and aliases kept
    removed, added = changed_lines(old, new)
    assert len(removed) == len(added)  # no line re-wrapped, added or dropped
    assert [line for line in removed if line.startswith("version:")] == [f"version: {BASE}"]
    assert [line for line in added if line.startswith("version:")][0].startswith(f"version: {decision.new_version}  # ")
    for before, after in zip((r for r in removed if not r.startswith("version:")),
                             (a for a in added if not a.startswith("version:")), strict=True):
        assert "BRÖST.1.01" in before and after == before.replace("BRÖST.1.01", new_code).replace(
            "priority: 1", "priority: 2")
    assert any("priority: 2" in a for a in added)  # the endpoint itself, written as the file writes it


def test_a_redirected_care_need_changes_only_that_endpoint(sqlite_db, make_actor, shipped_dir) -> None:
    doctor = make_actor(sqlite_db, "rls.lars", Role.PHYSICIAN)
    code = a_redirectable_endpoint()
    with sqlite_db() as s, s.begin():
        decision = accept_proposal(s, doctor, propose(s, shipped_dir, code, "redirect_care_need"),
                                   directory=shipped_dir)
    old = (shipped_dir / f"{BASE}.yaml").read_text(encoding="utf-8")
    new = Path(decision.path or "").read_text(encoding="utf-8")
    assert set(comments(old)) <= set(comments(new))
    removed, added = changed_lines(old, new)
    changed = [line for line in removed + added if not line.startswith("version:")]
    assert changed and all(code in line for line in changed), changed
    assert "transport: none" in "".join(added)


def test_a_change_through_a_merge_key_falls_back_to_a_full_round_trip_dump() -> None:
    text = ("# Mallar\nmall: &m {kind: vital, text: 'Puls?'}\n"
            "fragor:\n  - <<: *m  # ärver mallen\n    id: puls\nversion: v1\n")
    data = yaml.safe_load(text)
    data["fragor"][0]["text"] = "Puls (slag/min)?"
    new = edit_version_text(text, data, "v2", "Ändrad text")
    assert yaml.safe_load(new) == {**data, "version": "v2"}
    assert "# Mallar" in new and "# ärver mallen" in new and "&m" in new and "*m" in new
    assert "version: v2  # Ändrad text" in new
