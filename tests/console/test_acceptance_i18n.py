"""Qt's own texts are Swedish too, whatever the workstation's locale (here C.UTF-8 or en_US)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

from console.i18n import install_translators


def test_qt_own_texts_are_swedish_on_an_english_machine(qapp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("LARMCENTRAL_LANG", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    before = set(qapp.findChildren(QTranslator))
    loaded = install_translators(qapp)
    try:
        assert "qtbase_sv" in loaded
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Avbryt"
    finally:
        for t in set(qapp.findChildren(QTranslator)) - before:
            QApplication.removeTranslator(t)
