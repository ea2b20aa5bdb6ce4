"""The alert sender of `feed serve` follows the lead (dispatch/feed/cli.py, _AlertRunner): it binds the alert
endpoints while its process leads and lets them go when it stops leading; the process that takes over binds them and
carries on from the database — an assignment stored while nobody sent is delivered after the takeover, and what was
delivered before is not acted on again. The gateway keeps its connection settings throughout (ZeroMQ reconnects)."""

from __future__ import annotations

import socket

import pytest
from command_world import World
from gateway_client import GatewayClient, wait_for
from sqlalchemy import select

from commands import run
from dispatch.feed.cli import _AlertRunner
from dispatch.feed.config import FeedEndpoint, SubscriberConfig
from outcomes.system_jobs import feed_actor
from records.case_state import CaseStatus
from records.db import transaction
from records.models import UnitAlert

pytestmark = pytest.mark.zmq


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _acked(world: World) -> list[int]:
    with world.db() as s:
        return list(s.scalars(select(UnitAlert.acked_seq).order_by(UnitAlert.id)))


def test_the_sender_follows_the_lead_and_the_next_leader_carries_on(world: World, short_limits: None) -> None:
    endpoint = f"tcp://127.0.0.1:{free_port()}"
    config = SubscriberConfig(feeds=[FeedEndpoint(publisher="ambulans", updates="tcp://127.0.0.1:1",
                                                  snapshot="tcp://127.0.0.1:2", alerts=endpoint)], insecure_lab=True)
    with transaction(world.db) as s:
        actor = feed_actor(s, "feed-1")
    leading = [True]
    first = _AlertRunner(world.db, actor, config, when=lambda: leading[0])
    second = _AlertRunner(world.db, actor, config, when=lambda: not leading[0])  # the other `feed serve`
    gw = GatewayClient(endpoint, "ambulans", heartbeat_s=0.1).start()
    try:
        first.tick(quiet=True)
        second.tick(quiet=True)
        assert first.service is not None and second.service is None
        one = world.case_in(CaseStatus.WAITING)
        world.assign(one)
        wait_for(lambda: len(gw.alerts_applied()) == 1, what="delivered by the leader")

        leading[0] = False  # the lead passes: the first lets the endpoint go before the second binds it
        first.tick(quiet=True)
        assert first.service is None
        two = world.case_in(CaseStatus.WAITING)
        cmd = world.assign_command(two)
        alternative = next(a["unit_id"] for a in cmd.recommendation_shown["parts"][0]["alternatives"]
                           if a["unit_id"].startswith(("AMB", "LST")) and a["unit_id"] != gw.alerts_applied()[0]
                           .body["unit_id"])
        run(world.db, world.dispatcher, cmd.model_copy(update={"unit_id": alternative, "deviation_reason": "Test"}))
        second.tick(quiet=True)
        assert second.service is not None
        wait_for(lambda: len(gw.alerts_applied()) == 2, what="the stored alert delivered after the takeover")
        assert [a.body["case_id"] for a in gw.alerts_applied()] == [one, two]  # the first not acted on again
        wait_for(lambda: _acked(world) == [1, 1], what="both acknowledged")
    finally:
        first.stop()
        second.stop()
        gw.stop()
