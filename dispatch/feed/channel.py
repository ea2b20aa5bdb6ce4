"""One feed's protocol logic: validation, sequence tracking, snapshot resync (the Clone pattern).

Socket-free, so it can be driven directly: the subscriber thread hands it received frames and
calls `flush()` after each drained batch and `tick()` periodically. Not thread-safe; one thread.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable

from pydantic import ValidationError

from dispatch.feed.config import FeedEndpoint
from dispatch.feed.messages import (
    ADAPTERS,
    TOPIC_SNAPSHOT,
    HeartbeatMessage,
    OutcomeMessage,
    SnapshotReply,
    StatusMessage,
    UnitEntry,
    UpdateMessage,
)
from dispatch.feed.record_items import CursorItem, OutcomeItem, RecordItem, StatusItem
from dispatch.feed.rejects import Quarantine, RejectReason
from dispatch.feed.state import FleetState, Report
from resources.datafile import swedish_message
from resources.geography import default_geography, in_skane

log = logging.getLogger("dispatch.feed")

MAX_PENDING = 200_000  # updates buffered while a snapshot is awaited

RecordSink = Callable[[list[RecordItem]], None]  # the record writer's put(); never blocks
RecordCursor = Callable[[str, str], int | None]  # (publisher, epoch) -> last seq the record holds
OutcomeSink = Callable[[OutcomeMessage], None]


class FeedChannel:
    def __init__(self, endpoint: FeedEndpoint, state: FleetState, quarantine: Quarantine, *,
                 send_request: Callable[[bytes], bool], max_skew: float = 5.0, snapshot_timeout: float = 2.0,
                 record_sink: RecordSink | None = None, record_cursor: RecordCursor | None = None,
                 outcome_sink: OutcomeSink | None = None,
                 wall: Callable[[], float] = time.time):
        self.publisher = endpoint.publisher
        self.endpoint = endpoint
        self.state = state
        self.counters = state.feed(self.publisher)
        self.quarantine = quarantine
        self.send_request = send_request
        self.max_skew = max_skew
        self.snapshot_timeout = snapshot_timeout
        self.record_sink = record_sink
        self.record_cursor = record_cursor
        self.outcome_sink = outcome_sink
        self.wall = wall
        self.unit_publisher = state.unit_publisher
        self.ed_codes = {e.code for e in default_geography().emergency_departments}
        self.epoch: str | None = None
        self.last_seq = 0
        self.syncing = True
        self.pending: list[tuple[UpdateMessage, float]] = []
        self.request_id: str | None = None
        self.requested_at = 0.0
        self._batch: list[tuple[Report, float]] = []
        self._record: list[RecordItem] = []
        self._outcomes: list[OutcomeMessage] = []
        self._wall_now = wall()

    # --- snapshot requests --------------------------------------------------------------------

    def start(self, now: float) -> None:
        self._request_snapshot(now)

    def _request_snapshot(self, now: float) -> None:
        self.request_id = uuid.uuid4().hex[:16]
        self.requested_at = now
        body = json.dumps({"v": 1, "request_id": self.request_id}).encode()
        if not self.send_request(body):
            self.requested_at = now - self.snapshot_timeout + 0.1  # retry soon

    def _resync(self, now: float) -> None:
        self.syncing = True
        self.counters.synced = False
        self.counters.resyncs += 1
        self.pending = []
        self._request_snapshot(now)

    def backfill(self, now: float) -> None:
        """Ask the publisher for what the record lacks of the current epoch (record_cursor → last_seq)."""

    def tick(self, now: float) -> None:
        if self.syncing and now - self.requested_at > self.snapshot_timeout:
            self._request_snapshot(now)

    # --- updates (hot path) -------------------------------------------------------------------

    def begin_batch(self) -> None:
        self._wall_now = self.wall()

    def on_update(self, frames: list[bytes], now: float) -> None:
        c = self.counters
        c.messages += 1
        if len(frames) != 2:
            self._reject(RejectReason.MALFORMED_FRAMES, f"{len(frames)} ramar, väntade 2 (ämne, JSON)",
                         b"|".join(f[:40] for f in frames))
            return
        topic, body = frames
        adapter = ADAPTERS.get(topic)
        if adapter is None:
            self._reject(RejectReason.UNKNOWN_TOPIC, f"ämnet {topic[:40]!r}", body)
            return
        try:
            msg = adapter.validate_json(body)
        except ValidationError as exc:
            self._reject_validation(exc, body)
            return
        if msg.publisher != self.publisher:
            self._reject(RejectReason.WRONG_PUBLISHER,
                         f"meddelandet anger publicist {msg.publisher}, flödet är {self.publisher}", body)
            return
        if msg.ts > self._wall_now + self.max_skew:
            self._reject(RejectReason.FUTURE_TIMESTAMP,
                         f"ts ligger {msg.ts - self._wall_now:.1f} s i framtiden", body)
            return
        if type(msg) is not HeartbeatMessage and not self._unit_ok(msg, body):
            return
        if type(msg) is StatusMessage and not self._position_ok(msg, body):
            return
        if type(msg) is OutcomeMessage and msg.code == "transported_ed" and msg.destination not in self.ed_codes:
            self._reject(RejectReason.SCHEMA,
                         f"utfall transported_ed kräver en känd akutmottagning i 'destination', fick {msg.destination!r}",
                         body)
            return
        c.last_heard = now
        self._sequence(msg, now)

    def _unit_ok(self, msg: StatusMessage | OutcomeMessage | UnitEntry, body: bytes) -> bool:
        owner = self.unit_publisher.get(msg.unit_id)
        if owner is None:
            self._reject(RejectReason.UNKNOWN_UNIT, f"enheten {msg.unit_id!r} finns inte i flottan", body)
            return False
        if owner != self.publisher:
            self._reject(RejectReason.WRONG_PUBLISHER,
                         f"enheten {msg.unit_id} rapporteras av {owner}, inte {self.publisher}", body)
            return False
        return True

    def _position_ok(self, msg: StatusMessage | UnitEntry, body: bytes) -> bool:
        if in_skane(msg.lat, msg.lon):
            return True
        self._reject(RejectReason.OUTSIDE_SKANE,
                     f"enheten {msg.unit_id}: position {msg.lat}, {msg.lon} ligger utanför Skåne", body)
        return False

    def _reject(self, reason: RejectReason, detail: str, raw: bytes = b"") -> None:
        rejected = self.counters.rejected
        rejected[reason.value] = rejected.get(reason.value, 0) + 1
        self.quarantine.add(self.publisher, reason, detail, raw)

    def _reject_validation(self, exc: ValidationError, body: bytes) -> None:
        errors = exc.errors(include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            detail = str(errors[0]["msg"]).removeprefix("Invalid JSON: ")
            self._reject(RejectReason.INVALID_JSON, f"ogiltig JSON ({detail})", body)
            return
        parts = [f"{'.'.join(str(p) for p in e['loc']) or 'meddelandet'}: {swedish_message(e)}" for e in errors[:3]]
        self._reject(RejectReason.SCHEMA, "; ".join(parts), body)

    def _sequence(self, msg: StatusMessage | OutcomeMessage | HeartbeatMessage, now: float) -> None:
        if self.syncing:
            if len(self.pending) < MAX_PENDING:
                self.pending.append((msg, now))
            return
        c = self.counters
        if msg.epoch != self.epoch:
            c.restarts += 1
            log.info("flöde %s: publicisten har startat om (epok %s → %s), hämtar ögonblicksbild",
                     self.publisher, self.epoch, msg.epoch)
            self._resync(now)
            self.pending.append((msg, now))
            return
        seq = msg.seq
        if type(msg) is HeartbeatMessage:
            if seq > self.last_seq:  # the tail was lost
                c.gaps += 1
                self._resync(now)
            return
        if seq <= self.last_seq:
            c.duplicates += 1
            return
        if seq != self.last_seq + 1:
            c.gaps += 1
            log.info("flöde %s: lucka i sekvensen (%d → %d), hämtar ögonblicksbild", self.publisher, self.last_seq, seq)
            self._resync(now)
            self.pending.append((msg, now))
            return
        self.last_seq = c.seq = seq
        self._deliver(msg, now)

    def _deliver(self, msg: StatusMessage | OutcomeMessage, now: float) -> None:
        if type(msg) is StatusMessage:
            self._batch.append((msg, now))
            if self.record_sink is not None:
                self._record.append(self._status_item(msg, msg.seq, msg.seq))
        else:
            self._outcomes.append(msg)
            if self.record_sink is not None:
                self._record.append(OutcomeItem(self.publisher, msg.epoch, msg.seq, msg, self._wall_now))

    def _status_item(self, r: StatusMessage | UnitEntry, seq: int, _: int) -> StatusItem:
        return StatusItem(self.publisher, self.epoch or "", seq, r.unit_id, r.status, r.lat, r.lon, r.case_id,
                          r.ts, self._wall_now)

    # --- snapshot replies ---------------------------------------------------------------------

    def on_snapshot(self, frames: list[bytes], now: float) -> None:
        self._wall_now = self.wall()
        if len(frames) != 2 or frames[0] != TOPIC_SNAPSHOT:
            self._reject(RejectReason.MALFORMED_FRAMES, f"ögonblicksbild med {len(frames)} ramar",
                         b"|".join(f[:40] for f in frames))
            return
        try:
            reply = SnapshotReply.model_validate_json(frames[1])
        except ValidationError as exc:
            self._reject_validation(exc, frames[1])
            return
        if reply.request_id != self.request_id or not self.syncing:
            return  # an answer to an earlier request
        if reply.publisher != self.publisher:
            self._reject(RejectReason.WRONG_PUBLISHER,
                         f"ögonblicksbild från {reply.publisher}, flödet är {self.publisher}", b"")
            return
        self._apply_snapshot(reply, now)

    def _apply_snapshot(self, reply: SnapshotReply, now: float) -> None:
        self.flush()  # so `differs` below compares with everything received before the snapshot
        c = self.counters
        same_epoch = reply.epoch == self.epoch
        base = self.last_seq if same_epoch else -1
        for entry in reply.units:
            if entry.seq <= base:
                continue
            if entry.ts > self._wall_now + self.max_skew:
                self._reject(RejectReason.FUTURE_TIMESTAMP, f"ögonblicksbild, enheten {entry.unit_id}", b"")
                continue
            if not self._unit_ok(entry, b"") or not self._position_ok(entry, b""):
                continue
            heard = now - max(0.0, reply.ts - entry.ts)
            new = same_epoch or self.state.differs(entry.unit_id, entry.status, entry.lat, entry.lon, entry.case_id)
            self._batch.append((entry, heard))
            if new and self.record_sink is not None:
                self._record.append(StatusItem(self.publisher, reply.epoch, entry.seq, entry.unit_id, entry.status,
                                               entry.lat, entry.lon, entry.case_id, entry.ts, self._wall_now))
        for outcome in reply.outcomes:
            if base < outcome.seq <= reply.seq and outcome.publisher == self.publisher:
                self._outcomes.append(outcome)
        if self.epoch is not None and not same_epoch:
            log.info("flöde %s: ny epok %s", self.publisher, reply.epoch)
        self.epoch = c.epoch = reply.epoch
        self.last_seq = c.seq = reply.seq
        c.snapshots += 1
        c.last_heard = now
        self.syncing = False
        c.synced = True
        pending, self.pending = self.pending, []
        for msg, t in pending:
            if msg.epoch != self.epoch or (msg.seq <= self.last_seq and type(msg) is not HeartbeatMessage):
                continue
            self._sequence(msg, t)

    # --- hand-over --------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply the batch to the fleet state, then hand statuses to persistence and outcomes on."""
        if self._batch:
            batch, self._batch = self._batch, []
            self.state.apply(batch)
        if self._record:
            record, self._record = self._record, []
            if self.epoch is not None:
                record.append(CursorItem(self.publisher, self.epoch, self.last_seq))
            self.record_sink(record)  # type: ignore[misc]
        if self._outcomes:
            outcomes, self._outcomes = self._outcomes, []
            if self.outcome_sink is not None:
                for o in outcomes:
                    try:
                        self.outcome_sink(o)
                    except Exception:  # noqa: BLE001 - a consumer's bug must not stop the feed
                        log.exception("flöde %s: utfallsmottagaren kastade ett fel", self.publisher)
