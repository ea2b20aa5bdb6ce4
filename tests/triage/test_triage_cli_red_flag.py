"""The interactive CLI raises a red flag at any question as the console's Ctrl+R does: '!' lists them, one is
picked by a word of its question too, the re-evaluated priority is said, and `triage --help` documents the keys."""

from __future__ import annotations

import argparse

import pytest
from triage_helpers import NOW, minimal_ruleset_data

from resources.vocabulary import Priority
from triage_rules.cli import _interactive, register
from triage_rules.engine import TriageSession
from triage_rules.loader import ruleset_from_data


def _session() -> TriageSession:
    data = minimal_ruleset_data()
    data["red_flags"].append({"id": "RF_BLÖDNING", "text": "Kraftig blödning?", "unknown_as": "ja",
                              "endpoint": {"code": "RÖD.1.02", "priority": 1, "care_need": "AMB",
                                           "reason": "Blödning."}})
    return TriageSession(ruleset_from_data(data, "mem.yaml"), "TEST", now=NOW)


def test_a_word_of_the_question_raises_the_flag_mid_call_and_the_new_priority_is_said(
        capsys: pytest.CaptureFixture[str]) -> None:
    # not unconscious, pain: the pulse is asked (Prio 2 so far); '?' fits both flags, then 'blödning' one
    result = _interactive(_session(), iter(["nej", "ja", "!", "?", "!", "blödning", ""]))
    assert result is not None and result.red_flag == "RF_BLÖDNING" and result.priority is Priority.P1
    err = capsys.readouterr().err
    assert "[Prio 2] Puls?" in err
    assert "'?' passar flera röda flaggor (1, 2); ange numret." in err
    assert "Röd flagga registrerad: Kraftig blödning? → prioritet nu Prio 1, ändpunkt RÖD.1.02" in err


def test_triage_help_documents_the_red_flag_and_the_other_keys() -> None:
    parser = argparse.ArgumentParser(prog="main.py")
    sub = parser.add_subparsers()
    register(sub)
    text = sub.choices["triage"].format_help()
    assert "!   röd flagga" in text and "ett ord ur" in text and "Prioriteten räknas om" in text
    assert "=   vitalparameter" in text and "b   tillbaka" in text and "q   avbryt" in text
