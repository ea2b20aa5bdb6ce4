"""Shared, cached generator output for the generator tests (generated once per test run: the tests stay fast)."""

from __future__ import annotations

from functools import cache

from replay.generator import generate_calls
from replay.model import SyntheticCall
from replay.params import ReplayParams, load_params
from triage_rules.loader import RULESET_DIR, load_ruleset
from triage_rules.schema import RuleSet


@cache
def ruleset() -> RuleSet:
    return load_ruleset(directory=RULESET_DIR)


@cache
def params() -> ReplayParams:
    return load_params(ruleset=ruleset())


@cache
def calls(seed: int = 11, days: int = 28) -> tuple[SyntheticCall, ...]:
    return tuple(generate_calls(params(), seed, limit_days=days, ruleset=ruleset()))
