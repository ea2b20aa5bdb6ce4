"""Naive times in triage are Swedish local time, like everywhere else in the product
(regression: the engine read them in the machine's zone, so on a UTC server a recontact an
hour past the window still raised the priority, and `triaged_at` stayed naive)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from resources.patient_context import PatientContext
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset
from triage_rules.schema import NO

ANSWERS = [("RF_CHOCK", NO), ("RF_BLÖDNING", NO), ("plötslig_svår", NO), ("bukhinna", NO), ("graviditet", NO),
           ("kräkningar", NO), ("feber", NO)]


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _session(left_at_home: datetime, now: datetime) -> TriageSession:
    ctx = PatientContext(last_left_at_home=left_at_home)
    return TriageSession.replay(load_ruleset(), "BUK", ANSWERS, context=ctx, now=now)


def test_naive_last_contact_is_swedish_time(utc_machine: None) -> None:
    window = load_ruleset().recontact_window_hours
    left = datetime(2026, 3, 3, 8, 0)  # naive: 08:00 in Sweden = 07:00 UTC
    outside = datetime.fromisoformat("2026-03-03T08:30:00+01:00") + timedelta(hours=window)
    inside = datetime.fromisoformat("2026-03-03T07:30:00+01:00") + timedelta(hours=window)
    assert not _session(left, outside).result.recontact  # type: ignore[union-attr]
    assert _session(left, inside).result.recontact  # type: ignore[union-attr]


def test_naive_now_gives_an_aware_triage_time(utc_machine: None) -> None:
    result = _session(datetime(2026, 3, 1, 8, 0), datetime(2026, 3, 3, 10, 0)).result
    assert result is not None and result.triaged_at is not None
    assert result.triaged_at.utcoffset() == timedelta(hours=1)
