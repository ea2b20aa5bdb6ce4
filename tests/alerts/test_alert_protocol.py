"""The unit alert protocol end to end, on SQLite and PostgreSQL, real sockets on loopback with CURVE: the
larmcentral's sender (commands/alert_service.py) against a gateway written only from docs/alert-protocol.md
(gateway_client.py). Assignments, recalls and changes go through the commands as a console sends them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from command_world import World
from gateway_client import GatewayClient, wait_for
from sqlalchemy import func, select

from commands import AddCaseNote, RecallUnit, run
from commands.alert_service import AlertService
from records.audit import audit_trail
from records.case_state import CaseStatus
from records.case_timeline import case_timeline
from records.db import transaction
from records.models import Assignment, Case, UnitAlert, UnitAlertMessage

pytestmark = pytest.mark.zmq


def _alert(world: World, case_id: int) -> UnitAlert:
    with world.db() as s:
        row = s.scalars(select(UnitAlert).where(UnitAlert.case_id == case_id).order_by(UnitAlert.id.desc())).first()
        assert row is not None
        s.expunge(row)
        return row


def _actions(world: World, case_id: int, prefix: str = "unit_alert.") -> list[str]:
    with world.db() as s:
        return [e.action for e in audit_trail(s, case_id) if e.action.startswith(prefix)]


def _assigned(world: World) -> tuple[int, str]:
    case_id = world.case_in(CaseStatus.WAITING)
    return case_id, world.assign(case_id)


def test_an_alert_is_delivered_acknowledged_and_accepted(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    case_id, unit = _assigned(world)
    [got] = wait_for(gw.alerts_applied, what="larmet når enheten")
    body = got.body
    assert (body["unit_id"], body["case_id"], body["seq"], body["priority"]) == (unit, case_id, 1, "3")
    assert body["address"] == "Storgatan 1" and body["callback_phone"] == "0701234567"
    assert body["care_need"].startswith("Bårtransport") and "personnummer" not in body
    assert body["kommun"] == "Malmö" and body["triage_ref"] == {"ruleset": "test-1", "endpoint": "YRSEL.3.01"}
    wait_for(lambda: _alert(world, case_id).state == "acknowledged", what="kvittensen registreras")
    row = _alert(world, case_id)
    assert (row.acked_seq, row.next_send_at, row.timed_out_seq) == (1, None, 0)

    gw.accept(got.alert_id, unit)
    wait_for(lambda: gw.log.answers.get((got.alert_id, "accept")), what="larmcentralen kvitterar accepten")
    assert gw.log.answers[(got.alert_id, "accept")]["result"] == "ok"
    assert _alert(world, case_id).state == "accepted"
    assert _actions(world, case_id) == ["unit_alert.create", "unit_alert.ack", "unit_alert.accept"]
    with transaction(world.db) as s:
        whats = [e.what for e in case_timeline(s, world.dispatcher, case_id).entries]
    assert [f"Larm till {unit} (Prio 3)", f"{unit} kvitterade larmet", f"{unit} accepterade uppdraget"] == [
        w for w in whats if w.startswith(("Larm till", unit))]


def test_a_lost_message_is_sent_again_and_acted_on_once(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    gw.lose_next = 2  # the alert and its first resend never arrive
    case_id, unit = _assigned(world)
    [got] = wait_for(gw.alerts_applied, what="det tredje försöket når fram")
    wait_for(lambda: _alert(world, case_id).acked_seq == 1, what="kvittens")
    received = [b for k, b in gw.log.received if k == "alert"]
    assert len(received) >= 3 and {b["alert_id"] for b in received} == {got.alert_id}
    sends = _alert(world, case_id).sends
    # A duplicate of the alert (as after a resync) is acknowledged again and never applied twice.
    gw.accept(got.alert_id, unit)
    gw.accept(got.alert_id, unit)  # the crew's key pressed twice: one answer
    wait_for(lambda: gw.log.answers.get((got.alert_id, "accept")), what="accepten kvitteras")
    assert gw.applied_of(got.alert_id) == [got]
    assert _actions(world, case_id) == ["unit_alert.create", "unit_alert.ack", "unit_alert.accept"]
    assert _alert(world, case_id).sends == sends  # acknowledged: nothing more is sent


def test_the_gateway_down_then_up_gets_what_it_missed(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    wait_for(lambda: sender.link.gateway_up("ambulans"), what="enhetssystemet hörs")
    gw.stop()  # the gateway goes down
    wait_for(lambda: not sender.link.gateway_up("ambulans"), what="larmcentralen märker att det är nere")
    case_id, unit = _assigned(world)
    first = _alert(world, case_id)
    assert first.sends == 0 and first.next_send_at is not None  # nothing is sent to a gateway that is down
    gw.restart()  # back, having lost its state (a new epoch)
    [got] = wait_for(gw.alerts_applied, what="larmet efter återkomsten")
    assert got.body["case_id"] == case_id
    wait_for(lambda: _alert(world, case_id).acked_seq == 1, what="kvittens efter återkomsten")

    # Restarted again after the acknowledgement: the open alert is sent once more and taken as current (the
    # client's log keeps what it applied before the restart too).
    gw.restart()
    wait_for(lambda: len(gw.alerts_applied()) == 2, what="det öppna larmet skickas igen efter omstarten")
    assert [a.alert_id for a in gw.alerts_applied()] == [got.alert_id, got.alert_id]
    assert _actions(world, case_id) == ["unit_alert.create", "unit_alert.ack"]  # the repeat changed nothing


def test_no_acknowledgement_in_time_marks_the_assignment(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    gw.lose_next = 1000  # nothing arrives
    case_id, unit = _assigned(world)
    wait_for(lambda: _alert(world, case_id).timed_out_seq == 1, timeout=5, what="tidsgränsen passeras")
    assert _actions(world, case_id) == ["unit_alert.create", "unit_alert.timeout"]
    gw.lose_next = 0  # a late acknowledgement is still recorded
    wait_for(lambda: _alert(world, case_id).acked_seq == 1, what="sen kvittens")
    with world.db() as s:
        late = [e.detail for e in audit_trail(s, case_id) if e.action == "unit_alert.ack"]
    assert late[0]["late"] is True


def test_a_refused_alert_is_not_sent_again_and_counts_as_not_acknowledged(world: World, sender: AlertService,
                                                                         gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    gw.refuse_next = 1
    case_id, _unit = _assigned(world)
    wait_for(lambda: _alert(world, case_id).timed_out_seq == 1, what="vägran registreras")
    row = _alert(world, case_id)
    assert row.next_send_at is None and row.refused_reason == "Enheten finns inte i vårt system"
    assert _actions(world, case_id) == ["unit_alert.create", "unit_alert.refused"]


def test_a_decline_returns_the_case_to_vantrummet(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    case_id, unit = _assigned(world)
    [got] = wait_for(gw.alerts_applied, what="larmet")
    gw.decline(got.alert_id, unit, "Motorstopp på E22")
    wait_for(lambda: gw.log.answers.get((got.alert_id, "decline")), what="avböjandet kvitteras")
    with world.db() as s:
        case = s.get(Case, case_id)
        assert case.status == CaseStatus.WAITING.value and "unit_declined" in case.flags
        a = s.scalars(select(Assignment).where(Assignment.case_id == case_id)).one()
        assert (a.active, a.ended_reason) == (False, "declined")
    cancel = wait_for(lambda: [a for a in gw.applied_of(got.alert_id) if a.type == "cancel"], what="återkallelsen")
    assert cancel[0].body["reason"] == "declined"
    gw.decline(got.alert_id, unit, "Annat skäl")  # resent with another reason: the same decline
    wait_for(lambda: len([b for k, b in gw.log.received if k == "ack"]) >= 2, what="upprepningen kvitteras")
    assert _actions(world, case_id) == ["unit_alert.create", "unit_alert.ack", "unit_alert.decline",
                                        "unit_alert.cancel", "unit_alert.ack"]
    assert _alert(world, case_id).decline_reason == "Motorstopp på E22"
    with world.db() as s:
        assert s.scalar(select(func.count()).select_from(Assignment).where(Assignment.case_id == case_id)) == 1


def test_a_key_of_another_publisher_cannot_acknowledge_or_decline(world: World, sender: AlertService,
                                                                  gateway) -> None:  # type: ignore[no-untyped-def]
    impostor: GatewayClient = gateway("ambulans", key="mobila_team")  # mobila_team's key on ambulans's endpoint
    wait_for(lambda: sender.link.counters()["ambulans"].refused_handshakes.get("wrong_key"), what="handskakning nekad")
    case_id, unit = _assigned(world)
    alert_id = _alert(world, case_id).alert_id
    own: GatewayClient = gateway("mobila_team")  # its own endpoint: admitted, but the alert is not its publisher's
    wait_for(lambda: sender.link.gateway_up("mobila_team"), what="mobila_team hörs")
    for gw in (impostor, own):
        gw.send_raw("ack", {"alert_id": alert_id, "unit_id": unit, "seq": 1, "of": "alert", "result": "ok"})
        gw.decline(alert_id, unit, "Vi tar det inte")
    answer = wait_for(lambda: own.log.answers.get((alert_id, "decline")), what="svaret till fel publicist")
    assert answer["result"] == "refused" and answer["reason"] == "Okänt larm."
    wait_for(lambda: sender.link.counters()["mobila_team"].rejected.get("wrong_publisher", 0) >= 2,
             what="avvisade meddelanden räknas")
    assert impostor.log.received == []  # nothing of the refused connection was read, nothing sent to it
    row = _alert(world, case_id)
    assert (row.acked_seq, row.state) == (0, "sent")
    assert _actions(world, case_id) == ["unit_alert.create"]
    with world.db() as s:
        assert s.get(Case, case_id).status == CaseStatus.ASSIGNED.value


def test_a_recall_reaches_the_unit(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    case_id, unit = _assigned(world)
    [got] = wait_for(gw.alerts_applied, what="larmet")
    run(world.db, world.dispatcher, RecallUnit(case_id=case_id, unit_id=unit, reason="Annan enhet närmare"))
    [cancel] = wait_for(lambda: [a for a in gw.applied_of(got.alert_id) if a.type == "cancel"], what="återkallelsen")
    assert (cancel.seq, cancel.body["reason"]) == (2, "recalled") and unit not in gw.current
    wait_for(lambda: _alert(world, case_id).closed_at is not None, what="återkallelsen kvitteras")
    assert _alert(world, case_id).cancel_reason == "recalled"


def test_a_change_of_the_case_reaches_the_unit_as_an_update(world: World, sender: AlertService, gateway) -> None:  # type: ignore[no-untyped-def]
    gw: GatewayClient = gateway("ambulans")
    case_id, unit = _assigned(world)
    [got] = wait_for(gw.alerts_applied, what="larmet")
    run(world.db, world.dispatcher, AddCaseNote(case_id=case_id, text="Portkod 1234, tredje våningen"))
    [update] = wait_for(lambda: [a for a in gw.applied_of(got.alert_id) if a.type == "update"], what="uppdateringen")
    assert update.seq == 2 and "Anteckning: Portkod 1234, tredje våningen" in update.body["facts"]
    assert update.body["address"] == got.body["address"]  # the whole alert again
    wait_for(lambda: _alert(world, case_id).acked_seq == 2, what="uppdateringen kvitteras")
    with world.db() as s:
        kinds = list(s.scalars(select(UnitAlertMessage.type).join(UnitAlert, UnitAlert.id == UnitAlertMessage.alert_ref)
                               .where(UnitAlert.case_id == case_id).order_by(UnitAlertMessage.seq)))
    assert kinds == ["alert", "update"]


def test_the_test_gateway_is_written_from_the_document_alone() -> None:
    tree = ast.parse((Path(__file__).with_name("gateway_client.py")).read_text(encoding="utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = ("dispatch", "commands", "records", "resources", "console", "outcomes", "triage_rules")
    assert not [m for m in imported if m.split(".")[0] in ours], imported


def test_without_keys_the_alert_endpoints_are_loopback_only(world: World) -> None:
    with pytest.raises(ValueError, match="bara på loopback"):
        AlertService(world.db, {"ambulans": "tcp://0.0.0.0:5560"})
    AlertService(world.db, {"ambulans": "tcp://127.0.0.1:*", "mobila_team": "tcp://localhost:*"}).stop()  # a lab
