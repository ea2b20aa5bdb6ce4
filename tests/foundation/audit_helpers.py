"""Shared by the audit-log and downgrade tests: real audited writes, the CLI through its entry point, and
changing a row behind the product's back."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

import larmcentral_cli
from records.actor import Actor
from records.audit import audit
from records.cases import CaseIntake, create_case


def audited_writes(db: sessionmaker[Session], actor: Actor, cases: int = 3) -> int:
    """A few real audited transactions (create_case audits itself); returns how many entries they wrote."""
    with db() as s, s.begin():
        before = s.scalar(text("SELECT count(*) FROM audit_log"))
    for i in range(cases):
        with db() as s, s.begin():
            case = create_case(s, actor, CaseIntake(caller_name=f"Uppringare {i}", kommun="Lund"))
            audit(s, actor, "case.read", case.id, note="å ä ö – granskning", n=i, nested={"b": 1, "a": [1.5, None]})
    with db() as s, s.begin():
        return int(s.scalar(text("SELECT count(*) FROM audit_log"))) - int(before)


def run_cli(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`main.py ARGS` through the command line's own entry point, in this process, with only these LARMCENTRAL_*
    variables set; stdout, stderr and the exit code come back as from a process (one process per call cost about
    two seconds each). An exception the command line lets through fails the test, as a traceback would."""
    env = {"LARMCENTRAL_DB_URL": db_url, "LARMCENTRAL_DATA_DIR": str(tmp_path / "cli-data")}
    saved = {k: v for k, v in os.environ.items() if k.upper().startswith("LARMCENTRAL_")}
    out, err = io.StringIO(), io.StringIO()
    try:
        for key in saved:
            del os.environ[key]
        os.environ.update(env)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = larmcentral_cli.main(list(args))
            except SystemExit as exc:  # argparse's refusals
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        for key in env:
            os.environ.pop(key, None)
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def behind_the_products_back(db_url: str, sql: str, params: dict | None = None) -> None:  # type: ignore[type-arg]
    """Run `sql` on audit_log as the database owner with the append-only triggers out of the way, then put
    them back — what someone with the owner's password (or the SQLite file) could do."""
    if db_url.startswith("sqlite"):
        con = sqlite3.connect(make_url(db_url).database)
        try:
            triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                   "AND tbl_name = 'audit_log'").fetchall()
            assert triggers, "no append-only triggers to drop"
            for name, _ in triggers:
                con.execute(f"DROP TRIGGER {name}")
            con.execute(sql, params or {})
            for _, create in triggers:
                con.execute(create)
            con.commit()
        finally:
            con.close()
        return
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            conn.execute(text(sql), params or {})
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    finally:
        engine.dispose()
