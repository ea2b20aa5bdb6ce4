"""CURVE: only allow-listed publisher keys get through; plain TCP needs insecure_lab."""

from __future__ import annotations

import shutil

import pytest
from feed_helpers import small_fleet, unit_ids, wait_until
from pydantic import ValidationError

from dispatch.feed.config import CurveSettings, FeedEndpoint, SubscriberConfig
from dispatch.feed.publisher import PublisherSecurity
from dispatch.feed.security import create_keys
from dispatch.feed.state import FleetState
from resources.vocabulary import UnitStatus


def test_unauthorised_publisher_key_is_refused(tmp_path, make_publisher, make_subscriber):  # type: ignore[no-untyped-def]
    keys, allowed = tmp_path / "keys", tmp_path / "allowed"
    allowed.mkdir()
    server_public, server_secret = create_keys(keys, "larmcentral")
    amb_public, amb_secret = create_keys(keys, "ambulans")
    _, intruder_secret = create_keys(keys, "intrang")
    shutil.copy(amb_public, allowed)  # only the ambulans key is allowed
    good = make_publisher("ambulans", security=PublisherSecurity(str(amb_secret), str(server_public)))
    bad = make_publisher("mobila_team", security=PublisherSecurity(str(intruder_secret), str(server_public)))
    config = SubscriberConfig(
        feeds=[FeedEndpoint(publisher=p.publisher, updates=p.updates_endpoint, snapshot=p.snapshot_endpoint)  # type: ignore[arg-type]
               for p in (good, bad)],
        curve=CurveSettings(server_secret_key=server_secret, allowed_publishers=allowed))
    state = FleetState(small_fleet())
    make_subscriber(config, state)
    amb, team = unit_ids("ambulans")[0], unit_ids("mobila_team")[0]

    def publish_both() -> bool:
        good.publish_status(amb, UnitStatus.EN_ROUTE, 55.6, 13.0, case_id=1)
        bad.publish_status(team, UnitStatus.EN_ROUTE, 55.6, 13.0, case_id=2)
        feeds = {f.publisher: f for f in state.feeds()}
        return state.unit(amb).status is UnitStatus.EN_ROUTE and feeds["mobila_team"].auth_refused > 0

    wait_until(publish_both, pumps=(good, bad), what="allowed key through and intruder refused")
    feeds = {f.publisher: f for f in state.feeds()}
    assert feeds["mobila_team"].messages == 0 and not feeds["mobila_team"].synced
    assert state.unit(team).status is None
    assert feeds["ambulans"].synced and feeds["ambulans"].auth_refused == 0
    assert set(feeds["mobila_team"].refused_by_reason) == {"unknown_key"}
    assert feeds["mobila_team"].auth_refused == feeds["mobila_team"].refused_by_reason["unknown_key"]


def test_plain_tcp_needs_explicit_lab_flag() -> None:
    feeds = [{"publisher": "ambulans", "updates": "tcp://127.0.0.1:1", "snapshot": "tcp://127.0.0.1:2"}]
    with pytest.raises(ValidationError, match="insecure_lab"):
        SubscriberConfig.model_validate({"feeds": feeds})
    assert SubscriberConfig.model_validate({"feeds": feeds, "insecure_lab": True}).insecure_lab
