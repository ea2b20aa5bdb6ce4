"""The console's AML inbox over real ZeroMQ on loopback (dispatch.phone_positions): the telephony integration's
PUSH socket sends positions and garbage, the inbox returns each position or a Swedish reason and keeps going; an
endpoint that cannot be bound says so in Swedish; and `main.py aml send` delivers to it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import zmq

import larmcentral_cli
from dispatch.phone_positions import MAX_FRAME_BYTES, BadMessage, InboxUnavailable, PhonePositionInbox
from resources.location.phone_position import PhonePosition, encode_phone_position

pytestmark = pytest.mark.zmq

AT = datetime.now(UTC).replace(microsecond=0)  # kept: positions older than the inbox keeps are dropped


@pytest.fixture
def inbox() -> Iterator[PhonePositionInbox]:
    box = PhonePositionInbox("tcp://127.0.0.1:*")
    box.start()
    yield box
    box.close()


@pytest.fixture
def push(inbox: PhonePositionInbox) -> Iterator[zmq.Socket]:  # type: ignore[type-arg]
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(inbox.bound_endpoint)
    yield sock
    sock.close(0)
    ctx.term()


def take(inbox: PhonePositionInbox, count: int, timeout_s: float = 5.0) -> list[PhonePosition | BadMessage]:
    items: list[PhonePosition | BadMessage] = []
    deadline = time.monotonic() + timeout_s
    while len(items) < count and time.monotonic() < deadline:
        items += inbox.poll(100)
    return items


def message(phone: str = "+46701234567", **changes: object) -> bytes:
    pos = PhonePosition(phone=phone, lat=55.6050, lon=13.0038, accuracy_m=12.0, at=AT, source="GNSS")
    body = {**json.loads(encode_phone_position(pos)), **changes}
    return json.dumps(body).encode()


def test_positions_and_bad_messages_in_order_and_the_inbox_keeps_going(
        inbox: PhonePositionInbox, push: zmq.Socket) -> None:  # type: ignore[type-arg]
    push.send(message("070-111 11 11"))
    push.send(b"{not json")
    push.send(message("070-222 22 22", accuracy_m=0))
    push.send_multipart([b"position", message("070-333 33 33")])
    push.send(message("070-444 44 44", extra="x"))
    push.send(message("070-555 55 55", accuracy_m=3200))
    items = take(inbox, 6)
    assert len(items) == 6
    kinds = ["ok" if isinstance(i, PhonePosition) else "bad" for i in items]
    assert kinds == ["ok", "bad", "bad", "bad", "bad", "ok"]
    reasons = [i.reason for i in items if isinstance(i, BadMessage)]
    assert reasons == ["ogiltig JSON (tecken 2)",
                       "fältet accuracy_m ska vara ett tal större än 0 och högst 100000 (meter, osäkerhetsradie) "
                       "(fick 0)",
                       "2 ramar, ska vara en",
                       "okänt fält 'extra'"]
    assert items[0].accuracy_m == 12.0 and items[5].accuracy_m == 3200  # type: ignore[union-attr]
    assert inbox.latest_for("0701111111") is not None and inbox.latest_for("0705555555") is not None
    assert inbox.latest_for("0702222222") is None
    assert (inbox.received, inbox.rejected) == (2, 4)


def test_a_bad_message_is_logged_in_swedish(inbox: PhonePositionInbox, push: zmq.Socket,  # type: ignore[type-arg]
                                            caplog: pytest.LogCaptureFixture) -> None:
    push.send(message(lat=95))
    assert len(take(inbox, 1)) == 1
    assert any("telefonposition avvisad: fältet lat ska vara ett tal från -90 till 90" in r.getMessage()
               for r in caplog.records)


def test_an_oversized_frame_drops_only_that_connection(inbox: PhonePositionInbox) -> None:
    """A frame over the socket's limit ends the sender's connection (ZeroMQ reconnects it); nothing else stops."""
    ctx = zmq.Context()
    try:
        flooder, good = ctx.socket(zmq.PUSH), ctx.socket(zmq.PUSH)
        for sock in (flooder, good):
            sock.setsockopt(zmq.LINGER, 0)
            sock.connect(inbox.bound_endpoint)
        flooder.send(b"x" * (MAX_FRAME_BYTES + 1))
        good.send(message("070-666 66 66"))
        items = take(inbox, 1)
        assert [i.phone for i in items if isinstance(i, PhonePosition)] == ["070-666 66 66"]
        flooder.send(message("070-777 77 77"))  # the flooder reconnects and is heard again
        assert [i.phone for i in take(inbox, 1, timeout_s=10) if isinstance(i, PhonePosition)] == ["070-777 77 77"]
        flooder.close(0)
        good.close(0)
    finally:
        ctx.term()


def test_poll_returns_at_most_limit_and_the_rest_next_time(inbox: PhonePositionInbox,
                                                           push: zmq.Socket) -> None:  # type: ignore[type-arg]
    for i in range(7):
        push.send(message(f"07000000{i:02d}"))
    first = take(inbox, 1)
    deadline = time.monotonic() + 5
    while inbox.received < 7 and time.monotonic() < deadline:
        batch = inbox.poll(100, limit=3)
        assert len(batch) <= 3
        first += batch
    assert len(first) == 7


def test_an_endpoint_in_use_says_so_in_swedish(inbox: PhonePositionInbox) -> None:
    second = PhonePositionInbox(inbox.bound_endpoint)
    with pytest.raises(InboxUnavailable) as caught:
        second.start()
    text = str(caught.value)
    assert text.startswith(f"Telefonpositioner (AML) kan inte tas emot: {inbox.bound_endpoint} kan inte bindas – ")
    assert "används redan" in text and "Konsolen fungerar i övrigt" in text
    assert not second.running and second.poll(0) == []


def test_a_closed_inbox_can_start_again() -> None:
    box = PhonePositionInbox("tcp://127.0.0.1:*")
    box.start()
    box.close()
    box.start()
    assert box.running
    box.close()


# --- main.py aml send ------------------------------------------------------------------------------------------
def test_aml_send_delivers_a_position_to_the_console(inbox: PhonePositionInbox,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = larmcentral_cli.main(["aml", "send", "--phone", "070-123 45 67", "--lat", "55.6050", "--lon", "13.0038",
                                 "--accuracy", "25", "--at", AT.isoformat(), "--source", "WIFI",
                                 "--endpoint", inbox.bound_endpoint])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Skickade telefonposition för 070-123 45 67" in out.out
    items = take(inbox, 1)
    assert items == [PhonePosition(phone="070-123 45 67", lat=55.605, lon=13.0038, accuracy_m=25, at=AT,
                                   source="WIFI")]


def test_aml_send_uses_the_setting_and_now_by_default(inbox: PhonePositionInbox,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LARMCENTRAL_AML_ENDPOINT", inbox.bound_endpoint)
    before = datetime.now(UTC)
    assert larmcentral_cli.main(["aml", "send", "--phone", "0701234567", "--lat", "55.7", "--lon", "13.2",
                                 "--accuracy", "40"]) == 0
    (item,) = take(inbox, 1)
    assert isinstance(item, PhonePosition) and before <= item.at <= datetime.now(UTC) and item.source is None


def test_aml_send_without_a_console_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    probe = PhonePositionInbox("tcp://127.0.0.1:*")
    probe.start()
    free = probe.bound_endpoint
    probe.close()  # nobody listens there now
    code = larmcentral_cli.main(["aml", "send", "--phone", "0701234567", "--lat", "55.6", "--lon", "13.0",
                                 "--accuracy", "10", "--endpoint", free, "--wait", "0.3"])
    assert code == 1
    assert f"Ingen konsol tog emot telefonpositionen på {free} inom 0.3 s" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "reason"), [
    (["--accuracy", "0"], "--accuracy: ska vara ett tal större än 0"),
    (["--accuracy", "nan"], "--accuracy: ska vara ett tal större än 0"),
    (["--lat", "95"], "--lat: ska vara ett tal från -90 till 90"),
    (["--at", "2026-03-01T10:15:30"], "--at: ska vara en tidpunkt enligt ISO 8601 med tidszon"),
    (["--at", "igår"], "--at 'igår': ska vara en tidpunkt"),
    (["--phone", "okänt"], "--phone: ska vara den uppringandes nummer"),
    (["--endpoint", "localhost:5590"], "--endpoint 'localhost:5590' är ogiltig: ingen adress på formen tcp://värd:port"),
])
def test_aml_send_refuses_a_bad_value_naming_the_option(args: list[str], reason: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = {"--phone": "0701234567", "--lat": "55.6", "--lon": "13.0", "--accuracy": "10",
            "--endpoint": "tcp://127.0.0.1:5599", "--wait": "0.2"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    code = larmcentral_cli.main(["aml", "send", *[x for kv in base.items() for x in kv]])
    err = capsys.readouterr().err
    assert code == 2 and reason in err and "Traceback" not in err
