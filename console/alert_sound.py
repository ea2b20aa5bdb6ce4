"""Plays the alert sounds (console/sounds/*.wav) with Qt Multimedia's QSoundEffect.

Sound must never stop the console: where Qt Multimedia cannot be loaded (its libraries missing) or the machine has
no audio output, the alert is still shown and this says so once in the log. A muted console
(LARMCENTRAL_ALERT_SOUND=0) plays nothing. `played` counts the sounds asked for (what the tests read)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl

log = logging.getLogger("larmcentral.console.alerts")
SOUNDS = Path(__file__).with_name("sounds")


class AlertSound(QObject):
    def __init__(self, muted: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self.muted = muted
        self.played: list[str] = []  # the sounds asked for, in order (muted: none)
        self._effects: dict[str, Any] = {}
        self._broken = False  # Qt Multimedia could not be loaded: said once, not tried again
        self._no_output_told = False

    def preload(self, kinds: list[str]) -> None:
        """Load the sounds now (QSoundEffect prepares a sound ahead of time), so the first alert is heard at once."""
        if not self.muted:
            for kind in kinds:
                self._effect(kind)

    def play(self, kind: str) -> None:
        if self.muted:
            return
        self.played.append(kind)
        effect = self._effect(kind)
        if effect is None:
            return
        try:
            self._check_output()
            effect.play()
        except Exception:  # noqa: BLE001 - a sound that fails must not stop an alert from being shown
            log.exception("alert sound %s could not be played", kind)

    def _effect(self, kind: str) -> Any:
        if self._broken:
            return None
        if kind not in self._effects:
            try:
                from PySide6.QtMultimedia import QSoundEffect
            except Exception as exc:  # noqa: BLE001 - ImportError, or a missing system library (libpulse)
                self._broken = True
                log.warning("alert sounds off: Qt Multimedia could not be loaded (%s); alerts are shown only", exc)
                return None
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(SOUNDS / f"{kind}.wav")))
            effect.setVolume(1.0)
            self._effects[kind] = effect
        return self._effects[kind]

    def _check_output(self) -> None:
        if self._no_output_told:
            return
        from PySide6.QtMultimedia import QMediaDevices

        if not QMediaDevices.audioOutputs():
            self._no_output_told = True
            log.warning("alert sounds: this machine has no audio output; alerts are shown only")
