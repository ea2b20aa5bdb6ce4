"""Migrations that cannot destroy silently: `main.py db downgrade` needs an explicit revision, counts what
it would drop and refuses (changing nothing) unless --yes-destroy-data; a downgrade that drops data says so.
Every migration declares what its downgrade drops, and the declaration is checked against what it does."""

from __future__ import annotations

import re

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from audit_helpers import audited_writes, run_cli
from sqlalchemy import Engine, inspect, text

from records.db import alembic_config, downgrade, make_engine, migrate, session_factory, table_names


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in sorted(table_names(engine))}


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_downgrade_without_a_revision_refuses(db_url: str, engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli(db_url, tmp_path, "db", "downgrade")
    assert done.returncode == 2 and "--revision" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert _revision(engine) == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert "audit_log" in table_names(engine)


def test_a_downgrade_that_would_drop_data_refuses_with_the_counts(db_url: str, engine: Engine, make_actor,
                                                                   tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = session_factory(engine)
    entries = audited_writes(db, make_actor(db), cases=3) + 1
    head, before = _revision(engine), _counts(engine)

    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "0002")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"audit_log (kolumnerna prev_hash, hash): {entries} rader" in done.stderr
    assert "--yes-destroy-data" in done.stderr and "Inget har ändrats" in done.stderr

    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "base")
    assert done.returncode == 1
    assert f"  audit_log: {entries} rader" in done.stderr and "  cases: 3 rader" in done.stderr
    assert "  users: 1 rader" in done.stderr and "ruleset_versions" not in done.stderr  # empty tables are not listed
    assert "prev_hash" not in done.stderr  # the whole table goes: its columns are not counted twice
    assert "Traceback" not in done.stderr and done.stdout == ""

    assert _revision(engine) == head and _counts(engine) == before
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:  # the triggers are still there
        conn.execute(text("DELETE FROM audit_log"))


def test_with_yes_destroy_data_it_proceeds_and_says_what_was_dropped(db_url: str, engine: Engine, make_actor,
                                                                      tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = session_factory(engine)
    entries = audited_writes(db, make_actor(db), cases=2) + 1
    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "0002", "--yes-destroy-data")
    assert done.returncode == 0, done.stderr
    assert f"audit_log (prev_hash, hash): {entries} rader raderades" in done.stdout
    assert _revision(engine) == "0002"
    assert {c["name"] for c in inspect(engine).get_columns("audit_log")} & {"prev_hash", "hash"} == set()

    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "base", "--yes-destroy-data")
    assert done.returncode == 0, done.stderr
    assert re.search(rf"audit_log: {entries} rader raderades", done.stdout)
    assert table_names(engine) - {"alembic_version"} == set()


def test_a_downgrade_that_drops_nothing_needs_no_flag(db_url: str, engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "0001")
    assert done.returncode == 0, done.stderr
    assert "Ingen data raderades" in done.stdout and _revision(engine) == "0001"
    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "0001")
    assert done.returncode == 0 and "inget att nedgradera" in done.stdout
    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "0003")  # above the current one
    assert done.returncode == 1 and "Traceback" not in done.stderr and "0003" in done.stderr
    done = run_cli(db_url, tmp_path, "db", "downgrade", "--revision", "finns-inte")
    assert done.returncode == 1 and "finns-inte" in done.stderr and "Traceback" not in done.stderr


def test_every_migration_declares_exactly_what_its_downgrade_drops(sqlite_db) -> None:  # type: ignore[no-untyped-def]
    engine: Engine = sqlite_db.kw["bind"]
    script = ScriptDirectory.from_config(alembic_config(engine))
    for rev in reversed(list(script.walk_revisions())):  # oldest first; the database is at head
        declared = getattr(rev.module, "DESTROYS", None)
        assert declared is not None, f"migration {rev.revision} has no DESTROYS"
    for rev in script.walk_revisions():  # newest first: undo one at a time
        migrate(engine, rev.revision)
        tables = table_names(engine)
        columns = {t: {c["name"] for c in inspect(engine).get_columns(t)} for t in tables}
        downgrade(engine, rev.down_revision or "base")
        after = table_names(engine)
        dropped_columns = {t: sorted(columns[t] - {c["name"] for c in inspect(engine).get_columns(t)})
                           for t in after & tables}
        declared = rev.module.DESTROYS
        assert sorted(tables - after) == sorted(declared["tables"]), rev.revision
        assert {t: c for t, c in dropped_columns.items() if c} == \
            {t: sorted(c) for t, c in declared["columns"].items()}, rev.revision
