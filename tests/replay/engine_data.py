"""Shared engine runs for the engine tests: two simulated days of generated calls, triaged once, each variant run
once per test session (the tests stay fast)."""

from __future__ import annotations

from functools import cache

from generator_data import params, ruleset

from replay.call_triage import CallTriage, product_triage
from replay.engine import run_variant
from replay.generator import generate_calls
from replay.model import SyntheticCall, VariantResult
from replay.variants import load_variant

DAYS = 2


@cache
def calls(seed: int = 5) -> tuple[SyntheticCall, ...]:
    return tuple(generate_calls(params(), seed, limit_days=DAYS, ruleset=ruleset()))


@cache
def triage(seed: int = 5) -> tuple[CallTriage, ...]:
    return tuple(product_triage(calls(seed), ruleset()))


@cache
def result(code: str, seed: int = 5) -> VariantResult:
    return run_variant(calls(seed), load_variant(code), seed=seed, triage=triage(seed), ruleset=ruleset(),
                       needs=params().needs)
