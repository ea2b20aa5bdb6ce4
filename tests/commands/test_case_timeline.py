"""A case's timeline (records.case_timeline): every command and status event of one case in time order, in
Swedish, for the clinical roles only, and the read audited. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from command_world import World, intake, triage
from sqlalchemy import select

from commands import (
    AcknowledgeAlert,
    AddCaseNote,
    CaseCreated,
    CreateCase,
    RecordOutcome,
    RecordRedFlag,
    ReopenCase,
    SaveDraft,
    SendToWaitingRoom,
    SetUnitStatus,
    run,
)
from dispatch.assignment import STATUS_PUBLISHER
from dispatch.feed import record_store
from dispatch.feed.record_items import StatusItem
from records import case_timeline as timeline_module
from records.actor import NotPermitted
from records.case_state import CaseStatus
from records.case_timeline import case_timeline
from records.cases import CaseIntake, CaseNotFound
from records.db import transaction
from records.identity import FEED_USER
from records.models import AuditEntry
from resources.vocabulary import UnitStatus


def _feed(world: World, unit_id: str, status: UnitStatus, seq: int, case_id: int | None) -> None:
    """A status report from the unit's own feed, stored the way the feed record writer stores it."""
    now = datetime.now(UTC)
    item = StatusItem(publisher="ambulans", epoch="e1", seq=seq, unit_id=unit_id, status=status, lat=55.6, lon=13.0,
                      case_id=case_id, ts=time.time(), received=time.time())
    record_store.write(world.db, [record_store.build(item, now)], {}, now)


def _whole_case(world: World) -> tuple[int, str]:
    """A case through every kind of step, as the consoles and the feeds make them."""
    created = run(world.db, world.nurse, CreateCase(intake=CaseIntake()))
    assert isinstance(created, CaseCreated)
    case_id = created.case_id
    for address in ("Storg", "Storgatan", "Storgatan 1"):  # three saves while typing: one entry
        run(world.db, world.nurse, SaveDraft(case_id=case_id, intake=intake().model_copy(update={"address": address}),
                                             payload={}))
    run(world.db, world.nurse, RecordRedFlag(case_id=case_id, flag_id="RF_MEDVETSLÖS", text="Medvetslös"))
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="Portkod 1234, tredje våningen"))
    run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=triage("2")))
    unit = world.assign(case_id)
    _feed(world, unit, UnitStatus.EN_ROUTE, 1, case_id)
    _feed(world, unit, UnitStatus.EN_ROUTE, 2, case_id)  # a position update: the same status again
    _feed(world, "AMB-999", UnitStatus.ON_SCENE, 3, None)  # another unit: not this case's
    _feed(world, unit, UnitStatus.ON_SCENE, 4, case_id)
    run(world.db, world.dispatcher, SetUnitStatus(unit_id=unit, status=UnitStatus.TRANSPORTING,
                                                  reason="radio: transport", case_id=None))  # by hand, case not named
    run(world.db, world.dispatcher, AcknowledgeAlert(kind="target_passed", alert_key=f"target:{case_id}",
                                                     text=f"Ärende {case_id} har passerat måltiden",
                                                     raised_at=datetime.now(UTC), case_id=case_id))
    run(world.db, world.dispatcher, RecordOutcome(case_id=case_id, code="treated_left_home"))
    _feed(world, unit, UnitStatus.AVAILABLE_OUT, 5, None)  # after the case closed: not on the case any more
    run(world.db, world.nurse, ReopenCase(case_id=case_id, reason="ringde igen, sämre"))
    return case_id, unit


def test_the_timeline_tells_every_step_of_the_case_in_order(world: World) -> None:
    case_id, unit = _whole_case(world)
    with transaction(world.db) as s:
        tl = case_timeline(s, world.physician, case_id)
    whats = [e.what for e in tl.entries]
    assert whats == [
        "Ärendet skapades",
        "Uppgifterna ändrades (3 sparningar): adress, telefon, kommun, position, patientens namn",
        "Röd flagga: Medvetslös",
        "Anteckning: Portkod 1234, tredje våningen",
        "Triagering klar: Prio 2",
        "Skickat till väntrummet (Prio 2)",
        f"Larmade {unit}",
        f"Larm till {unit} (Prio 2)",  # the alert to the unit (docs/alert-protocol.md), queued: no sender runs here
        f"{unit}: Framkörning",
        f"{unit}: På plats",
        f"{unit}: På plats → Transport – radio: transport",
        f"Larm kvitterat: Ärende {case_id} har passerat måltiden",
        "Utfall: Behandlad på plats, lämnad hemma",
        f"Enheternas uppdrag avslutades: {unit}",
        "Ärendet avslutades",
        f"Telefonuppföljning planerad till {whats[15].removeprefix('Telefonuppföljning planerad till ')}",
        f"Återkallelse till {unit} (ärendet avslutat)",
        "Ärendet återöppnades – ringde igen, sämre",
    ]
    assert [e.at for e in tl.entries] == sorted(e.at for e in tl.entries)
    by_what = {e.what: e for e in tl.entries}
    assert by_what["Ärendet skapades"].who == "ssk.anna (sjuksköterska)"
    assert by_what[f"Larmade {unit}"].who == "usk.berit (dirigent)"
    assert by_what[f"{unit}: På plats"].who == f"{unit} (flöde)"
    assert by_what["Anteckning: Portkod 1234, tredje våningen"].kind == "anteckning"
    # internal codes stay out of what a nurse reads, in the detail for whoever needs them
    assert not any(code in w for w in whats for code in ("YRSEL", "RF_", "treated_left_home", "target_passed"))
    assert by_what["Triagering klar: Prio 2"].detail == "Ändpunkt YRSEL.3.01"
    assert tl.case.case_id == case_id and tl.case.status_text == "Väntrummet" and tl.case.priority_text == "Prio 2"


def test_a_units_outcome_is_told_as_the_units_report(world: World) -> None:
    from commands import ApplyFeedOutcome
    from outcomes.closing import FeedOutcome
    from outcomes.system_jobs import feed_actor

    case_id = world.case_in(CaseStatus.ASSIGNED)
    with transaction(world.db) as s:
        system = feed_actor(s, console="flödestjänst")
        unit = s.scalar(select(AuditEntry.detail["unit_id"].as_string())
                        .where(AuditEntry.case_id == case_id, AuditEntry.action == "dispatch.assign"))
    run(world.db, system, ApplyFeedOutcome.for_message(FeedOutcome(unit_id=unit, case_id=case_id,
                                                                   code="transported_ed", destination="AKM_MALMO")))
    with transaction(world.db) as s:
        tl = case_timeline(s, world.nurse, case_id)
    outcome = next(e for e in tl.entries if e.what.startswith("Utfall:"))
    assert outcome.what == "Utfall: Transporterad till akutmottagning, Akutmottagningen SUS Malmö"
    assert outcome.who == f"{unit} (enhetens rapport)"
    assert FEED_USER == timeline_module.FEED_USER


def test_only_the_clinical_roles_read_the_timeline_and_each_read_is_audited(world: World) -> None:
    case_id = world.case_in(CaseStatus.WAITING)
    with transaction(world.db) as s:
        before = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    with pytest.raises(NotPermitted, match="Administratör får inte se ärendets händelser"), \
            transaction(world.db) as s:
        case_timeline(s, world.admin, case_id)
    for actor in (world.nurse, world.dispatcher, world.physician):
        with transaction(world.db) as s:
            case_timeline(s, actor, case_id)
    with pytest.raises(CaseNotFound, match="Ärende 999999 finns inte"), transaction(world.db) as s:
        case_timeline(s, world.nurse, 999999)
    with transaction(world.db) as s:
        reads = list(s.scalars(select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)))
    assert [(r.user_id, r.action, r.case_id, r.detail["via"]) for r in reads] == [
        (a.user_id, "case.read", case_id, "timeline") for a in (world.nurse, world.dispatcher, world.physician)]
    assert all("patient" in r.detail for r in reads)


def test_the_timeline_skips_what_dispatch_records_itself() -> None:
    # the status rows dispatch writes when it alerts or frees a unit are told by the command's own entry
    assert timeline_module.DISPATCH_PUBLISHER == STATUS_PUBLISHER


def test_every_audited_action_reads_as_swedish_words_without_its_code() -> None:
    from records.access_log import ACTIONS
    from records.timeline_texts import describe

    for action in [*ACTIONS, "some.future_command"]:
        described = describe(action, {})
        if described is not None:
            what, _detail, _kind = described
            assert what[:1].isupper() and action not in what, (action, what)
    assert describe("some.future_command", {}) == ("Övrig händelse", "Åtgärd some.future_command", "ärende")
    assert describe("case.pre_alert", {"priority": "1"})[0] == (
        "Förlarm: till väntrummet som Prio 1 medan triageringen pågår")
    assert describe("case.status", {"event": "pre_alert", "old": "draft", "new": "waiting"}) is None  # told above
    assert describe("case.read", {"via": "timeline"}) is None and describe("case.search", {}) is None
