"""The "Planering" view (RLS physicians and administrators): a finished region-replay comparison — the KPI table with
the variants as columns beside the report's estimates, and its PDF a click away. It only reads what `main.py replay
compare` wrote (replay.comparison); a year is never run here. The comparison opened first is the latest under the
data directory's replay/ folder; another is chosen with a directory dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console.planning.model import COL_KPI, SORT_ROLE, PlanningModel
from console.stats.sorted_table import sorted_table
from replay.comparison import FinishedComparison, NoComparison, latest_comparison, read_comparison, seeds_text
from resources.paths import data_dir
from resources.settings import SettingsError


def replay_root() -> Path:
    """Where `replay compare` results are looked for first: <data dir>/replay."""
    return data_dir() / "replay"


class PlanningWorkspace(QWidget):
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, root: Path | None = None,
                 open_url: Callable[[QUrl], object] = QDesktopServices.openUrl) -> None:
        super().__init__(parent, objectName="planningWorkspace")
        self._root = root
        self.open_url = open_url
        self.comparison: FinishedComparison | None = None
        title = QLabel(self.tr("Planering: simulerat år för regionen"), objectName="sectionTitle")
        self.source = QLabel(objectName="planningSource")
        self.source.setWordWrap(True)
        self.choose = QPushButton(self.tr("Öppna jämförelse…"), objectName="planningChoose")
        self.choose.clicked.connect(self.choose_directory)
        self.latest = QPushButton(self.tr("Senaste"), objectName="planningLatest")
        self.latest.clicked.connect(self.open_latest)
        self.pdf = QPushButton(self.tr("Öppna PDF"), objectName="planningPdf")
        self.pdf.clicked.connect(self.open_pdf)
        self.pdf.setEnabled(False)
        self.note = QLabel(objectName="planningNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8b949e;")
        self.model = PlanningModel()
        self.proxy, self.table = sorted_table(self.model, sort_role=SORT_ROLE, sort_column=COL_KPI,
                                              object_name="planningTable", parent=self)
        bar = QHBoxLayout()
        bar.addWidget(title)
        bar.addStretch(1)
        for w in (self.latest, self.choose, self.pdf):
            bar.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.source)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)

    def root(self) -> Path | None:
        if self._root is not None:
            return self._root
        try:
            return replay_root()
        except SettingsError as exc:  # the data directory cannot be made: said, the view stays empty
            self.message.emit(str(exc))
            return None

    def refresh(self) -> None:
        """F5: the comparison shown read again, or the latest one when none is."""
        if self.comparison is not None:
            self.open_directory(self.comparison.directory)
        else:
            self.open_latest()

    def open_latest(self) -> None:
        root = self.root()
        found = latest_comparison(root) if root is not None else None
        if found is None:
            self._show_none(self.tr("Ingen färdig jämförelse finns under %s. Kör 'main.py replay compare --out "
                                    "%s/<namn>' eller välj en katalog med Öppna jämförelse….") % (root, root))
            return
        self.open_directory(found)

    def choose_directory(self) -> None:
        start = str(self.comparison.directory if self.comparison else (self.root() or Path.home()))
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Välj en jämförelse (katalog)"), start)
        if chosen:
            self.open_directory(Path(chosen))

    def open_directory(self, directory: Path) -> None:
        try:
            comparison = read_comparison(directory)
        except NoComparison as exc:
            self._show_none(str(exc))
            return
        self.comparison = comparison
        self.model.set_rows(comparison.rows)
        self.table.resizeColumnsToContents()
        m = comparison.manifest
        seeds = m.get("seeds")
        seed_list = [int(s) for s in seeds] if isinstance(seeds, list) else []
        self.source.setText(self.tr("%s · varianter %s · frön %s · %s dygn · regelverk %s · skapad %s") % (
            comparison.directory, ", ".join(comparison.variants), seeds_text(seed_list) or "–", m.get("days", "–"),
            m.get("ruleset_version", "–"), m.get("created_at", "–")))
        self.pdf.setEnabled(comparison.pdf is not None)
        self.note.setText(self.tr(
            "Medel över frön med 95 %% konfidensintervall; \"per år\" är uppräknat till 365 dygn. Rapportens "
            "skattningar (Region Skånes kartläggning 2022) visas bredvid och används aldrig för kalibrering.%s")
            % ("" if comparison.pdf else self.tr(" PDF:en saknas i katalogen.")))

    def _show_none(self, text: str) -> None:
        self.comparison = None
        self.model.set_rows([])
        self.pdf.setEnabled(False)
        self.source.setText(text)
        self.note.setText("")

    def open_pdf(self) -> None:
        pdf = self.comparison.pdf if self.comparison else None
        if pdf is None:
            self.message.emit(self.tr("Jämförelsen har ingen PDF."))
            return
        if not self.open_url(QUrl.fromLocalFile(str(pdf))):
            self.message.emit(self.tr("PDF:en kunde inte öppnas: %s") % pdf)
