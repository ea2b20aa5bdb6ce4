"""Alerts on the real widgets (docs/alerts.md): a Prio 1 sent to väntrummet from another console's executor makes
the row flash, the Dirigering tab show a badge and the sound play; F2 selects that case, clears the alert and writes
the audit row; a case passing its target (injected clock, no sleeping) raises one; a muted console shows the alert
without sound; a sound that cannot play (no Qt Multimedia) is logged, never raised."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from commands import CreateCase, SendToWaitingRoom, run
from console.alert_sound import AlertSound
from console.dispatch.setup import build_dispatch_workspace
from console.dispatch.waiting_room import ALERT_COLOUR, COL_CASE
from console.tasks import DbExecutor
from records.cases import CaseIntake
from records.models import AuditEntry
from records.triage_store import CompletedTriage
from resources.vocabulary import Priority, Role

INTAKE = CaseIntake(caller_name="Test", address="Testgatan 1", kommun="Lund", lat=55.7047, lon=13.1910,
                    patient_name="Astrid Demo")
NEED = {"capabilities": ["ecg", "oxygen"], "transport": "ambulance", "max_minutes": 30}


def triage(priority: Priority) -> CompletedTriage:
    return CompletedTriage(ruleset_version="skane-2026.1", complaint="BRÖST", endpoint_code="BRÖST.1.01",
                           priority=priority, care_need=NEED)


def send_case(factory, nurse, priority: Priority) -> int:  # type: ignore[no-untyped-def]
    """Another console's call taker: a case created and sent to väntrummet (commands, so the change is pushed)."""
    case_id = run(factory, nurse, CreateCase(intake=INTAKE)).case_id  # type: ignore[attr-defined]
    run(factory, nurse, SendToWaitingRoom(case_id=case_id, triage=triage(priority)))
    return case_id


def flashing(ws, case_id: int) -> bool:  # type: ignore[no-untyped-def]
    row = ws.waiting_model.row_of(case_id)
    return row is not None and ws.waiting_model.index(row, COL_CASE).data(Qt.ItemDataRole.BackgroundRole) \
        == ALERT_COLOUR


@pytest.fixture
def played(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every QSoundEffect.play(), by the file it would play (no audio is made)."""
    multimedia = pytest.importorskip("PySide6.QtMultimedia", reason="Qt Multimedia cannot be loaded here (libpulse0?)")
    QSoundEffect = multimedia.QSoundEffect  # noqa: N806

    calls: list[str] = []
    monkeypatch.setattr(QSoundEffect, "play", lambda self: calls.append(self.source().fileName()))
    return calls


def test_a_prio1_from_another_console_flashes_badges_sounds_and_f2_selects_and_audits_it(  # type: ignore[no-untyped-def]
        qtbot, make_window, actor_for, factory, idle, played) -> None:
    nurse, dispatcher = actor_for(Role.NURSE, "ssk.anna"), actor_for(Role.DISPATCHER, "dir.bo")
    older = send_case(factory, nurse, Priority.P2)
    w = make_window(dispatcher)
    ws = w.workspaces["dispatch"]
    ws.refresh()  # the first whole listing: the baseline
    qtbot.waitUntil(lambda: ws.waiting_model.row_of(older) is not None, timeout=10000)
    ws.select_case_id(older)
    assert ws.selected is not None and ws.selected.id == older
    w.show_workspace("followup")  # the dispatcher is looking elsewhere
    assert not ws.alert_strip.isVisible() and "⚠" not in w.docks["dispatchDock"].windowTitle()

    new = send_case(factory, nurse, Priority.P1)  # pushed to the window's listening executor
    qtbot.waitUntil(lambda: flashing(ws, new), timeout=10000)
    assert w.docks["dispatchDock"].windowTitle() == "Dirigering ⚠ 1"
    assert f"ärende {new}" in ws.alert_strip.label.text()
    assert ws.alerts.sound.played == ["new_prio1"] and played == ["new_prio1.wav"]
    assert ws.selected.id == older  # nothing moved the selection behind the dispatcher's back …

    qtbot.keyClick(w, Qt.Key.Key_F2)  # … the acknowledge key does
    assert ws.selected is not None and ws.selected.id == new
    qtbot.waitUntil(lambda: not flashing(ws, new), timeout=10000)
    idle(w)
    assert w.docks["dispatchDock"].windowTitle() == "Dirigering" and not ws.alert_strip.isVisible()
    assert not ws.visibleRegion().isEmpty()  # Dirigering brought forward
    with factory() as s:
        [row] = s.scalars(select(AuditEntry).where(AuditEntry.action == "alert.acknowledge")).all()
    assert (row.case_id, row.user_id, row.detail["kind"]) == (new, dispatcher.user_id, "new_prio1")
    qtbot.keyClick(w, Qt.Key.Key_F2)  # nothing left: says so, writes nothing
    assert "Inga larm" in w.message_label.text()


@pytest.fixture
def workspace(qtbot, factory):  # type: ignore[no-untyped-def]
    made = []

    def make(actor, clock):  # type: ignore[no-untyped-def]
        executor = DbExecutor(factory)
        ws = build_dispatch_workspace(actor, executor, refresh_ms=600_000, clock=clock)
        qtbot.addWidget(ws)
        made.append((ws, executor))
        ws.start()
        return ws

    yield make
    for ws, executor in made:
        ws.shutdown()
        executor.shutdown()


def test_a_case_passing_its_target_raises_an_alert_and_a_muted_console_only_shows_it(  # type: ignore[no-untyped-def]
        qtbot, actor_for, factory, workspace, monkeypatch) -> None:
    monkeypatch.setenv("LARMCENTRAL_ALERT_SOUND", "0")
    nurse, dispatcher = actor_for(Role.NURSE, "ssk.anna"), actor_for(Role.DISPATCHER, "dir.bo")
    case_id = send_case(factory, nurse, Priority.P2)  # target 30 min
    now = [datetime.now(UTC)]
    ws = workspace(dispatcher, lambda: now[0])
    qtbot.waitUntil(lambda: ws.waiting_model.row_of(case_id) is not None, timeout=10000)
    ws._second()
    assert not ws.alerts.board.alerts()
    now[0] += timedelta(minutes=31)
    ws._second()  # the clock timer's tick
    [alert] = ws.alerts.board.alerts()
    assert alert.kind == "target_passed" and alert.case_id == case_id
    assert flashing(ws, case_id) and "måltid" in ws.alert_strip.label.text()
    assert ws.alerts.sound.muted and ws.alerts.sound.played == []  # muted: seen, not heard
    ws._second()
    assert not flashing(ws, case_id)  # the row flashes: off every other second …
    ws._second()
    assert flashing(ws, case_id)


def test_every_alert_kind_has_a_short_wav_in_the_package() -> None:
    import wave

    from console.alert_sound import SOUNDS
    from dispatch.alerts import AlertKind

    for kind in AlertKind:
        with wave.open(str(SOUNDS / f"{kind.value}.wav")) as w:
            seconds = w.getnframes() / w.getframerate()
        assert 0.2 < seconds < 2.0, kind


def test_a_sound_that_cannot_play_is_logged_not_raised(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import builtins

    real_import = builtins.__import__

    def no_multimedia(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("PySide6.QtMultimedia"):
            raise ImportError("libpulse.so.0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_multimedia)
    sound = AlertSound()
    with caplog.at_level(logging.WARNING, logger="larmcentral.console.alerts"):
        sound.play("new_prio1")
        sound.play("feed_lost")
    assert sound.played == ["new_prio1", "feed_lost"]
    assert [r.message for r in caplog.records if "Qt Multimedia" in r.message][:1] and \
        len([r for r in caplog.records if "Qt Multimedia" in r.message]) == 1


def test_a_lost_feed_raises_an_alert_for_a_dispatcher_and_none_on_a_nurses_console(  # type: ignore[no-untyped-def]
        qtbot, actor_for, workspace) -> None:
    from dispatch.feed.state import FeedView

    def feed(stale: bool) -> FeedView:
        return FeedView(publisher="ambulans", messages=1, updates=1, rejected=0, rejected_by_reason={}, gaps=0,
                        resyncs=0, restarts=0, duplicates=0, snapshots=1, auth_refused=0, refused_by_reason={},
                        replays=0, replayed=0, holes=0, hole_updates=0, resets=0, illegal_transitions=0,
                        last_heard_age_s=30.0 if stale else 0.5, epoch="e", seq=1, synced=True, stale=stale)

    now = [datetime.now(UTC)]
    ws = workspace(actor_for(Role.DISPATCHER, "dir.bo"), lambda: now[0])
    nurse_ws = workspace(actor_for(Role.NURSE, "ssk.anna"), lambda: now[0])
    for healthy in (True, False):
        feeds = [feed(stale=not healthy)]
        ws.bridge.health_changed.emit(feeds)
        nurse_ws.bridge.health_changed.emit(feeds)
    [alert] = ws.alerts.board.alerts()
    assert alert.kind == "feed_lost" and "Ambulans" in ws.alert_strip.label.text()
    assert not ws.alert_strip.isHidden() and ws.alerts.sound.played == ["feed_lost"]
    assert nurse_ws.alerts.board.alerts() == [] and nurse_ws.alert_strip.isHidden()
