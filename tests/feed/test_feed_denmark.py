"""A unit reporting a position in Copenhagen or in Halland is rejected as outside Skåne (regression:
the feed checked only a bounding box around Skåne, which also holds Copenhagen and Helsingør, and
then the box minus an Öresund line, which still held Laholm in Halland)."""

from __future__ import annotations

from feed_helpers import lab_config, small_fleet, unit_ids, wait_until

from dispatch.feed.state import FleetState
from resources.vocabulary import UnitStatus


def test_position_in_denmark_is_rejected_and_valid_traffic_flows(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(pub, quarantine_size=10), state)
    wait_until(lambda: state.feeds()[0].synced and state.feeds()[0].messages > 0, pumps=(pub,), what="sync")
    pub.publish_status(ids[0], UnitStatus.AVAILABLE_OUT, 55.68, 12.57)  # Copenhagen
    pub.publish_status(ids[1], UnitStatus.ON_SCENE, 56.046, 12.694, case_id=7)  # Helsingborg
    pub.publish_status(ids[2], UnitStatus.AVAILABLE_OUT, 56.5127, 13.0446)  # Laholm, Halland
    wait_until(lambda: state.feeds()[0].rejected_by_reason.get("outside_skane", 0) >= 2
               and state.unit(ids[1]).case_id == 7, pumps=(pub,), what="rejects and valid update")
    assert state.unit(ids[0]).lat != 55.68
    assert state.unit(ids[2]).lat != 56.5127
    assert {r.reason.value for r in sub.quarantine.items()} == {"outside_skane"}


def test_reject_details_are_swedish(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    """Quarantine details read by the operators are Swedish (regression: pydantic's English text)."""
    import json

    pub = make_publisher("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(pub, quarantine_size=10), state)
    wait_until(lambda: state.feeds()[0].synced and state.feeds()[0].messages > 0, pumps=(pub,), what="sync")
    body = {"v": 1, "publisher": "ambulans", "epoch": pub.epoch, "seq": pub.seq + 1, "ts": 1.7e9,
            "unit_id": unit_ids("ambulans")[0], "status": "flyger", "lat": 55.6, "lon": 13.0}
    pub.pub.send_multipart([b"status", json.dumps(body).encode()])
    pub.pub.send_multipart([b"status", b"{1: 2}"])
    wait_until(lambda: len(sub.quarantine.items()) == 2, pumps=(pub,), what="two rejects")
    details = " ".join(r.detail for r in sub.quarantine.items())
    assert "status: måste vara ett av" in details and "ogiltig JSON" in details
    assert "Input should" not in details and "Invalid JSON" not in details
