"""One feed's side of the record: what has been handed to the writer, and asking the publisher to replay
what has not (protocol version 2), so every numbered update is stored, counted, or named in a hole.

The live path (dispatch.feed.channel) keeps the fleet state right with snapshots; this keeps the
record complete. After each snapshot it compares how far the record got in this epoch (`rec_seq`, from
the writer's cursor when the epoch is first seen) with the snapshot's sequence number and asks the
publisher for the missing updates, page by page. What the publisher can no longer give becomes a
`HoleItem` with the reason. `rec_seq` only moves over a contiguous prefix, so the cursor the writer stores
never claims an update that is neither stored nor in a hole. Not thread-safe: the feed thread only.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from dispatch.feed.messages import OutcomeMessage, ReplayReply, StatusMessage, UnitEntry
from dispatch.feed.record_items import CursorItem, HoleItem, HoleReason, OutcomeItem, RecordItem, StatusItem
from dispatch.feed.state import FeedCounters

log = logging.getLogger("dispatch.feed")

REPLAY_TRIES = 3  # unanswered replay requests before the range is declared a hole

RecordSink = Callable[[list[RecordItem]], None]  # the record writer's put(); never blocks
RecordCursor = Callable[[str, str], int | None]  # (publisher, epoch) -> last seq the record holds
NOT_RECORDING = -1  # what RecordCursor says while another process stores the record (this one follows)


class RecordKeeper:
    def __init__(self, publisher: str, counters: FeedCounters, sink: RecordSink, cursor: RecordCursor | None,
                 send_request: Callable[[bytes], bool], timeout: float):
        self.publisher = publisher
        self.counters = counters
        self.sink = sink
        self.cursor = cursor
        self.send_request = send_request
        self.timeout = timeout
        self.items: list[RecordItem] = []
        self.wire_epoch: str | None = None  # the publisher's epoch
        self.epoch = ""  # the record's name for it (a suffix after a same-epoch reset)
        self.generation = 0
        self.rec_seq = 0  # every update up to here is handed over or in a hole
        self._emitted = (self.epoch, -1)
        self.version = 1
        self.want: tuple[int, int] | None = None  # replay range still to fetch (first, last)
        self.request_id: str | None = None
        self.requested_at = 0.0
        self.tries = 0
        self._entry_seqs: set[int] = set()  # seqs a version 1 snapshot's entries put in the record

    # --- live items ------------------------------------------------------------------------------

    def status(self, msg: StatusMessage, received: float, flag: str | None, raw: bytes | None) -> None:
        self.items.append(StatusItem(self.publisher, self.epoch, msg.seq, msg.unit_id, msg.status, msg.lat, msg.lon,
                                     msg.case_id, msg.ts, received, flag, raw, self.want is None))
        self._advance(msg.seq)

    def outcome(self, msg: OutcomeMessage, received: float, raw: bytes | None) -> None:
        self.items.append(OutcomeItem(self.publisher, self.epoch, msg.seq, msg, received, raw))
        self._advance(msg.seq)

    def snapshot_entry(self, e: UnitEntry, received: float) -> None:
        """A version 1 publisher cannot replay: its snapshot entries are the closest the record gets. (From a
        version 2 publisher the updates themselves are replayed, or named in a hole; storing entries too would
        count one update twice.) Seq 0 is a unit's state before this epoch's first update, not an update."""
        if self.version < 2 and e.seq > 0:
            self._entry_seqs.add(e.seq)
            self.items.append(StatusItem(self.publisher, self.epoch, e.seq, e.unit_id, e.status, e.lat, e.lon,
                                         e.case_id, e.ts, received))

    def _advance(self, seq: int) -> None:
        if self.want is None and seq == self.rec_seq + 1:
            self.rec_seq = seq

    # --- epochs and snapshots ----------------------------------------------------------------------

    def reset(self) -> None:
        """The publisher restarted its numbering without changing its epoch: a new generation."""
        self._give_up(HoleReason.EPOCH_ENDED)
        self.generation += 1
        self.wire_epoch = None

    def before_snapshot(self, epoch: str, version: int, seen_max: int = 0) -> None:
        """A snapshot of `epoch` is about to be applied (its entries follow, then `after_snapshot`); `seen_max` is
        the highest number seen of the current epoch, so numbers of an epoch that ended are named in a hole."""
        self.version = version
        self._entry_seqs = set()
        if epoch != self.wire_epoch:
            self._give_up(HoleReason.EPOCH_ENDED)
            if self.wire_epoch is not None and seen_max > self.rec_seq:
                self._hole(self.rec_seq + 1, seen_max, HoleReason.EPOCH_ENDED)
                self.rec_seq = seen_max
            self.wire_epoch = epoch
            self.epoch = epoch if self.generation == 0 else f"{epoch}~{self.generation}"
            self.rec_seq = self._known() or 0

    def after_snapshot(self, seq: int, now: float) -> None:
        """The snapshot at `seq` was applied; fetch what the record lacks up to there."""
        if self._known() == NOT_RECORDING:
            self.rec_seq = max(self.rec_seq, seq)  # the leading process fetches; a new lead backfills
            return
        self._fetch(seq, now)

    def _known(self) -> int | None:
        return self.cursor(self.publisher, self.epoch) if self.cursor is not None else None

    def backfill(self, live_seq: int, now: float) -> None:
        """Redo from the writer's cursor (e.g. this process's writer just became the leader)."""
        if self.wire_epoch is None or self.cursor is None:
            return
        known = self._known()
        if known == NOT_RECORDING:
            return
        known = known or 0
        last = live_seq if self.want is None else max(self.want[1], live_seq)
        self.rec_seq = known
        if known >= last:
            self.want = None
            self.rec_seq = max(known, live_seq)
            return
        self.want = (known + 1, last)  # from the record's own cursor, even if a replay was under way
        self.tries = 0
        self._request(now)

    def _fetch(self, upto: int, now: float) -> None:
        if self.rec_seq >= upto:
            return
        first = self.rec_seq + 1 if self.want is None else self.want[0]
        self.want = (first, upto)
        self.tries = 0
        self._request(now)

    # --- replay -----------------------------------------------------------------------------------

    def _request(self, now: float) -> None:
        assert self.want is not None
        if self.version < 2:
            first, last = self.want
            for seq in sorted(s for s in self._entry_seqs if first <= s <= last):  # the snapshot has those
                self._hole(first, seq - 1, HoleReason.NO_REPLAY)
                first = seq + 1
            self._hole(first, last, HoleReason.NO_REPLAY)
            self._finish(last)
            return
        self.request_id = uuid.uuid4().hex[:16]
        self.requested_at = now
        first, last = self.want
        body = {"v": 2, "request_id": self.request_id,
                "replay": {"epoch": self.wire_epoch, "from": first, "to": last}}
        if not self.send_request(json.dumps(body).encode()):
            self.requested_at = now - self.timeout + 0.1  # the socket is full: try again soon

    def tick(self, now: float, live_seq: int) -> None:
        if self.want is None or now - self.requested_at <= self.timeout:
            return
        self.tries += 1
        if self.tries >= REPLAY_TRIES:
            log.warning("flöde %s: inget svar på begäran om omsändning av %d–%d", self.publisher, *self.want)
            self._give_up(HoleReason.NO_REPLAY, live_seq)
        else:
            self._request(now)

    def on_reply(self, reply: ReplayReply, check: Callable[[Any, str], StatusMessage | OutcomeMessage | None],
                 received: float, now: float, live_seq: int) -> None:
        """Take a replay page; `check(update, epoch)` validates one update as the live path would (None: rejected
        and counted). A page that brings no usable number of the range counts as an unanswered request, so a
        publisher that answers with something else cannot keep the range open for ever."""
        if reply.request_id != self.request_id or self.want is None:
            return  # an answer to an earlier request
        first, last = self.want
        if reply.epoch != self.wire_epoch:
            self._give_up(HoleReason.EPOCH_ENDED)
            return
        start = first
        if reply.oldest > first:
            self._hole(first, min(reply.oldest - 1, last), HoleReason.REPLAY_UNAVAILABLE)
            first = reply.oldest
        for update in reply.updates:
            message = update.get("message") if isinstance(update, dict) else None
            seq = message.get("seq") if isinstance(message, dict) else None
            if type(seq) is not int or seq < first or seq > last:
                check(update, self.wire_epoch or "")  # counted as rejected (or a late duplicate), never stored
                continue
            if seq > first:  # the publisher skipped numbers it does not hold
                self._hole(first, seq - 1, HoleReason.REPLAY_UNAVAILABLE)
            first = seq + 1
            self.counters.replayed += 1
            msg = check(update, self.wire_epoch or "")
            if msg is None:
                continue  # rejected and counted by the channel, like a live message
            if type(msg) is StatusMessage:
                self.items.append(StatusItem(self.publisher, self.epoch, msg.seq, msg.unit_id, msg.status, msg.lat,
                                             msg.lon, msg.case_id, msg.ts, received))
            else:
                self.items.append(OutcomeItem(self.publisher, self.epoch, msg.seq, msg, received))
        if first <= last and not reply.updates:
            self._hole(first, last, HoleReason.REPLAY_UNAVAILABLE)  # it holds nothing more of the range
            first = last + 1
        if first > last:
            self.counters.replays += 1
            self._finish(live_seq)
            return
        self.tries = 0 if first > start else self.tries + 1
        if self.tries >= REPLAY_TRIES:
            log.warning("flöde %s: omsändningen av %d–%d kommer inte framåt", self.publisher, first, last)
            self.want = (first, last)
            self._give_up(HoleReason.REPLAY_UNAVAILABLE, live_seq)
            return
        self.want = (first, last)
        self._request(now)

    def _give_up(self, why: str, live_seq: int | None = None) -> None:
        if self.want is not None:
            self._hole(*self.want, why)
            self._finish(live_seq)

    def _finish(self, live_seq: int | None = None) -> None:
        assert self.want is not None
        # Everything after the range up to the live position was handed over as it arrived.
        self.rec_seq = max(self.want[1], live_seq or 0)
        self.want = None
        self.request_id = None

    def _hole(self, first: int, last: int, why: str) -> None:
        if first > last:
            return
        self.items.append(HoleItem(self.publisher, self.epoch, first, last, why))
        self.counters.holes += 1
        self.counters.hole_updates += last - first + 1
        log.warning("flöde %s: uppdateringarna %d–%d (epok %s) kan inte sparas (%s)",
                    self.publisher, first, last, self.epoch, why)

    # --- hand-over ----------------------------------------------------------------------------------

    def flush(self) -> None:
        mark = (self.epoch, self.rec_seq)
        if not self.items and mark == self._emitted:
            return
        items, self.items = self.items, []
        if self.epoch and mark != self._emitted:
            items.append(CursorItem(self.publisher, self.epoch, self.rec_seq))
            self._emitted = mark
        if items:
            self.sink(items)
