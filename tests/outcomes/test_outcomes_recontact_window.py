"""One recontact window, the rule set's `recontact_window_hours`: a call 80 h after "lämnad hemma" is linked,
flagged, raised by the triage engine and counted by the statistics under a 96 h rule set, and none of these
under a 72 h one (before: a 96 h setting linked and flagged it while the engine, using the rule set's 72 h,
did not raise it)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from outcomes_helpers import AMB, T0, add_case

from outcomes.closing import record_outcome
from outcomes.facts import collect_case_facts
from outcomes.recontact import RECONTACT_FLAG, check_and_link, recontact_context, recontact_window
from records.models import Case
from resources.patient_context import PatientContext
from triage_rules import loader
from triage_rules.engine import TriageSession

PNR = "19121212-1212"
VERSION = "skane-2099.1"  # newer than every shipped version


def use_window(directory: Path, monkeypatch: pytest.MonkeyPatch, hours: int) -> None:
    """The newest shipped rule set with `hours` as its window, as the newest version on this console."""
    text = loader.ruleset_path(loader.latest_version(loader.RULESET_DIR), loader.RULESET_DIR).read_text("utf-8")
    text = re.sub(r"^recontact_window_hours:.*$", f"recontact_window_hours: {hours}", text, count=1, flags=re.M)
    text = re.sub(r"^version:.*$", f"version: {VERSION}", text, count=1, flags=re.M)
    directory.mkdir()
    (directory / f"{VERSION}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv(loader.RULESET_DIR_ENV, str(directory))


@pytest.mark.parametrize("hours", [96, 72])
def test_a_call_at_80_hours_is_a_recontact_everywhere_or_nowhere(db, make_actor, tmp_path, monkeypatch,  # type: ignore[no-untyped-def]
                                                                hours: int) -> None:
    use_window(tmp_path / "rulesets", monkeypatch, hours)
    assert loader.load_ruleset().version == VERSION and recontact_window() == timedelta(hours=hours)
    within = hours > 80
    actor = make_actor(db)
    call_at = T0 + timedelta(hours=80)
    with db() as s, s.begin():
        earlier = add_case(s, actor, personnummer=PNR, complaint="FEBER", ruleset_version=VERSION, units=(AMB,))
        record_outcome(s, actor, earlier.id, "treated_left_home", at=T0)
        new = add_case(s, actor, created_at=call_at, personnummer=PNR, ruleset_version=VERSION, status="draft")

        # The console: the context triage gets, then the engine.
        context, match = recontact_context(s, PatientContext(personnummer=PNR), at=call_at, exclude_case_id=new.id)
        assert (match is not None) is within
        complaint = loader.load_ruleset().complaints[0].code
        state = TriageSession(loader.load_ruleset(), complaint, context, call_at).state()
        assert any(r.startswith("Återkontakt") for r in state.reasons) is within

        # Ctrl+Enter: linked and flagged for RLS review.
        linked = check_and_link(s, actor, new.id)
        row = s.get(Case, new.id)
        assert (linked is not None, row.linked_case_id == earlier.id, RECONTACT_FLAG in row.flags) == (within,) * 3

        # The statistics: the earlier case counts as recontacted within the same window.
        [fact] = [f for f in collect_case_facts(s) if f.case_id == earlier.id]
        assert fact.recontact_within is within
