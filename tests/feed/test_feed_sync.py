"""Clone-pattern behaviour over real sockets: late join, gaps, restarts, staleness, merging feeds."""

from __future__ import annotations

from feed_helpers import lab_config, small_fleet, unit_ids, wait_until

from dispatch.feed.record_items import CursorItem, HoleItem, RecordItem, StatusItem
from dispatch.feed.state import FleetState
from resources.vocabulary import UnitStatus

MALMO = (55.6050, 13.0038)


def publisher_view(pub):  # type: ignore[no-untyped-def]
    return {uid: (UnitStatus(e["status"]), e["lat"], e["lon"], e["case_id"]) for uid, e in pub.units.items()}


def state_view(state: FleetState, ids):  # type: ignore[no-untyped-def]
    return {v.unit_id: (v.status, v.lat, v.lon, v.case_id) for v in state.units_by_id(ids)}


def test_late_joiner_gets_the_snapshot(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    for i, uid in enumerate(ids):
        pub.publish_status(uid, UnitStatus.EN_ROUTE, MALMO[0] + i / 1000, MALMO[1], case_id=100 + i)
    # Nobody was listening: these updates are gone; only the snapshot can tell the subscriber.
    state = FleetState(small_fleet())
    make_subscriber(lab_config(pub), state)
    wait_until(lambda: state_view(state, ids) == publisher_view(pub), pumps=(pub,), what="snapshot applied")
    feed = {f.publisher: f for f in state.feeds()}["ambulans"]
    assert feed.snapshots >= 1 and feed.synced and feed.seq == len(ids)
    assert not any(v.stale for v in state.units_by_id(ids))


def test_gap_triggers_resync_without_loss_or_duplicates(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state = FleetState(small_fleet())
    items: list[RecordItem] = []
    make_subscriber(lab_config(pub), state, record_sink=items.extend)
    wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="first sync")
    statuses = list(UnitStatus)
    pub.drop_rate = 0.3  # the publisher counts these but never sends them: gaps
    for n in range(300):
        uid = ids[n % len(ids)]
        pub.publish_status(uid, statuses[n % len(statuses)], MALMO[0] + n / 10000, MALMO[1], case_id=n + 1)
    pub.drop_rate = 0.0
    assert pub.dropped > 0
    wait_until(lambda: state_view(state, ids) == publisher_view(pub) and state.feeds()[0].seq == pub.seq,
               pumps=(pub,), what="state equal to the publisher's after resync")
    feed = state.feeds()[0]
    assert feed.gaps >= 1 and feed.resyncs >= 1
    # The record gets every numbered update: the dropped ones replayed from the publisher's buffer.
    wait_until(lambda: any(isinstance(i, CursorItem) and i.seq == pub.seq for i in items), pumps=(pub,),
               what="record complete up to the last update")
    stored = {i.seq for i in items if isinstance(i, StatusItem)}
    assert stored == set(range(1, 301))
    assert not [i for i in items if isinstance(i, HoleItem)]
    feed = state.feeds()[0]
    assert feed.replays >= 1 and feed.replayed >= pub.dropped


def test_publisher_restart_is_detected(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state = FleetState(small_fleet())
    make_subscriber(lab_config(pub), state)
    for uid in ids:
        pub.publish_status(uid, UnitStatus.AVAILABLE_AT_STATION, *MALMO)
    wait_until(lambda: state.feeds()[0].seq == len(ids), pumps=(pub,), what="first updates")
    old_epoch = state.feeds()[0].epoch
    pub.restart()
    pub.publish_status(ids[0], UnitStatus.ALERTED, *MALMO, case_id=7)
    wait_until(lambda: state.unit(ids[0]).status is UnitStatus.ALERTED, pumps=(pub,), what="update after restart")
    feed = state.feeds()[0]
    assert feed.restarts == 1
    assert feed.epoch == pub.epoch != old_epoch
    assert feed.seq == 1
    assert state.unit(ids[0]).case_id == 7


def test_silence_makes_units_and_feed_stale(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state = FleetState(small_fleet(), unit_stale_after=0.3, feed_stale_after=0.3)
    make_subscriber(lab_config(pub), state)
    for uid in ids:
        pub.publish_status(uid, UnitStatus.AVAILABLE_AT_STATION, *MALMO)
    wait_until(lambda: not any(v.stale for v in state.units_by_id(ids)), pumps=(pub,), what="fresh units")
    assert state.unit(ids[0]).available
    pub.silent = True  # no updates, no heartbeats
    wait_until(lambda: all(v.stale for v in state.units_by_id(ids)), timeout=5, heartbeat=False, what="stale units")
    view = state.unit(ids[0])
    assert not view.available and view.status_label.startswith("Ingen kontakt")
    assert state.feeds()[0].stale
    pub.silent = False
    pub.publish_status(ids[0], UnitStatus.AVAILABLE_OUT, *MALMO)
    wait_until(lambda: not state.unit(ids[0]).stale, pumps=(pub,), what="unit heard again")
    assert state.unit(ids[0]).status is UnitStatus.AVAILABLE_OUT


def test_unit_silent_while_feed_beats_goes_stale(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    ids = unit_ids("ambulans")
    state = FleetState(small_fleet(), unit_stale_after=0.3, feed_stale_after=5)
    make_subscriber(lab_config(pub), state)
    for uid in ids:
        pub.publish_status(uid, UnitStatus.AVAILABLE_AT_STATION, *MALMO)
    wait_until(lambda: not state.unit(ids[1]).stale, pumps=(pub,), what="fresh units")

    def only_first_reports() -> bool:
        pub.publish_status(ids[0], UnitStatus.AVAILABLE_AT_STATION, *MALMO)
        return state.unit(ids[1]).stale

    wait_until(only_first_reports, pumps=(pub,), what="silent unit stale")
    assert not state.unit(ids[0]).stale
    assert not state.feeds()[0].stale


def test_two_feeds_merge(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    amb = make_publisher("ambulans")
    team = make_publisher("mobila_team")
    state = FleetState(small_fleet())
    make_subscriber(lab_config(amb, team), state)
    for i, uid in enumerate(unit_ids("ambulans")):
        amb.publish_status(uid, UnitStatus.EN_ROUTE, MALMO[0] + i / 1000, MALMO[1], case_id=i + 1)
    for i, uid in enumerate(unit_ids("mobila_team")):
        team.publish_status(uid, UnitStatus.ON_SCENE, MALMO[0], MALMO[1] + i / 1000, case_id=50 + i)
    expected = publisher_view(amb) | publisher_view(team)
    wait_until(lambda: state_view(state, expected) == expected, pumps=(amb, team), what="both feeds applied")
    feeds = {f.publisher: f for f in state.feeds()}
    assert feeds["ambulans"].seq == len(unit_ids("ambulans"))
    assert feeds["mobila_team"].seq == len(unit_ids("mobila_team"))
    changed = state.drain_changes()
    assert set(expected) <= changed
    assert state.drain_changes() == set()  # coalesced: each id once, then nothing new


def test_outcomes_reach_the_callback_once_in_order(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    uid = unit_ids("ambulans")[0]
    got = []
    state = FleetState(small_fleet())
    make_subscriber(lab_config(pub), state, on_outcome=got.append)
    wait_until(lambda: state.feeds()[0].synced, pumps=(pub,), what="sync")
    pub.publish_outcome(uid, 11, "treated_left_home")
    pub.publish_outcome(uid, 12, "transported_ed", destination="AKM_LUND")
    wait_until(lambda: len(got) == 2, pumps=(pub,), what="two outcomes")
    assert [(o.case_id, o.code, o.destination) for o in got] == [
        (11, "treated_left_home", None), (12, "transported_ed", "AKM_LUND")]
