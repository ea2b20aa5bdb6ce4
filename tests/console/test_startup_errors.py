"""The console refuses to start with a clear Swedish message, not a traceback, when its environment is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from console.app import run_console


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    messages: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: messages.append(text))
    return messages


def test_unreachable_database_is_named(qapp, data_dir: Path, monkeypatch, shown, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{data_dir}"  # a directory where the file should be: SQLite cannot open it
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    assert run_console(demo=False, user="ssk.anna", role="nurse") == 2
    assert shown and shown[0].startswith("Konsolen kan inte starta: databasen kan inte nås") and url in shown[0]
    assert "databasen kan inte nås" in capsys.readouterr().err


def test_a_database_file_in_a_missing_directory_names_the_directory(  # type: ignore[no-untyped-def]
        qapp, data_dir: Path, monkeypatch, shown) -> None:
    monkeypatch.setenv("LARMCENTRAL_DB_URL", f"sqlite:///{data_dir / 'finns-inte' / 'larm.sqlite3'}")
    assert run_console(demo=False, user="ssk.anna", role="nurse") == 2
    assert "en inställning är felaktig" in shown[0] and f"katalogen {data_dir / 'finns-inte'}" in shown[0]


def test_bad_setting_is_named(qapp, data_dir: Path, monkeypatch, shown) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_WAIT_TARGETS", "1=tio")
    assert run_console(demo=True, user="usk.bo", role="dispatcher") == 2
    assert "en inställning är felaktig" in shown[0] and "LARMCENTRAL_WAIT_TARGETS" in shown[0] and "'1=tio'" in shown[0]


@pytest.mark.parametrize(("variable", "value"), [
    ("LARMCENTRAL_OUTCOMES_FOLLOWUP_HOURS", "notjson"),
    ("LARMCENTRAL_DB_URL", "garbage"),
    ("LARMCENTRAL_LANG", "svenska!"),
    ("LARMCENTRAL_DB_STATEMENT_TIMEOUT_S", "-5"),
])
def test_every_setting_is_checked_before_anything_opens(qapp, data_dir: Path, monkeypatch, shown, capsys,  # type: ignore[no-untyped-def]
                                                         variable: str, value: str) -> None:
    """A bad value anywhere in the environment stops the console at once: dialog and stderr, exit code 2,
    no database file created."""
    monkeypatch.setenv(variable, value)
    assert run_console(demo=True, user="usk.bo", role="dispatcher") == 2
    assert len(shown) == 1 and "en inställning är felaktig" in shown[0]
    assert f"{variable}={value!r} är ogiltigt" in shown[0]
    err = capsys.readouterr().err
    assert f"{variable}={value!r}" in err and "Traceback" not in err
    assert not (data_dir / "larmcentral.sqlite3").exists()


def test_a_data_dir_that_is_a_file_is_named(qapp, tmp_path: Path, monkeypatch, shown) -> None:  # type: ignore[no-untyped-def]
    a_file = tmp_path / "data"
    a_file.write_text("en fil\n", encoding="utf-8")
    monkeypatch.setenv("LARMCENTRAL_DATA_DIR", str(a_file))
    assert run_console(demo=True, user="usk.bo", role="dispatcher") == 2
    assert f"LARMCENTRAL_DATA_DIR={str(a_file)!r} är ogiltigt: det är en fil" in shown[0]


def test_demo_mode_refuses_a_database_with_real_users(qapp, data_dir: Path, monkeypatch, shown) -> None:  # type: ignore[no-untyped-def]
    """`--demo` writes known passwords and fictitious patients: never into a centre's database."""
    from sqlalchemy import func, select

    from records.db import open_database, transaction
    from records.identity import provision
    from records.models import Patient, User
    from resources.vocabulary import Role

    url = f"sqlite:///{data_dir / 'centre.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    engine, factory = open_database(url)
    with transaction(factory) as s:
        provision(s, "admin.anna", {Role.ADMIN})
    assert run_console(demo=True, role="admin") == 2
    assert "Demoläget körs bara på en demodatabas" in shown[0] and "admin.anna" in shown[0]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.username.like("demo.%"))) == 0
        assert s.scalar(select(func.count()).select_from(Patient)) == 0
    engine.dispose()


def test_without_a_display_the_console_says_so_instead_of_a_qt_plugin_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["LARMCENTRAL_DB_URL"] = f"sqlite:///{tmp_path / 'never.sqlite3'}"
    done = subprocess.run([sys.executable, "main.py", "console", "--demo"], cwd=Path(__file__).resolve().parents[2],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "ingen skärm hittades" in done.stderr and "xcb" not in done.stderr
    assert not (tmp_path / "never.sqlite3").exists()  # nothing was opened or written


def test_display_problem_is_only_about_linux_without_any_display() -> None:
    from console.app import display_problem

    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None
