"""The shipped rule set against the expert vignettes (tests/clinical/acceptance.yaml): no vignette may be
under-triaged, every answer script must carry the call to an endpoint, and `rules evaluate` reports it.

Over-triage and resource accuracy are goals the command reports (docs/triage-rules.md); under-triage fails."""

from __future__ import annotations

import pytest

from larmcentral_cli import main
from outcomes.acceptance import evaluate, load_answers, load_vignettes
from triage_rules.loader import load_ruleset


@pytest.fixture(scope="module")
def outcomes():  # type: ignore[no-untyped-def]
    return evaluate(load_ruleset(), load_vignettes(), load_answers())


def test_every_vignette_has_a_script_that_reaches_an_endpoint(outcomes) -> None:  # type: ignore[no-untyped-def]
    assert len(outcomes) == 60
    broken = [f"{o.vignette.id}: {o.error}" for o in outcomes if o.error]
    assert not broken, "\n".join(broken)


def test_no_vignette_is_under_triaged(outcomes) -> None:  # type: ignore[no-untyped-def]
    under = [f"{o.vignette.id} {o.vignette.complaint}: {o.priority} via {o.endpoint}, godtas "
             f"{[p.value for p in o.vignette.accept_priority]}" for o in outcomes if o.under]
    assert not under, "undertriage:\n" + "\n".join(under)


def test_scripts_hold_answers_only(outcomes) -> None:  # type: ignore[no-untyped-def]
    """Vital signs come from the vignette, never from the script (no tuning of measured values)."""
    vital_ids = {"af", "sat", "puls", "sbt", "temp", "glukos", "avpu"}
    for vid, script in load_answers().items():
        assert set(script) <= {"answers", "context", "why", "raise_red_flags", "complaint", "spo2_scale2"}, vid
        assert not vital_ids & {k.split("_")[0] for k in script.get("answers", {})}, vid


def test_rules_evaluate_prints_each_vignette_and_the_totals(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rules", "evaluate", "--only", "A13", "A22"])
    out = capsys.readouterr().out
    assert "A13 FALLS" in out and "A22 BARNF" in out
    assert "undertriage:        0" in out and "rätt toppresurs:" in out
    assert code == (0 if "Målen är uppfyllda." in out else 1)


def test_rules_evaluate_names_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["rules", "evaluate", "--answers", str(tmp_path / "saknas.yaml")]) == 2
    assert "saknas.yaml: kan inte läsas" in capsys.readouterr().err



def test_an_unknown_question_is_an_error_unless_told_how_to_answer_it(capsys: pytest.CaptureFixture[str]) -> None:
    """The scripts use 2026.2's question ids; 2026.1 can only be measured roughly, with a default answer."""
    assert main(["rules", "evaluate", "--ruleset", "skane-2026.1", "--only", "A50"]) == 1
    assert "svarsmanuset svarar inte på 'huvud'" in capsys.readouterr().out
    main(["rules", "evaluate", "--ruleset", "skane-2026.1", "--only", "A50", "--unanswered", "vet-ej"])
    assert "A50 FALLS    Prio 1" in capsys.readouterr().out  # 2026.1's bundled head-injury question, "vet ej"
