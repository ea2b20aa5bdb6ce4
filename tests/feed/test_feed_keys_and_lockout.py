"""Keys speak only for their own publisher, can be revoked without a restart, and no failed handshake
(wrong key, wrong mode, an oversized frame) locks a feed out: real sockets on loopback.

Publishers bind and the subscriber connects, so a test closes one publisher and binds another on the
same endpoints while the subscriber keeps running.
"""

from __future__ import annotations

import gc
import logging
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import zmq
from feed_helpers import lab_config, small_fleet, unit_ids, wait_until

from dispatch.feed.config import CurveSettings, FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import FeedPublisher, PublisherSecurity
from dispatch.feed.refusals import RefusalReason
from dispatch.feed.security import create_keys
from dispatch.feed.state import FeedView, FleetState
from resources.vocabulary import UnitStatus

AMB = unit_ids("ambulans")[0]
MakePublisher = Callable[..., FeedPublisher]


class Keys:
    """A larmcentral key pair, publisher key pairs on demand, and the allow-list directory."""

    def __init__(self, root: Path):
        self.dir, self.allowed = root / "keys", root / "allowed"
        self.allowed.mkdir(parents=True)
        self.server_public, self.server_secret = create_keys(self.dir, "larmcentral")

    def make(self, name: str, *, allow_as: str | None = None) -> PublisherSecurity:
        """A key pair `name`; its public key goes to the allow-list as `allow_as`.key if given."""
        public, secret = create_keys(self.dir, name)
        if allow_as is not None:
            shutil.copy(public, self.allowed / f"{allow_as}.key")
        return PublisherSecurity(str(secret), str(self.server_public))

    def config(self, *pubs: FeedPublisher) -> SubscriberConfig:
        return SubscriberConfig(
            feeds=[FeedEndpoint(publisher=p.publisher, updates=p.updates_endpoint,  # type: ignore[arg-type]
                                snapshot=p.snapshot_endpoint) for p in pubs],
            curve=CurveSettings(server_secret_key=self.server_secret, allowed_publishers=self.allowed))


def feed(state: FleetState, publisher: str = "ambulans") -> FeedView:
    return next(f for f in state.feeds() if f.publisher == publisher)


def refused(state: FleetState, reason: str, publisher: str = "ambulans") -> int:
    return feed(state, publisher).refused_by_reason.get(reason, 0)


def replace(make_publisher: MakePublisher, old: FeedPublisher, **kwargs: object) -> FeedPublisher:
    """Close `old` and bind a new publisher on its endpoints (retrying while the port is released)."""
    updates, snapshot = old.updates_endpoint, old.snapshot_endpoint
    old.close()
    deadline = time.monotonic() + 10
    with warnings.catch_warnings():  # a failed attempt leaves its sockets to the garbage collector
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            while True:
                try:
                    return make_publisher(old.publisher, updates=updates, snapshot=snapshot, **kwargs)
                except zmq.ZMQError as exc:
                    if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                        raise
                time.sleep(0.05)
        finally:
            gc.collect()


def received(state: FleetState, pub: FeedPublisher, status: UnitStatus) -> Callable[[], bool]:
    """A wait_until condition: publish `status` for AMB and see whether it has been applied."""
    def check() -> bool:
        pub.publish_status(AMB, status, 55.6, 13.0, case_id=1)
        return state.unit(AMB).status is status
    return check


def test_another_publishers_key_is_refused_on_this_feed(tmp_path, make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    keys = Keys(tmp_path)
    keys.make("ambulans", allow_as="ambulans")
    team = keys.make("mobila_team", allow_as="mobila_team")
    impostor = make_publisher("ambulans", security=team)  # mobila_team's key, body says "ambulans"
    state = FleetState(small_fleet())
    make_subscriber(keys.config(impostor), state)

    def refused_thrice() -> bool:
        impostor.publish_status(AMB, UnitStatus.ALERTED, 55.6, 13.0, case_id=1)
        return refused(state, "wrong_key") >= 3

    wait_until(refused_thrice, pumps=(impostor,), what="mobila_team's key refused on the ambulans feed")
    view = feed(state)
    assert view.messages == 0 and not view.synced and view.snapshots == 0
    assert state.unit(AMB).status is None
    assert view.auth_refused == sum(view.refused_by_reason.values())
    assert set(view.refused_by_reason) == {"wrong_key"}


def test_unknown_key_is_refused_and_stray_key_files_are_ignored(  # type: ignore[no-untyped-def]
        tmp_path, make_publisher, make_subscriber, caplog):
    caplog.set_level(logging.WARNING, logger="dispatch.feed")
    keys = Keys(tmp_path)
    shutil.copy(keys.server_public, keys.allowed)  # larmcentral.key: skipped silently
    stranger = keys.make("intrang", allow_as="intrang")  # names no publisher: ignored, with a warning
    pub = make_publisher("ambulans", security=stranger)
    state = FleetState(small_fleet())
    make_subscriber(keys.config(pub), state)

    def refused_once() -> bool:
        pub.publish_status(AMB, UnitStatus.ALERTED, 55.6, 13.0, case_id=1)
        return refused(state, "unknown_key") >= 1

    wait_until(refused_once, pumps=(pub,), what="a key in no allow-list file refused")
    assert state.unit(AMB).status is None and feed(state).messages == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("intrang.key" in m and "ingen känd publicist" in m for m in warnings)
    assert not any("larmcentral.key" in m for m in warnings)


def test_plain_publisher_then_curve_publisher_on_a_curve_feed(tmp_path, make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    keys = Keys(tmp_path)
    security = keys.make("ambulans", allow_as="ambulans")
    plain = make_publisher("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(keys.config(plain), state)

    wait_until(lambda: refused(state, "wrong_mode") >= 1, pumps=(plain,), what="plain publisher counted wrong_mode")
    assert state.unit(AMB).status is None
    good = replace(make_publisher, plain, security=security)
    wait_until(received(state, good, UnitStatus.EN_ROUTE), pumps=(good,), timeout=20,
               what="the CURVE publisher received on the same endpoint")
    assert sub.running


def test_curve_publisher_then_plain_publisher_on_a_lab_feed(  # type: ignore[no-untyped-def]
        tmp_path, make_publisher, make_subscriber, caplog):
    caplog.set_level(logging.WARNING, logger="dispatch.feed")
    keys = Keys(tmp_path)
    curve = make_publisher("ambulans", security=keys.make("ambulans", allow_as="ambulans"))
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(curve), state)

    wait_until(lambda: refused(state, "wrong_mode") >= 1, pumps=(curve,),
               what="a CURVE publisher on a plain feed counted wrong_mode")
    assert any("ambulans" in r.getMessage() and "wrong_mode" in r.getMessage() for r in caplog.records)
    assert state.unit(AMB).status is None
    plain = replace(make_publisher, curve)
    wait_until(received(state, plain, UnitStatus.EN_ROUTE), pumps=(plain,), timeout=20,
               what="the plain publisher received on the same endpoint")
    assert sub.running and feed(state).auth_refused >= 1


def test_wrong_key_then_right_key_on_the_same_endpoint(tmp_path, make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    keys = Keys(tmp_path)
    right = keys.make("ambulans", allow_as="ambulans.2026-12")  # a rotation file name counts as ambulans
    wrong = make_publisher("ambulans", security=keys.make("raddningstjanst", allow_as="raddningstjanst"))
    state = FleetState(small_fleet())
    sub = make_subscriber(keys.config(wrong), state)

    def refused_twice() -> bool:
        wrong.publish_status(AMB, UnitStatus.ALERTED, 55.6, 13.0, case_id=1)
        return refused(state, "wrong_key") >= 2

    wait_until(refused_twice, pumps=(wrong,), what="the wrong key refused twice")
    assert state.unit(AMB).status is None
    good = replace(make_publisher, wrong, security=right)
    wait_until(received(state, good, UnitStatus.EN_ROUTE), pumps=(good,), timeout=20,
               what="the right key received on the same endpoint")
    assert sub.running and refused(state, "unknown_key") == 0


def test_revoked_key_is_dropped_and_a_restored_key_comes_back(tmp_path, make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    keys = Keys(tmp_path)
    pub = make_publisher("ambulans", security=keys.make("ambulans", allow_as="ambulans"))
    state = FleetState(small_fleet())
    sub = make_subscriber(keys.config(pub), state)
    wait_until(received(state, pub, UnitStatus.EN_ROUTE), pumps=(pub,), what="the allowed key received")

    key_file, kept = keys.allowed / "ambulans.key", tmp_path / "ambulans.key.kept"
    key_file.rename(kept)  # revoke: the connection already made must go too
    wait_until(lambda: refused(state, "unknown_key") >= 1, pumps=(pub,), what="the revoked key refused")
    pub.publish_status(AMB, UnitStatus.ON_SCENE, 55.6, 13.0, case_id=1)
    first = refused(state, "unknown_key")
    wait_until(lambda: refused(state, "unknown_key") >= first + 2, pumps=(pub,),
               what="the revoked key refused again")
    assert state.unit(AMB).status is UnitStatus.EN_ROUTE  # nothing sent after the revocation was applied

    kept.rename(key_file)
    wait_until(received(state, pub, UnitStatus.ON_SCENE), pumps=(pub,), timeout=20,
               what="the restored key received again")
    assert sub.running


def test_oversized_frame_does_not_lock_the_feed_out(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(pub), state)
    wait_until(received(state, pub, UnitStatus.EN_ROUTE), pumps=(pub,), what="the feed received")

    pub.pub.send_multipart([b"status", b"x" * (2 * 1024 * 1024)])  # over the SUB socket's maxmsgsize
    wait_until(received(state, pub, UnitStatus.ON_SCENE), pumps=(pub,), timeout=20,
               what="the feed received again after the oversized frame")
    view = feed(state)
    assert view.rejected == 0, view.rejected_by_reason  # never read: libzmq dropped the connection instead
    assert sub.running


def test_a_long_silent_feed_is_reconnected_and_resynchronised(make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    pub = make_publisher("ambulans")
    state = FleetState(small_fleet())
    sub = make_subscriber(lab_config(pub, feed_stale_after_s=0.2), state)
    wait_until(received(state, pub, UnitStatus.EN_ROUTE), pumps=(pub,), what="the feed received")
    before = feed(state).resyncs
    wait_until(lambda: feed(state).resyncs > before, pumps=(pub,), heartbeat=False,
               what="the silent feed reconnected (and so resynchronised)")
    wait_until(received(state, pub, UnitStatus.ON_SCENE), pumps=(pub,), what="the feed received after it")
    assert sub.running and feed(state).auth_refused == 0


def test_the_protocol_document_names_every_refusal_reason() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "feed-protocol.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 6."):doc.index("## 7.")]
    for reason in RefusalReason:
        assert f"| `{reason.value}` |" in section, reason
    assert "ambulans.<label>.key" in section and "zap_domain" in section
