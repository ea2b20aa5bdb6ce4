"""One feed's protocol logic: validation, sequence tracking, snapshot resync (the Clone pattern),
same-epoch resets, transition checks, and (through RecordKeeper) replay for the record.

Socket-free, so it can be driven directly: the subscriber thread hands it received frames and
calls `flush()` after each drained batch and `tick()` periodically. Not thread-safe; one thread.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from dispatch.feed.config import FeedEndpoint
from dispatch.feed.messages import (
    ADAPTERS,
    MAX_SNAPSHOT_BYTES,
    MAX_UPDATE_BYTES,
    TOPIC_HEARTBEAT,
    TOPIC_OUTCOME,
    TOPIC_REPLAY,
    TOPIC_SNAPSHOT,
    TOPIC_STATUS,
    UNIT_ENTRY,
    HeartbeatMessage,
    OutcomeMessage,
    ReplayReply,
    SnapshotReply,
    StatusMessage,
    UnitEntry,
    UpdateMessage,
)
from dispatch.feed.record_keeper import RecordCursor, RecordKeeper, RecordSink
from dispatch.feed.rejects import Quarantine, RejectReason
from dispatch.feed.state import FleetState, Report
from dispatch.status import is_legal
from resources.datafile import swedish_message
from resources.geography import default_geography, in_skane
from resources.numbers import sv_number
from resources.vocabulary import UnitStatus

log = logging.getLogger("dispatch.feed")

MAX_PENDING = 200_000  # updates buffered while a snapshot is awaited

__all__ = ["FeedChannel", "OutcomeSink", "RecordCursor", "RecordSink"]

ILLEGAL_TRANSITION = "illegal_transition"
# The models' own validators: the hot path skips TypeAdapter's Python wrapper.
VALIDATORS = {TOPIC_STATUS: StatusMessage.__pydantic_validator__, TOPIC_OUTCOME: OutcomeMessage.__pydantic_validator__,
              TOPIC_HEARTBEAT: HeartbeatMessage.__pydantic_validator__}

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
        self.record = (RecordKeeper(self.publisher, self.counters, record_sink, record_cursor, send_request,
                                    snapshot_timeout) if record_sink is not None else None)
        self.outcome_sink = outcome_sink
        self.wall = wall
        self.unit_publisher = state.unit_publisher
        self.ed_codes = {e.code for e in default_geography().emergency_departments}
        self.epoch: str | None = None
        self.last_seq = 0
        self.last_seq_ts = 0.0  # the publisher's time of what set last_seq (an update, or a snapshot)
        self.syncing = True
        self.pending: list[tuple[UpdateMessage, float, bytes | None]] = []
        self.request_id: str | None = None
        self.requested_at = 0.0
        self._batch: list[tuple[Report, float]] = []
        self._last_status: dict[str, UnitStatus] = {}  # unit id -> last status heard, for the transition check
        self._flags: dict[str, str | None] = {}  # to hand to the state at the next flush
        self._flagged: set[str] = set()  # units whose warning is shown (only this channel sets them)
        self._backfill_after_snapshot = False
        self._seen_max = 0  # the highest number seen of the current epoch (updates, heartbeats, held back too)
        self._restart_counted: str | None = None  # the new epoch whose restart was already counted  # unit id -> transition warning to show (None: clear it)
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
        """Ask the publisher for what the record lacks of the current epoch (record_cursor → last_seq); while
        a snapshot is awaited, right after it is applied."""
        if self.record is None:
            return
        if self.syncing:
            self._backfill_after_snapshot = True
        else:
            self.record.backfill(self.last_seq, now)

    def on_reconnect(self, now: float) -> None:
        """The sockets were reconnected: whatever was in flight may be lost, so resynchronise."""
        if not self.syncing:
            self._resync(now)

    def tick(self, now: float) -> None:
        if self.syncing and now - self.requested_at > self.snapshot_timeout:
            self._request_snapshot(now)
        if self.record is not None:
            self.record.tick(now, self.last_seq)

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
        if len(body) > MAX_UPDATE_BYTES:
            self._reject(RejectReason.TOO_LARGE, f"{len(body)} byte, högst {MAX_UPDATE_BYTES}", body)
            return
        validator = VALIDATORS.get(topic)
        if validator is None:
            self._reject(RejectReason.UNKNOWN_TOPIC, f"ämnet {topic[:40]!r}", body)
            return
        try:
            msg = validator.validate_json(body)
        except ValidationError as exc:
            self._reject_validation(exc, body)
            return
        if type(msg) is StatusMessage and self._fast_status(msg, now, body):
            return
        if msg.publisher != self.publisher:
            self._reject(RejectReason.WRONG_PUBLISHER,
                         f"meddelandet anger publicist {msg.publisher}, flödet är {self.publisher}", body)
            return
        if msg.ts > self._wall_now + self.max_skew:
            self._reject(RejectReason.FUTURE_TIMESTAMP,
                         f"ts ligger {sv_number(msg.ts - self._wall_now, 1)} s i framtiden", body)
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
        self._sequence(msg, now, body)

    def _fast_status(self, msg: StatusMessage, now: float, body: bytes) -> bool:
        """The common case on one line of checks: a valid status of this feed's unit, inside Skåne, next in
        sequence. True when handled; False sends it down the general path (which gives every reason)."""
        if (msg.seq != self.last_seq + 1 or self.syncing or msg.epoch != self.epoch or msg.publisher != self.publisher
                or msg.ts > self._wall_now + self.max_skew or self.unit_publisher.get(msg.unit_id) != self.publisher
                or not in_skane(msg.lat, msg.lon)):
            return False
        c = self.counters
        c.last_heard = now
        c.updates += 1
        self.last_seq = c.seq = msg.seq
        self.last_seq_ts = msg.ts
        self._batch.append((msg, now))
        flag = self._check_transition(msg)
        if self.record is not None:
            self.record.status(msg, self._wall_now, flag, body)
        return True

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

    def _sequence(self, msg: StatusMessage | OutcomeMessage | HeartbeatMessage, now: float,
                  raw: bytes | None = None) -> None:
        if msg.epoch == self.epoch and msg.seq > self._seen_max:
            self._seen_max = msg.seq
        if self.syncing:
            if len(self.pending) < MAX_PENDING:
                self.pending.append((msg, now, raw))
            return
        c = self.counters
        if msg.epoch != self.epoch:
            c.restarts += 1
            self._restart_counted = msg.epoch
            log.info("flöde %s: publicisten har startat om (epok %s → %s), hämtar ögonblicksbild",
                     self.publisher, self.epoch, msg.epoch)
            self._resync(now)
            self.pending.append((msg, now, raw))
            return
        seq = msg.seq
        if type(msg) is HeartbeatMessage:
            if seq > self.last_seq:  # the tail was lost
                c.gaps += 1
                self._resync(now)
            elif seq < self.last_seq and msg.ts > self.last_seq_ts:  # numbering went backwards in the same epoch
                self._reset(now, f"puls med nummer {seq} efter {self.last_seq}")
            return
        if seq <= self.last_seq:
            # Produced after what set last_seq, yet numbered 1: a reset. (Produced before it, it is only late:
            # a snapshot on the other socket can overtake updates still queued on this one.)
            if seq == 1 and self.last_seq > 1 and msg.ts > self.last_seq_ts:
                self._reset(now, f"nummer 1 efter {self.last_seq}")
                self.pending.append((msg, now, raw))
                return
            c.duplicates += 1
            return
        if seq != self.last_seq + 1:
            c.gaps += 1
            log.info("flöde %s: lucka i sekvensen (%d → %d), hämtar ögonblicksbild", self.publisher, self.last_seq, seq)
            self._resync(now)
            self.pending.append((msg, now, raw))
            return
        self.last_seq = c.seq = seq
        self.last_seq_ts = msg.ts
        c.updates += 1
        self._deliver(msg, now, raw)

    def _reset(self, now: float, what: str) -> None:
        """Same epoch, numbering restarted: the publisher restarted without a new epoch (the protocol forbids
        it, but its updates must not be dropped as duplicates). Counted as a restart and a reset."""
        c = self.counters
        c.restarts += 1
        c.resets += 1
        log.warning("flöde %s: sekvensen började om utan ny epok (%s); räknas som omstart", self.publisher, what)
        self.epoch = None
        if self.record is not None:
            self.record.reset()
        self._resync(now)

    def _deliver(self, msg: StatusMessage | OutcomeMessage, now: float, raw: bytes | None) -> None:
        if type(msg) is StatusMessage:
            self._batch.append((msg, now))
            flag = self._check_transition(msg)
            if self.record is not None:
                self.record.status(msg, self._wall_now, flag, raw)
        else:
            self._outcomes.append(msg)
            if self.record is not None:
                self.record.outcome(msg, self._wall_now, raw)

    def _check_transition(self, msg: StatusMessage) -> str | None:
        """Flag (not refuse) a status change the transition graph does not allow: it is what the unit said."""
        previous = self._last_status.get(msg.unit_id)
        self._last_status[msg.unit_id] = msg.status
        if previous is None or previous is msg.status:
            return None
        if is_legal(previous, msg.status):
            if msg.unit_id in self._flagged:
                self._flagged.discard(msg.unit_id)
                self._flags[msg.unit_id] = None
            return None
        self.counters.illegal_transitions += 1
        self._flagged.add(msg.unit_id)
        self._flags[msg.unit_id] = f"{previous.label} → {msg.status.label}"
        return ILLEGAL_TRANSITION

    # --- snapshot replies ---------------------------------------------------------------------

    def on_snapshot(self, frames: list[bytes], now: float) -> None:
        self._wall_now = self.wall()
        if len(frames) == 2 and frames[0] == TOPIC_REPLAY:
            if len(frames[1]) > MAX_SNAPSHOT_BYTES:
                self._reject(RejectReason.TOO_LARGE, f"omsändning på {len(frames[1])} byte", frames[1][:200])
                return
            self._on_replay(frames[1], now)
            return
        if len(frames) != 2 or frames[0] != TOPIC_SNAPSHOT:
            self._reject(RejectReason.MALFORMED_FRAMES, f"ögonblicksbild med {len(frames)} ramar",
                         b"|".join(f[:40] for f in frames))
            return
        if len(frames[1]) > MAX_SNAPSHOT_BYTES:
            self._reject(RejectReason.TOO_LARGE, f"ögonblicksbild på {len(frames[1])} byte, högst {MAX_SNAPSHOT_BYTES}",
                         frames[1][:200])
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

    def _snapshot_part(self, adapter: TypeAdapter[Any], part: Any) -> Any:
        """One unit entry or outcome of a snapshot, validated on its own (None: rejected and counted)."""
        body = json.dumps(part, ensure_ascii=False).encode()
        try:
            return adapter.validate_json(body)
        except ValidationError as exc:
            self._reject_validation(exc, body)
            return None

    def _on_replay(self, body: bytes, now: float) -> None:
        try:
            reply = ReplayReply.model_validate_json(body)
        except ValidationError as exc:
            self._reject_validation(exc, body)
            return
        if reply.publisher != self.publisher:
            self._reject(RejectReason.WRONG_PUBLISHER, f"omsändning från {reply.publisher}, flödet är {self.publisher}")
            return
        if self.record is not None:
            self.record.on_reply(reply, self._check_replayed, self._wall_now, now, self.last_seq)

    def _check_replayed(self, update: Any, epoch: str) -> StatusMessage | OutcomeMessage | None:
        """One replayed update through the live path's checks; None (rejected and counted) if it fails."""
        if not isinstance(update, dict):
            self._reject(RejectReason.SCHEMA, "omsändning: en uppdatering är inte ett JSON-objekt",
                         json.dumps(update, ensure_ascii=False).encode()[:200])
            return None
        topic = update.get("topic")
        adapter = ADAPTERS.get(topic.encode()) if topic in ("status", "outcome") else None
        body = json.dumps(update.get("message"), ensure_ascii=False).encode()
        if adapter is None or set(update) != {"topic", "message"}:
            self._reject(RejectReason.SCHEMA, "omsändning: varje uppdatering ska vara {topic, message}", body)
            return None
        try:
            msg: StatusMessage | OutcomeMessage = adapter.validate_json(body)
        except ValidationError as exc:
            self._reject_validation(exc, body)
            return None
        if msg.publisher != self.publisher:
            self._reject(RejectReason.WRONG_PUBLISHER, f"omsänd uppdatering från {msg.publisher}", body)
            return None
        if msg.epoch != epoch:
            self._reject(RejectReason.SCHEMA, f"omsänd uppdatering med epok {msg.epoch}, svaret gäller {epoch}", body)
            return None
        if not self._unit_ok(msg, body):
            return None
        if type(msg) is StatusMessage:
            return msg if self._position_ok(msg, body) else None
        if msg.code == "transported_ed" and msg.destination not in self.ed_codes:
            self._reject(RejectReason.SCHEMA, "omsänt utfall transported_ed utan känd akutmottagning", body)
            return None
        return msg

    def _apply_snapshot(self, reply: SnapshotReply, now: float) -> None:
        self.flush()  # so `differs` below compares with everything received before the snapshot
        c = self.counters
        same_epoch = reply.epoch == self.epoch
        base = self.last_seq if same_epoch else -1
        if self.epoch is not None and not same_epoch and self._restart_counted != reply.epoch:
            c.restarts += 1  # a restart noticed only now (it happened while a resync was under way)
        if self.record is not None:
            self.record.before_snapshot(reply.epoch, reply.v, self._seen_max)
        if not same_epoch:
            self._seen_max = 0
        for raw_entry in reply.units:
            entry = self._snapshot_part(UNIT_ENTRY, raw_entry)
            if entry is None or entry.seq <= base:
                continue
            if entry.ts > self._wall_now + self.max_skew:
                self._reject(RejectReason.FUTURE_TIMESTAMP, f"ögonblicksbild, enheten {entry.unit_id}", b"")
                continue
            if not self._unit_ok(entry, b"") or not self._position_ok(entry, b""):
                continue
            heard = now - max(0.0, reply.ts - entry.ts)
            self._batch.append((entry, heard))
            self._last_status[entry.unit_id] = entry.status
            if self.record is not None:
                self.record.snapshot_entry(entry, self._wall_now)
        outcomes = [o for o in (self._snapshot_part(ADAPTERS[TOPIC_OUTCOME], raw) for raw in reply.outcomes)
                    if o is not None and base < o.seq <= reply.seq and o.publisher == self.publisher
                    and o.epoch == reply.epoch]
        self._outcomes += outcomes
        if self.epoch is not None and not same_epoch:
            log.info("flöde %s: ny epok %s", self.publisher, reply.epoch)
        self.epoch = c.epoch = reply.epoch
        self.last_seq = c.seq = reply.seq
        self.last_seq_ts = reply.ts
        if self.record is not None:
            for o in outcomes:
                self.record.outcome(o, self._wall_now, None)
            self.record.after_snapshot(reply.seq, now)
            if self._backfill_after_snapshot:
                self._backfill_after_snapshot = False
                self.record.backfill(reply.seq, now)
        c.snapshots += 1
        c.last_heard = now
        self.syncing = False
        c.synced = True
        pending, self.pending = self.pending, []
        for msg, t, raw in pending:
            if msg.epoch != self.epoch or (msg.seq <= self.last_seq and type(msg) is not HeartbeatMessage):
                continue
            self._sequence(msg, t, raw)

    # --- hand-over --------------------------------------------------------------------------

    def flush(self) -> None:
        """Apply the batch to the fleet state, then hand statuses to persistence and outcomes on."""
        if self._batch:
            batch, self._batch = self._batch, []
            self.state.apply(batch)
        if self._flags:
            flags, self._flags = self._flags, {}
            self.state.set_flags(flags)
        if self.record is not None:
            self.record.flush()
        if self._outcomes:
            outcomes, self._outcomes = self._outcomes, []
            if self.outcome_sink is not None:
                for o in outcomes:
                    try:
                        self.outcome_sink(o)
                    except Exception:  # noqa: BLE001 - a consumer's bug must not stop the feed
                        log.exception("flöde %s: utfallsmottagaren kastade ett fel", self.publisher)
