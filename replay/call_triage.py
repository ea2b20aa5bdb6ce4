"""What triage made of each call, as the engine takes it: the product's triage (the caller's answers and the
oracle's true facts through the real TriageSession, replay/scripted_triage.py) computed once per call file and
shared by every variant that uses the same rule set (V1-V6), or V0's emulator (replay/v0_triage.py)."""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from replay.model import SyntheticCall
from replay.parallel_runs import leave_ctrl_c_to_parent
from resources.care_need import CareNeed
from resources.vocabulary import Priority
from triage_rules.loader import RULESET_DIR, load_ruleset
from triage_rules.results import TriageResult
from triage_rules.schema import RuleSet


@dataclass(frozen=True, slots=True)
class CallTriage:
    priority: Priority  # assigned
    care_need: CareNeed  # assigned
    endpoint: str  # the rule set's endpoint code, or "V0:<care need>" for the emulator
    oracle_priority: Priority  # the same rule set answered with the true facts


def replay_ruleset() -> RuleSet:
    """The newest rule set shipped with the product (never a centre's local version: runs must be repeatable)."""
    return load_ruleset(directory=RULESET_DIR)


def _answer_session() -> Callable[..., TriageResult]:
    # The call generator's scripted caller (replay/scripted_triage.py) drives the real TriageSession.
    module: Any = importlib.import_module("replay.scripted_triage")
    fn: Callable[..., TriageResult] = module.answer_session
    return fn


def product_triage(calls: Sequence[SyntheticCall], ruleset: RuleSet | None = None, *,
                   progress: Callable[[int], None] | None = None, workers: int = 1) -> list[CallTriage]:
    """Each call triaged twice with the product's rule set: the caller's answers (assigned) and the true facts
    (oracle). Pass the list to every `run_variant` of a comparison so the calls are triaged once. `workers` > 1
    triages chunks in forked processes (same results, in call order); `progress(done)` after each chunk."""
    rs = ruleset or replay_ruleset()
    if workers <= 1 or len(calls) < 2 * _CHUNK:
        out: list[CallTriage] = []
        for start in range(0, len(calls), _CHUNK):
            out += _triage_chunk(rs, calls[start:start + _CHUNK])
            if progress is not None:
                progress(len(out))
        return out
    global _FORKED_RULESET
    _FORKED_RULESET = rs  # the workers are forked: they see it without pickling the rule set
    chunks = [list(calls[i:i + _CHUNK]) for i in range(0, len(calls), _CHUNK)]
    out = []
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=leave_ctrl_c_to_parent)
    try:
        for part in pool.map(_triage_forked, chunks):
            out += part
            if progress is not None:
                progress(len(out))
    except BaseException:  # Ctrl+C: stop at the chunks running now, not after the call set
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return out


_CHUNK = 1000
_FORKED_RULESET: RuleSet | None = None


def _triage_chunk(rs: RuleSet, calls: Sequence[SyntheticCall]) -> list[CallTriage]:
    answer = _answer_session()
    out = []
    for call in calls:
        told = answer(rs, call, truthful=False)
        true = answer(rs, call, truthful=True)
        out.append(CallTriage(told.priority, told.care_need, told.endpoint, true.priority))
    return out


def _triage_forked(calls: list[SyntheticCall]) -> list[CallTriage]:
    assert _FORKED_RULESET is not None
    return _triage_chunk(_FORKED_RULESET, calls)
