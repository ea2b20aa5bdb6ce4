"""Start the console: database, sign-in, main window. Also the screenshot command."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from console.fleet_model import FleetTableModel
from console.main_window import MainWindow
from console.sign_in import SignInDialog
from console.theme import apply_dark_theme
from records.db import database_url, open_database, transaction
from records.demo import seed_demo
from records.users import sign_in
from resources.datafile import DataFileError
from resources.fleet import default_fleet
from resources.geography import default_geography
from resources.palette import default_palette
from resources.vocabulary import Role


def _app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Larmcentral Skåne")
    app.setOrganizationName("Region Skåne")
    apply_dark_theme(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def build_window(demo: bool, user: str | None, role: str | None) -> MainWindow | None:
    """Load data, open the database, sign in. None if the user cancels."""
    palette, fleet, geo = default_palette(), default_fleet(), default_geography()
    _, factory = open_database()
    if demo:
        with transaction(factory) as session:
            seed_demo(session)
    chosen_role = Role(role) if role else (Role.DISPATCHER if demo else None)
    if demo and user is None:
        user = "demo.operator"
    if not demo or user is None:
        dlg = SignInDialog(user, chosen_role)
        if dlg.exec() != SignInDialog.DialogCode.Accepted:
            return None
        user, chosen_role = dlg.chosen()
    assert user is not None and chosen_role is not None
    with transaction(factory) as session:
        actor = sign_in(session, user, chosen_role)
    delregion_of = {k.name: k.delregion for k in geo.kommuner}
    model = FleetTableModel.from_fleet(fleet, palette, delregion_of)
    url = database_url()
    return MainWindow(actor, "SQLite (lokal)" if url.startswith("sqlite") else "PostgreSQL", model)


def run_console(demo: bool = False, user: str | None = None, role: str | None = None) -> int:
    app = _app()
    try:
        window = build_window(demo, user, role)
    except DataFileError as exc:
        QMessageBox.critical(None, "Larmcentral Skåne", f"Konsolen kan inte starta: en datafil är trasig.\n\n{exc}")
        print(exc, file=sys.stderr)
        return 2
    if window is None:
        return 1
    window.show()
    return app.exec()


def take_screenshots(directory: Path) -> int:
    app = _app()
    directory.mkdir(parents=True, exist_ok=True)
    window = build_window(True, None, None)
    assert window is not None
    window.show()
    QTimer.singleShot(300, app.quit)
    app.exec()
    window.grab().save(str(directory / "01-oversikt.png"))
    print(f"Skrev skärmbilder till {directory}")
    return 0
