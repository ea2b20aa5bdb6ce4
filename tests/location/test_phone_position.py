"""The caller's phone position (AML) as the telephony integration sends it (resources.location.phone_position):
read strictly, each bad field named in Swedish; and what the console's inbox keeps and offers a call
(dispatch.phone_positions), with the accuracy judged by assess_position."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dispatch.phone_positions import PhonePositionInbox
from resources.location.assess import assess_position
from resources.location.model import PositionSource
from resources.location.phone_position import (
    MAX_MESSAGE_BYTES,
    PhonePosition,
    PhonePositionError,
    encode_phone_position,
    parse_phone_position,
)

NOW = datetime(2026, 3, 1, 9, 15, tzinfo=UTC)
GOOD = {"v": 1, "phone": "+46701234567", "lat": 55.6050, "lon": 13.0038, "accuracy_m": 12.5,
        "at": "2026-03-01T10:15:30+01:00", "source": "GNSS"}


def raw(**changes: object) -> bytes:
    body = {**GOOD, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not ...}).encode()


def position(phone: str = "+46701234567", *, at: datetime = NOW, accuracy_m: float = 12.0,
             lat: float = 55.6050, lon: float = 13.0038) -> PhonePosition:
    return PhonePosition(phone=phone, lat=lat, lon=lon, accuracy_m=accuracy_m, at=at, source="GNSS")


def test_a_good_message_is_read_with_its_accuracy_and_time() -> None:
    pos = parse_phone_position(raw())
    assert (pos.phone, pos.lat, pos.lon, pos.accuracy_m, pos.source) == ("+46701234567", 55.605, 13.0038, 12.5, "GNSS")
    assert pos.at == datetime(2026, 3, 1, 9, 15, 30, tzinfo=UTC)


def test_source_may_be_left_out_and_z_is_utc() -> None:
    pos = parse_phone_position(raw(source=..., at="2026-03-01T09:15:30Z"))
    assert pos.source is None and pos.at == datetime(2026, 3, 1, 9, 15, 30, tzinfo=UTC)


def test_encode_reads_back_exactly() -> None:
    pos = parse_phone_position(raw())
    assert parse_phone_position(encode_phone_position(pos)) == pos
    assert json.loads(encode_phone_position(pos))["v"] == 1


BAD = [
    (raw(lat="55.6050"), "fältet lat ska vara ett tal från -90 till 90 (grader, WGS84) (fick \"55.6050\")"),
    (raw(lat=True), "fältet lat ska vara ett tal"),
    (raw(lat=91), "fältet lat ska vara ett tal från -90 till 90 (grader, WGS84) (fick 91)"),
    (raw(lon=-181.5), "fältet lon ska vara ett tal från -180 till 180"),
    (raw(accuracy_m=0), "fältet accuracy_m ska vara ett tal större än 0 och högst 100000 (meter, osäkerhetsradie)"),
    (raw(accuracy_m=-5), "fältet accuracy_m ska vara ett tal större än 0"),
    (raw(accuracy_m="12"), "fältet accuracy_m ska vara ett tal"),
    (raw(at="2026-03-01T10:15:30"), "fältet at ska vara en tidpunkt enligt ISO 8601 med tidszon, t.ex. "
                                    "2026-03-01T10:15:30+01:00 (fick \"2026-03-01T10:15:30\")"),
    (raw(at="igår"), "fältet at ska vara en tidpunkt"),
    (raw(at=1772356530), "fältet at ska vara en tidpunkt"),
    (raw(source="gps"), "fältet source ska vara GNSS, WIFI, CELL eller UNKNOWN, eller utelämnas (fick \"gps\")"),
    (raw(phone="okänt"), "fältet phone ska vara den uppringandes nummer"),
    (raw(phone=701234567), "fältet phone ska vara den uppringandes nummer"),
    (raw(v=2), "fältet v ska vara 1 (protokollets version) (fick 2)"),
    (raw(v=True), "fältet v ska vara 1 (protokollets version) (fick true)"),
    (raw(v=...), "fältet v saknas"),
    (raw(accuracy_m=...), "fältet accuracy_m saknas"),
    (raw(call_id="4711"), "okänt fält 'call_id'"),
    (b'{"v": 1, "phone": "0701234567", "lat": NaN, "lon": 13.0, "accuracy_m": 5, "at": "2026-03-01T10:00Z"}',
     "fältet lat ska vara ett tal"),
    (b"{not json", "ogiltig JSON (tecken 2)"),
    (b"[55.6, 13.0]", "meddelandet ska vara ett JSON-objekt"),
    (b"\xff\xfe", "meddelandet är inte UTF-8"),
    (b" " * (MAX_MESSAGE_BYTES + 1), f"meddelandet är för stort ({MAX_MESSAGE_BYTES + 1} byte, högst 4096)"),
]


@pytest.mark.parametrize(("message", "reason"), BAD, ids=[r[:40] for _, r in BAD])
def test_a_bad_message_is_refused_naming_the_field(message: bytes, reason: str) -> None:
    with pytest.raises(PhonePositionError) as caught:
        parse_phone_position(message)
    assert reason in str(caught.value)


def test_the_error_names_its_field_for_the_log() -> None:
    with pytest.raises(PhonePositionError) as caught:
        parse_phone_position(raw(accuracy_m=0))
    assert caught.value.field == "accuracy_m"


def test_a_phone_position_is_judged_by_its_accuracy() -> None:
    """AML with accuracy: the radius the network sent decides whether the nurse must confirm it."""
    good = parse_phone_position(raw(accuracy_m=35))
    poor = parse_phone_position(raw(accuracy_m=3200))
    judged = [assess_position(p.lat, p.lon, PositionSource.PHONE, accuracy_m=p.accuracy_m, at=p.at,
                              max_accuracy_m=100, now=p.at + timedelta(seconds=20), max_age_s=600)
              for p in (good, poor)]
    assert judged[0].flag is None and judged[0].accuracy_m == 35
    assert judged[1].flag == "Osäker position: ±3\u00a0200 m (gräns 100 m)" and judged[1].accuracy_m == 3200


# --- what the inbox keeps (no socket: `add` is the path every received position takes) -----------------------
def test_latest_for_matches_the_number_however_it_is_written() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0")
    inbox.add(position("+46 70-123 45 67"), now=NOW)
    for written in ("0701234567", "070-123 45 67", "+46701234567", "0046 70 123 45 67"):
        assert inbox.latest_for(written) == position("+46 70-123 45 67"), written
    assert inbox.latest_for("0707654321") is None
    assert inbox.latest_for("") is None and inbox.latest_for(None) is None


def test_the_latest_measured_wins_not_the_latest_received() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0")
    newer = position(at=NOW, accuracy_m=8)
    older = position(at=NOW - timedelta(seconds=30), accuracy_m=900)
    inbox.add(newer, now=NOW)
    inbox.add(older, now=NOW)  # a cell fix delayed in the network
    assert inbox.latest_for("0701234567") == newer
    improved = position(at=NOW + timedelta(seconds=5), accuracy_m=4)
    inbox.add(improved, now=NOW)
    assert inbox.latest_for("0701234567") == improved


def test_what_is_kept_is_bounded_by_count_and_age() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0", keep_numbers=3, keep_s=3600)
    for i in range(5):
        inbox.add(position(f"07000000{i:02d}", at=NOW), now=NOW)
    assert [inbox.latest_for(f"07000000{i:02d}") is not None for i in range(5)] == [False, False, True, True, True]
    inbox.add(position("0709999999", at=NOW + timedelta(hours=2)), now=NOW + timedelta(hours=2))
    assert inbox.latest_for("0700000004") is None and inbox.latest_for("0709999999") is not None


def test_for_call_by_number_whatever_its_age() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0")
    old = position(at=NOW - timedelta(minutes=30))
    inbox.add(old, now=NOW)
    match = inbox.for_call("070-123 45 67", now=NOW, max_age_s=600)
    assert match is not None and (match.position, match.by_number, match.note) == (old, True, None)


def test_for_call_offers_the_only_fresh_position_with_a_note() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0")
    inbox.add(position("0731112233", at=NOW - timedelta(minutes=20)), now=NOW)  # not fresh
    fresh = position("0709876543", at=NOW - timedelta(seconds=40))
    inbox.add(fresh, now=NOW)
    match = inbox.for_call("040-123 45 67", now=NOW, max_age_s=600)
    assert match is not None and match.position == fresh and match.by_number is False
    assert match.note == ("Enda färska telefonpositionen kom från numret 0709876543, inte från "
                          "återuppringningsnumret – kontrollera med inringaren")
    unknown = inbox.for_call("", now=NOW, max_age_s=600)
    assert unknown is not None and "återuppringningsnumret är inte angivet" in (unknown.note or "")


def test_for_call_offers_nothing_when_two_are_fresh_or_none_is() -> None:
    inbox = PhonePositionInbox("tcp://127.0.0.1:0")
    assert inbox.for_call("0401234567", now=NOW, max_age_s=600) is None
    inbox.add(position("0731112233", at=NOW - timedelta(minutes=11)), now=NOW)
    assert inbox.for_call("0401234567", now=NOW, max_age_s=600) is None
    inbox.add(position("0709876543", at=NOW - timedelta(seconds=10)), now=NOW)
    inbox.add(position("0705555555", at=NOW - timedelta(seconds=20)), now=NOW)
    assert inbox.for_call("0401234567", now=NOW, max_age_s=600) is None
    assert [p.phone for p in inbox.recent(now=NOW, max_age_s=600)] == ["0709876543", "0705555555"]
