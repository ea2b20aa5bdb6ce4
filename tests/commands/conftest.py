"""Fixtures for the command-layer tests: a World that puts cases into each state through the commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import records.db

sys.path.insert(0, str(Path(__file__).parents[1] / "outcomes"))  # outcomes_helpers: cases for rule proposals

from command_world import World  # noqa: E402


@pytest.fixture
def world(db, make_actor, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return World.make(db, make_actor, tmp_path)


@pytest.fixture
def cli_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The in-process CLI's engines are disposed at the test's end (an open PostgreSQL connection collected later
    is a ResourceWarning). Modules that run the CLI in-process use it for every test (`pytestmark`)."""
    engines: list[Engine] = []
    real = records.db.make_engine

    def tracked(*args: Any, **kwargs: Any) -> Engine:
        engines.append(real(*args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(records.db, "make_engine", tracked)
    yield
    for engine in engines:
        engine.dispose()
