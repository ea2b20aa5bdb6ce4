"""FeedPublisher: the publishing side of the feed protocol, version 2 (used by the simulator; a reference
for teams writing their own publisher, see docs/feed-protocol.md).

Binds a PUB socket for updates and a ROUTER socket for snapshots and replays. Keeps the last
`replay_buffer` updates so a subscriber that missed some can ask for them again. Not thread-safe: one
thread calls publish_*(), heartbeat() and serve_snapshots() (the latter non-blocking, call it often).
Fault switches (`drop_rate`, `silent`, `send_garbage`, `restart`) exist for tests and the simulator;
`version=1` behaves as a version 1 publisher (no replay) for compatibility tests.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import cast

import zmq

from dispatch.feed.messages import (
    MAX_REPLAY_UPDATES,
    TOPIC_HEARTBEAT,
    TOPIC_OUTCOME,
    TOPIC_REPLAY,
    TOPIC_SNAPSHOT,
    TOPIC_STATUS,
    SnapshotRequest,
)
from dispatch.feed.security import load_public, load_secret, make_curve_client
from resources.vocabulary import UnitStatus


@dataclass(frozen=True)
class PublisherSecurity:
    """CURVE client keys: this publisher's secret key file and the larmcentral's public key file."""

    secret_key: str
    server_public_key: str


def new_epoch() -> str:
    return secrets.token_hex(8)


class FeedPublisher:
    def __init__(self, publisher: str, *, updates: str = "tcp://127.0.0.1:*", snapshot: str = "tcp://127.0.0.1:*",
                 context: zmq.Context | None = None, security: PublisherSecurity | None = None,  # type: ignore[type-arg]
                 retain_outcomes: int = 1000, sndhwm: int = 100_000, seed: int | None = None,
                 replay_buffer: int = 100_000, version: int = 2):
        self.publisher = publisher
        self.version = version
        # (seq, topic, body) of the last updates, oldest first, for replay requests (version 2)
        self.replay: deque[tuple[int, str, dict]] = deque(maxlen=replay_buffer if version >= 2 else 0)  # type: ignore[type-arg]
        self.context = context or zmq.Context.instance()
        self.epoch = new_epoch()
        self.seq = 0
        self.units: dict[str, dict] = {}  # type: ignore[type-arg]
        self.outcomes: deque[dict] = deque(maxlen=retain_outcomes)  # type: ignore[type-arg]
        self.drop_rate = 0.0
        self.silent = False
        self.sent = 0
        self.dropped = 0
        self._rng = random.Random(seed)
        self.pub = self.context.socket(zmq.PUB)
        self.router = self.context.socket(zmq.ROUTER)
        try:
            for sock in (self.pub, self.router):
                sock.linger = 0
                if security is not None:
                    public, secret = load_secret(security.secret_key)
                    make_curve_client(sock, public, secret, load_public(security.server_public_key))
            self.pub.sndhwm = sndhwm
            self.pub.bind(updates)
            self.router.bind(snapshot)
        except BaseException:
            self.close()  # an open socket would make terminating the context hang for ever
            raise

    @property
    def updates_endpoint(self) -> str:
        return cast(bytes, self.pub.last_endpoint).decode()

    @property
    def snapshot_endpoint(self) -> str:
        return cast(bytes, self.router.last_endpoint).decode()

    def close(self) -> None:
        self.pub.close(linger=0)
        self.router.close(linger=0)

    # --- publishing ---------------------------------------------------------------------------

    def _header(self, ts: float | None) -> dict:  # type: ignore[type-arg]
        return {"v": self.version, "publisher": self.publisher, "epoch": self.epoch, "seq": self.seq,
                "ts": time.time() if ts is None else ts}

    def _send(self, topic: bytes, body: dict) -> None:  # type: ignore[type-arg]
        if self.replay.maxlen:
            self.replay.append((body["seq"], topic.decode(), body))
        if self.silent:
            return
        if self.drop_rate and self._rng.random() < self.drop_rate:
            self.dropped += 1
            return
        self.pub.send_multipart([topic, json.dumps(body, ensure_ascii=False).encode()])
        self.sent += 1

    def set_state(self, unit_id: str, status: UnitStatus | str, lat: float, lon: float,
                  case_id: int | None = None, ts: float | None = None) -> None:
        """Record a unit's state for snapshots without publishing it (initial state at start)."""
        self.units[unit_id] = {"unit_id": unit_id, "status": str(status), "lat": lat, "lon": lon,
                               "case_id": case_id, "seq": 0, "ts": time.time() if ts is None else ts}

    def publish_status(self, unit_id: str, status: UnitStatus | str, lat: float, lon: float,
                       case_id: int | None = None, ts: float | None = None) -> int:
        """Publish a unit's status and position; returns its sequence number."""
        if self.silent:
            return self.seq
        self.seq += 1
        body = self._header(ts)
        body.update(unit_id=unit_id, status=str(status), lat=lat, lon=lon, case_id=case_id)
        self.units[unit_id] = {"unit_id": unit_id, "status": str(status), "lat": lat, "lon": lon,
                               "case_id": case_id, "seq": self.seq, "ts": body["ts"]}
        self._send(TOPIC_STATUS, body)
        return self.seq

    def publish_outcome(self, unit_id: str, case_id: int, code: str, destination: str | None = None,
                        note: str | None = None, ts: float | None = None) -> int:
        if self.silent:
            return self.seq
        self.seq += 1
        body = self._header(ts)
        body.update(unit_id=unit_id, case_id=case_id, code=code, destination=destination)
        if note is not None:
            body["note"] = note
        self.outcomes.append(body)
        self._send(TOPIC_OUTCOME, body)
        return self.seq

    def heartbeat(self) -> None:
        if not self.silent:
            self.pub.send_multipart([TOPIC_HEARTBEAT, json.dumps(self._header(None)).encode()])

    # --- snapshots ----------------------------------------------------------------------------

    def snapshot_body(self, request_id: str) -> dict:  # type: ignore[type-arg]
        body = self._header(None)
        body.update(request_id=request_id, units=list(self.units.values()), outcomes=list(self.outcomes))
        return body

    def replay_body(self, request_id: str, epoch: str, first: int, last: int) -> dict:  # type: ignore[type-arg]
        """The updates numbered first..last that are still held (at most MAX_REPLAY_UPDATES), oldest first."""
        body = self._header(None)
        held = self.replay
        oldest = held[0][0] if held else self.seq + 1
        updates: list[dict] = []  # type: ignore[type-arg]
        if epoch == self.epoch and held and last >= oldest:
            start = max(first, oldest) - oldest  # sequence numbers in the buffer are consecutive
            for i in range(start, len(held)):
                seq, topic, message = held[i]
                if seq > last or len(updates) >= MAX_REPLAY_UPDATES:
                    break
                updates.append({"topic": topic, "message": message})
        body.update(v=2, request_id=request_id, oldest=oldest, updates=updates)
        return body

    def serve_snapshots(self) -> int:
        """Answer every pending snapshot request (non-blocking); returns how many were answered."""
        answered = 0
        while True:
            try:
                frames = self.router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return answered
            if self.silent:
                continue
            # [identity, (empty delimiter from a REQ client,) "snapshot", body]
            split = 2 if len(frames) > 1 and frames[1] == b"" else 1
            envelope, rest = frames[:split], frames[split:]
            if len(rest) != 2 or rest[0] != TOPIC_SNAPSHOT:
                continue
            try:
                request = SnapshotRequest.model_validate_json(rest[1])
            except ValueError:
                continue
            if request.replay is not None and self.version >= 2:
                reply = self.replay_body(request.request_id, request.replay.epoch, request.replay.first,
                                         request.replay.last)
                self.router.send_multipart([*envelope, TOPIC_REPLAY, json.dumps(reply, ensure_ascii=False).encode()])
            else:
                body = json.dumps(self.snapshot_body(request.request_id), ensure_ascii=False).encode()
                self.router.send_multipart([*envelope, TOPIC_SNAPSHOT, body])
            answered += 1

    # --- faults for tests ---------------------------------------------------------------------

    def restart(self, *, same_epoch: bool = False) -> None:
        """Behave as a restarted publisher: new epoch, sequence numbers from 1 again, outcomes forgotten.
        `same_epoch` misbehaves as a publisher that forgets to change its epoch (the protocol forbids it)."""
        if not same_epoch:
            self.epoch = new_epoch()
        self.seq = 0
        for entry in self.units.values():
            entry["seq"] = 0
        self.outcomes.clear()
        self.replay.clear()

    def send_garbage(self, unit_id: str) -> list[str]:
        """Send one message of every class of bad input; returns the reasons the subscriber should give.
        None of them consumes a sequence number."""
        hdr = self._header(None)
        hdr["seq"] = self.seq + 1
        good = {**hdr, "unit_id": unit_id, "status": "ledig_station", "lat": 55.6, "lon": 13.0, "case_id": None}
        cases = [
            ("malformed_frames", [TOPIC_STATUS]),
            ("malformed_frames", [TOPIC_STATUS, b"{}", b"extra"]),
            ("unknown_topic", [b"weather", json.dumps(good).encode()]),
            ("invalid_json", [TOPIC_STATUS, b"{not json"]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "status": "flying"}).encode()]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "v": 3}).encode()]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "case_id": True}).encode()]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "lat": "55.6"}).encode()]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "seq": str(hdr["seq"])}).encode()]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "case_id": 2**63}).encode()]),
            ("schema", [TOPIC_STATUS, json.dumps({**good, "case_id": 2**31}).encode().replace(b"2147483648", b"1e400")]),
            ("too_large", [TOPIC_STATUS, json.dumps({**good, "pad": "x" * 9000}).encode()]),
            ("unknown_unit", [TOPIC_STATUS, json.dumps({**good, "unit_id": "NOPE-999"}).encode()]),
            ("future_timestamp", [TOPIC_STATUS, json.dumps({**good, "ts": time.time() + 3600}).encode()]),
            ("outside_skane", [TOPIC_STATUS, json.dumps({**good, "lat": 59.33, "lon": 18.07}).encode()]),
        ]
        for _, frames in cases:
            self.pub.send_multipart(frames)
        return [reason for reason, _ in cases]
