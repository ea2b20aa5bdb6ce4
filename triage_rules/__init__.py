"""Nurse-driven triage: rule sets as versioned data files and the engine that walks them. No Qt.

Public API (see docs/triage-rules.md):
- engine: TriageSession (answer, back, change, set_vital, set_oxygen, raise_red_flag, available_red_flags,
  override, with_context); results: TriageState, TriageResult, QuestionView, PathStep, Override, RedFlagView,
  TriageInputError
- vital_scores / scoring: the NEWS2, qSOFA and children's thresholds as data (triage_rules/scores/) and their use
- flags: FLAG_RLS_CONSULT, FLAG_RECONTACT, FLAG_OVERRIDE, REVIEW_FLAGS
- loader: load_ruleset, resolve_ruleset, ruleset_from_text, ruleset_from_data, ruleset_to_data,
  write_version, diff_rulesets, available_versions, latest_version, RuleSetError, RULESET_DIR
- recorded: RecordedCall, load_recorded_call, run_recorded_call
"""

from triage_rules.engine import TriageSession
from triage_rules.flags import FLAG_OVERRIDE, FLAG_RECONTACT, FLAG_RLS_CONSULT, REVIEW_FLAGS
from triage_rules.loader import (
    RULESET_DIR,
    RuleSetError,
    available_versions,
    diff_rulesets,
    latest_version,
    load_ruleset,
    resolve_ruleset,
    ruleset_from_data,
    ruleset_from_text,
    ruleset_to_data,
    write_version,
)
from triage_rules.results import (
    Override,
    PathStep,
    QuestionView,
    RedFlagView,
    TriageInputError,
    TriageResult,
    TriageState,
)
from triage_rules.schema import RuleSet

__all__ = [
    "FLAG_OVERRIDE", "FLAG_RECONTACT", "FLAG_RLS_CONSULT", "REVIEW_FLAGS", "RULESET_DIR", "Override", "PathStep",
    "QuestionView", "RedFlagView", "RuleSet", "RuleSetError", "TriageInputError", "TriageResult", "TriageSession", "TriageState",
    "available_versions", "diff_rulesets", "latest_version", "load_ruleset", "resolve_ruleset", "ruleset_from_data",
    "ruleset_from_text", "ruleset_to_data", "write_version",
]
