"""Proposals: only past the threshold and the minimum count; only a physician decides; accepting writes a
new rule-set version whose change is exactly the proposed one, and every version stays loadable."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
from outcomes_helpers import AMB, T0, add_case, mini_ruleset
from sqlalchemy import select

from outcomes.closing import record_outcome
from outcomes.proposals import ProposalError, accept_proposal, draft_proposals, list_proposals, reject_proposal
from outcomes.settings import OutcomeSettings
from outcomes.stats import outcome_statistics, wilson
from records.actor import NotPermitted
from records.models import Review, RuleSetVersion
from resources.vocabulary import Role
from triage_rules.loader import available_versions, diff_rulesets, load_ruleset, ruleset_to_data

SETTINGS = OutcomeSettings(min_cases=30)


def add_endpoint_cases(s, actor, endpoint: str, priority: str, left_home: int, conveyed: int,  # type: ignore[no-untyped-def]
                       start=T0) -> None:
    at = start
    for code in ["treated_left_home"] * left_home + ["transported_ed"] * conveyed:
        c = add_case(s, actor, created_at=at, priority=priority, endpoint_code=endpoint, units=(AMB,))
        record_outcome(s, actor, c.id, code, "AKM_LUND" if code == "transported_ed" else None, at=at)
        at += timedelta(minutes=20)


def draft(s, actor, rules_dir):  # type: ignore[no-untyped-def]
    return draft_proposals(s, actor, outcome_statistics(s, settings=SETTINGS), settings=SETTINGS,
                           directory=rules_dir)


def test_no_proposal_below_the_minimum_count_or_the_threshold(db, make_actor, rules_dir) -> None:
    system = make_actor(db, "system.utfall", Role.ADMIN)
    with db() as s, s.begin():
        add_endpoint_cases(s, system, "YRSEL.1.01", "1", left_home=29, conveyed=0)
        assert draft(s, system, rules_dir) == []  # 29 of 29 left at home, but fewer than 30 cases
        add_endpoint_cases(s, system, "YRSEL.2.01", "2", left_home=15, conveyed=15)
        assert wilson(15, 30)[0] < SETTINGS.proposal_redirect_left_home_lower
        assert draft(s, system, rules_dir) == []  # 30 cases, but half conveyed
        assert list(s.scalars(select(Review))) == []


def test_past_threshold_a_proposal_is_queued_once(db, make_actor, rules_dir) -> None:
    system = make_actor(db, "system.utfall", Role.ADMIN)
    with db() as s, s.begin():
        add_endpoint_cases(s, system, "YRSEL.1.01", "1", left_home=22, conveyed=8)
        assert wilson(22, 30)[0] > SETTINGS.proposal_prio1_left_home_lower
        [p] = draft(s, system, rules_dir)
        assert (p.endpoint_code, p.ruleset_version, p.status) == ("YRSEL.1.01", "test-1", "open")
        assert p.change == {"kind": "lower_priority", "endpoint_code": "YRSEL.1.01", "complaint": "YRSEL",
                            "from_priority": "1", "to_priority": "2", "new_code": "YRSEL.2.02"}
        assert p.evidence["n"] == 30 and p.evidence["left_at_home"]["k"] == 22
        review = s.scalars(select(Review).where(Review.reason == "proposal")).one()
        assert review.status == "open" and "Sänk prioriteten för YRSEL.1.01" in review.detail
        assert draft(s, system, rules_dir) == []  # not proposed twice


def test_accepting_writes_a_new_version_whose_diff_is_exactly_the_change(db, make_actor, rules_dir) -> None:
    system = make_actor(db, "system.utfall", Role.ADMIN)
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    with db() as s, s.begin():
        add_endpoint_cases(s, system, "YRSEL.1.01", "1", left_home=24, conveyed=6)
        [p] = draft(s, system, rules_dir)
        for actor in (nurse, admin):
            with pytest.raises(NotPermitted):
                accept_proposal(s, actor, p.id, directory=rules_dir)
        assert available_versions(rules_dir) == ["test-1"]  # no rule changes without sign-off

        decision = accept_proposal(s, doctor, p.id, comment="Rimligt.", directory=rules_dir)
        assert decision.new_version == "test-2" and decision.proposal.status == "accepted"
        assert s.scalars(select(Review).where(Review.reason == "proposal")).one().status == "signed_off"
        with pytest.raises(ProposalError, match="redan godkänt"):
            reject_proposal(s, doctor, p.id, "för sent")

    old, new = load_ruleset(version="test-1", directory=rules_dir), load_ruleset(version="test-2", directory=rules_dir)
    # Exactly the proposed change, made by hand here: priority and code's level, and the answer leading there.
    expected = copy.deepcopy(ruleset_to_data(old))
    expected["version"] = "test-2"
    endpoint = next(e for e in expected["complaints"][0]["endpoints"] if e["code"] == "YRSEL.1.01")
    endpoint["priority"], endpoint["code"] = "2", "YRSEL.2.02"
    expected["complaints"][0]["questions"][0]["if_yes"] = "YRSEL.2.02"
    assert ruleset_to_data(new) == expected
    assert decision.diff == diff_rulesets(old, new)
    assert "Ändrat:    version: 'test-1' → 'test-2'" in decision.diff
    assert "Ändrat:    complaints › YRSEL › questions › svimmat › if_yes: 'YRSEL.1.01' → 'YRSEL.2.02'" in decision.diff
    assert all("YRSEL.1.01" in line or "YRSEL.2.02" in line or line.startswith("Ändrat:    version")
               for line in decision.diff)
    assert old.complaint("YRSEL").endpoint("YRSEL.1.01").priority.value == "1"  # the old version is untouched
    with db() as s:  # stored in the database, exactly as the file was written, for every other console
        stored = s.get(RuleSetVersion, "test-2")
        assert stored is not None and stored.base_version == "test-1" and stored.created_by == doctor.user_id
        assert stored.text == (rules_dir / "test-2.yaml").read_text(encoding="utf-8")


def test_redirecting_the_care_need_and_rejecting(sqlite_db, make_actor, rules_dir) -> None:
    system = make_actor(sqlite_db, "system.utfall", Role.ADMIN)
    doctor = make_actor(sqlite_db, "rls.lars", Role.PHYSICIAN)
    with sqlite_db() as s, s.begin():
        add_endpoint_cases(s, system, "YRSEL.2.01", "2", left_home=26, conveyed=4)
        [p] = draft(s, system, rules_dir)
        assert p.change["kind"] == "redirect_care_need"
        assert p.change["to_care_need"] == {"capabilities": ["nurse_assessment"], "transport": "none",
                                            "max_minutes": 60}
        assert p.change["target_resource"] == "MVT_VC"
        with pytest.raises(ProposalError, match="Ange varför"):
            reject_proposal(s, doctor, p.id, " ")
        decided = reject_proposal(s, doctor, p.id, "Patienterna behöver bedömas på akuten.")
        assert decided.proposal.status == "rejected" and decided.proposal.decided_by == doctor.user_id
        assert list_proposals(s) == [] and len(list_proposals(s, "rejected")) == 1
    assert available_versions(rules_dir) == ["test-1"]


def test_accepted_redirect_changes_only_that_care_need(sqlite_db, make_actor, rules_dir) -> None:
    system = make_actor(sqlite_db, "system.utfall", Role.ADMIN)
    doctor = make_actor(sqlite_db, "rls.lars", Role.PHYSICIAN)
    with sqlite_db() as s, s.begin():
        add_endpoint_cases(s, system, "YRSEL.2.01", "2", left_home=27, conveyed=3)
        [p] = draft(s, system, rules_dir)
        accept_proposal(s, doctor, p.id, directory=rules_dir)
    old, new = load_ruleset(version="test-1", directory=rules_dir), load_ruleset(version="test-2", directory=rules_dir)
    expected = copy.deepcopy(ruleset_to_data(old))
    expected["version"] = "test-2"
    endpoint = next(e for e in expected["complaints"][0]["endpoints"] if e["code"] == "YRSEL.2.01")
    endpoint["care_need"] = {"capabilities": ["nurse_assessment"], "transport": "none", "max_minutes": 60}
    assert ruleset_to_data(new) == expected


def test_a_redirected_somatic_need_never_points_at_a_reserved_type() -> None:
    from outcomes.proposal_target import first_choices

    # Nurse assessment + ambulance transport at Prio 3: PAP has both but is reserved for psychiatric needs.
    need = {"capabilities": ["nurse_assessment", "ambulance_transport"], "transport": "ambulance", "max_minutes": 120}
    assert [t.type_code for t in first_choices(need, "3")] == ["AMBULANS"]
    psychiatric = first_choices({**need, "preferred": ["psychiatric_assessment"]}, "3")
    assert [(t.type_code, t.label) for t in psychiatric] == [("PAP", "alla dagar 12–24"), ("AMBULANS", "alla dagar 00–12")]


def test_the_proposed_target_follows_service_hours() -> None:
    """The redirect's target is what the real recommendation offers at each hour, not one type regardless of
    the clock: the vårdcentral's team only in its office hours, someone in service the rest of the week."""
    from outcomes.proposal_target import first_choices
    from outcomes.proposals import build_change, describe_change
    from resources.clock import LOCAL_TZ
    from resources.palette import default_palette

    need = {"capabilities": ["nurse_assessment"], "transport": "none", "max_minutes": 60}
    targets = first_choices(need, "2")
    assert sorted(h for t in targets for h in t.hours) == list(range(7 * 24))
    assert targets[0].type_code == "MVT_VC" and targets[0].label == "vardagar 08–17"
    monday = datetime(2026, 11, 23, tzinfo=LOCAL_TZ)
    for t in targets:
        assert t.type_code is not None, f"ingen resurs {t.label}"
        kind = default_palette().type(t.type_code)
        assert all(kind.in_service(monday + timedelta(hours=h)) for h in t.hours), (t.type_code, t.label)

    change = build_change(mini_ruleset(), "YRSEL.2.01", "redirect_care_need")
    assert change["target_resource"] == "MVT_VC"
    assert [t["type_code"] for t in change["targets"]] == [t.type_code for t in targets]
    assert "Mobilt vårdteam (vårdcentral) vardagar 08–17; " in describe_change(change)

