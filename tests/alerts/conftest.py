"""Fixtures for the alert protocol tests: CURVE keys as a centre has them, the larmcentral's alert sender on
loopback with short time limits, and cases brought to väntrummet through the commands (tests/commands' World)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zmq.auth

sys.path.insert(0, str(Path(__file__).parents[1] / "commands"))
sys.path.insert(0, str(Path(__file__).parents[1] / "outcomes"))

from command_world import World  # noqa: E402
from gateway_client import GatewayClient  # noqa: E402

from commands.alert_service import AlertService  # noqa: E402

PUBLISHERS = ("ambulans", "mobila_team", "skanetrafiken", "raddningstjanst")


@dataclass(frozen=True)
class Keys:
    """`larmcentral.key_secret`, each publisher's `NAME.key_secret`, and the allow-list directory with the
    publishers' public keys (docs/feed-protocol.md 6: the same keys serve the alerts)."""

    directory: Path
    allowed: Path

    def secret(self, name: str) -> str:
        return str(self.directory / f"{name}.key_secret")

    @property
    def server_public(self) -> str:
        return str(self.directory / "larmcentral.key")


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys")
    allowed = directory / "allowed"
    allowed.mkdir()
    for name in ("larmcentral", *PUBLISHERS):
        public, _ = zmq.auth.create_certificates(str(directory), name)
        if name != "larmcentral":
            shutil.copy(public, allowed / f"{name}.key")
    return Keys(directory, allowed)


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Acknowledgement within 2.5 s at every priority (room for three sends on a loaded machine: 0.8 s timed out
    before the third send arrived once under load), resends after 0.1 s doubling to 0.4 s."""
    monkeypatch.setenv("LARMCENTRAL_ALERT_ACK_TIMEOUTS", "1=2.5,2=2.5,3=2.5,hänvisning=2.5")
    monkeypatch.setenv("LARMCENTRAL_ALERT_RESEND_FIRST_S", "0.1")
    monkeypatch.setenv("LARMCENTRAL_ALERT_RESEND_MAX_S", "0.4")


@pytest.fixture
def world(db, make_actor, tmp_path) -> World:  # type: ignore[no-untyped-def]
    return World.make(db, make_actor, tmp_path)


@pytest.fixture
def sender(world: World, keys: Keys, short_limits: None) -> Iterator[AlertService]:
    """The larmcentral's alert sender, CURVE on, every publisher's endpoint on an ephemeral loopback port."""
    service = AlertService(world.db, {p: "tcp://127.0.0.1:*" for p in PUBLISHERS},
                           server_secret_key=Path(keys.secret("larmcentral")), allowed_publishers=keys.allowed,
                           console="test-konsol", stale_after=1.0, poll_s=0.02)
    service.start()
    yield service
    service.stop()


@pytest.fixture
def gateway(sender: AlertService, keys: Keys) -> Iterator[Callable[..., GatewayClient]]:
    """gateway(publisher, key=publisher) → a started GatewayClient on `publisher`'s endpoint holding `key`'s pair."""
    started: list[GatewayClient] = []

    def make(publisher: str = "ambulans", key: str | None = None, **options: object) -> GatewayClient:
        client = GatewayClient(sender.bound[publisher], publisher, secret_key_file=keys.secret(key or publisher),
                               server_public_file=keys.server_public, heartbeat_s=0.2, **options)  # type: ignore[arg-type]
        started.append(client.start())
        return client

    yield make
    for client in started:
        client.stop()
