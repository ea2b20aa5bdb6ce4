"""The real program end to end: `main.py console --demo` started as a subprocess (offscreen, its own data
directory), driven through the test hook (docs/test-hook.md) by a script of keys as a nurse and then a
dispatcher would press them — a call taken, triaged and sent to väntrummet, the user switched, the case
dispatched with Shift+D — and the case found dispatched in the database afterwards.

Slow by nature (two windows, the simulator and the feed receiver start as they do for a user: ~15 s); every
wait polls a condition under a generous bound."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from records.db import make_engine, session_factory
from records.models import Assignment, Case, CommandLog, User

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "Testgatan 16"  # unique among the demo's calls: how the dispatcher finds the case in väntrummet
READY = "konsolen redo: demo.nurse"

FIRST_CALL = [
    # The nurse: a new case, the intake typed field by field, a known demo patient.
    {"keys": "Ctrl+N"}, {"wait": "statusMessage", "contains": "skapat"},
    {"focus": "caller"}, {"type": "Kalle Karlsson"},
    {"focus": "phone"}, {"type": "046-12 34 56"},
    {"focus": "address"}, {"type": ADDRESS},
    {"focus": "kommun"}, {"type": "Lund"}, {"keys": "Return"},
    {"focus": "patientName"}, {"type": "Cecilia Exempel"},
    {"focus": "personnummer"}, {"type": "19390307-9824"}, {"keys": "Tab"},
    # Triage by keyboard: the complaint by name, the first red flag answered yes (unconscious): Prio 1.
    {"keys": "Ctrl+T"}, {"type": "Bröst"}, {"keys": "Return"},
    {"wait": "questionText", "contains": "medvetslös"}, {"keys": "1"},
    {"wait": "questionText", "contains": "Triageringen är klar"},
    {"wait": "recommendedUnit", "contains": "➜"},
    {"keys": "Ctrl+Return"}, {"wait": "statusMessage", "contains": "skickat till väntrummet"},
    # The dispatcher takes over the console (Byt användare) and dispatches the recommended unit.
    {"keys": "Ctrl+Shift+L"},
    {"focus": "signInUser"}, {"type": "demo.dispatcher"},
    {"focus": "signInPassword"}, {"type": "demo-2026"}, {"keys": "Return"},
    {"select": "waitingRoom", "row_with": ADDRESS, "timeout_s": 60},
    {"wait": "recommendationTree", "contains": "★"},
    {"keys": "Shift+D"}, {"wait": "statusMessage", "contains": "Larmade"},
    {"quit": True},
]


def _wait_for(condition, timeout: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s; the console's log:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)


@pytest.mark.gui
@pytest.mark.zmq
def test_a_call_from_intake_to_dispatch_in_the_real_program(tmp_path: Path) -> None:
    script = tmp_path / "steg.json"
    script.write_text(json.dumps(FIRST_CALL, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LARMCENTRAL_")}
    env |= {"QT_QPA_PLATFORM": "offscreen", "LARMCENTRAL_DATA_DIR": str(tmp_path / "data"),
            "LARMCENTRAL_TEST_SCRIPT": str(script), "LARMCENTRAL_ALERT_SOUND": "0",
            "XDG_CONFIG_HOME": str(tmp_path / "config")}  # the window layout (QSettings) stays in tmp_path too
    log = tmp_path / "console.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "console", "--demo"], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its simulator and feed children in its own group
    try:
        _wait_for(lambda: READY in log.read_text(errors="replace") or proc.poll() is not None, 120,
                  "the console did not say it was ready", log)
        assert proc.poll() is None, log.read_text(errors="replace")
        _wait_for(lambda: proc.poll() is not None, 180, "the script did not finish", log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the process group this test started
            proc.wait(10)
    text = log.read_text(errors="replace")
    assert proc.returncode == 0 and "testskript klart" in text, text[-4000:]
    assert "Traceback" not in text, text[-4000:]

    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'larmcentral.sqlite3'}")
    try:
        with session_factory(engine)() as s:
            case = s.scalar(select(Case).where(Case.address == ADDRESS))
            assert case is not None and case.status == "assigned", case and case.status
            assert (case.priority, case.kommun, case.personnummer) == ("1", "Lund", "19390307-9824")
            assert s.scalars(select(Assignment).where(Assignment.case_id == case.id, Assignment.active)).all()
            by = {name: s.get(User, user_id).username for name, user_id in s.execute(
                select(CommandLog.name, CommandLog.user_id).where(CommandLog.case_id == case.id))}
            assert by.get("dispatch.assign") == "demo.dispatcher" and by.get("call.finish") == "demo.nurse", by
    finally:
        engine.dispose()


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: messages.append(text))
    return messages


def test_the_hook_is_refused_outside_demo_mode(qapp, data_dir: Path, monkeypatch, shown, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A console on a real centre's database is never driven by a file: it does not start, and opens nothing."""
    from console.app import run_console

    script = tmp_path / "steg.json"
    script.write_text('[{"keys": "Ctrl+N"}]', encoding="utf-8")
    monkeypatch.setenv("LARMCENTRAL_TEST_SCRIPT", str(script))
    assert run_console(demo=False, user="ssk.anna", role="nurse") == 2
    assert len(shown) == 1 and "LARMCENTRAL_TEST_SCRIPT gäller bara demoläget" in shown[0]
    assert not (data_dir / "larmcentral.sqlite3").exists()


@pytest.mark.parametrize(("content", "said"), [
    ("{inte json", "ingen giltig JSON"),
    ("[]", "minst ett steg"),
    ('[{"keys": "Ctrl+N"}, "Ctrl+T"]', "steg 2: ett steg ska vara ett JSON-objekt"),
    ('[{"press": "Ctrl+N"}]', "steg 1: ange exakt en av keys, type"),
    ('[{"keys": "Ctrl+N", "type": "x"}]', "steg 1: ange exakt en av"),
    ('[{"wait": "statusMessage"}]', "steg 1: wait behöver contains"),
    ('[{"keys": ""}]', "steg 1: '' är inga tangenter"),
    ('[{"focus": "caller", "timeout": 5}]', "steg 1: okänt fält 'timeout'"),
])
def test_a_bad_script_is_named_before_anything_opens(qapp, data_dir: Path, monkeypatch, shown, tmp_path,  # type: ignore[no-untyped-def]
                                                     content: str, said: str) -> None:
    from console.app import run_console

    script = tmp_path / "steg.json"
    script.write_text(content, encoding="utf-8")
    monkeypatch.setenv("LARMCENTRAL_TEST_SCRIPT", str(script))
    assert run_console(demo=True) == 2
    assert len(shown) == 1 and said in shown[0] and str(script) in shown[0], shown
    assert not (data_dir / "larmcentral.sqlite3").exists()
