"""assess_position (resources.location.assess): a position outside Skåne, with an accuracy worse than the setting,
too old, from the future or only a kommun's centre is flagged in Swedish — never used silently — and a good one is
not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from resources.location.assess import assess_position
from resources.location.model import PositionSource
from resources.settings import load_settings

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
MALMO = (55.6050, 13.0038)
COPENHAGEN = (55.6761, 12.5683)
LAHOLM = (56.5127, 13.0446)  # Halland, just north of the border


def test_a_good_phone_position_is_not_flagged_and_keeps_what_it_was() -> None:
    at = NOW - timedelta(seconds=20)
    pos = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=12, at=at, max_accuracy_m=100, now=NOW,
                          max_age_s=600)
    assert pos.flag is None
    assert (pos.lat, pos.lon, pos.source, pos.accuracy_m, pos.at) == (*MALMO, PositionSource.PHONE, 12, at)


@pytest.mark.parametrize("where", [COPENHAGEN, LAHOLM, (13.0038, 55.6050)])
def test_outside_skane_is_flagged_with_where_it_is(where: tuple[float, float]) -> None:
    pos = assess_position(*where, PositionSource.COORDINATES, max_accuracy_m=100)
    assert pos.flag is not None and pos.flag.startswith("Positionen ligger utanför Skåne (")
    assert (pos.lat, pos.lon) == where  # flagged, not moved


def test_outside_skane_names_the_position_in_swedish() -> None:
    pos = assess_position(*COPENHAGEN, PositionSource.MAP, accuracy_m=20, max_accuracy_m=100)
    assert pos.flag == "Positionen ligger utanför Skåne (55,67610° N, 12,56830° E)"


def test_accuracy_worse_than_the_setting_is_flagged_with_both_numbers() -> None:
    pos = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=3200, at=NOW, max_accuracy_m=1000, now=NOW)
    assert pos.flag == "Osäker position: ±3\u00a0200 m (gräns 1\u00a0000 m)"
    assert pos.accuracy_m == 3200


def test_accuracy_exactly_at_the_bound_is_accepted_one_metre_over_is_not() -> None:
    assert assess_position(*MALMO, PositionSource.PHONE, accuracy_m=100, at=NOW, max_accuracy_m=100,
                           now=NOW).flag is None
    assert assess_position(*MALMO, PositionSource.PHONE, accuracy_m=101, at=NOW, max_accuracy_m=100,
                           now=NOW).flag == "Osäker position: ±101 m (gräns 100 m)"


def test_the_default_setting_flags_a_cell_fix_and_passes_a_gnss_fix() -> None:
    bound = load_settings({}).position_max_accuracy_m
    assert bound == 100
    assert assess_position(*MALMO, PositionSource.PHONE, accuracy_m=15, at=NOW, max_accuracy_m=bound,
                           now=NOW).flag is None
    assert "Osäker position" in (assess_position(*MALMO, PositionSource.PHONE, accuracy_m=1500, at=NOW,
                                                 max_accuracy_m=bound, now=NOW).flag or "")


def test_a_phone_position_without_accuracy_is_uncertain_a_typed_one_is_not() -> None:
    assert assess_position(*MALMO, PositionSource.PHONE, at=NOW, max_accuracy_m=100,
                           now=NOW).flag == "Osäker position: noggrannheten okänd"
    assert assess_position(*MALMO, PositionSource.COORDINATES, max_accuracy_m=100).flag is None


def test_an_old_phone_position_is_flagged_with_its_age() -> None:
    pos = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=NOW - timedelta(minutes=14),
                          max_accuracy_m=100, now=NOW, max_age_s=600)
    assert pos.flag == "Gammal position: mätt för 14 min sedan (gräns 10 min)"
    young = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=NOW - timedelta(seconds=599),
                            max_accuracy_m=100, now=NOW, max_age_s=600)
    assert young.flag is None
    unjudged = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=NOW - timedelta(hours=3),
                               max_accuracy_m=100, now=NOW)
    assert unjudged.flag is None  # no limit given: the age is not judged


def test_hours_and_seconds_read_naturally() -> None:
    pos = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=NOW - timedelta(hours=2, minutes=5),
                          max_accuracy_m=100, now=NOW, max_age_s=45)
    assert pos.flag == "Gammal position: mätt för 2 h 5 min sedan (gräns 45 s)"


def test_a_position_from_the_future_is_flagged_a_little_clock_skew_is_not() -> None:
    ahead = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=NOW + timedelta(minutes=3),
                            max_accuracy_m=100, now=NOW, max_age_s=600)
    assert ahead.flag == "Positionens tid ligger 3 min fram i tiden"
    skew = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=NOW + timedelta(seconds=30),
                           max_accuracy_m=100, now=NOW, max_age_s=600)
    assert skew.flag is None


def test_a_kommun_centre_is_always_flagged() -> None:
    pos = assess_position(55.4295, 13.8200, PositionSource.KOMMUN_CENTRE, accuracy_m=5000, max_accuracy_m=10_000)
    assert pos.flag == "Ersättningsposition: kommunens centrum"


def test_every_reason_is_given_at_once() -> None:
    pos = assess_position(*COPENHAGEN, PositionSource.PHONE, accuracy_m=900, at=NOW - timedelta(hours=1),
                          max_accuracy_m=100, now=NOW, max_age_s=600)
    assert pos.flag == ("Positionen ligger utanför Skåne (55,67610° N, 12,56830° E); "
                        "Osäker position: ±900 m (gräns 100 m); Gammal position: mätt för 1 h sedan (gräns 10 min)")


def test_the_clock_is_read_when_now_is_not_given() -> None:
    pos = assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=datetime.now(UTC) - timedelta(hours=1),
                          max_accuracy_m=100, max_age_s=600)
    assert pos.flag is not None and pos.flag.startswith("Gammal position")


def test_a_naive_time_or_an_impossible_position_is_refused() -> None:
    with pytest.raises(ValueError, match="at saknar tidszon"):
        assess_position(*MALMO, PositionSource.PHONE, accuracy_m=10, at=datetime(2026, 3, 1, 10), max_accuracy_m=100)
    with pytest.raises(ValidationError):
        assess_position(95.0, 13.0, PositionSource.COORDINATES, max_accuracy_m=100)
