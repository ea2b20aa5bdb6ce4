"""The test hook (docs/test-hook.md): `LARMCENTRAL_TEST_SCRIPT` names a JSON file of steps that a demo console
plays once it is ready — keys pressed and text typed into the real widgets, as a user would, and waits on what
the screen shows — so a test can drive the real program, started as a subprocess, from intake to dispatch.

It is off unless the variable is set, and refused outside demo mode (a console on a centre's database is never
driven by a file; console.app checks that before anything is opened). It opens no socket and reads nothing
but the file; a `phone_position` step hands a caller's phone position to the console's PhonePositionWatch as if
the telephony integration had sent it (docs/phone-position.md), without a socket. Every step is logged
("testskript steg 3/12 klart: …"); a step that cannot be done in time ends the console with exit code 3, naming the
step and why."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QWidget,
)

from resources.location.phone_position import PhonePosition, PhonePositionError, parse_phone_position
from resources.os_errors import os_error_text

if TYPE_CHECKING:
    from console.phone_position_watch import PhonePositionWatch

log = logging.getLogger("larmcentral.console")

VERBS = ("keys", "type", "focus", "select", "wait", "phone_position", "quit")
PHONE_FIELDS = ("phone", "lat", "lon", "accuracy_m", "source", "at", "age_s")
OPTIONS = {"contains": str, "row_with": str, "timeout_s": (int, float)}
NEEDS = {"select": "row_with", "wait": "contains"}
DEFAULT_TIMEOUT_S = 30.0
POLL_MS = 50
EXIT_FAILED = 3


class ScriptError(ValueError):
    """A test script that cannot be read or played; the message is Swedish and names the file or the step."""


def load_script(path: Path) -> list[dict[str, Any]]:
    """The steps in `path`, checked before the console opens anything."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"testskriptet {path} kan inte läsas: {os_error_text(exc)}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScriptError(f"testskriptet {path} är ingen giltig JSON: {exc}") from None
    if not isinstance(data, list) or not data:
        raise ScriptError(f"testskriptet {path} ska vara en JSON-lista med minst ett steg")
    for i, step in enumerate(data, start=1):
        where = f"testskriptet {path}, steg {i}"
        if not isinstance(step, dict):
            raise ScriptError(f"{where}: ett steg ska vara ett JSON-objekt, t.ex. {{\"keys\": \"Ctrl+N\"}}")
        verbs = [k for k in step if k in VERBS]
        if len(verbs) != 1:
            raise ScriptError(f"{where}: ange exakt en av {', '.join(VERBS)}")
        verb = verbs[0]
        unknown = [k for k in step if k not in VERBS and k not in OPTIONS]
        if unknown:
            raise ScriptError(f"{where}: okänt fält {unknown[0]!r}")
        if verb == "phone_position":
            phone_position(step[verb], where)  # checked now, made again with the time it is played
        elif verb != "quit" and not isinstance(step[verb], str):
            raise ScriptError(f"{where}: {verb} ska vara en text")
        for key, kind in OPTIONS.items():
            if key in step and not isinstance(step[key], kind):
                raise ScriptError(f"{where}: {key} har fel typ")
        if verb in NEEDS and NEEDS[verb] not in step:
            raise ScriptError(f"{where}: {verb} behöver {NEEDS[verb]}")
        if verb == "keys" and QKeySequence(step["keys"]).isEmpty():
            raise ScriptError(f"{where}: {step['keys']!r} är inga tangenter (skriv t.ex. Ctrl+N eller Shift+D)")
    return data


def phone_position(value: Any, where: str) -> PhonePosition:
    """The step's position: the message's fields (docs/phone-position.md) with `at` (ISO 8601) or `age_s` (seconds
    before now, default 0) for when it was measured; checked by the same rules as a received message."""
    if not isinstance(value, dict):
        raise ScriptError(f"{where}: phone_position ska vara ett JSON-objekt, t.ex. {{\"phone\": \"0701234567\", "
                          "\"lat\": 55.605, \"lon\": 13.0038, \"accuracy_m\": 25}")
    unknown = [k for k in value if k not in PHONE_FIELDS]
    if unknown:
        raise ScriptError(f"{where}: okänt fält {unknown[0]!r} i phone_position (fält: {', '.join(PHONE_FIELDS)})")
    message = {k: v for k, v in value.items() if k != "age_s"}
    if "at" in value and "age_s" in value:
        raise ScriptError(f"{where}: ange at eller age_s i phone_position, inte båda")
    if "at" not in value:
        age = value.get("age_s", 0)
        if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 86_400:
            raise ScriptError(f"{where}: age_s i phone_position ska vara sekunder från 0 till 86400")
        message["at"] = (datetime.now(UTC) - timedelta(seconds=age)).isoformat()
    try:
        return parse_phone_position(json.dumps({"v": 1, **message}).encode())
    except PhonePositionError as exc:
        raise ScriptError(f"{where}: phone_position: {exc}") from None


def widget_text(w: QWidget) -> str:
    """What a user reads in `w`: a label's, a field's or a button's text, a list's or a table's rows."""
    if isinstance(w, QLabel | QAbstractButton | QLineEdit):
        return w.text()
    if isinstance(w, QComboBox):
        return w.currentText()
    if isinstance(w, QAbstractItemView) and w.model() is not None:
        return "\n".join(_row_text(w, r) for r in range(w.model().rowCount(w.rootIndex())))
    return ""


def _row_text(view: QAbstractItemView, row: int) -> str:
    m = view.model()
    return " | ".join(str(m.index(row, c, view.rootIndex()).data() or "") for c in range(m.columnCount()))


class ScriptRunner(QObject):
    """Plays the steps one after another on the console's event loop. Before each step the console must be idle
    (no database job under way) and the window or dialog the step is for active; each step is tried every 50 ms
    until it can be done or its time (`timeout_s`, 30 s by default) is up."""

    def __init__(self, steps: list[dict[str, Any]], window: Callable[[], QMainWindow | None],
                 busy: Callable[[], bool], parent: QObject | None = None, *,
                 phone_positions: PhonePositionWatch | None = None):
        super().__init__(parent)
        self.steps, self._window, self._busy = steps, window, busy
        self._phone_positions = phone_positions  # where a phone_position step's position goes
        self.index = 0
        self._deadline = 0.0
        self._why = ""

    def start(self) -> None:
        log.info("testskript: %d steg", len(self.steps))
        QTimer.singleShot(0, self._begin)

    def _begin(self) -> None:
        if self.index >= len(self.steps):
            log.info("testskript klart")
            return
        self._deadline = time.monotonic() + float(self.steps[self.index].get("timeout_s", DEFAULT_TIMEOUT_S))
        self._poll()

    def _poll(self) -> None:
        step = self.steps[self.index]
        try:
            done = self._try(step)
        except ScriptError as exc:
            self._fail(str(exc))
            return
        if done:
            log.info("testskript steg %d/%d klart: %s", self.index + 1, len(self.steps), json.dumps(step,
                                                                                                ensure_ascii=False))
            self.index += 1
            if "quit" in step:
                log.info("testskript klart")
            else:
                QTimer.singleShot(0, self._begin)
            return
        if time.monotonic() > self._deadline:
            self._fail(self._why or "tiden tog slut")
            return
        QTimer.singleShot(POLL_MS, self._poll)

    def _fail(self, why: str) -> None:
        log.error("testskript steg %d/%d misslyckades: %s (%s)", self.index + 1, len(self.steps), why,
                  json.dumps(self.steps[self.index], ensure_ascii=False))
        self._close_windows()
        QCoreApplication.exit(EXIT_FAILED)

    # --- one step ---------------------------------------------------------------------------------------
    def _try(self, step: dict[str, Any]) -> bool:
        if "quit" in step:
            self._close_windows()
            QCoreApplication.quit()
            return True
        if "phone_position" in step:  # the network's doing, not the user's: no window or idle console needed
            if self._phone_positions is None:
                raise ScriptError("konsolen tar inte emot telefonpositioner")
            self._phone_positions.inject(phone_position(step["phone_position"], f"steg {self.index + 1}"))
            return True
        if self._busy():
            self._why = "konsolen väntar fortfarande på databasen"
            return False
        target = self._target()
        if target is None:
            return False
        if "keys" in step:
            receiver = self._focus_in(target)
            for combo in QKeySequence(step["keys"]):
                QTest.keyClick(receiver, combo.key(), combo.keyboardModifiers())
            return True
        if "type" in step:
            self._type(self._focus_in(target), step["type"])
            return True
        name = step.get("focus") or step.get("select") or step["wait"]
        found = self._find(target, name)
        if found is None:
            self._why = f"ingen synlig {name!r} i {target.windowTitle()!r}"
            return False
        if "focus" in step:
            popup = QApplication.activePopupWidget()
            if popup is not None:  # closed as a click elsewhere closes it
                popup.hide()
            found.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        if "select" in step:
            return self._select(found, step["row_with"])
        text = widget_text(found)
        self._why = f"{name!r} visar {text[:200]!r}, inte {step['contains']!r}"
        return step["contains"] in text

    def _target(self) -> QWidget | None:
        """The dialog in front, else the signed-in user's window — made active first (the offscreen platform does
        not hand activation back when a dialog closes)."""
        target: QWidget | None = QApplication.activeModalWidget() or self._window()
        if target is None or not target.isVisible():
            self._why = "inget fönster visas"
            return None
        if QApplication.activeWindow() is not target:
            target.activateWindow()
            target.raise_()
            self._why = f"{target.windowTitle()!r} blir inte aktivt"
            return None
        return target

    @staticmethod
    def _focus_in(target: QWidget) -> QWidget:
        """Where a key press goes: an open popup (the address suggestions) takes the keyboard as it does a real one
        — it passes typing on to its field and keeps Down, Up and Enter — else the widget with focus."""
        popup = QApplication.activePopupWidget()
        if popup is not None and popup.isVisible():
            return popup
        focus = QApplication.focusWidget()
        return focus if focus is not None and (focus is target or target.isAncestorOf(focus)) else target

    @staticmethod
    def _find(target: QWidget, name: str) -> QWidget | None:
        if target.objectName() == name:
            return target
        popup = QApplication.activePopupWidget()  # a popup list is a window of its own, over the target
        if popup is not None and popup.isVisible() and popup.objectName() == name:
            return popup
        return next((w for w in target.findChildren(QWidget, name) if w.isVisible()), None)

    def _select(self, view: QWidget, text: str) -> bool:
        if not isinstance(view, QAbstractItemView) or view.model() is None:
            raise ScriptError(f"{view.objectName()!r} är ingen lista eller tabell")
        for row in range(view.model().rowCount(view.rootIndex())):
            if text in _row_text(view, row):
                view.setFocus(Qt.FocusReason.OtherFocusReason)
                view.setCurrentIndex(view.model().index(row, 0, view.rootIndex()))
                return True
        self._why = f"ingen rad med {text!r} i {view.objectName()!r}"
        return False

    @staticmethod
    def _type(receiver: QWidget, text: str) -> None:
        """Each character as a key press with its text (QTest.keyClicks types ASCII only: no å, ä, ö)."""
        for ch in text:
            key = (Qt.Key(ord(ch.upper())) if ch.isascii() and ch.isalnum()
                   else Qt.Key.Key_Space if ch == " " else Qt.Key.Key_unknown)
            for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
                QApplication.sendEvent(receiver, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))

    @staticmethod
    def _close_windows() -> None:
        """Close as the user would: every main window saves its layout and stops its feeds and database worker."""
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMainWindow) and w.isVisible():
                w.close()
