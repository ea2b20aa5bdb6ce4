"""Every class of bad input is counted, quarantined and dropped while valid traffic keeps flowing."""

from __future__ import annotations

import json
from collections import Counter

from feed_helpers import lab_config, small_fleet, unit_ids, wait_until

from dispatch.feed.config import FeedEndpoint
from dispatch.feed.state import FleetState
from resources.vocabulary import UnitStatus


def test_every_bad_input_class_is_counted_and_valid_traffic_flows(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(pub, quarantine_size=50), state)
    wait_until(lambda: state.feeds()[0].synced and state.feeds()[0].messages > 0, pumps=(pub,), what="sync and heartbeats")
    expected: Counter[str] = Counter()
    for n in range(3):
        expected.update(pub.send_garbage(ids[0]))
        # another feed's unit on this feed
        other = unit_ids("mobila_team")[0]
        body = {"v": 1, "publisher": "ambulans", "epoch": pub.epoch, "seq": pub.seq + 1, "ts": 1.7e9,
                "unit_id": other, "status": "ledig_ute", "lat": 55.6, "lon": 13.0}
        pub.pub.send_multipart([b"status", json.dumps(body).encode()])
        expected["wrong_publisher"] += 1
        pub.publish_status(ids[n], UnitStatus.ON_SCENE, 55.7 + n / 100, 13.2, case_id=n + 1)
    wait_until(lambda: sum(state.feeds()[0].rejected_by_reason.values()) == sum(expected.values())
               and state.feeds()[0].seq == 3, pumps=(pub,), what="all rejects counted and valid updates applied")
    feed = state.feeds()[0]
    assert feed.rejected_by_reason == dict(expected)
    assert feed.gaps == 0 and feed.resyncs == 0, "rejected messages must not disturb the sequence"
    for n in range(3):
        view = state.unit(ids[n])
        assert (view.status, view.case_id) == (UnitStatus.ON_SCENE, n + 1)
    reasons = Counter(r.reason.value for r in sub.quarantine.items())
    assert reasons == expected
    assert all(r.detail for r in sub.quarantine.items())
    assert sub.running


def test_quarantine_is_bounded(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(pub, quarantine_size=5), state)
    wait_until(lambda: state.feeds()[0].synced and state.feeds()[0].messages > 0, pumps=(pub,), what="sync and heartbeats")
    for _ in range(10):
        pub.pub.send_multipart([b"status", b"nope"])
    wait_until(lambda: state.feeds()[0].rejected == 10, pumps=(pub,), what="ten rejects")
    assert len(sub.quarantine.items()) == 5


def test_messages_naming_another_publisher_are_rejected(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    impostor = make_publisher("mobila_team")
    state = FleetState(small_fleet())
    # configured as the ambulans feed, but the publisher says mobila_team
    config = lab_config(impostor).model_copy(update={"feeds": [FeedEndpoint(
        publisher="ambulans", updates=impostor.updates_endpoint, snapshot=impostor.snapshot_endpoint)]})
    make_subscriber(config, state)

    def sent_and_rejected() -> bool:
        impostor.publish_status(unit_ids("mobila_team")[0], UnitStatus.ALERTED, 55.6, 13.0)
        return state.feeds()[0].rejected_by_reason.get("wrong_publisher", 0) > 0

    wait_until(sent_and_rejected, pumps=(impostor,), what="impostor rejected")
    assert state.unit(unit_ids("mobila_team")[0]).status is None
