"""PostgreSQL: the application role reads and writes the clinical tables but can only read and append to
audit_log — refused UPDATE, DELETE and TRUNCATE by its grants alone, even with the triggers disabled —
and docs/database-roles.md shows exactly the statements records.roles runs."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from audit_helpers import audited_writes, run_cli
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from records.audit_verify import verify_database
from records.db import make_engine, migrate, session_factory
from records.roles import BadRoleName, app_role_grants, centre_setup, check_role_name
from resources.vocabulary import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "database-roles.md"


def test_the_document_shows_the_statements_the_code_runs() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for statement in app_role_grants("larmcentral_app") + centre_setup("larmcentral_owner", "larmcentral_app",
                                                                        "larmcentral"):
        assert statement + ";" in doc, f"docs/database-roles.md lacks: {statement}"


@pytest.mark.parametrize("name", ["", "App", "x; DROP TABLE cases", "1abc", "a" * 64, 'a"b'])
def test_role_names_are_checked_before_any_sql(name: str) -> None:
    with pytest.raises(BadRoleName):
        check_role_name(name)


@pytest.mark.postgres
def test_the_application_role_cannot_rewrite_the_audit_log(postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    owner = make_engine(postgres_url)
    migrate(owner)
    role = f"larm_app_{uuid.uuid4().hex[:10]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    app_url = make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    app = make_engine(app_url)
    try:
        granted = run_cli(postgres_url, tmp_path, "db", "grant-app-role", role)
        assert granted.returncode == 0, granted.stderr
        assert f"Rollen {role} har applikationens rättigheter" in granted.stdout

        # the product works as the application role: start (schema check), audited writes, verify
        migrate(app)
        db = session_factory(app)
        with db() as s, s.begin():
            from records.identity import provision_and_sign_in

            nurse = provision_and_sign_in(s, "ssk.app", Role.NURSE, display_name="App", console="k1")
        assert audited_writes(db, nurse, cases=2) > 0
        assert verify_database(app_url).ok
        with app.begin() as conn:  # the clinical tables are writable
            conn.execute(text("UPDATE cases SET caller_name = 'Ändrad' WHERE id = (SELECT min(id) FROM cases)"))

        for sql in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                    "ALTER TABLE audit_log DISABLE TRIGGER USER", "DROP TRIGGER audit_log_no_update_delete ON audit_log"]:
            with pytest.raises(DBAPIError, match="permission denied|must be owner"), app.begin() as conn:
                conn.execute(text(sql))

        # the grants table: rows may be added and revoked, never deleted, and its triggers stay the owner's
        for sql in ["DELETE FROM role_grants", "TRUNCATE role_grants", "DROP TRIGGER role_grants_history ON role_grants",
                    "ALTER TABLE role_grants DISABLE TRIGGER USER", "DELETE FROM command_log",
                    "UPDATE change_events SET topic = 'x'"]:
            with pytest.raises(DBAPIError, match="permission denied|must be owner"), app.begin() as conn:
                conn.execute(text(sql))
        with pytest.raises(DBAPIError, match="kan bara dras in"), app.begin() as conn:
            conn.execute(text("UPDATE role_grants SET role = 'admin'"))

        # even with the append-only triggers switched off by the owner, the grants alone refuse
        with owner.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for sql in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"]:
            with pytest.raises(DBAPIError, match="permission denied"), app.begin() as conn:
                conn.execute(text(sql))
        with owner.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        assert verify_database(postgres_url).ok
    finally:
        app.dispose()
        owner.dispose()
        cleanup = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with cleanup.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        cleanup.dispose()


@pytest.mark.postgres
def test_grant_app_role_refuses_a_bad_name_and_sqlite(postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = run_cli(postgres_url, tmp_path, "db", "grant-app-role", "x; DROP TABLE cases")
    assert done.returncode == 2 and "Ogiltigt rollnamn" in done.stderr and "Traceback" not in done.stderr
    done = run_cli(f"sqlite:///{tmp_path / 'l.sqlite3'}", tmp_path, "db", "grant-app-role", "larm_app")
    assert done.returncode == 1 and "bara på PostgreSQL" in done.stderr
