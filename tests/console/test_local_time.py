"""Times in the console are Swedish local time, not UTC and not the machine's zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from console.local_time import iso_local_text, local_text
from console.review.detail_view import render
from console.review.queue_model import ReviewQueueModel
from records.review_queue import ReviewDetail, ReviewItem

WINTER = datetime(2025, 1, 15, 12, 5, tzinfo=UTC)   # 13:05 in Sweden (CET)
SUMMER = datetime(2025, 7, 1, 12, 30, tzinfo=UTC)   # 14:30 in Sweden (CEST)


@pytest.fixture
def machine_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The console's machine runs in another zone: that zone must not leak into what is shown."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def item() -> ReviewItem:
    return ReviewItem(id=1, case_id=42, reason="override", reason_label="Överstyrd triage", detail="Höjd till prio 1",
                      created_at=WINTER, status="open", comment=None, priority="1", complaint=None, patient="Astrid")


def test_rls_detail_shows_recommendation_assignment_and_outcome_in_swedish_time(machine_in_tokyo) -> None:  # type: ignore[no-untyped-def]
    detail = ReviewDetail(
        item=item(), case=None, triage=None,
        recommendations=[{"created_at": WINTER.isoformat(), "ranking": {"parts": [
            {"part": None, "recommended": {"unit_id": "AMB-001", "type_name": "Ambulans"}, "alternatives": []}]}},
            {"created_at": SUMMER.isoformat(), "ranking": {"parts": [
                {"part": None, "recommended": {"unit_id": "AMB-002", "type_name": "Ambulans"}, "alternatives": []}]}}],
        assignments=[{"assigned_at": SUMMER.isoformat(), "unit_id": "AMB-002", "deviation_reason": None,
                      "ended_reason": None}],
        outcome={"code": "treated_left_home", "destination": None, "source": "feed",
                 "recorded_at": SUMMER.replace(hour=13).isoformat()})
    html = render(detail)
    assert "2025-01-15 13:05: huvudbehov: <b>AMB-001</b>" in html
    assert "2025-07-01 14:30: huvudbehov: <b>AMB-002</b>" in html
    assert "<li>2025-07-01 14:30: AMB-002</li>" in html
    assert "(rapporterat av enheten, 2025-07-01 15:30)" in html
    assert "12:05" not in html and "12:30" not in html  # not UTC


def test_review_queue_shows_when_the_item_came_in_swedish_time(qtmodeltester, machine_in_tokyo) -> None:  # type: ignore[no-untyped-def]
    model = ReviewQueueModel()
    model.set_items([item()])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 5)) == "15/01 13:05"


def test_helpers() -> None:
    assert local_text(datetime(2025, 7, 1, 22, 30), "%Y-%m-%d %H:%M") == "2025-07-02 00:30"  # naive = UTC
    assert iso_local_text(None) == "" and iso_local_text("inte en tid") == "inte en tid"
