"""PostgreSQL roles for a centre: the statements docs/database-roles.md shows and `main.py db grant-app-role`
runs — one source, so the document, the command and the tests cannot disagree.

* The **owner role** owns the database and its tables and runs the migrations (`main.py db upgrade`).
  Its credentials stay with the people who run upgrades, not on the consoles.
* The **application role** is what the consoles, `feed serve` and the other commands connect as: it may
  read and write the clinical tables, but on audit_log only SELECT and INSERT — no UPDATE, DELETE or
  TRUNCATE — and it owns nothing, so it cannot drop the append-only triggers either.
"""

from __future__ import annotations

import re

from records.models import AuditEntry, Base, CaseNote, ChangeEvent, CommandLog, RoleGrant

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
AUDIT_TABLE = AuditEntry.__tablename__
# The application role may only read and add rows: the audit log, and the command log and change events
# (a command's record of having run, which idempotency and every console's change feed rely on), and the notes
# on cases (part of the clinical record: a correction is a new note).
APPEND_ONLY_TABLES = (AUDIT_TABLE, CommandLog.__tablename__, ChangeEvent.__tablename__, CaseNote.__tablename__)
# Tables whose rows the application may add and revoke but never delete (the grants' history; migration 0005's
# triggers also refuse any UPDATE but a revocation).
NO_DELETE_TABLES = (RoleGrant.__tablename__,)


class BadRoleName(ValueError):
    pass


def check_role_name(role: str) -> str:
    if not _IDENTIFIER.match(role):
        raise BadRoleName(f"Ogiltigt rollnamn {role!r}: använd gemena a–z, siffror och _ (högst 63 tecken, "
                          "börjar inte med en siffra).")
    return role


def clinical_tables() -> list[str]:
    """Every table of the schema except the append-only ones, in a stable order."""
    return sorted(t.name for t in Base.metadata.sorted_tables
                  if t.name not in APPEND_ONLY_TABLES and t.name not in NO_DELETE_TABLES)


def app_role_grants(role: str) -> list[str]:
    """GRANT/REVOKE statements that give an existing login role exactly the application's rights.

    Run as the owner after every `db upgrade` (a new table needs its grant); running them again is harmless.
    The REVOKE first takes away anything granted earlier by hand (e.g. ALL on audit_log)."""
    r = check_role_name(role)
    statements = [f"GRANT USAGE ON SCHEMA public TO {r}"]
    statements += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {t} TO {r}" for t in clinical_tables()]
    for t in APPEND_ONLY_TABLES:
        statements += [f"REVOKE ALL ON TABLE {t} FROM {r}", f"GRANT SELECT, INSERT ON TABLE {t} TO {r}"]
    for t in NO_DELETE_TABLES:
        statements += [f"REVOKE ALL ON TABLE {t} FROM {r}", f"GRANT SELECT, INSERT, UPDATE ON TABLE {t} TO {r}"]
    statements += [
        f"GRANT SELECT ON TABLE alembic_version TO {r}",  # the product checks the schema version at start
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {r}",  # ids of new rows (nextval)
    ]
    return statements


def centre_setup(owner: str, app: str, database: str) -> list[str]:
    """What a superuser runs once, connected to the `postgres` database, when a centre is set up. Passwords
    are set separately (`\\password ROLE` in psql), never in files. On PostgreSQL 15 and later the public
    schema belongs to the database owner and nobody else may create in it, so nothing more is needed."""
    o, a, d = check_role_name(owner), check_role_name(app), check_role_name(database)
    return [
        f"CREATE ROLE {o} LOGIN",
        f"CREATE ROLE {a} LOGIN",
        f"CREATE DATABASE {d} OWNER {o}",
        f"REVOKE ALL ON DATABASE {d} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {a}",
    ]
