"""Fixtures for the outcome tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from outcomes_helpers import mini_ruleset

from triage_rules.loader import write_version


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    d = tmp_path / "rulesets"
    write_version(mini_ruleset(), "test-1", d)
    return d
