"""pytest-qt's qtmodeltester on every Qt model of the console, populated with real data: the demo's scripted
calls (cases in every state, follow-ups, reviews, outcomes) read by each role's real window, and every model
a view in it shows — proxies and their sources — checked. A model class added to console/ without a check
here (or in the test named in ELSEWHERE) fails the last test."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QAbstractProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView

import console
from console.demo_cases import seed_demo_cases
from outcomes.system_jobs import FEED_USER, provision_system_user
from records.db import make_engine, migrate, session_factory, transaction
from records.demo import DEMO_USERS, seed_demo, seed_demo_users
from records.identity import provision_and_sign_in
from records.tokens import create_token, new_token, token_hash
from resources.vocabulary import Role
from triage_rules.loader import load_ruleset

# What each role's window must show filled from the demo data (class names; the statistics' table is a plain
# QSortFilterProxyModel over QualityModel).
EXPECTED = {
    Role.NURSE: {"FollowUpModel", "WaitingRoomModel", "QualityModel", "QSortFilterProxyModel"},
    Role.DISPATCHER: {"WaitingRoomModel", "QualityModel"},
    Role.PHYSICIAN: {"ReviewQueueModel", "WaitingRoomModel", "QualityModel"},
    Role.ADMIN: {"UsersModel", "TokensModel", "QualityModel", "QSortFilterProxyModel"},
}
# Checked with qtmodeltester on real data in their own tests: the search and timeline dialogs' models (real search
# results, a real timeline), and the fleet board's (the whole default fleet, live from the real FleetState:
# hundreds of rows, seconds per check, so not again here).
ELSEWHERE = {"SearchHitsModel": "tests/console/test_case_search_console.py",
             "TimelineModel": "tests/console/test_case_search_console.py",
             "FleetTableModel": "tests/console_dispatch/test_fleet_board.py",
             "FleetFilterProxy": "tests/console_dispatch/test_fleet_board.py",
             "TeamModel": "tests/console/test_stats_teams.py",
             # a finished region-replay comparison written by replay's own writer (the demo has none)
             "PlanningModel": "tests/console/test_planning.py"}
ABSTRACT = {"RowTableModel"}  # the shared base; only its subclasses hold rows


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the demo's scripted calls, made once for this module (1–2 s) and copied per test."""
    path = tmp_path_factory.mktemp("demo") / "larmcentral.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    f = session_factory(engine)
    with transaction(f) as s:
        seed_demo(s)
        seed_demo_users(s)
        provision_system_user(s, FEED_USER)
        admin = provision_and_sign_in(s, "test.admin", Role.ADMIN, console="test-konsol")
        create_token(s, admin, FEED_USER, "flödet", token_hash(new_token()))
    seed_demo_cases(f, load_ruleset())
    engine.dispose()
    return path


@pytest.fixture
def factory(data_dir: Path, demo_db: Path) -> Iterator[object]:
    """This module's database: a copy of the demo one (overrides the console tests' empty one)."""
    shutil.copy(demo_db, data_dir / "larmcentral.sqlite3")
    engine = make_engine(f"sqlite:///{data_dir / 'larmcentral.sqlite3'}")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def model_tester(request):  # type: ignore[no-untyped-def]
    """A fresh pytest-qt ModelTester per model (the `qtmodeltester` fixture is one tester: checking a second model
    with it leaves it listening to the first, whose resets it then takes for its own)."""
    from pytestqt.modeltest import ModelTester

    made: list[ModelTester] = []

    def check(model: QAbstractItemModel, force_py: bool) -> None:
        made.append(ModelTester(request.config))
        made[-1].check(model, force_py=force_py)

    yield check
    for tester in made:
        tester._cleanup()


def _models_shown(window) -> list[QAbstractItemModel]:  # type: ignore[no-untyped-def]
    """Every console model a view in the window shows, each proxy followed down to its source."""
    found: list[QAbstractItemModel] = []
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        while model is not None and model not in found:
            found.append(model)
            model = model.sourceModel() if isinstance(model, QAbstractProxyModel) else None
    # a proxy over a model checked elsewhere is checked there too (the Planering table's, empty in the demo)
    return [m for m in found if type(m).__name__ not in ELSEWHERE and not (
        isinstance(m, QAbstractProxyModel) and type(m.sourceModel()).__name__ in ELSEWHERE) and (
        type(m).__module__.startswith("console.")
        or (isinstance(m, QAbstractProxyModel) and type(m.sourceModel()).__module__.startswith("console.")))]


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda r: r.value)
def test_every_model_a_role_sees_passes_qtmodeltester(qtbot, model_tester, qtlog, make_window, actor_for,  # type: ignore[no-untyped-def]
                                                      idle, role):
    w = make_window(actor_for(role, DEMO_USERS[role][0]), ruleset=load_ruleset())
    stats = w.workspaces["stats"]
    stats.period.setCurrentIndex(stats.period.findData(7))  # a week: the demo's calls whatever the hour
    stats.refresh()
    w.refresh()  # F5: every workspace reads (the dispatch view's own start is left out with the feeds)
    idle(w)

    def filled() -> bool:
        shown = {type(m).__name__: m for m in _models_shown(w)}
        return EXPECTED[role] <= shown.keys() and all(shown[n].rowCount() > 0 for n in EXPECTED[role])

    qtbot.waitUntil(filled, timeout=10000)
    for model in _models_shown(w):
        for force_py in (False, True):  # Qt's own QAbstractItemModelTester, and pytest-qt's Python one
            model_tester(model, force_py)  # checks now and on every change that follows
            if hasattr(model, "tick"):
                model.tick()  # the clock runs: waiting times and overdue marks change
            if isinstance(model, QAbstractProxyModel):
                model.sort(1, Qt.SortOrder.DescendingOrder)  # sorted by another column, as a user does
            w.refresh()  # F5: every workspace reads again (models reset or updated)
            idle(w)
    failures = [r.message for r in qtlog.records if "FAIL!" in r.message]  # how Qt's tester reports
    assert not failures, failures


def _console_models() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(console.__path__, "console."):
        if info.name.endswith(("__main__", ".generate")):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, QAbstractItemModel) and cls.__module__ == info.name:
                names.add(name)
    return names


def test_every_model_class_of_the_console_is_checked() -> None:
    checked = set().union(*EXPECTED.values()) - {"QSortFilterProxyModel"}
    unchecked = _console_models() - checked - ELSEWHERE.keys() - ABSTRACT
    assert not unchecked, f"models without a qtmodeltester check: {sorted(unchecked)}"
    root = Path(__file__).resolve().parents[2]
    for name, test in ELSEWHERE.items():
        assert "qtmodeltester.check" in (root / test).read_text(encoding="utf-8"), (name, test)
