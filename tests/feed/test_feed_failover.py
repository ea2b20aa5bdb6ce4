"""Nothing is lost when `feed serve` dies: real processes, real sockets, real databases.

A scripted publisher (failover_publisher.py, its own process) publishes a status change of an `ambulans` unit
at a steady rate; every update is a real change, so the record must hold every (publisher, epoch, seq) of its
epoch. (a) A sole `feed serve` is killed with SIGKILL mid-flow and started again: it backfills from its cursor
by replay. (b) Two `feed serve` processes share one PostgreSQL: the leader is killed with SIGKILL mid-flow, the
follower takes the lead (the time it took is printed) and backfills. Afterwards the record holds every numbered
update exactly once and names no hole (the publisher's replay buffer covers the downtime).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from dispatch.feed.config import FeedEndpoint, SubscriberConfig, save_subscriber_config
from outcomes.system_jobs import FEED_USER, provision_system_user
from records.db import make_engine, migrate, session_factory
from records.identity import provision_and_sign_in
from records.models import FeedHole, UnitStatusEvent
from records.tokens import create_token, new_token, token_hash
from resources.vocabulary import Role

REPO = Path(__file__).resolve().parents[2]
PUBLISHER = Path(__file__).with_name("failover_publisher.py")
RATE = 100  # updates per second
LEADS = "leder nu lagringen av flödena"  # dispatch.feed.leader's log line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Central:
    """One database with system.flöde's token, a feed config for the publisher's ports, and the processes."""

    url: str
    tmp: Path
    reader: Engine
    env: dict[str, str]
    config: Path
    ports: tuple[int, int]
    procs: list[subprocess.Popen] = field(default_factory=list)  # type: ignore[type-arg]
    serves: dict[str, subprocess.Popen] = field(default_factory=dict)  # type: ignore[type-arg]
    publisher: subprocess.Popen | None = None  # type: ignore[type-arg]
    epoch: str = ""

    def start_publisher(self) -> None:
        self.publisher = subprocess.Popen(
            [sys.executable, str(PUBLISHER), "--updates-port", str(self.ports[0]), "--snapshot-port",
             str(self.ports[1]), "--rate", str(RATE)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=self.env)
        self.procs.append(self.publisher)
        assert self.publisher.stdout is not None
        ready = self.publisher.stdout.readline().split()
        assert ready[:1] == ["ready"], f"the publisher did not start: {ready}"
        self.epoch = ready[1]

    def stop_publishing(self) -> int:
        """The publisher stops publishing (it keeps answering replays); returns its last sequence number."""
        assert self.publisher is not None and self.publisher.stdin is not None and self.publisher.stdout is not None
        self.publisher.stdin.write("stop\n")
        self.publisher.stdin.flush()
        stopped = self.publisher.stdout.readline().split()
        assert stopped[:2] == ["stopped", self.epoch], stopped
        return int(stopped[2])

    def serve(self, name: str) -> subprocess.Popen:  # type: ignore[type-arg]
        with open(self.tmp / f"{name}.out", "w") as out, open(self.tmp / f"{name}.err", "w") as err:
            proc = subprocess.Popen([sys.executable, "main.py", "feed", "serve", str(self.config)], cwd=REPO,
                                    env=self.env, stdout=out, stderr=err)
        self.procs.append(proc)
        self.serves[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.out").read_text() + (self.tmp / f"{name}.err").read_text()

    def seqs(self) -> list[int]:
        with self.reader.connect() as conn:
            return list(conn.scalars(select(UnitStatusEvent.seq).where(
                UnitStatusEvent.publisher == "ambulans", UnitStatusEvent.epoch == self.epoch)))

    def holes(self) -> list[tuple[int, int, str]]:
        with self.reader.connect() as conn:
            return [(r.first_seq, r.last_seq, r.why) for r in conn.execute(select(FeedHole).where(
                FeedHole.publisher == "ambulans", FeedHole.epoch == self.epoch))]

    def wait(self, condition: Callable[[], bool], what: str, *, timeout: float = 30.0,
             alive: tuple[str, ...] = (), detail: Callable[[], str] = str) -> None:
        """Poll `condition`; fail with the serve processes' output on timeout or when one of `alive` exits."""
        deadline = time.monotonic() + timeout
        while not condition():
            for name in alive:
                proc = self.serves[name]
                if proc.poll() is not None:
                    pytest.fail(f"feed serve {name} exited ({proc.returncode}) while waiting for {what}:\n"
                                f"{self.log(name)[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout} s waiting for {what} {detail()}")
            time.sleep(0.05)

    def covered(self, last: int) -> set[int]:
        """Every sequence number 1..last that is stored or named in a hole."""
        have = set(self.seqs())
        for first, end, _ in self.holes():
            have.update(range(first, end + 1))
        return have & set(range(1, last + 1))


def _provision(url: str, token_file: Path) -> None:
    """Migrate, and a service token for system.flöde made by an administrator (as `users token create` does)."""
    engine = make_engine(url)
    migrate(engine)
    token = new_token()
    with session_factory(engine)() as s, s.begin():
        provision_system_user(s, FEED_USER)
        admin = provision_and_sign_in(s, "admin.test", Role.ADMIN)
        create_token(s, admin, FEED_USER, "failover", token_hash(token))
    engine.dispose()
    token_file.write_text(token + "\n", encoding="utf-8")


def _central(url: str, tmp: Path) -> Iterator[Central]:
    token_file = tmp / "flöde.token"
    _provision(url, token_file)
    ports = (_free_port(), _free_port())
    config = tmp / "flöden.yaml"
    save_subscriber_config(SubscriberConfig(feeds=[FeedEndpoint(
        publisher="ambulans", updates=f"tcp://127.0.0.1:{ports[0]}", snapshot=f"tcp://127.0.0.1:{ports[1]}")],
        insecure_lab=True), config)
    env = {**os.environ, "LARMCENTRAL_DB_URL": url, "LARMCENTRAL_TOKEN_FILE": str(token_file),
           "PYTHONUNBUFFERED": "1"}
    central = Central(url, tmp, create_engine(url), env, config, ports)  # plain reads, no write lock on SQLite
    try:
        yield central
    finally:
        for proc in central.procs:  # only the processes this test started
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
        central.reader.dispose()


@pytest.fixture
def central(db_url: str, tmp_path: Path) -> Iterator[Central]:
    yield from _central(db_url, tmp_path)


@pytest.fixture
def pg_central(postgres_url: str, tmp_path: Path) -> Iterator[Central]:
    yield from _central(postgres_url, tmp_path)


def _ranges(seqs: set[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(seqs):
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def _assert_every_update_stored_once(c: Central, last: int) -> None:
    c.wait(lambda: len(c.covered(last)) == last, f"every update 1..{last} stored or named in a hole",
           detail=lambda: f"missing {_ranges(set(range(1, last + 1)) - c.covered(last))}\n"
                          + "\n".join(f"--- {n}\n{c.log(n)[-4000:]}" for n in c.serves))
    assert c.holes() == [], "the replay buffer covers the downtime: no hole"
    seqs = c.seqs()
    assert sorted(seqs) == list(range(1, last + 1)), "each numbered update stored exactly once"
    with c.reader.connect() as conn:
        others = conn.scalar(select(func.count()).select_from(UnitStatusEvent).where(
            UnitStatusEvent.epoch.is_not(None), UnitStatusEvent.epoch != c.epoch))
    assert others == 0


def test_kill_9_of_feed_serve_mid_flow_and_restart_loses_nothing(central: Central) -> None:
    c = central
    c.start_publisher()
    first = c.serve("first")
    c.wait(lambda: len(c.seqs()) >= 2 * RATE, "the first feed serve storing", alive=("first",))
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stored_at_kill = len(c.seqs())
    time.sleep(1.0)  # downtime: the publisher goes on publishing into the void
    c.serve("second")
    c.wait(lambda: len(c.seqs()) > stored_at_kill + RATE, "the restarted feed serve storing", alive=("second",))
    last = c.stop_publishing()
    assert last > stored_at_kill + RATE
    _assert_every_update_stored_once(c, last)
    assert "leder nu" in c.log("second")


@pytest.mark.postgres
def test_leader_failover_between_two_feed_serve_processes_loses_nothing(pg_central: Central) -> None:
    c = pg_central
    c.start_publisher()
    leader = c.serve("leader")
    c.wait(lambda: LEADS in c.log("leader") and len(c.seqs()) > 0, "the first feed serve leading", alive=("leader",))
    c.serve("follower")
    c.wait(lambda: "ledning: följer" in c.log("follower"), "the second feed serve following", alive=("follower",))
    c.wait(lambda: len(c.seqs()) >= 3 * RATE, "the leader storing", alive=("leader",))
    assert LEADS not in c.log("follower")
    leader.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    leader.wait(10)
    stored_at_kill = len(c.seqs())
    c.wait(lambda: LEADS in c.log("follower"), "the follower taking the lead", alive=("follower",))
    took_lead = time.monotonic() - killed
    c.wait(lambda: len(c.seqs()) > stored_at_kill + RATE, "the new leader storing", alive=("follower",))
    print(f"\nfailover: the follower led {took_lead:.2f} s after the leader's SIGKILL")
    last = c.stop_publishing()
    _assert_every_update_stored_once(c, last)
