"""The console's AML glue (console/phone_position_watch.py): positions and bad messages from a real ZeroMQ PUSH
reach the Qt signals through the socket notifier (no polling); an endpoint in use leaves the console working and
says so in Swedish; and the test hook's `phone_position` step injects a position as the integration would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zmq

import console.phone_position_watch as watch_module
from console.phone_position_watch import PhonePositionWatch
from console.script_hook import ScriptError, ScriptRunner, load_script
from resources.location.phone_position import PhonePosition, encode_phone_position

pytestmark = [pytest.mark.gui, pytest.mark.zmq]


def position(phone: str = "+46 40 123 45 67", *, accuracy_m: float = 25.0, age_s: float = 10) -> PhonePosition:
    return PhonePosition(phone=phone, lat=55.7042, lon=13.1942, accuracy_m=accuracy_m,
                         at=datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=age_s), source="GNSS")


@pytest.fixture
def watch(qapp) -> Iterator[PhonePositionWatch]:  # type: ignore[no-untyped-def]
    w = PhonePositionWatch("tcp://127.0.0.1:*", max_age_s=600)
    yield w
    w.close()


@pytest.fixture
def push(watch: PhonePositionWatch) -> Iterator[zmq.Socket]:  # type: ignore[type-arg]
    assert watch.start() is None
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(watch.endpoint)
    yield sock
    sock.close(0)
    ctx.term()


def test_positions_and_bad_messages_reach_the_signals_through_the_notifier(
        qtbot, watch: PhonePositionWatch, push: zmq.Socket, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def,type-arg]
    watch._safety.stop()  # only the socket notifier may deliver: a broken notifier fails this test
    received: list[PhonePosition] = []
    bad: list[str] = []
    watch.position_received.connect(received.append)
    watch.bad_message.connect(bad.append)
    sent = position()
    push.send(encode_phone_position(sent))
    push.send(b'{"v": 1, "phone": "0701234567"}')
    qtbot.waitUntil(lambda: len(received) == 1 and len(bad) == 1, timeout=5000)
    assert received == [sent]
    assert bad == ["fältet lat saknas"]
    assert watch.for_call("040-123 45 67") == (sent, True, None)


def test_a_burst_is_taken_in_batches_and_nothing_is_left_behind(
        qtbot, watch: PhonePositionWatch, push: zmq.Socket) -> None:  # type: ignore[no-untyped-def,type-arg]
    watch._safety.stop()
    received: list[PhonePosition] = []
    watch.position_received.connect(received.append)
    for i in range(watch_module.BATCH * 2 + 37):
        push.send(encode_phone_position(position(f"07000{i:05d}")))
    qtbot.waitUntil(lambda: len(received) == watch_module.BATCH * 2 + 37, timeout=10000)
    assert len({p.phone for p in received}) == len(received)


def test_an_endpoint_in_use_leaves_the_console_working_and_says_why(
        qtbot, watch: PhonePositionWatch, push: zmq.Socket) -> None:  # type: ignore[no-untyped-def,type-arg]
    second = PhonePositionWatch(watch.endpoint, max_age_s=600)
    said: list[str] = []
    second.unavailable.connect(said.append)
    try:
        problem = second.start()
        assert problem is not None and said == [problem] and second.problem == problem
        assert problem.startswith("Telefonpositioner (AML) kan inte tas emot: ")
        assert "används redan" in problem and "Konsolen fungerar i övrigt" in problem
        assert second.for_call("0401234567") is None and second.recent() == []
        second.inject(position())  # the test hook still reaches it
        assert second.latest_for("040-123 45 67") is not None
    finally:
        second.close()


def test_inject_is_signalled_and_kept_like_a_received_position(qtbot, watch: PhonePositionWatch) -> None:  # type: ignore[no-untyped-def]
    received: list[PhonePosition] = []
    watch.position_received.connect(received.append)
    pos = position("0709876543")
    watch.inject(pos)
    assert received == [pos]
    match = watch.for_call("040-111 22 33")  # another callback number: the only fresh one, with a note
    assert match is not None and match.position == pos and not match.by_number
    assert match.note is not None and "0709876543" in match.note


# --- the test hook's phone_position step ----------------------------------------------------------------------
def _script(tmp_path: Path, steps: object) -> Path:
    path = tmp_path / "steg.json"
    path.write_text(json.dumps(steps, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("step", "said"), [
    ({"phone_position": "0701234567"}, "steg 1: phone_position ska vara ett JSON-objekt"),
    ({"phone_position": {"phone": "0701234567", "lat": 55.6, "lon": 13.0}}, "steg 1: phone_position: fältet "
                                                                            "accuracy_m saknas"),
    ({"phone_position": {"phone": "0701234567", "lat": 55.6, "lon": 13.0, "accuracy_m": -1}},
     "steg 1: phone_position: fältet accuracy_m ska vara ett tal större än 0"),
    ({"phone_position": {"phone": "0701234567", "lat": 55.6, "lon": 13.0, "accuracy_m": 5, "age_s": -3}},
     "steg 1: age_s i phone_position ska vara sekunder från 0 till 86400"),
    ({"phone_position": {"phone": "0701234567", "lat": 55.6, "lon": 13.0, "accuracy_m": 5, "age_s": 3,
                         "at": "2026-03-01T10:00:00+01:00"}}, "steg 1: ange at eller age_s"),
    ({"phone_position": {"phone": "0701234567", "lat": 55.6, "lon": 13.0, "accuracy_m": 5, "radie": 3}},
     "steg 1: okänt fält 'radie' i phone_position"),
])
def test_a_bad_phone_position_step_is_named_before_anything_opens(tmp_path: Path, step: object, said: str) -> None:
    path = _script(tmp_path, [step])
    with pytest.raises(ScriptError) as caught:
        load_script(path)
    assert said in str(caught.value) and str(path) in str(caught.value)


def test_the_step_injects_a_position_measured_age_s_ago(qtbot, tmp_path: Path, watch: PhonePositionWatch) -> None:  # type: ignore[no-untyped-def]
    steps = load_script(_script(tmp_path, [
        {"phone_position": {"phone": "040-123 45 67", "lat": 55.7042, "lon": 13.1942, "accuracy_m": 3200,
                            "source": "CELL", "age_s": 90}}]))
    received: list[PhonePosition] = []
    watch.position_received.connect(received.append)
    runner = ScriptRunner(steps, lambda: None, lambda: False, phone_positions=watch)
    before = datetime.now(UTC)
    runner.start()
    qtbot.waitUntil(lambda: len(received) == 1, timeout=5000)
    (pos,) = received
    assert (pos.phone, pos.lat, pos.lon, pos.accuracy_m, pos.source) == ("040-123 45 67", 55.7042, 13.1942, 3200, "CELL")
    assert before - timedelta(seconds=91) <= pos.at <= datetime.now(UTC) - timedelta(seconds=89)
    assert runner.index == 1
