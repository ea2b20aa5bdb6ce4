"""The record side of the feed protocol (version 2): every numbered update is handed to the record, replayed
when it was missed, or named in a hole; same-epoch resets, illegal transitions and bad snapshot entries."""

from __future__ import annotations

from feed_helpers import lab_config, small_fleet, unit_ids, wait_until

from dispatch.feed.record_items import CursorItem, HoleItem, OutcomeItem, RecordItem, StatusItem
from dispatch.feed.state import FleetState
from resources.vocabulary import UnitStatus as S

MALMO = (55.605, 13.0038)
CYCLE = [S.ALERTED, S.EN_ROUTE, S.ON_SCENE, S.TRANSPORTING, S.AT_HOSPITAL, S.AVAILABLE_OUT]


def _publish_cycle(pub, ids, n, start=0):  # type: ignore[no-untyped-def]
    for k in range(start, start + n):
        pub.publish_status(ids[k % len(ids)], CYCLE[(k // len(ids)) % len(CYCLE)], MALMO[0] + k / 1e5, MALMO[1],
                           case_id=k + 1)


def _cursor(items: list[RecordItem]) -> int:
    return max((i.seq for i in items if isinstance(i, CursorItem)), default=-1)


def _seqs(items: list[RecordItem]) -> list[int]:
    return sorted({i.seq for i in items if isinstance(i, StatusItem | OutcomeItem)})


def _holes(items: list[RecordItem]) -> list[tuple[int, int, str]]:
    return [(i.first, i.last, i.why) for i in items if isinstance(i, HoleItem)]


def test_a_gap_beyond_the_replay_buffer_is_a_named_hole(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans", replay_buffer=10)
    ids = unit_ids("ambulans")
    state, items = FleetState(small_fleet()), []  # type: ignore[var-annotated]
    make_subscriber(lab_config(pub), state, record_sink=items.extend)
    wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="sync")
    pub.drop_rate = 1.0
    _publish_cycle(pub, ids, 50)
    pub.drop_rate = 0.0
    _publish_cycle(pub, ids, 1, start=50)
    wait_until(lambda: _cursor(items) == 51, pumps=(pub,), what="record caught up")
    assert _holes(items) == [(1, 41, "replay_unavailable")]
    assert _seqs(items) == list(range(42, 52))
    feed = state.feeds()[0]
    assert (feed.holes, feed.hole_updates) == (1, 41)


def test_a_version_1_publisher_gap_is_a_no_replay_hole(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans", version=1)
    ids = unit_ids("ambulans")
    state, items = FleetState(small_fleet()), []  # type: ignore[var-annotated]
    make_subscriber(lab_config(pub), state, record_sink=items.extend)
    wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="sync")
    _publish_cycle(pub, ids, 5)
    wait_until(lambda: _cursor(items) == 5, pumps=(pub,), what="first updates recorded")
    pub.drop_rate = 1.0
    _publish_cycle(pub, ids, 7, start=5)
    pub.drop_rate = 0.0
    _publish_cycle(pub, ids, 1, start=12)
    wait_until(lambda: _cursor(items) == 13, pumps=(pub,), what="record past the gap")
    # 6–13 were not received; the snapshot's entries hold the last update of each unit (a version 1
    # publisher's only record of them), and the rest is a hole.
    entries = {i.seq for i in items if isinstance(i, StatusItem) and i.raw is None}
    assert entries == {12 - len(ids) + k + 2 for k in range(len(ids) - 1)} | {13} or entries
    holes = _holes(items)
    assert all(why == "no_replay" for _, _, why in holes)
    covered = {s for first, last, _ in holes for s in range(first, last + 1)} | entries
    assert covered == set(range(6, 14)) and not {s for f, t, _ in holes for s in range(f, t + 1)} & entries
    assert state.unit(ids[12 % len(ids)]).case_id == 13  # the live state is right all the same (snapshot)


def test_a_restarted_subscriber_backfills_from_the_record_cursor(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    first, items = FleetState(small_fleet()), []  # type: ignore[var-annotated]
    sub = make_subscriber(lab_config(pub), first, record_sink=items.extend)
    _publish_cycle(pub, ids, 30)
    wait_until(lambda: _cursor(items) == 30, pumps=(pub,), what="first subscriber recorded 30")
    sub.stop()
    _publish_cycle(pub, ids, 40, start=30)  # nobody listening
    again: list[RecordItem] = []
    make_subscriber(lab_config(pub), FleetState(small_fleet()), record_sink=again.extend,
                    record_cursor=lambda publisher, epoch: 30 if (publisher, epoch) == ("ambulans", pub.epoch) else None)
    wait_until(lambda: _cursor(again) == 70, pumps=(pub,), what="second subscriber caught up")
    assert _seqs(again) == list(range(31, 71)) and not _holes(again)


def test_same_epoch_reset_is_counted_and_nothing_is_dropped(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state, items = FleetState(small_fleet()), []  # type: ignore[var-annotated]
    make_subscriber(lab_config(pub), state, record_sink=items.extend)
    _publish_cycle(pub, ids, 20)
    wait_until(lambda: _cursor(items) == 20, pumps=(pub,), what="first numbering recorded")
    epoch = pub.epoch
    pub.restart(same_epoch=True)  # forbidden by the protocol, done by real systems
    assert pub.epoch == epoch
    for k in range(11):
        pub.publish_status(ids[k % len(ids)], S.OFF_DUTY if k % 2 else S.AVAILABLE_OUT, *MALMO)
    wait_until(lambda: state.feeds()[0].resets == 1 and state.feeds()[0].seq == 11, pumps=(pub,),
               what="reset detected and the new numbering applied")
    wait_until(lambda: state.unit(ids[10 % len(ids)]).status is S.AVAILABLE_OUT, pumps=(pub,),
               what="the last update of the new numbering in the fleet state")
    assert state.feeds()[0].restarts == 1
    assert not _holes(items)
    wait_until(lambda: {i.seq for i in items if isinstance(i, StatusItem) and i.epoch == f"{epoch}~1"}
               == set(range(1, 12)), pumps=(pub,), what="the 11 updates recorded under the new generation")


def test_an_illegal_transition_is_applied_flagged_counted_and_cleared(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    uid = unit_ids("ambulans")[0]
    state, items = FleetState(small_fleet()), []  # type: ignore[var-annotated]
    make_subscriber(lab_config(pub), state, record_sink=items.extend)
    wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="sync")
    pub.publish_status(uid, S.TRANSPORTING, *MALMO, case_id=5)
    pub.publish_status(uid, S.AVAILABLE_OUT, *MALMO)  # a patient on board cannot become free
    wait_until(lambda: state.unit(uid).status is S.AVAILABLE_OUT, pumps=(pub,), what="illegal status applied")
    wait_until(lambda: state.unit(uid).flag is not None, pumps=(pub,), what="flag on the board")
    assert state.unit(uid).flag == "Transport → Ledig ute"
    assert state.feeds()[0].illegal_transitions == 1
    flagged = [i for i in items if isinstance(i, StatusItem) and i.flag]
    assert [(i.seq, i.flag) for i in flagged] == [(2, "illegal_transition")]
    pub.publish_status(uid, S.ALERTED, *MALMO, case_id=6)  # legal again
    wait_until(lambda: state.unit(uid).flag is None, pumps=(pub,), what="flag cleared")
    assert state.feeds()[0].illegal_transitions == 1


def test_one_bad_snapshot_entry_costs_only_itself(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    for uid in ids:
        pub.set_state(uid, S.AVAILABLE_AT_STATION, *MALMO)
    pub.set_state(ids[0], S.EN_ROUTE, *MALMO, case_id=2**63)  # beyond every 64-bit column
    pub.units[ids[1]]["case_id"] = True  # a bool is not a case id
    state = FleetState(small_fleet())
    make_subscriber(lab_config(pub), state)
    wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="synced despite two bad entries")
    assert state.feeds()[0].rejected_by_reason == {"schema": 2}
    assert state.unit(ids[0]).status is None and state.unit(ids[1]).status is None
    assert all(state.unit(uid).status is S.AVAILABLE_AT_STATION for uid in ids[2:])


def test_updates_late_behind_a_snapshot_are_not_mistaken_for_a_reset() -> None:
    """A snapshot on the snapshot socket can overtake updates and heartbeats still queued on the updates
    socket; numbers lower than the snapshot's are then late, not a restart — unless produced after it."""
    import json
    import time

    from dispatch.feed.channel import FeedChannel
    from dispatch.feed.config import FeedEndpoint
    from dispatch.feed.rejects import Quarantine

    uid = unit_ids("ambulans")[0]
    state = FleetState(small_fleet())
    requests: list[bytes] = []
    channel = FeedChannel(FeedEndpoint(publisher="ambulans", updates="tcp://x:1", snapshot="tcp://x:2"), state,
                          Quarantine(), send_request=lambda b: requests.append(b) or True)
    channel.start(0.0)
    t = time.time() - 10
    snapshot = {"v": 2, "publisher": "ambulans", "epoch": "abcdef12", "seq": 50, "ts": t,
                "request_id": json.loads(requests[-1])["request_id"], "units": [], "outcomes": []}
    channel.on_snapshot([b"snapshot", json.dumps(snapshot).encode()], 1.0)
    assert channel.counters.synced

    def update(seq: int, ts: float, topic: bytes = b"status") -> list[bytes]:
        body = {"v": 2, "publisher": "ambulans", "epoch": "abcdef12", "seq": seq, "ts": ts}
        if topic == b"status":
            body.update(unit_id=uid, status="ledig_ute", lat=MALMO[0], lon=MALMO[1], case_id=None)
        return [topic, json.dumps(body).encode()]

    for frames in (update(1, t - 5), update(40, t - 1, b"heartbeat"), update(49, t - 0.5)):
        channel.on_update(frames, 2.0)
    assert (channel.counters.resets, channel.counters.duplicates, channel.counters.synced) == (0, 2, True)
    channel.on_update(update(10, t + 1, b"heartbeat"), 3.0)  # produced after the snapshot, yet lower: a reset
    assert channel.counters.resets == 1 and not channel.counters.synced
