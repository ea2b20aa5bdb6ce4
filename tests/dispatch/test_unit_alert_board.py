"""The units' alert problems in the console's alert model (dispatch.alerts), without a screen: each revision not
acknowledged in time (or refused) and each decline raises once, also on a console that starts after it happened; the
acknowledge key takes them after a new Prio 1 and before a case past its target; the texts name unit, case and why."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from dispatch.alerts import AlertBoard, AlertKind

T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def problem(alert_id: str = "a1", seq: int = 1, status: str = "not_acknowledged", pending: str = "alert",
            refused: str | None = None, declined: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(alert_id=alert_id, case_id=12, unit_id="AMB-001", status=status, pending=pending, seq=seq,
                           refused_reason=refused, decline_reason=declined)


def board() -> AlertBoard:
    return AlertBoard(late=lambda _c: False, clock=lambda: T0)


def test_each_revision_not_acknowledged_raises_once_with_what_and_why() -> None:
    b = board()
    [alert] = b.observe_unit_alerts([problem()])  # no baseline: still a problem when the console starts
    assert alert.kind is AlertKind.UNIT_UNACKNOWLEDGED and alert.case_id == 12
    assert alert.text == "Larmet till AMB-001 för ärende 12 är inte kvitterat i tid – kontakta enheten på radio"
    assert b.observe_unit_alerts([problem()]) == []  # once
    [update] = b.observe_unit_alerts([problem(seq=2, pending="update")])  # the next revision is a new problem
    assert update.text.startswith("Uppdateringen till AMB-001 för ärende 12 är inte kvitterad")
    [refused] = b.observe_unit_alerts([problem("a2", pending="cancel", refused="Okänd enhet")])
    assert refused.text == ("Återkallelsen till AMB-001 för ärende 12 är inte kvitterad: enhetssystemet tog inte "
                            "emot det (Okänd enhet)")


def test_a_decline_raises_once_and_the_key_takes_it_after_a_new_prio1() -> None:
    b = board()
    [declined] = b.observe_unit_alerts([problem(status="declined", declined="Motorstopp")])
    assert declined.kind is AlertKind.UNIT_DECLINED
    assert declined.text == "AMB-001 avböjde ärende 12: Motorstopp – ärendet är tillbaka i väntrummet"
    assert b.observe_unit_alerts([problem(status="declined", declined="Motorstopp", seq=2)]) == []  # one decline
    b.observe_unit_alerts([problem("a3")])
    assert [a.kind for a in b.alerts()] == [AlertKind.UNIT_UNACKNOWLEDGED, AlertKind.UNIT_DECLINED]
    assert AlertKind.NEW_PRIO1.rank < AlertKind.UNIT_UNACKNOWLEDGED.rank < AlertKind.TARGET_PASSED.rank
