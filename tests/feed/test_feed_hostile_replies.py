"""Snapshot and replay replies that lie or carry junk (found by an adversarial review): nothing stalls the feed,
nothing loops, and every sequence number ends up recorded, rejected and counted, or in a hole. Socket-free: the
FeedChannel is driven directly, so each case is exact."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from feed_helpers import small_fleet, unit_ids

from dispatch.feed.channel import FeedChannel
from dispatch.feed.config import FeedEndpoint
from dispatch.feed.record_items import CursorItem, HoleItem, RecordItem, StatusItem
from dispatch.feed.rejects import Quarantine
from dispatch.feed.state import FleetState

EPOCH = "abcdef12"
MALMO = (55.605, 13.0038)


class World:
    def __init__(self) -> None:
        self.state = FleetState(small_fleet())
        self.requests: list[dict[str, Any]] = []
        self.items: list[RecordItem] = []
        self.uid = unit_ids("ambulans")[0]
        self.t = time.time() - 100
        self.channel = FeedChannel(FeedEndpoint(publisher="ambulans", updates="tcp://x:1", snapshot="tcp://x:2"),
                                   self.state, Quarantine(), send_request=self._send, record_sink=self.items.extend,
                                   record_cursor=lambda p, e: 10 if e == EPOCH else None)
        self.channel.start(0.0)

    def _send(self, body: bytes) -> bool:
        self.requests.append(json.loads(body))
        return True

    def status(self, seq: int, epoch: str = EPOCH) -> dict[str, Any]:
        return {"v": 2, "publisher": "ambulans", "epoch": epoch, "seq": seq, "ts": self.t + seq, "unit_id": self.uid,
                "status": "ledig_ute" if seq % 2 else "ledig_station", "lat": MALMO[0], "lon": MALMO[1],
                "case_id": None}

    def snapshot(self, seq: int, epoch: str = EPOCH, units: list[Any] | None = None,
                 outcomes: list[Any] | None = None) -> None:
        body = {"v": 2, "publisher": "ambulans", "epoch": epoch, "seq": seq, "ts": self.t + seq,
                "request_id": self.requests[-1]["request_id"], "units": units or [], "outcomes": outcomes or []}
        self.channel.on_snapshot([b"snapshot", json.dumps(body).encode()], 1.0)
        self.channel.flush()

    def replay(self, updates: list[Any], oldest: int = 1, epoch: str = EPOCH) -> None:
        request = self.requests[-1]
        body = {"v": 2, "publisher": "ambulans", "epoch": epoch, "seq": 31, "ts": self.t + 31,
                "request_id": request["request_id"], "oldest": oldest, "updates": updates}
        self.channel.on_snapshot([b"replay", json.dumps(body).encode()], 1.0)
        self.channel.flush()

    def cursor(self) -> int:
        return max((i.seq for i in self.items if isinstance(i, CursorItem)), default=-1)

    def holes(self) -> list[tuple[int, int, str]]:
        return [(i.first, i.last, i.why) for i in self.items if isinstance(i, HoleItem)]


@pytest.mark.parametrize("junk", ["out_of_range", "float_seq", "message_str", "message_list", "not_an_object"])
def test_a_replay_reply_that_brings_nothing_usable_ends_in_a_hole_not_a_loop(junk: str) -> None:
    w = World()
    w.snapshot(31)  # the record has 1..10 (its cursor); 11..31 are asked for
    assert w.requests[-1]["replay"] == {"epoch": EPOCH, "from": 11, "to": 31}
    bad = {"out_of_range": [{"topic": "status", "message": w.status(5)}],
           "float_seq": [{"topic": "status", "message": {**w.status(11), "seq": 11.0}}],
           "message_str": [{"topic": "status", "message": "nope"}],
           "message_list": [{"topic": "status", "message": [1, 2]}],
           "not_an_object": [None, "x", 3]}[junk]
    for _ in range(10):  # a publisher that keeps answering the same junk
        if "replay" not in w.requests[-1]:
            break
        w.replay(bad)
    assert len(w.requests) <= 1 + 3, "the range must not be asked for again and again"
    assert w.holes() == [(11, 31, "replay_unavailable")] and w.cursor() == 31
    if junk != "out_of_range":
        assert w.channel.counters.rejected.get("schema", 0) >= 1


def test_one_bad_entry_in_a_replay_page_costs_only_itself() -> None:
    w = World()
    w.snapshot(13)
    w.replay([{"topic": "status", "message": w.status(11)}, None, {"topic": "status", "message": w.status(13)}])
    stored = sorted(i.seq for i in w.items if isinstance(i, StatusItem))
    assert stored == [11, 13] and w.channel.counters.rejected == {"schema": 1}
    # 12 was not in the page: the publisher skipped it, so it is a hole; nothing more is asked for
    assert w.holes() == [(12, 12, "replay_unavailable")] and w.cursor() == 13


def test_replayed_updates_of_another_epoch_are_rejected_and_counted_not_lost_silently() -> None:
    w = World()
    w.snapshot(12)
    w.replay([{"topic": "status", "message": w.status(11, epoch="ffff0000")},
              {"topic": "status", "message": w.status(12, epoch="ffff0000")}])
    assert not [i for i in w.items if isinstance(i, StatusItem)]
    assert w.channel.counters.rejected == {"schema": 2} and w.cursor() == 12


@pytest.mark.parametrize("where", ["units", "outcomes"])
@pytest.mark.parametrize("entry", [None, "AMB-001", 7])
def test_a_snapshot_entry_that_is_not_an_object_costs_only_itself(where: str, entry: Any) -> None:
    w = World()
    good = {"unit_id": w.uid, "status": "ledig_ute", "lat": MALMO[0], "lon": MALMO[1], "case_id": None, "seq": 0,
            "ts": w.t}
    if where == "units":
        w.snapshot(10, units=[entry, good])
    else:
        w.snapshot(10, units=[good], outcomes=[entry])
    assert w.channel.counters.synced and w.channel.counters.rejected == {"schema": 1}
    assert w.state.unit(w.uid).status is not None


def test_a_restart_during_a_resync_names_the_old_epochs_unrecorded_numbers() -> None:
    w = World()
    w.snapshot(10)  # record at 10 (its cursor), live at 10
    w.channel.on_update([b"status", json.dumps(w.status(15)).encode()], 2.0)  # 11..14 lost: a gap, resync
    assert w.channel.syncing
    w.snapshot(3, epoch="newepoch")  # the publisher restarted before it answered
    assert (10 + 1, 15, "epoch_ended") in [(f, t, why) for f, t, why in w.holes()]
    assert w.channel.counters.restarts == 1


def test_an_outcome_note_with_control_characters_is_refused_at_the_wire() -> None:
    w = World()
    w.snapshot(10)
    body = {"v": 2, "publisher": "ambulans", "epoch": EPOCH, "seq": 11, "ts": w.t + 11, "unit_id": w.uid,
            "case_id": 5, "code": "left_home_advice", "destination": None, "note": "a\u0000b"}
    w.channel.on_update([b"outcome", json.dumps(body).encode()], 2.0)
    assert w.channel.counters.rejected == {"schema": 1}
