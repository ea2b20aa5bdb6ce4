"""A timeline window closed before its read comes back (Esc at once, Ctrl+L, the database slow): the window is
gone (it deletes itself on close) and the late answer must not reach it — it raised "Internal C++ object already
deleted" in the database executor's delivery, on the GUI thread."""

from __future__ import annotations

import threading

from commands import CaseCreated, CreateCase, run
from console.cases.timeline_dialog import CaseTimelineDialog
from records.cases import CaseIntake
from resources.vocabulary import Role


def test_closing_the_timeline_before_its_read_returns_is_quiet(qtbot, make_window, actor_for, factory,  # type: ignore[no-untyped-def]
                                                               idle) -> None:
    created = run(factory, actor_for(Role.NURSE), CreateCase(intake=CaseIntake(address="Storgatan 1")))
    assert isinstance(created, CaseCreated)
    w = make_window(actor_for(Role.DISPATCHER))
    for case_id in (created.case_id, created.case_id + 1):  # the timeline read, and one that fails (no such case)
        release = threading.Event()
        w.executor.submit(lambda _s, e=release: e.wait(10))  # the worker is busy: the read waits behind it
        w.show_case_timeline(case_id)
        dialog = w.findChild(CaseTimelineDialog)
        assert dialog is not None
        dialog.reject()  # Esc
        qtbot.waitUntil(lambda: not w.findChildren(CaseTimelineDialog))  # deleted
        release.set()
        idle(w)  # the answer arrives for a window that is gone
