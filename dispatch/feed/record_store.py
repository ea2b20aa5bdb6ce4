"""The SQL of the feed record (dispatch.feed.persist): one batch in one transaction, a refused event into
feed_dead_letters, the cursors, and whether the database answers at all.

Rows are plain Core inserts, executed as one executemany per table (this is on the ingest path of a flood).
Status rows, outcome inbox rows and holes are inserted with ON CONFLICT DO NOTHING on their unique
(publisher, epoch, seq) index, so a replayed or redelivered event is stored once; RETURNING says which
rows were new. Cursors are upserted keeping the highest sequence number.

On SQLite the status rows, nearly all of a flood, skip SQLAlchemy's per-row parameter processing and its
RETURNING: they go to the driver as one multi-row INSERT per publisher and batch, their times already in the
text SQLAlchemy's SQLite DATETIME writes, and its row count says how many were new. The writer shares one GIL
with the feed's receiving thread, and sqlite3 gives it up around every statement it steps (see
_insert_statuses_sqlite). tests/feed/test_record_store_rows.py holds this path to the rows SQLAlchemy's own
would store.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, case, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.record_items import HoleItem, OutcomeItem, StatusItem
from records.db import DatabaseTimeout, WriteConflict, transaction
from records.models import FeedCursor, FeedDeadLetter, FeedHole, FeedOutcomeInbox, UnitStatusEvent

STATUS_EVENTS: Table = UnitStatusEvent.__table__  # type: ignore[assignment]
DEAD_LETTERS: Table = FeedDeadLetter.__table__  # type: ignore[assignment]
HOLES: Table = FeedHole.__table__  # type: ignore[assignment]
CURSORS: Table = FeedCursor.__table__  # type: ignore[assignment]
INBOX: Table = FeedOutcomeInbox.__table__  # type: ignore[assignment]

StoredItem = StatusItem | OutcomeItem | HoleItem
DETAIL_MAX = 500  # characters of the database's message kept in a dead letter


@dataclass(slots=True)
class Work:
    """One item to store and its row; `error` when the row could not even be built (a bad value)."""

    item: StoredItem
    row: dict[str, Any] | tuple[Any, ...] | None  # a status row is a tuple (STATUS_COLUMNS)
    error: BaseException | None = None


@dataclass
class Inserted:
    """What one transaction added, per publisher (duplicates are the rest of what was tried)."""

    statuses: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    holes: Counter[str] = field(default_factory=Counter)
    hole_updates: Counter[str] = field(default_factory=Counter)
    dead: list[tuple[str, str]] = field(default_factory=list)  # (publisher, reason) of rows that failed to build

    @property
    def rows(self) -> int:
        return sum(self.statuses.values()) + sum(self.outcomes.values()) + sum(self.holes.values()) + len(self.dead)


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


_SECONDS: dict[int, str] = {}  # whole Unix second -> its UTC 'YYYY-MM-DD HH:MM:SS' (a batch spans few seconds)


def sqlite_time(ts: float) -> str:
    """What SQLAlchemy's SQLite DATETIME stores for datetime.fromtimestamp(ts, UTC): 'YYYY-MM-DD HH:MM:SS.ffffff',
    microseconds rounded half-even as datetime rounds them. Raises as datetime does for a time it cannot hold."""
    frac, whole = math.modf(ts)
    micro = round(frac * 1e6)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    elif micro < 0:
        whole, micro = whole - 1, micro + 1_000_000
    second = int(whole)
    text = _SECONDS.get(second)
    if text is None:
        if len(_SECONDS) > 4096:
            _SECONDS.clear()
        text = _SECONDS[second] = datetime.fromtimestamp(second, UTC).replace(tzinfo=None).isoformat(" ")
    return f"{text}.{micro:06d}"


# A status row: these columns in this order, the two times as Unix time (checked by sqlite_time in `build`).
STATUS_COLUMNS = ("unit_id", "status", "lat", "lon", "case_id", "publisher", "epoch", "seq", "flag", "event_time",
                  "received_at")
_PUBLISHER = STATUS_COLUMNS.index("publisher")
# Rows per INSERT on SQLite (a whole batch of the writer): 11 parameters each stays under SQLite's lowest default
# limit since 3.32 (32,766).
SQLITE_ROWS_PER_INSERT = 2000


@functools.lru_cache(maxsize=8)
def _sqlite_status_insert(rows: int) -> str:
    one = f"({', '.join('?' * len(STATUS_COLUMNS))})"
    return (f"INSERT INTO {STATUS_EVENTS.name} ({', '.join(STATUS_COLUMNS)}) VALUES {', '.join([one] * rows)} "
            "ON CONFLICT (publisher, epoch, seq) WHERE epoch IS NOT NULL DO NOTHING")


def build(item: StoredItem, now: datetime) -> Work:
    """The row for `item` (a Work with `error` when one of its values cannot be a row at all)."""
    try:
        if type(item) is StatusItem:
            sqlite_time(item.ts), sqlite_time(item.received)  # a time no datetime holds is refused here, alone
            return Work(item, (item.unit_id, getattr(item.status, "value", item.status), item.lat, item.lon,
                               item.case_id, item.publisher, item.epoch, item.seq, item.flag, item.ts, item.received))
        if type(item) is OutcomeItem:
            m = item.message
            return Work(item, {
                "publisher": item.publisher, "epoch": item.epoch, "seq": item.seq, "unit_id": m.unit_id,
                "case_id": m.case_id, "body": m.model_dump(mode="json"), "received_at": _utc(item.received),
                "state": "pending", "attempts": 0, "next_attempt_at": now, "last_error": None, "done_at": None})
        assert type(item) is HoleItem
        return Work(item, {"publisher": item.publisher, "epoch": item.epoch, "first_seq": item.first,
                           "last_seq": item.last, "why": item.why, "recorded_at": now})
    except Exception as exc:  # noqa: BLE001 - e.g. a timestamp no datetime can hold: dead-lettered, not fatal
        return Work(item, None, exc)


def _insert_statuses_sqlite(session: Session, rows: list[tuple[Any, ...]]) -> Counter[str]:
    """Many rows per statement, not an executemany: sqlite3 lets go of the GIL around every statement it steps,
    and a thread that lets go waits up to the switch interval (5 ms) to have it back while the receiver's thread
    runs. One step per row made a 2,000-row batch take seconds beside a busy receiver instead of 25 ms."""
    by_publisher: dict[str, list[Any]] = {}
    for r in rows:
        by_publisher.setdefault(r[_PUBLISHER], []).extend(r[:-2] + (sqlite_time(r[-2]), sqlite_time(r[-1])))
    new: Counter[str] = Counter()
    conn = session.connection()
    width, chunk = len(STATUS_COLUMNS), SQLITE_ROWS_PER_INSERT * len(STATUS_COLUMNS)
    for publisher, params in by_publisher.items():
        for at in range(0, len(params), chunk):
            part = params[at:at + chunk]
            if added := conn.exec_driver_sql(_sqlite_status_insert(len(part) // width), tuple(part)).rowcount:
                new[publisher] += added
    return new


def _status_dicts(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(STATUS_COLUMNS, r[:-2] + (_utc(r[-2]), _utc(r[-1])), strict=True)) for r in rows]


def _insert(session: Session, table: Table) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def write(factory: sessionmaker[Session], works: Sequence[Work], cursors: dict[tuple[str, str], int],
          now: datetime) -> Inserted:
    """Store `works` and advance `cursors` in one transaction (raises whatever the database says)."""
    done = Inserted()
    statuses = [w.row for w in works if type(w.row) is tuple]
    outcomes = [w.row for w in works if type(w.row) is dict and type(w.item) is OutcomeItem]
    holes = [w.row for w in works if type(w.row) is dict and type(w.item) is HoleItem]
    broken = [w for w in works if w.row is None]
    with transaction(factory) as s:
        if statuses and s.get_bind().dialect.name == "sqlite":
            done.statuses.update(_insert_statuses_sqlite(s, statuses))
        elif statuses:
            stmt = _insert(s, STATUS_EVENTS).on_conflict_do_nothing(
                index_elements=["publisher", "epoch", "seq"], index_where=STATUS_EVENTS.c.epoch.is_not(None))
            done.statuses.update(p for (p,) in s.execute(stmt.returning(STATUS_EVENTS.c.publisher),
                                                         _status_dicts(statuses)))
        if outcomes:
            stmt = _insert(s, INBOX).on_conflict_do_nothing(index_elements=["publisher", "epoch", "seq"])
            done.outcomes.update(p for (p,) in s.execute(stmt.returning(INBOX.c.publisher), outcomes))
        if holes:
            stmt = _insert(s, HOLES).on_conflict_do_nothing(index_elements=["publisher", "epoch", "first_seq"])
            for p, first, last in s.execute(stmt.returning(HOLES.c.publisher, HOLES.c.first_seq, HOLES.c.last_seq),
                                            holes):
                done.holes[p] += 1
                done.hole_updates[p] += last - first + 1
        for w in broken:
            reason, detail = describe(w.error or ValueError("?"))
            s.execute(DEAD_LETTERS.insert(), dead_letter_row(w.item, reason, detail, now))
            done.dead.append((w.item.publisher, reason))
        if cursors:
            upsert_cursors(s, cursors, now)
    return done


def upsert_cursors(session: Session, cursors: dict[tuple[str, str], int], now: datetime) -> None:
    stmt = _insert(session, CURSORS)
    stmt = stmt.on_conflict_do_update(index_elements=["publisher", "epoch"], set_={
        "seq": case((stmt.excluded.seq > CURSORS.c.seq, stmt.excluded.seq), else_=CURSORS.c.seq),
        "updated_at": stmt.excluded.updated_at})
    session.execute(stmt, [{"publisher": p, "epoch": e, "seq": seq, "updated_at": now}
                           for (p, e), seq in sorted(cursors.items())])


def write_cursors(factory: sessionmaker[Session], cursors: dict[tuple[str, str], int], now: datetime) -> None:
    with transaction(factory) as s:
        upsert_cursors(s, cursors, now)


def load_cursors(factory: sessionmaker[Session]) -> dict[tuple[str, str], int]:
    with transaction(factory) as s:
        return {(p, e): seq for p, e, seq in s.execute(select(CURSORS.c.publisher, CURSORS.c.epoch, CURSORS.c.seq))}


def reachable(factory: sessionmaker[Session]) -> bool:
    """Does the database answer a `SELECT 1` in a fresh transaction (on SQLite: and grant the write lock)?"""
    try:
        with transaction(factory) as s:
            s.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - whatever the reason, it does not answer
        return False


def is_transient(exc: BaseException, factory: sessionmaker[Session]) -> bool:
    """Is `exc` the database being away or busy (keep the batch, retry later) rather than refusing the data?

    A timeout (a lock held elsewhere, a stalled server) or a conflict with another transaction is always
    transient; anything else is transient only when the database does not answer a fresh `SELECT 1`."""
    if isinstance(exc, DatabaseTimeout | WriteConflict):
        return True
    return not reachable(factory)


def describe(exc: BaseException) -> tuple[str, str]:
    """A short stable reason code and the database's own message (trimmed) for a refused event."""
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = getattr(e, "orig", None) or e.__cause__
    text_ = " ".join(str(x) for x in chain).lower()
    states = {str(getattr(x, "sqlstate", "") or "") for x in chain}
    if (any(isinstance(x, OverflowError) for x in chain) or "22003" in states or "out of range" in text_
            or "too large" in text_):
        reason = "out_of_range"
    elif any(isinstance(x, IntegrityError) for x in chain) or any(s.startswith("23") for s in states):
        reason = "integrity"
    elif any(isinstance(x, DataError | ValueError) for x in chain) or any(s.startswith("22") for s in states):
        reason = "data_error"
    else:
        reason = "refused"
    innermost = chain[-1]
    detail = (str(innermost).strip().splitlines() or [type(innermost).__name__])[0]
    return reason, _text(detail)[:DETAIL_MAX]


def _text(value: str) -> str:
    return value.replace("\x00", "\\x00")  # PostgreSQL's text cannot hold NUL


def raw_text(item: StoredItem) -> str:
    """The raw message as received (UTF-8, undecodable bytes replaced), or the item's fields as JSON."""
    raw = getattr(item, "raw", None)
    if raw is not None:
        return _text(raw.decode("utf-8", "replace"))
    if type(item) is OutcomeItem:
        fields: dict[str, Any] = {"publisher": item.publisher, "epoch": item.epoch, "seq": item.seq,
                                  "message": item.message.model_dump(mode="json")}
    elif type(item) is StatusItem:
        fields = {k: getattr(item, k) for k in ("publisher", "epoch", "seq", "unit_id", "lat", "lon", "case_id",
                                                  "ts", "flag")}
        fields["status"] = getattr(item.status, "value", str(item.status))
    else:
        fields = {k: getattr(item, k) for k in ("publisher", "epoch", "first", "last", "why")}
    return _text(json.dumps(fields, ensure_ascii=False, default=str))


def kind(item: StoredItem) -> str:
    return "status" if type(item) is StatusItem else "outcome" if type(item) is OutcomeItem else "hole"


def dead_letter_row(item: StoredItem, reason: str, detail: str, now: datetime, *, minimal: bool = False) -> dict[str, Any]:
    """The feed_dead_letters row for `item`; `minimal` leaves out every value that could itself be refused."""
    seq = item.first if type(item) is HoleItem else item.seq  # type: ignore[union-attr]
    received = getattr(item, "received", None)
    try:
        received_at = now if received is None or minimal else _utc(received)
    except Exception:  # noqa: BLE001 - a bad time is part of why it is here
        received_at = now
    return {"publisher": str(item.publisher)[:32], "epoch": None if minimal else (str(item.epoch)[:80] or None),
            "seq": None if minimal else seq, "kind": kind(item), "reason": reason, "detail": detail,
            "raw": raw_text(item), "received_at": received_at, "recorded_at": now}


def dead_letter(factory: sessionmaker[Session], item: StoredItem, reason: str, detail: str, now: datetime, *,
                minimal: bool = False) -> None:
    with transaction(factory) as s:
        s.execute(DEAD_LETTERS.insert(), dead_letter_row(item, reason, detail, now, minimal=minimal))


def publishers(works: Iterable[Work]) -> Counter[str]:
    return Counter(w.item.publisher for w in works)
