"""Fixtures for the command-layer tests: a World that puts cases into each state through the commands."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "outcomes"))  # outcomes_helpers: cases for rule proposals

from command_world import World  # noqa: E402


@pytest.fixture
def world(db, make_actor, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return World.make(db, make_actor, tmp_path)
