"""Qt's translation mechanism. The source strings are Swedish; a .qm file for another
language (e.g. console/i18n/larmcentral_en.qm, built with pyside6-lrelease) is loaded
when present and chosen by LARMCENTRAL_LANG. The default is Swedish whatever the machine's
locale: Qt's own texts (OK/Avbryt in input dialogs, context menus) must not come up in English on
a workstation set to C or en_US."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QTranslator
from PySide6.QtWidgets import QApplication

from resources.settings import load_settings

I18N_DIR = Path(__file__).with_name("i18n")
DEFAULT_LANGUAGE = "sv"  # resources.settings.Settings.lang


class KeyNames(QTranslator):
    """Key names as the F1 table, the buttons and the status texts spell them (console/shortcuts.py). Qt's
    Swedish translation says "Skift" and "Backsteg" in the menus' shortcuts (Ctrl+Skift+L) where everything
    else says Shift and Backspace: one spelling per key, whatever Qt's translators say."""

    KEEP = frozenset({"Shift", "Backspace"})

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        return source if context == "QShortcut" and source in self.KEEP else None

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


def install_translators(app: QApplication, language: str | None = None) -> list[str]:
    """Install Qt's own and the console's translators for `language` (default: LARMCENTRAL_LANG, else
    Swedish); returns what was loaded. A bad LARMCENTRAL_LANG raises SettingsError."""
    lang = language or load_settings().lang or DEFAULT_LANGUAGE
    loaded: list[str] = []
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        loaded.append(f"qtbase_{lang}")
        app.installTranslator(KeyNames(app))  # installed last, asked first
    ours = I18N_DIR / f"larmcentral_{lang}.qm"
    if ours.exists():
        tr = QTranslator(app)
        if tr.load(str(ours)):
            app.installTranslator(tr)
            loaded.append(ours.name)
    return loaded
