"""The alert model (dispatch.alerts), without a screen: the first listing is the baseline, a new or escalated
waiting Prio 1 and a case passing its target raise once, a feed that goes stale raises each time it is lost, the
acknowledge key takes Prio 1 first, and the sound plays at once and then as a reminder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from dispatch.alerts import REMIND_AFTER_S, AlertBoard, AlertKind
from records.case_state import CaseStatus
from records.cases import CaseView

T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def case(id_: int, priority: str = "2", status: CaseStatus = CaseStatus.WAITING) -> CaseView:
    return CaseView(id=id_, status=status, created_at=T0, updated_at=T0, caller_name="", callback_phone="",
                    address="Storgatan 1", kommun="Lund", lat=None, lon=None, patient_name="", personnummer=None,
                    patient_age=None, complaint=None, priority=priority, care_need=None, endpoint_code=None,
                    ruleset_version=None, flags=[], waiting_since=T0, closed_at=None, linked_case_id=None,
                    link_reason=None)


def board(late: set[int] | None = None) -> tuple[AlertBoard, list[datetime]]:
    now = [T0]
    late_ids = late if late is not None else set()
    return AlertBoard(late=lambda c: c.id in late_ids, clock=lambda: now[0], feed_names={"ambulans": "Ambulans"}), now


def test_the_first_listing_is_the_baseline_and_a_new_prio1_raises_once() -> None:
    b, _ = board()
    assert b.observe_cases([case(1, "1"), case(2)]) == []
    [alert] = b.observe_cases([case(1, "1"), case(2), case(3, "1")])
    assert (alert.kind, alert.case_id) == (AlertKind.NEW_PRIO1, 3) and "ärende 3" in alert.text
    assert b.observe_cases([case(1, "1"), case(2), case(3, "1")]) == []  # once
    assert b.flashing_cases() == {3}
    [up] = b.observe_cases([case(2, "1"), case(3, "1")])  # escalated to Prio 1 while shown
    assert up.case_id == 2
    assert b.observe_cases([case(4, "1", CaseStatus.ASSIGNED)]) == []  # already dispatched: no alert


def test_passing_the_target_raises_once_and_the_key_takes_prio1_first() -> None:
    late: set[int] = set()
    b, now = board(late)
    b.observe_cases([case(5, "2")])
    late.add(5)
    [passed] = b.observe_cases([case(5, "2")])
    assert passed.kind is AlertKind.TARGET_PASSED and "måltid" in passed.text
    now[0] += timedelta(seconds=5)
    [new] = b.observe_cases([case(5, "2"), case(6, "1")])
    assert b.next() == new  # Prio 1 before an older target alert
    b.begin(new.key)
    assert b.next() == passed  # pressed again while the first is on its way: the next one
    b.abandon(new.key)
    assert b.next() == new
    done = b.acknowledge(new.key, "dir.bo")
    assert done is not None and done.by == "dir.bo" and done.alert == new
    assert b.acknowledge(new.key, "dir.bo") is None
    assert [a.key for a in b.alerts()] == [passed.key] and b.flashing_cases() == {5}


def test_a_feed_lost_raises_each_time_it_goes_stale_after_being_healthy() -> None:
    b, _ = board()
    feed = SimpleNamespace(publisher="ambulans", stale=True)
    assert b.observe_feeds([feed]) == []  # never heard yet: not lost
    feed.stale = False
    assert b.observe_feeds([feed]) == []
    feed.stale = True
    [lost] = b.observe_feeds([feed])
    assert lost.kind is AlertKind.FEED_LOST and "Ambulans" in lost.text and lost.case_id is None
    assert b.observe_feeds([feed]) == []
    feed.stale = False
    b.observe_feeds([feed])
    feed.stale = True
    [again] = b.observe_feeds([feed])
    assert again.key != lost.key


def test_the_sound_plays_when_raised_and_again_as_a_reminder() -> None:
    b, now = board()
    b.observe_cases([])
    assert b.sound_due() is None
    b.observe_cases([case(7, "1")])
    assert b.sound_due() is AlertKind.NEW_PRIO1
    assert b.sound_due() is None
    now[0] += timedelta(seconds=REMIND_AFTER_S)
    assert b.sound_due() is AlertKind.NEW_PRIO1
    b.acknowledge("new_prio1:7", "dir.bo")
    now[0] += timedelta(seconds=REMIND_AFTER_S)
    assert b.sound_due() is None
