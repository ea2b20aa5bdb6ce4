"""FeedRecordWriter: everything the feed thread hands over (dispatch.feed.record_items) is stored or
accounted for, off the feed thread, and no single event can stop it.

* `put()` (the feed thread's record sink) only appends to a deque. Past `max_backlog` queued items, status
  updates are not kept but become `writer_backlog` hole ranges (outcomes, holes and cursors always are).
* Store what changed: a unit's status row is written when its status, case or flag changed or it moved more
  than `position_threshold_m` since the last row stored; otherwise it is counted as unchanged.
* One transaction per batch (dispatch.feed.record_store). A batch the database refuses while it answers is
  split in halves down to the single event it refuses, which goes to feed_dead_letters with the reason and the
  raw message; everything else is stored. A database that does not answer (or a lock held elsewhere) keeps
  the batch at the head of the queue, retried with backoff (0.25 s doubling to 5 s), logged once per outage.
* The cursor of each publisher's epoch is written in the transaction that stores its events; `cursor()` says
  how far the record got (in memory) so the channel asks the publisher to replay from there.
* Retention (dispatch.feed.record_retention) runs by itself, about a minute after start and then hourly.
* Leadership: with `is_leader`, only the leading writer stores and prunes; on becoming leader it reloads the
  cursors and calls `on_lead` (the service asks every feed for what the record lacks).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from dispatch.feed import record_retention, record_store
from dispatch.feed.record_items import CursorItem, HoleItem, HoleReason, OutcomeItem, RecordItem, StatusItem
from dispatch.feed.record_keeper import NOT_RECORDING
from dispatch.feed.record_store import Work
from resources.settings import load_settings

log = logging.getLogger("dispatch.feed.persist")

EARTH_RADIUS_M = 6_371_000.0
TAIL_SCAN = 16  # queued items looked back over to coalesce a feed's backlog hole and cursor
Last = tuple[Any, int | None, float, float, str | None]  # what was last stored for a unit


@dataclass
class _Counts:
    stored: int = 0
    unchanged: int = 0
    duplicates: int = 0
    dead_lettered: Counter[str] = field(default_factory=Counter)
    holes: int = 0
    hole_updates: int = 0
    outcomes_inboxed: int = 0
    backlog_dropped: int = 0
    not_leader: int = 0


def moved_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres (equirectangular: exact enough at the scale of a position threshold)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_RADIUS_M * math.hypot(x, y)


class FeedRecordWriter:
    """The feed record's writer thread. `put` and `cursor` are for the feed thread; `counters()` for anyone."""

    def __init__(self, session_factory: sessionmaker[Session], *, flush_interval: float = 0.25,
                 max_batch: int = 2000, max_backlog: int = 200_000, position_threshold_m: float | None = None,
                 retention_days: float | None = None, first_prune_after: float = 60.0,
                 prune_interval: float = 3600.0, is_leader: Callable[[], bool] | None = None,
                 on_lead: Callable[[], object] | None = None, retry_initial: float = 0.25,
                 retry_max: float = 5.0, prune_chunk: int = record_retention.PRUNE_CHUNK):
        settings = load_settings()
        self.session_factory = session_factory
        self.flush_interval = flush_interval
        self.max_batch = max_batch
        self.max_backlog = max_backlog
        self.position_threshold_m = (settings.feed_position_threshold_m if position_threshold_m is None
                                     else position_threshold_m)
        self.retention_days = settings.feed_retention_days if retention_days is None else retention_days
        self.first_prune_after = first_prune_after
        self.prune_interval = prune_interval
        self.prune_chunk = prune_chunk
        self.is_leader = is_leader
        self.on_lead = on_lead
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self._queue: deque[RecordItem] = deque()
        self._lock = threading.Lock()  # the queue and the cursor map (held for microseconds)
        self._cursors: dict[tuple[str, str], int] = {}
        self._cursors_loaded = False
        self._counts: dict[str, _Counts] = {}
        self._counts_lock = threading.Lock()
        self._last: dict[str, Last] = {}  # writer thread only
        # unit -> (epoch, seq) of the newest change planned for storing: an older update (replayed after newer
        # live ones) is history the filter cannot judge against the unit's last row, so it is stored as it is
        self._newest: dict[str, tuple[str, int]] = {}
        self._leading = is_leader is None
        self._cursors_held = False  # True from taking the lead until the feeds have backfilled (resume_cursors)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stop_deadline = math.inf
        self._thread: threading.Thread | None = None
        self._outage = False
        self._in_flight = 0  # items of the batch being written (popped from the queue, not yet done)
        self.written = 0  # rows inserted (status events, inbox rows, holes, dead letters)
        self.failures = 0  # transient failures (the database away or busy)
        self.unwritten = 0  # items still queued when the writer stopped (not lost: the cursor did not move)
        self.pruned = 0

    # --- the feed thread ----------------------------------------------------------------------------

    def put(self, items: list[RecordItem]) -> None:
        """Hand over `items` (one feed's, in sequence order). Never blocks, never touches the database."""
        if not items:
            return
        if not self._leading:
            counts = Counter(i.publisher for i in items if type(i) is not CursorItem)
            with self._counts_lock:
                for publisher, n in counts.items():
                    self._count(publisher).not_leader += n
            return
        if self._cursors_held:  # just took the lead: a feed's cursor may still be its follower's live position
            items = [i for i in items if type(i) is not CursorItem]
        dropped: Counter[str] = Counter()
        with self._lock:
            for item in items:
                if type(item) is CursorItem:
                    key = (item.publisher, item.epoch)
                    if item.seq > self._cursors.get(key, -1):
                        self._cursors[key] = item.seq
            room = self.max_backlog - len(self._queue)
            if room >= len(items):
                self._queue.extend(items)
            else:
                for item in items:
                    if type(item) is StatusItem and room <= 0:
                        dropped[item.publisher] += 1
                        self._append_coalesced(HoleItem(item.publisher, item.epoch, item.seq, item.seq,
                                                        HoleReason.WRITER_BACKLOG))
                    elif type(item) is CursorItem and room <= 0:
                        self._append_coalesced(item)
                    else:
                        self._queue.append(item)
                        room -= 1
            queued = len(self._queue)
        if dropped:
            with self._counts_lock:
                for publisher, n in dropped.items():
                    self._count(publisher).backlog_dropped += n
            log.warning("flöde %s: skrivarens kö är full; %d statushändelser sparas som lucka",
                        ", ".join(dropped), sum(dropped.values()))
        if queued >= self.max_batch:
            self._wake.set()

    def _append_coalesced(self, item: HoleItem | CursorItem) -> None:
        """Past the backlog: extend the feed's last backlog hole or cursor near the tail instead of adding one,
        so a long outage under a flood does not grow the queue (called with the lock held)."""
        q = self._queue
        feed = (item.publisher, item.epoch)
        for i in range(1, min(len(q), TAIL_SCAN) + 1):
            other = q[-i]
            if (other.publisher, other.epoch) != feed:
                continue
            if type(item) is CursorItem and type(other) is CursorItem:
                q[-i] = item if item.seq > other.seq else other
                return
            if (type(item) is HoleItem and type(other) is HoleItem and other.why == HoleReason.WRITER_BACKLOG
                    and other.first <= item.first <= other.last + 1):
                q[-i] = replace(other, last=max(other.last, item.last))
                return
            if type(item) is HoleItem and type(other) is CursorItem:
                continue  # the feed's hole may be just before its cursor
            break
        q.append(item)

    def cursor(self, publisher: str, epoch: str) -> int | None:
        """The last sequence number of `epoch` the record holds or has been handed (None: never seen;
        NOT_RECORDING while another process leads, so this one's feeds do not ask for replays)."""
        if not self._leading:
            return NOT_RECORDING
        with self._lock:
            return self._cursors.get((publisher, epoch))

    def resume_cursors(self) -> None:
        """The feeds have re-read their cursors after this writer took the lead (the subscriber calls this once
        its backfill requests are out): from now on handed-over cursors count again."""
        self._cursors_held = False

    # --- anyone ---------------------------------------------------------------------------------------

    def _count(self, publisher: str) -> _Counts:
        counts = self._counts.get(publisher)
        if counts is None:
            counts = self._counts[publisher] = _Counts()
        return counts

    def counters(self) -> dict[str, Any]:
        """Plain data: per publisher stored, unchanged, duplicates, dead_lettered {reason: n}, holes,
        hole_updates, outcomes_inboxed, backlog_dropped, not_leader; and backlog, written, failures,
        unwritten, pruned, leading."""
        with self._counts_lock:
            publishers = {p: {"stored": c.stored, "unchanged": c.unchanged, "duplicates": c.duplicates,
                              "dead_lettered": dict(c.dead_lettered), "holes": c.holes,
                              "hole_updates": c.hole_updates, "outcomes_inboxed": c.outcomes_inboxed,
                              "backlog_dropped": c.backlog_dropped, "not_leader": c.not_leader}
                          for p, c in self._counts.items()}
        return {"publishers": publishers, "backlog": self.pending(), "written": self.written,
                "failures": self.failures, "unwritten": self.unwritten, "pruned": self.pruned,
                "leading": self._leading}

    def pending(self) -> int:
        """Items handed over and not yet stored or accounted for (queued or being written)."""
        return len(self._queue) + self._in_flight

    @property
    def leading(self) -> bool:
        return self._leading

    def reload_cursors(self) -> None:
        """Read every cursor from feed_cursors into the in-memory map (keeping the higher of the two)."""
        loaded = record_store.load_cursors(self.session_factory)
        with self._lock:
            for key, seq in loaded.items():
                if seq > self._cursors.get(key, -1):
                    self._cursors[key] = seq
        self._cursors_loaded = True

    def prune(self, now: datetime | None = None, *,
              between_chunks: Callable[[], object] | None = None) -> dict[str, int]:
        """Delete the feed rows older than the retention (record_retention); rows deleted per table."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.retention_days)
        deleted = record_retention.prune(self.session_factory, cutoff, chunk=self.prune_chunk,
                                         between_chunks=between_chunks)
        self.pruned += sum(deleted.values())
        return deleted

    # --- start and stop ---------------------------------------------------------------------------------

    def start(self) -> FeedRecordWriter:
        if self.is_leader is None:
            try:
                self.reload_cursors()
            except Exception:  # noqa: BLE001 - the thread loads them when the database answers
                log.warning("flödesposternas markörer kunde inte läsas; försöker igen", exc_info=True)
        self._thread = threading.Thread(target=self._run, name="feed-record-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, in order, for about half of `timeout` if the database lets us; then every outcome
        still queued (one transaction, ahead of its feed's cursor); then stop. What is left is counted in
        `unwritten` and, since the cursor stayed behind it, asked for again at the next start."""
        self._stop_deadline = time.monotonic() + timeout / 2
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # --- the writer thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        next_prune = time.monotonic() + self.first_prune_after
        retry_at, delay = 0.0, self.retry_initial
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            stopping = self._stop.is_set()
            self._follow_lead()
            now = time.monotonic()
            if self._queue and now >= retry_at:
                if self._drain():
                    retry_at, delay = 0.0, self.retry_initial
                else:
                    retry_at, delay = now + delay, min(delay * 2, self.retry_max)
            if stopping:
                if not self._queue or time.monotonic() >= self._stop_deadline:
                    break
                self._wake.set()  # try again without waiting for more
                time.sleep(max(0.0, min(retry_at, self._stop_deadline) - time.monotonic()))
                continue
            if self._leading and now >= next_prune:
                next_prune = now + self.prune_interval
                self._prune_by_itself()
        self._write_outcomes_left()
        with self._lock:
            self.unwritten = len(self._queue)
            self._queue.clear()
        if self.unwritten:
            log.error("%d flödesposter kunde inte sparas innan skrivaren stoppades; markören flyttades inte, så "
                      "de spelas upp igen vid nästa start", self.unwritten)

    def _write_outcomes_left(self) -> None:
        """Stopping with a backlog: store the outcomes still queued, ahead of the status events before them. The
        inbox is what the console acts on, and a publisher may no longer have them to replay; the feed's cursor is
        not moved, so the statuses are asked for again, and the outcomes come back then as duplicates (stored once)."""
        if not self._leading or self._outage:  # a database away would hold the stop for its whole timeout
            return
        with self._lock:
            outcomes: list[RecordItem] = [i for i in self._queue if type(i) is OutcomeItem]
            if not outcomes:
                return
            self._queue = deque(i for i in self._queue if type(i) is not OutcomeItem)
            self._in_flight = len(outcomes)
        try:
            rest = self._write_batch(outcomes)
        except Exception:  # noqa: BLE001
            rest = outcomes
            log.exception("flödesskrivaren: oväntat fel när utfallen skulle sparas")
        with self._lock:
            self._queue.extend(rest)
            self._in_flight = 0

    def _follow_lead(self) -> None:
        if self.is_leader is None:
            if not self._cursors_loaded:
                try:
                    self.reload_cursors()
                except Exception:  # noqa: BLE001 - not yet; the next round tries again
                    return
                self._call_on_lead()
            return
        try:
            want = bool(self.is_leader())
        except Exception:  # noqa: BLE001 - an election that cannot say is not a lead
            log.exception("ledarfrågan kastade ett fel; skrivaren leder inte")
            want = False
        if want and not self._leading:
            try:
                self.reload_cursors()
            except Exception:  # noqa: BLE001 - lead taken when the cursors can be read
                log.warning("ny ledare men markörerna kunde inte läsas; försöker igen", exc_info=True)
                return
            self._last.clear()
            self._newest.clear()
            self._cursors_held = self.on_lead is not None
            self._leading = True
            log.warning("flödesskrivaren leder nu: sparar flödena och begär det som saknas")
            self._call_on_lead()
        elif not want and self._leading:
            self._leading = False
            with self._lock:
                dropped, self._queue = self._queue, deque()
                self._cursors.clear()
            with self._counts_lock:
                for item in dropped:
                    if type(item) is not CursorItem:
                        self._count(item.publisher).not_leader += 1
            log.warning("flödesskrivaren leder inte längre; %d köade poster lämnas åt ledaren", len(dropped))

    def _call_on_lead(self) -> None:
        if self.on_lead is not None:
            try:
                self.on_lead()
            except Exception:  # noqa: BLE001 - a consumer's bug must not stop the writer
                log.exception("on_lead kastade ett fel")

    def _prune_by_itself(self) -> None:
        try:
            deleted = self.prune(between_chunks=self._drain)  # the feed's events keep flowing meanwhile
        except Exception:  # noqa: BLE001 - the next round tries again
            log.warning("rensning av gamla flödesposter misslyckades; försöker igen om en stund", exc_info=True)
            return
        if any(deleted.values()):
            log.info("rensade gamla flödesposter: %s", deleted)

    def _drain(self) -> bool:
        """Write batches until the queue is empty; False when the database is away (the rest stays queued)."""
        while self._queue and self._leading:
            if self._stop.is_set() and time.monotonic() >= self._stop_deadline:
                return True  # out of time: the rest is left to _write_outcomes_left and the next start
            with self._lock:
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), self.max_batch))]
                self._in_flight = len(batch)
            try:
                rest = self._write_batch(batch)
            except Exception:  # noqa: BLE001
                rest = batch  # a bug here must not lose the batch
                log.exception("flödesskrivaren: oväntat fel; partiet ligger kvar")
            with self._lock:
                self._queue.extendleft(reversed(rest))
                self._in_flight = 0
            if rest:
                self.failures += 1
                if not self._outage:
                    self._outage = True
                    log.error("databasen kan inte ta emot flödesposter just nu; %d väntar och skrivs när den "
                              "svarar igen", len(self._queue))
                return False
            if self._outage:
                self._outage = False
                log.warning("databasen tar emot flödesposter igen")
            if self.is_leader is not None:
                self._follow_lead()
        return True

    def _plan(self, batch: list[RecordItem], now: datetime) -> tuple[list[Work], dict[tuple[str, str], int],
                                                                      Counter[str]]:
        """What of `batch` to write: the works (changed statuses, outcomes, holes), the cursors, and per
        publisher how many statuses were unchanged repeats."""
        works: list[Work] = []
        cursors: dict[tuple[str, str], int] = {}
        unchanged: Counter[str] = Counter()
        seen: dict[str, Last] = {}
        newest_here: dict[str, tuple[str, int]] = {}  # committed to self._newest only once stored
        threshold = self.position_threshold_m
        for item in batch:
            t = type(item)
            if t is StatusItem:
                s: StatusItem = item  # type: ignore[assignment]
                prev = seen.get(s.unit_id) or self._last.get(s.unit_id)
                newest = newest_here.get(s.unit_id) or self._newest.get(s.unit_id)
                late = newest is not None and newest[0] == s.epoch and s.seq < newest[1]
                if late or not s.ordered:
                    works.append(record_store.build(s, now))
                elif (prev is None or s.flag is not None or prev[4] is not None or prev[0] != s.status
                        or prev[1] != s.case_id or moved_m(prev[2], prev[3], s.lat, s.lon) > threshold):
                    works.append(record_store.build(s, now))
                    seen[s.unit_id] = (s.status, s.case_id, s.lat, s.lon, s.flag)
                    newest_here[s.unit_id] = (s.epoch, s.seq)
                else:
                    unchanged[s.publisher] += 1
            elif t is CursorItem:
                c: CursorItem = item  # type: ignore[assignment]
                key = (c.publisher, c.epoch)
                cursors[key] = max(cursors.get(key, c.seq), c.seq)
            else:
                works.append(record_store.build(item, now))  # type: ignore[arg-type]
        return works, cursors, unchanged

    def _write_batch(self, batch: list[RecordItem]) -> list[RecordItem]:
        """Store `batch`; returns what must wait for the database (empty when all is stored or accounted for)."""
        now = datetime.now(UTC)
        works, cursors, unchanged = self._plan(batch, now)
        try:
            done = record_store.write(self.session_factory, works, cursors, now)
        except Exception as exc:  # noqa: BLE001 - sqlite3 raises a bare OverflowError for a too large int
            if record_store.is_transient(exc, self.session_factory):
                return batch
            rest = self._isolate(works, exc, now)
            if rest is not None:
                self._account_unchanged(unchanged)
                return [w.item for w in rest] + [CursorItem(p, e, s) for (p, e), s in cursors.items()]
            try:
                if cursors:
                    record_store.write_cursors(self.session_factory, cursors, now)
            except Exception as exc2:  # noqa: BLE001
                if record_store.is_transient(exc2, self.session_factory):
                    self._account_unchanged(unchanged)
                    return [CursorItem(p, e, s) for (p, e), s in cursors.items()]
                log.error("markörerna %s kunde inte sparas: %s", cursors, exc2)
        else:
            self._stored(works, done)
        self._account_unchanged(unchanged)
        return []

    def _isolate(self, works: list[Work], refused: BaseException, now: datetime) -> list[Work] | None:
        """Split a refused batch until each refused event is alone, dead-letter those, store the rest.
        Returns the works not yet done when the database stops answering meanwhile, else None."""
        if len(works) <= 1:
            return None if not works or self._dead_letter(works[0], refused, now) else works
        mid = len(works) // 2
        ranges = [(mid, len(works)), (0, mid)]  # a stack: the left half first, so the order is kept
        while ranges:
            lo, hi = ranges.pop()
            part = works[lo:hi]
            try:
                done = record_store.write(self.session_factory, part, {}, now)
            except Exception as exc:  # noqa: BLE001
                if record_store.is_transient(exc, self.session_factory):
                    return works[lo:]
                if hi - lo > 1:
                    mid = (lo + hi) // 2
                    ranges += [(mid, hi), (lo, mid)]
                elif not self._dead_letter(part[0], exc, now):
                    return works[lo:]
            else:
                self._stored(part, done)
        return None

    def _dead_letter(self, work: Work, exc: BaseException, now: datetime) -> bool:
        """Store the refused `work` in feed_dead_letters; False when the database stopped answering."""
        reason, detail = record_store.describe(exc)
        item = work.item
        try:
            record_store.dead_letter(self.session_factory, item, reason, detail, now)
        except Exception as exc2:  # noqa: BLE001
            if record_store.is_transient(exc2, self.session_factory):
                return False
            try:  # without the values that may themselves be refused
                record_store.dead_letter(self.session_factory, item, reason, detail, now, minimal=True)
            except Exception:  # noqa: BLE001
                log.exception("flöde %s: en avvisad post kunde inte ens sparas som död post", item.publisher)
                reason = "unrecordable"
        self.written += 1
        with self._counts_lock:
            self._count(item.publisher).dead_lettered[reason] += 1
        log.error("flöde %s: databasen avvisade %s nr %s (%s): %s", item.publisher, record_store.kind(item),
                  getattr(item, "seq", getattr(item, "first", "?")), reason, detail)
        return True

    def _stored(self, works: list[Work], done: record_store.Inserted) -> None:
        """Account for a committed transaction and remember what each unit now has stored."""
        tried: Counter[tuple[str, str]] = Counter()
        for w in works:
            item = w.item
            if w.row is None:
                continue
            if type(item) is StatusItem:
                newest = self._newest.get(item.unit_id)
                if newest is None or newest[0] != item.epoch or item.seq >= newest[1]:
                    self._newest[item.unit_id] = (item.epoch, item.seq)
                    self._last[item.unit_id] = (item.status, item.case_id, item.lat, item.lon, item.flag)
                tried[(item.publisher, "status")] += 1
            elif type(item) is OutcomeItem:
                tried[(item.publisher, "outcome")] += 1
            else:
                tried[(item.publisher, "hole")] += 1
        self.written += done.rows
        with self._counts_lock:
            for (publisher, what), n in tried.items():
                c = self._count(publisher)
                stored = (done.statuses if what == "status" else done.outcomes if what == "outcome"
                          else done.holes)[publisher]
                c.duplicates += n - stored
            for publisher, n in done.statuses.items():
                self._count(publisher).stored += n
            for publisher, n in done.outcomes.items():
                self._count(publisher).outcomes_inboxed += n
            for publisher, n in done.holes.items():
                self._count(publisher).holes += n
            for publisher, n in done.hole_updates.items():
                self._count(publisher).hole_updates += n
            for publisher, reason in done.dead:
                self._count(publisher).dead_lettered[reason] += 1

    def _account_unchanged(self, unchanged: Counter[str]) -> None:
        if unchanged:
            with self._counts_lock:
                for publisher, n in unchanged.items():
                    self._count(publisher).unchanged += n

