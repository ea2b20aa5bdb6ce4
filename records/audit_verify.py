"""Walk the audit log's hash chain (records.audit_chain) in id order and name the first broken entry.

Read without blocking the centre: on SQLite through an engine without records.db's BEGIN IMMEDIATE (one
streamed SELECT is one WAL snapshot and takes no write lock), on PostgreSQL as one streamed SELECT
(one snapshot) with the statement timeout lifted for this transaction only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, make_url, select, text
from sqlalchemy.orm import Session

from records.audit_chain import GENESIS, entry_hash
from records.db import database_url, is_sqlite, make_engine
from records.models import AuditEntry

STREAM_ROWS = 2000


class ChainNotInstalled(RuntimeError):
    """The database has no audit_log hash chain yet (not migrated to 0003)."""


@dataclass(frozen=True)
class BrokenEntry:
    id: int
    at: datetime
    action: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ChainVerdict:
    entries: int  # entries checked (up to and including the broken one, if any)
    last_id: int | None
    last_hash: str | None
    broken: BrokenEntry | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def message(self) -> str:
        if self.broken is not None:
            b = self.broken
            return (f"Granskningsloggen är bruten vid post #{b.id} ({b.at.isoformat()}, {b.action}): "
                    + "; ".join(b.problems) + f". {self.entries - 1} poster före den är obrutna.")
        if self.last_id is None:
            return "Granskningsloggen är obruten: 0 poster"
        return f"Granskningsloggen är obruten: {self.entries} poster, senaste #{self.last_id}"


def verify_rows(rows: Iterable[Any]) -> ChainVerdict:
    """`rows` in id order, each with id, at, user_id, role, console, action, case_id, detail, prev_hash, hash."""
    expected_prev, prev_id, n = GENESIS, None, 0
    for row in rows:
        n += 1
        problems = []
        if row.prev_hash != expected_prev:
            if prev_id is None:
                problems.append("den första posten pekar inte på kedjans början – poster före den har tagits bort")
            else:
                problems.append(f"länken till föregående post #{prev_id} är bruten – en post före den har ändrats, "
                                "tagits bort eller lagts in i efterhand")
        actual = entry_hash(row.prev_hash or "", at=row.at, user_id=row.user_id, role=row.role,
                            console=row.console, action=row.action, case_id=row.case_id, detail=row.detail)
        if row.hash != actual:
            problems.append("innehållet har ändrats efter att posten skrevs (hashen stämmer inte med innehållet)")
        if problems:
            return ChainVerdict(n, prev_id, expected_prev, BrokenEntry(row.id, row.at, row.action, tuple(problems)))
        expected_prev, prev_id = row.hash, row.id
    return ChainVerdict(n, prev_id, None if prev_id is None else expected_prev)


def verify_database(url: str | None = None) -> ChainVerdict:
    engine = _reader_engine(url)
    try:
        columns = {c["name"] for c in inspect(engine).get_columns(AuditEntry.__tablename__)} \
            if inspect(engine).has_table(AuditEntry.__tablename__) else set()
        if not {"prev_hash", "hash"} <= columns:
            raise ChainNotInstalled("Databasen har ingen hashkedja i granskningsloggen (migration 0003); "
                                    "kör `main.py db upgrade` först.")
        with Session(engine) as session:
            if engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL statement_timeout = 0"))
            t = AuditEntry
            rows = session.execute(
                select(t.id, t.at, t.user_id, t.role, t.console, t.action, t.case_id, t.detail, t.prev_hash, t.hash)
                .order_by(t.id).execution_options(yield_per=STREAM_ROWS))
            try:
                return verify_rows(rows)
            finally:
                rows.close()  # the walk may stop at the first broken entry, before the end of the stream
    finally:
        engine.dispose()


def _reader_engine(url: str | None) -> Engine:
    url = url or database_url()
    if not is_sqlite(url):
        return make_engine(url)
    path = make_url(url).database
    if path and path != ":memory:" and not Path(path).exists():
        raise ChainNotInstalled(f"Databasen {path} finns inte.")
    return create_engine(url)  # pysqlite's own transaction handling: a SELECT takes no write lock
