"""Retention of the feed record (LARMCENTRAL_FEED_RETENTION_DAYS): what the feeds wrote and is older than the
cutoff goes, a few thousand rows per transaction so neither the feed's writes nor a console waits long.

Pruned: feed status rows (epoch set) received before the cutoff, except each unit's latest; dead letters and
holes recorded before it; outcome inbox rows that are finished (applied or dead) since before it. Never
touched: status rows the console wrote itself (epoch NULL), cases, assignments, outcomes, the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, Table, and_, delete, exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed.record_store import DEAD_LETTERS, HOLES, INBOX, STATUS_EVENTS
from records.db import transaction

PRUNE_CHUNK = 5000  # rows per transaction


def _old_status_events(cutoff: datetime) -> ColumnElement[bool]:
    newer = STATUS_EVENTS.alias("newer")
    return and_(STATUS_EVENTS.c.epoch.is_not(None), STATUS_EVENTS.c.received_at < cutoff,
                exists().where(newer.c.unit_id == STATUS_EVENTS.c.unit_id, newer.c.epoch.is_not(None),
                               newer.c.id > STATUS_EVENTS.c.id))


def _targets(cutoff: datetime) -> list[tuple[str, Table, ColumnElement[bool]]]:
    finished = or_(and_(INBOX.c.done_at.is_not(None), INBOX.c.done_at < cutoff),
                   and_(INBOX.c.done_at.is_(None), INBOX.c.received_at < cutoff))
    return [
        ("unit_status_events", STATUS_EVENTS, _old_status_events(cutoff)),
        ("feed_dead_letters", DEAD_LETTERS, DEAD_LETTERS.c.recorded_at < cutoff),
        ("feed_holes", HOLES, HOLES.c.recorded_at < cutoff),
        ("feed_outcome_inbox", INBOX, and_(INBOX.c.state.in_(("applied", "dead")), finished)),
    ]


def prune(factory: sessionmaker[Session], cutoff: datetime, *, chunk: int = PRUNE_CHUNK,
          between_chunks: Callable[[], object] | None = None) -> dict[str, int]:
    """Delete what is older than `cutoff` (see the module text); rows deleted per table. `between_chunks` is
    called after each committed chunk (the writer keeps storing meanwhile)."""
    deleted: dict[str, int] = {}
    for name, table, where in _targets(cutoff):
        deleted[name] = 0
        while True:
            ids = select(table.c.id).where(where).order_by(table.c.id).limit(chunk).correlate(None).scalar_subquery()
            with transaction(factory) as s:
                n = s.execute(delete(table).where(table.c.id.in_(ids))).rowcount  # type: ignore[attr-defined]
            deleted[name] += n
            if between_chunks is not None:
                between_chunks()
            if n < chunk:
                break
    return deleted

