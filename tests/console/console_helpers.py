"""Helpers shared by the console tests (a uniquely named module, importable from any test file here)."""

from __future__ import annotations

from resources.vocabulary import Priority
from triage_rules.loader import load_ruleset


def prio1_endpoint() -> tuple[str, str, str]:
    """(rule-set version, complaint, endpoint) of a Prio 1 endpoint in the installed rule set (not a red flag)."""
    rs = load_ruleset()
    for c in rs.complaints:
        for e in c.endpoints:
            if e.priority is Priority.P1 and not e.code.startswith("RÖD."):
                return rs.version, c.code, e.code
    raise AssertionError("the installed rule set has no Prio 1 endpoint")
