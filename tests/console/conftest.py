"""Console test fixtures: a temp data dir and database per test, signed-in actors, a window
factory, and an autouse check that no test leaves a QThread running (napari's habit)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThread

from records.actor import Actor
from records.db import make_engine, migrate, session_factory, transaction
from records.demo import seed_demo
from records.identity import provision_and_sign_in
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset
from triage_rules.schema import RuleSet

MINI_RULESET = Path(__file__).with_name("data") / "mini_ruleset.yaml"

_started: list[QThread] = []
_original_start = QThread.start


def _tracking_start(self: QThread, *args, **kwargs):  # type: ignore[no-untyped-def]
    _started.append(self)
    return _original_start(self, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_qthread_left_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a QThread running (every QThread started in it must be stopped)."""
    monkeypatch.setattr(QThread, "start", _tracking_start)
    _started.clear()
    yield
    running = [t.objectName() or type(t).__name__ for t in _started if _alive(t)]
    _started.clear()
    if running:
        pytest.fail(f"test left QThread(s) running: {running}")


@pytest.fixture(autouse=True)
def look_restored(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """What a test does to the application's look stays in that test: run_console applies the dark theme (11 pt
    base font, stylesheet) to the one QApplication of the run, and the layout tests after it — which fit widths in
    pixels — would measure with that font, or not, depending on the order the tests ran in."""
    font, sheet, palette, style = qapp.font(), qapp.styleSheet(), qapp.palette(), qapp.style().name()
    yield
    if qapp.style().name() != style:
        qapp.setStyle(style)
    if qapp.styleSheet() != sheet:
        qapp.setStyleSheet(sheet)
    if qapp.font() != font:
        qapp.setFont(font)
    if qapp.palette() != palette:
        qapp.setPalette(palette)


def _alive(t: QThread) -> bool:
    try:
        return t.isRunning()
    except RuntimeError:  # the C++ object is gone: not running
        return False


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LARMCENTRAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LARMCENTRAL_DB_URL", raising=False)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    return tmp_path


@pytest.fixture
def factory(data_dir: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{data_dir / 'larmcentral.sqlite3'}")
    migrate(engine)
    f = session_factory(engine)
    with transaction(f) as s:
        seed_demo(s)
    yield f
    engine.dispose()


@pytest.fixture
def actor_for(factory) -> Callable[[Role, str | None], Actor]:  # type: ignore[no-untyped-def]
    def make(role: Role, username: str | None = None) -> Actor:
        with transaction(factory) as s:
            return provision_and_sign_in(s, username or f"test.{role.value}", role, console="test-konsol")

    return make


@pytest.fixture(scope="session")
def mini_ruleset() -> RuleSet:
    return load_ruleset(MINI_RULESET)


@pytest.fixture
def settings(data_dir: Path) -> QSettings:
    return QSettings(str(data_dir / "console.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, factory, mini_ruleset, settings):  # type: ignore[no-untyped-def]
    """make_window(actor, **build_main_window options) -> a MainWindow on the test database, feeds off
    unless `live_feeds` is given; shut down afterwards."""
    from console.app import build_main_window

    windows = []

    def make(actor: Actor, ruleset: RuleSet | None = None, **options):  # type: ignore[no-untyped-def]
        options.setdefault("feeds", options.get("live_feeds") is not None)
        w = build_main_window(actor, factory, ruleset=ruleset or mini_ruleset, settings=settings, **options)
        qtbot.addWidget(w)
        with qtbot.waitActive(w):
            w.show()
            w.activateWindow()
        windows.append(w)
        return w

    yield make
    for w in windows:
        if w.executor._worker.isRunning():
            w.shutdown()


@pytest.fixture
def idle(qtbot):  # type: ignore[no-untyped-def]
    """idle(window): wait until the window's database executor has delivered every job."""

    def wait(window) -> None:  # type: ignore[no-untyped-def]
        qtbot.waitUntil(lambda: not window.executor.busy, timeout=10000)

    return wait
