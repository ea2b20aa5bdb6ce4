"""Accepted rule-set versions live in the database: a version accepted on one console reaches every other
console on the same database (two consoles = two local rule-set directories), and each console syncs at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import console.app as app_module
from outcomes.proposals import accept_proposal, build_change
from outcomes.rulesets import publish_version, render_version, sync_rulesets
from records.audit import now
from records.identity import provision_and_sign_in
from records.models import AuditEntry, RuleProposal, RuleSetVersion
from resources.vocabulary import Role
from triage_rules import loader
from triage_rules.loader import available_versions, diff_rulesets, load_ruleset, ruleset_to_data

BASE = loader.latest_version(loader.RULESET_DIR)  # the newest shipped version


def add_proposal(session, endpoint_code: str) -> int:  # type: ignore[no-untyped-def]
    """An open lower-priority proposal for a Prio 1 endpoint of the newest shipped version (the drafting from
    outcomes is tested in tests/outcomes)."""
    data = ruleset_to_data(load_ruleset(version=BASE, directory=loader.RULESET_DIR))
    row = RuleProposal(endpoint_code=endpoint_code, ruleset_version=BASE,
                       change=build_change(data, endpoint_code, "lower_priority"), evidence={},
                       created_at=now(), status="open")
    session.add(row)
    session.flush()
    return row.id


def use_console(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    monkeypatch.setenv(loader.RULESET_DIR_ENV, str(directory))


def test_a_version_accepted_on_one_console_reaches_the_other(db, make_actor, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "konsol-1", tmp_path / "konsol-2"
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    use_console(monkeypatch, first)
    with db() as s, s.begin():
        decision = accept_proposal(s, doctor, add_proposal(s, "BRÖST.1.01"), comment="Rimligt.")
    new = decision.new_version
    assert new is not None and Path(decision.path or "").parent == first
    assert load_ruleset().version == new

    use_console(monkeypatch, second)
    assert new not in available_versions() and load_ruleset().version == BASE  # not there before syncing
    with db() as s, s.begin():
        [message] = sync_rulesets(s)
        stored = s.get(RuleSetVersion, new)
        assert stored is not None and (stored.base_version, stored.created_by) == (BASE, doctor.user_id)
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "ruleset.publish")).detail["version"] == new
    assert new in message and str(second) in message
    assert load_ruleset().version == new
    assert diff_rulesets(load_ruleset(version=BASE), load_ruleset()) == decision.diff
    written = (second / f"{new}.yaml").read_text(encoding="utf-8")
    assert written == (first / f"{new}.yaml").read_text(encoding="utf-8") == stored.text

    with db() as s, s.begin():
        assert sync_rulesets(s) == []  # idempotent: nothing missing, nothing rewritten
    assert (second / f"{new}.yaml").read_text(encoding="utf-8") == written
    assert available_versions().count(new) == 1


def test_accepting_on_a_console_that_has_not_synced_builds_on_the_newest_stored_version(  # type: ignore[no-untyped-def]
        db, make_actor, tmp_path, monkeypatch) -> None:
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    use_console(monkeypatch, tmp_path / "konsol-1")
    with db() as s, s.begin():
        one = accept_proposal(s, doctor, add_proposal(s, "BRÖST.1.01"))
        other_id = add_proposal(s, "STROKE.1.01")
    use_console(monkeypatch, tmp_path / "konsol-2")
    with db() as s, s.begin():
        two = accept_proposal(s, doctor, other_id)
        assert s.get(RuleSetVersion, two.new_version).base_version == one.new_version
    assert two.new_version not in (BASE, one.new_version)
    newest = load_ruleset()
    assert newest.version == two.new_version
    # Both accepted changes are in the newest version: the second console built on the first's.
    assert newest.complaint("BRÖST").endpoint(one.proposal.change["new_code"]).priority.value == "2"
    assert newest.complaint("STROKE").endpoint(two.proposal.change["new_code"]).priority.value == "2"


def test_a_failed_commit_leaves_no_stored_version(db, make_actor, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    use_console(monkeypatch, tmp_path / "konsol-1")
    with db() as s, s.begin():
        pid = add_proposal(s, "BRÖST.1.01")
    with pytest.raises(RuntimeError), db() as s, s.begin():
        accept_proposal(s, doctor, pid)
        raise RuntimeError("commit fails")
    with db() as s:
        assert s.scalars(select(RuleSetVersion)).all() == []
        assert s.get(RuleProposal, pid).status == "open"


def test_a_broken_stored_version_is_skipped_with_a_message(db, make_actor, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    target = tmp_path / "konsol-2"
    use_console(monkeypatch, target)
    good = render_version(ruleset_to_data(load_ruleset(version=BASE)), "skane-2026.7", "Handskrivet test.")
    with db() as s, s.begin():
        publish_version(s, doctor, "skane-2026.8", "version: skane-2026.8\ncomplaints: [", BASE)
        publish_version(s, doctor, "skane-2026.9", good.replace("skane-2026.7", "skane-2026.9"), BASE)
        publish_version(s, doctor, "skane-2026.7", good, BASE)
    with db() as s, s.begin():
        messages = sync_rulesets(s)
    broken = [m for m in messages if "skane-2026.8" in m]
    assert len(messages) == 3 and len(broken) == 1 and "trasigt" in broken[0] and "ogiltig YAML" in broken[0]
    assert not (target / "skane-2026.8.yaml").exists()
    assert (target / "skane-2026.7.yaml").read_text(encoding="utf-8") == good
    assert load_ruleset().version == "skane-2026.9" and load_ruleset(version="skane-2026.7").version == "skane-2026.7"
    with db() as s, s.begin():
        assert sync_rulesets(s) == broken  # still reported, still not written; the good ones are not rewritten


def test_sync_never_overwrites_an_existing_file(db, make_actor, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doctor = make_actor(db, "rls.lars", Role.PHYSICIAN)
    target = tmp_path / "delad"
    target.mkdir()
    local = target / "skane-2026.5.yaml"
    local.write_text("# lokal fil\n", encoding="utf-8")
    text = render_version(ruleset_to_data(load_ruleset(version=BASE)), "skane-2026.5")
    with db() as s, s.begin():
        publish_version(s, doctor, "skane-2026.5", text, BASE)
    with db() as s, s.begin():
        assert sync_rulesets(s, target) == []
    assert local.read_text(encoding="utf-8") == "# lokal fil\n"


def test_the_console_syncs_at_start_before_loading_the_rule_set(qapp, factory, data_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """run_console: open the database, sync, then load the newest rule set (here: the one only in the database)."""
    use_console(monkeypatch, data_dir / "konsol-ny")
    with factory() as s, s.begin():
        actor = provision_and_sign_in(s, "rls.lars", Role.PHYSICIAN)
        publish_version(s, actor, "skane-2026.4", render_version(ruleset_to_data(load_ruleset()), "skane-2026.4"),
                        BASE)
    loaded: list[str] = []

    def recording_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        rs = load_ruleset(*args, **kwargs)
        loaded.append(rs.version)
        return rs

    monkeypatch.setattr(app_module, "load_ruleset", recording_load)
    monkeypatch.setattr(app_module, "sign_in_user", lambda *_a: None)  # stop right after the start-up loading
    assert app_module.run_console(demo=False) == 1
    assert loaded == ["skane-2026.4"]
    assert (data_dir / "konsol-ny" / "skane-2026.4.yaml").is_file()
