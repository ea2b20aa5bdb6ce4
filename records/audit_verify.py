"""Walk the audit log's hash chain (records.audit_chain) in id order and name the first broken entry.

Read without blocking the centre: on SQLite through an engine without records.db's BEGIN IMMEDIATE (one
streamed SELECT is one WAL snapshot and takes no write lock), on PostgreSQL as one streamed SELECT
(one snapshot) with the statement timeout lifted for this transaction only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    at: datetime | None  # None: the entry could not even be read (a value changed into something unreadable)
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
            when = b.at.isoformat() if b.at is not None else "okänd tid"
            return (f"Granskningsloggen är bruten vid post #{b.id} ({when}, {b.action}): "
                    + "; ".join(b.problems) + f". {self.entries - 1} poster före den är obrutna.")
        if self.last_id is None:
            return "Granskningsloggen är obruten: 0 poster"
        return f"Granskningsloggen är obruten: {self.entries} poster, senaste #{self.last_id}"


# A value changed behind the product's back into something that cannot be read back (bad JSON, a broken date,
# NaN, a lone surrogate): the entry is broken, named as such — not a crash of the tool that should find it.
_UNREADABLE = (ValueError, TypeError, UnicodeError, OverflowError, RecursionError)


def verify_rows(rows: Iterable[Any], locate: Callable[[int | None], tuple[int, str]] | None = None) -> ChainVerdict:
    """`rows` in id order, each with id, at, user_id, role, console, action, case_id, detail, prev_hash, hash.
    `locate(prev_id)` names (id, action) of the entry after `prev_id` when that entry cannot be read."""
    expected_prev, prev_id, n = GENESIS, None, 0
    it = iter(rows)
    while True:
        try:
            row = next(it)
        except StopIteration:
            break
        except _UNREADABLE as exc:
            bad_id, action = locate(prev_id) if locate is not None else (-1, "?")
            return ChainVerdict(n + 1, prev_id, expected_prev, BrokenEntry(
                bad_id, None, action, (f"posten kan inte läsas – ett värde har ändrats till något ogiltigt "
                                       f"({type(exc).__name__})",)))
        n += 1
        problems = []
        if row.prev_hash != expected_prev:
            if prev_id is None:
                problems.append("den första posten pekar inte på kedjans början – poster före den har tagits bort")
            else:
                problems.append(f"länken till föregående post #{prev_id} är bruten – en post före den har ändrats, "
                                "tagits bort eller lagts in i efterhand")
        try:
            actual = entry_hash(row.prev_hash or "", at=row.at, user_id=row.user_id, role=row.role,
                                console=row.console, action=row.action, case_id=row.case_id, detail=row.detail)
        except _UNREADABLE:
            actual = None
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
            query = select(t.id, t.at, t.user_id, t.role, t.console, t.action, t.case_id, t.detail, t.prev_hash,
                           t.hash).order_by(t.id)
            verdict = _walk(session, query, STREAM_ROWS, engine)
            if verdict.broken is not None and verdict.broken.at is None:  # unreadable somewhere in a batch:
                verdict = _walk(session, query, 1, engine)  # again row by row, to name exactly which entry
            return verdict
    finally:
        engine.dispose()


def _walk(session: Session, query: Any, batch: int, engine: Engine) -> ChainVerdict:
    """One pass over the chain, `batch` rows fetched at a time. With batch 1 an unreadable entry is the row
    being fetched, so the one after the last good entry is the one to name."""
    t = AuditEntry

    def locate(prev_id: int | None) -> tuple[int, str]:
        with Session(engine) as fresh:
            found = fresh.execute(select(t.id, t.action).where(t.id > (prev_id or 0)).order_by(t.id).limit(1)).first()
        return (found[0], found[1]) if found is not None else (-1, "?")

    rows = session.execute(query.execution_options(yield_per=batch))
    try:
        return verify_rows(rows, locate)
    finally:
        rows.close()  # the walk may stop at the first broken entry, before the end of the stream


def _reader_engine(url: str | None) -> Engine:
    url = url or database_url()
    if not is_sqlite(url):
        return make_engine(url)
    path = make_url(url).database
    if path and path != ":memory:" and not Path(path).exists():
        raise ChainNotInstalled(f"Databasen {path} finns inte.")
    return create_engine(url)  # pysqlite's own transaction handling: a SELECT takes no write lock
