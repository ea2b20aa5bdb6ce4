"""Migration 0008 (case notes), on SQLite and PostgreSQL: cases written before it get an empty notes table, a
downgrade that would drop notes names them (and is refused by `db downgrade` unless told), the way down leaves
the cases untouched and the way up again works."""

from __future__ import annotations

from sqlalchemy import inspect, text

from commands import AddCaseNote, run
from records.db import downgrade, make_engine, migrate, session_factory
from records.downgrade_guard import plan_downgrade


def _old_case(engine) -> int:  # type: ignore[no-untyped-def]
    """A case written before 0008 (no explicit ids: PostgreSQL's sequences must stay in step for what follows)."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (username, display_name, role, active, created_at, auth_source, "
                          "failed_logins) VALUES ('ssk.anna', 'Anna', 'nurse', true, '2026-11-01 08:00:00+00', "
                          "'local', 0)"))
        conn.execute(text("INSERT INTO cases (status, created_at, created_by, updated_at, caller_name, "
                          "callback_phone, address, patient_name, flags, row_version) SELECT 'waiting', "
                          "'2026-11-01 08:00:00+00', id, '2026-11-01 08:00:00+00', '', '', 'Storgatan 1', '', '[]', 1 "
                          "FROM users WHERE username = 'ssk.anna'"))
        return int(conn.scalar(text("SELECT max(id) FROM cases")))


def test_migration_0008_adds_the_notes_table_and_its_downgrade_names_what_it_drops(empty_db_url: str,
                                                                                    make_actor) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(empty_db_url)
    try:
        migrate(engine, "0007")
        case_id = _old_case(engine)
        migrate(engine, "0008")
        assert {c["name"] for c in inspect(engine).get_columns("case_notes")} == {
            "id", "case_id", "text", "written_at", "recorded_at", "user_id", "role"}
        assert "ix_case_notes_case_id" in {i["name"] for i in inspect(engine).get_indexes("case_notes")}
        migrate(engine)  # the newest schema, whatever came after 0008
        db = session_factory(engine)
        run(db, make_actor(db, "ssk.bo"), AddCaseNote(case_id=case_id, text="Portkod 1234"))

        plan = plan_downgrade(engine, "0007")
        assert [loss.label() for loss in plan.losses if loss.table == "case_notes"] == ["case_notes: 1 rader"]
        downgrade(engine, "0007")
        assert "case_notes" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, status, address FROM cases")).all() == [(case_id, "waiting", "Storgatan 1")]
        migrate(engine)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM case_notes")) == 0
    finally:
        engine.dispose()
